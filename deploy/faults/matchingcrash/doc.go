// Package matchingcrash is the fault test "kill -9 the matching service in the middle of
// 10,000 submitted missions, restart it: every mission ends with exactly one current shortlist,
// and no event was applied twice" (issue 5). The test runs the real matching binary as a child
// process against a NATS server of its own, kills it with SIGKILL while it ranks, restarts it,
// then checks its database and the streams. The package holds only those tests.
//
// TestKillMatchingReplicas does the same with two replicas on one PostgreSQL database (skipped
// when PostgreSQL is unreachable, failed under CI=true): one replica killed while both rank, the
// other going on alone, then both killed at once.
package matchingcrash
