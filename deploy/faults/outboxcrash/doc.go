// Package outboxcrash is the fault test "crash a service between its database commit and the
// publish": a real process (cmd/outboxsvc) commits events through the outbox and relays them to
// a NATS server this test runs on a loopback port, and kills itself with SIGKILL at a failpoint,
// either after the commits and before any publish, or after a publish was acknowledged and
// before the row was marked sent. Restarted without the failpoint, its relay publishes what is
// left; the test checks that the stream holds every event once (JetStream dropped the
// re-publish by its Nats-Msg-Id) and that an idempotent consumer (pkg/inbox) applied each once.
package outboxcrash
