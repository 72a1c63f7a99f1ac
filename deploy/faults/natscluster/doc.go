// Package natscluster holds the NATS fault tests: on a three-node JetStream cluster of real
// nats-server processes, on loopback only, nodes are killed with SIGKILL, restarted and paused
// with SIGSTOP/SIGCONT while the platform's streams are in use.
//
// The cluster is the local cluster's own NATS nodes run alone (deploy/local/cluster/clustertest,
// StartNATS): nats-server built from the Go module the repository pins (the version pkg
// requires), once per version, and cached under os.TempDir; the local cluster's ports shifted by
// a free offset (never a NATS default port); each node's JetStream store in the test's temporary
// directory, flushing every write (sync_interval: always), as a production node must for an
// acknowledged publish to survive a crash. Processes are killed when the test ends, failed or
// not, and, on Linux, when the test binary itself dies.
//
// Each test prints its figures on lines starting with "FIGURES ": events sent, acknowledged and
// read back, lost (acknowledged but absent: must be 0), unknown (read but never sent: 0),
// duplicates (0, thanks to Nats-Msg-Id), dedup_hits (retries JetStream recognised as already
// stored), failed publish attempts by kind, max_stall (the longest time without any
// acknowledgement, i.e. how long a failover took), and for the pause the time until a new
// leader was seen and until publishes succeeded again. Short by default (about 45 s, what CI
// runs); CAIOMATCH_FAULTS=full runs 60 s of kills and a 10 s pause.
package natscluster
