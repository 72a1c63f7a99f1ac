//go:build unix

package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Kind is what a process of the cluster is.
type Kind string

const (
	KindNATS     Kind = "nats"
	KindProfile  Kind = "profile"
	KindMission  Kind = "mission"
	KindMatching Kind = "matching"
	// KindNotification is the notification service; the gateways list it but do not wait for
	// it to be ready (its outage takes no gateway out of rotation).
	KindNotification Kind = "notification"
	KindGateway      Kind = "gateway"
	KindPostgres     Kind = "postgres"
)

// Services are the gRPC services, each run as Replicas processes.
var Services = []Kind{KindProfile, KindMission, KindMatching, KindNotification}

const (
	// NATSNodes is the size of the NATS cluster: the smallest that keeps a majority, and so
	// accepts writes, when one node is lost.
	NATSNodes = 3
	// Replicas is the number of processes of each service and of the gateway.
	Replicas = 2
	// NATSClusterName is the cluster the nodes form; the services see it when they connect and
	// create the streams with 3 replicas.
	NATSClusterName = "caiomatch-local"
)

// Ports before Options.PortOffset. Replica r (from 0) of a service listens on its base + 10*r.
const (
	natsClientBase      = 14222
	natsRouteBase       = 16222
	natsMonitorBase     = 18222
	gatewayBase         = 18080
	privatePostgresBase = 15432
)

var grpcBase = map[Kind]int{KindProfile: 19101, KindMission: 19102, KindMatching: 19103, KindNotification: 19104}

// grpcAddrVar names the variable a service listens on and the others dial it through.
var grpcAddrVar = map[Kind]string{
	KindProfile:      "CAIOMATCH_PROFILE_GRPC_ADDR",
	KindMission:      "CAIOMATCH_MISSION_GRPC_ADDR",
	KindMatching:     "CAIOMATCH_MATCHING_GRPC_ADDR",
	KindNotification: "CAIOMATCH_NOTIFICATION_GRPC_ADDR",
}

// databaseURLVar names the variable holding a component's PostgreSQL URL.
var databaseURLVar = map[Kind]string{
	KindProfile:      "CAIOMATCH_PROFILE_DATABASE_URL",
	KindMission:      "CAIOMATCH_MISSION_DATABASE_URL",
	KindMatching:     "CAIOMATCH_MATCHING_DATABASE_URL",
	KindNotification: "CAIOMATCH_NOTIFICATION_DATABASE_URL",
	KindGateway:      "CAIOMATCH_GATEWAY_DATABASE_URL",
}

// DatabaseComponents are the components with a database of their own.
var DatabaseComponents = []Kind{KindProfile, KindMission, KindMatching, KindNotification, KindGateway}

// layout computes every address and path of the cluster from its settings; it holds no state.
type layout struct {
	stateDir   string
	portOffset int
}

func (l layout) natsClientPort(i int) int  { return natsClientBase + l.portOffset + i }
func (l layout) natsRoutePort(i int) int   { return natsRouteBase + l.portOffset + i }
func (l layout) natsMonitorPort(i int) int { return natsMonitorBase + l.portOffset + i }
func (l layout) grpcPort(k Kind, r int) int {
	return grpcBase[k] + l.portOffset + 10*r
}
func (l layout) gatewayPort(r int) int            { return gatewayBase + l.portOffset + r }
func (l layout) privatePostgresPort() int         { return privatePostgresBase + l.portOffset }
func (l layout) natsName(i int) string            { return fmt.Sprintf("nats-%d", i+1) }
func (l layout) replicaName(k Kind, r int) string { return fmt.Sprintf("%s-%d", k, r+1) }

// Ports are every port a cluster with that offset listens on, with or without a private
// PostgreSQL server.
func Ports(portOffset int, privatePostgres bool) []int {
	l := layout{portOffset: portOffset}
	var ports []int
	for i := range NATSNodes {
		ports = append(ports, l.natsClientPort(i), l.natsRoutePort(i), l.natsMonitorPort(i))
	}
	for _, k := range Services {
		for r := range Replicas {
			ports = append(ports, l.grpcPort(k, r))
		}
	}
	for r := range Replicas {
		ports = append(ports, l.gatewayPort(r))
	}
	if privatePostgres {
		ports = append(ports, l.privatePostgresPort())
	}
	return ports
}

func (l layout) natsClientURL(i int) string {
	return fmt.Sprintf("nats://127.0.0.1:%d", l.natsClientPort(i))
}

func (l layout) natsURLs() []string {
	urls := make([]string, NATSNodes)
	for i := range urls {
		urls[i] = l.natsClientURL(i)
	}
	return urls
}

func (l layout) natsMonitorURL(i int) string {
	return fmt.Sprintf("http://127.0.0.1:%d", l.natsMonitorPort(i))
}

func (l layout) grpcAddr(k Kind, r int) string {
	return fmt.Sprintf("127.0.0.1:%d", l.grpcPort(k, r))
}

func (l layout) grpcAddrs(k Kind) []string {
	addrs := make([]string, Replicas)
	for r := range addrs {
		addrs[r] = l.grpcAddr(k, r)
	}
	return addrs
}

func (l layout) gatewayAddr(r int) string {
	return fmt.Sprintf("127.0.0.1:%d", l.gatewayPort(r))
}

func (l layout) processDir(name string) string { return filepath.Join(l.stateDir, name) }
func (l layout) logPath(name string) string    { return filepath.Join(l.stateDir, "logs", name+".log") }

