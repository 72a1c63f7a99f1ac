// Package faults holds the fault tests of issue 5: processes killed with SIGKILL, a NATS node
// stopped or paused, a crash between a commit and its publish, a malformed event, a SIGTERM
// under load. Each test prints the figures it measured. `go test ./...` here runs the short
// version (the one CI runs); CAIOMATCH_FAULTS=full runs the full one (`make faults`). See
// docs/RELIABILITY.md.
//
// What the tests share: faultstest (a program of the workspace built for a test, a NATS server
// their processes reach), deploy/local/cluster/clustertest (the three-node NATS cluster) and
// pkg/eventbus/eventbustest (in-process NATS, log buffers, stream and outbox readers).
package faults
