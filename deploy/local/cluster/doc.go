// Package cluster runs the platform as a local multi-process cluster on loopback, for tests
// and demos: three nats-server nodes (JetStream, sync_interval: always), PostgreSQL, two
// replicas of each service (profile, mission, matching, notification) and two gateways.
//
// The processes run in sessions of their own, so they outlive the program that started them
// (make cluster-up). Everything the cluster needs to be found again lives in its state
// directory (data/cluster by default): state.json (settings and process ids), the generated
// secrets, one data directory and one log per process. Load finds a running cluster from there,
// and Down stops it.
//
// Both replicas of a service share its PostgreSQL database (one database per service, created
// when missing) and its durable NATS consumers, so they share the work; every process dials
// the replicas of the services it calls as a comma-separated list, balanced round robin.
//
// Ports are fixed, so that the addresses stay the same from one start to the next, and shifted
// by Options.PortOffset (before the offset: NATS clients 14222-14224, routes 16222-16224,
// monitoring 18222-18224; profile 19101 and 19111, mission 19102 and 19112, matching 19103 and
// 19113, notification 19104 and 19114; gateways 18080 and 18081; a private PostgreSQL 15432).
// None of them is a default port of NATS (4222) or PostgreSQL (5432), which a system server may
// hold.
package cluster