// processNames lists every process, as state.json and Status list them: the private
// PostgreSQL server first when there is one, the NATS nodes, then (unless natsOnly) each
// service's replicas and the gateways.
func (l layout) processNames(privatePostgres, natsOnly bool) []string {
	var names []string
	if privatePostgres {
		names = append(names, string(KindPostgres))
	}
	for i := range NATSNodes {
		names = append(names, l.natsName(i))
	}
	if natsOnly {
		return names
	}
	for _, k := range append(slices.Clone(Services), KindGateway) {
		for r := range Replicas {
			names = append(names, l.replicaName(k, r))
		}
	}
	return names
}

// spec is how to start one process and how to tell it is ready.
type spec struct {
	name    string
	kind    Kind
	replica int    // index of the node or replica, from 0
	binary  string // absolute path
	args    []string
	env     []string // appended to the parent's environment; later entries win
	dir     string   // its data directory, also its working directory
	addr    string   // what clients dial
	monitor string   // NATS monitoring base URL
	ports   []int    // every port it listens on, checked free before it starts
}

// specFor builds the spec of the named process.
func (c *Cluster) specFor(name string) (spec, error) {
	l := c.layout
	if name == string(KindPostgres) {
		return c.postgresSpec()
	}
	kind, index, err := parseName(name)
	if err != nil {
		return spec{}, err
	}
	s := spec{name: name, kind: kind, replica: index, dir: l.processDir(name)}
	switch kind {
	case KindNATS:
		if index >= NATSNodes {
			return spec{}, fmt.Errorf("no process %q: the cluster has %d NATS nodes", name, NATSNodes)
		}
		s.binary = c.state.Binaries.NATSServer
		s.args = []string{"-c", filepath.Join(s.dir, "nats.conf")}
		s.addr, s.monitor = l.natsClientURL(index), l.natsMonitorURL(index)
		s.ports = []int{l.natsClientPort(index), l.natsRoutePort(index), l.natsMonitorPort(index)}
		return s, nil
	case KindProfile, KindMission, KindMatching, KindNotification, KindGateway:
		if index >= Replicas {
			return spec{}, fmt.Errorf("no process %q: the cluster runs %d replicas", name, Replicas)
		}
	default:
		return spec{}, fmt.Errorf("no process %q", name)
	}
	s.binary = c.state.Binaries.of(kind)
	s.env = c.commonEnv(s.dir)
	s.env = append(s.env, databaseURLVar[kind]+"="+c.databaseURL(kind))
	switch kind {
	case KindGateway:
		s.addr = l.gatewayAddr(index)
		s.env = append(s.env,
			"CAIOMATCH_HTTP_ADDR="+s.addr,
			"CAIOMATCH_OPERATOR_TOKEN="+c.secrets.OperatorToken)
		s.addr = "http://" + s.addr
		s.ports = []int{l.gatewayPort(index)}
	default:
		// A service listens on its own address, read from the variable through which the
		// others dial the list of its replicas: here it names this replica alone.
		s.addr = l.grpcAddr(kind, index)
		s.env = append(s.env, grpcAddrVar[kind]+"="+s.addr)
		s.ports = []int{l.grpcPort(kind, index)}
	}
	return s, nil
}

// commonEnv is the configuration every service and gateway process shares: the NATS cluster,
// the internal key and the replicas of every service.
func (c *Cluster) commonEnv(dataDir string) []string {
	env := []string{
		"NATS_URL=" + strings.Join(c.layout.natsURLs(), ","),
		// One key for every process: a person has one pseudonym in trails, plans and the audit
		// log, whichever replica erased them.
		"CAIOMATCH_PSEUDONYM_KEY=" + c.secrets.PseudonymKey,
		fmt.Sprintf("CAIOMATCH_NATS_REPLICAS=%d", NATSNodes),
		"CAIOMATCH_DATA_DIR=" + dataDir,
		"CAIOMATCH_INTERNAL_KEY=" + c.secrets.InternalKey,
	}
	for _, k := range Services {
		env = append(env, grpcAddrVar[k]+"="+strings.Join(c.layout.grpcAddrs(k), ","))
	}
	return env
}

// parseName splits "matching-2" into its kind and index from 0.
func parseName(name string) (Kind, int, error) {
	i := strings.LastIndexByte(name, '-')
	var n int
	if i < 0 {
		return "", 0, fmt.Errorf("no process %q", name)
	}
	if _, err := fmt.Sscanf(name[i+1:], "%d", &n); err != nil || n < 1 || fmt.Sprint(n) != name[i+1:] {
		return "", 0, fmt.Errorf("no process %q", name)
	}
	return Kind(name[:i]), n - 1, nil
}

// natsConfig is a node's configuration file: loopback only, JetStream flushing every write to
// disk before acknowledging it, routes to the two other nodes.
func (l layout) natsConfig(i int) string {
	var routes []string
	for j := range NATSNodes {
		if j != i {
			routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", l.natsRoutePort(j)))
		}
	}
	return fmt.Sprintf(`# Written by deploy/local (cluster up); rewritten at every start.
server_name: %q
listen: "127.0.0.1:%d"
http: "127.0.0.1:%d"
jetstream {
  store_dir: %q
  sync_interval: always
}
cluster {
  name: %q
  listen: "127.0.0.1:%d"
  routes: [
    %s
  ]
}
`, l.natsName(i), l.natsClientPort(i), l.natsMonitorPort(i),
		filepath.Join(l.processDir(l.natsName(i)), "jetstream"), NATSClusterName,
		l.natsRoutePort(i), strings.Join(routes, "\n    "))
}

// writeNATSConfig writes the node's configuration before each start, so a changed layout
// never meets a stale file.
func (l layout) writeNATSConfig(i int) error {
	dir := l.processDir(l.natsName(i))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "nats.conf"), []byte(l.natsConfig(i)), 0o644)
}
