package servicehost

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

// Config is what every process of the platform shares, read once in main (LoadConfig). Its zero
// value is the default: data under ./data, embedded NATS, spans kept in memory.
type Config struct {
	// DataDir holds the SQLite databases and the embedded NATS store; empty means ./data.
	DataDir string
	// NATSURL lists external NATS servers, comma-separated; empty starts an embedded server.
	NATSURL string
	// OTLPEndpoint is an OTLP/gRPC collector; empty keeps spans in memory only.
	OTLPEndpoint string
	// CallerKey signs and checks every internal gRPC call. A process reachable on a port
	// refuses to start without it (RequireCallerKey), unless InsecureNoCallerKey.
	CallerKey string
	// InsecureNoCallerKey lets a standalone process start without CallerKey, trusting any caller
	// that reaches its port: development on one trusted host only, logged as an error.
	InsecureNoCallerKey bool
	// StreamReplicas of every stream (1 to 5); 0 means 1 alone, eventbus.ClusterReplicas on a
	// cluster.
	StreamReplicas int
	// AllowUnreplicated accepts fewer replicas than a cluster needs, for test clusters only.
	AllowUnreplicated bool
	// NATSMonitorAddr, when set, serves the embedded NATS server's monitoring on this loopback
	// host:port (eventbus.WithMonitor); it has no effect on external servers.
	NATSMonitorAddr string
	// AdminAddr is where the process serves its metrics (StartAdmin); empty means
	// DefaultAdminAddr, or a free loopback port when that one is taken.
	AdminAddr string
}

// EmbeddedOptions are the embedded NATS server's options this configuration asks for.
func (c Config) EmbeddedOptions() []eventbus.EmbeddedOption {
	if c.NATSMonitorAddr == "" {
		return nil
	}
	return []eventbus.EmbeddedOption{eventbus.WithMonitor(c.NATSMonitorAddr)}
}

// Environment variables of Config.
const (
	EnvDataDir           = "CAIOMATCH_DATA_DIR"
	EnvNATSURL           = "NATS_URL"
	EnvOTLPEndpoint      = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvCallerKey         = "CAIOMATCH_INTERNAL_KEY"
	EnvCallerKeyInsecure = "CAIOMATCH_INTERNAL_KEY_INSECURE"
	EnvStreamReplicas    = "CAIOMATCH_NATS_REPLICAS"
	EnvAllowUnreplicated = "CAIOMATCH_NATS_ALLOW_UNREPLICATED"
	EnvNATSMonitorAddr   = "CAIOMATCH_NATS_MONITOR_ADDR"
)

// LoadConfig reads the shared settings; what is invalid is reported by env.Err.
func LoadConfig(env *envconfig.Reader) Config {
	var c Config
	env.String(EnvDataDir, &c.DataDir)
	env.URLs(EnvNATSURL, &c.NATSURL, "nats", "tls", "ws", "wss")
	env.Endpoint(EnvOTLPEndpoint, &c.OTLPEndpoint)
	env.Secret(EnvCallerKey, &c.CallerKey, 16)
	env.Bool(EnvCallerKeyInsecure, &c.InsecureNoCallerKey)
	env.Int(EnvStreamReplicas, &c.StreamReplicas, 0, 5)
	env.Bool(EnvAllowUnreplicated, &c.AllowUnreplicated)
	env.Addr(EnvNATSMonitorAddr, &c.NATSMonitorAddr)
	env.Addr(EnvAdminAddr, &c.AdminAddr)
	if c.NATSMonitorAddr != "" && !eventbus.IsLoopback(c.NATSMonitorAddr) {
		env.Fail(EnvNATSMonitorAddr, c.NATSMonitorAddr, "want a loopback host:port (127.0.0.1, ::1 or localhost): the monitoring describes streams and connections")
		c.NATSMonitorAddr = ""
	}
	return c
}

// ErrNoCallerKey is why a standalone process refuses to start without the internal key.
var ErrNoCallerKey = errors.New(EnvCallerKey + " is unset: a process reachable on a port refuses to start " +
	"without the internal key that signs every internal call. Set it to the same secret in every process " +
	"(16 characters or more, e.g. `openssl rand -hex 32`), or, for development on one trusted host only, set " +
	EnvCallerKeyInsecure + "=1 to trust any caller that reaches the port")

// RequireCallerKey fails closed: ErrNoCallerKey when CallerKey is unset and the insecure
// opt-out is not. A process that runs on its own (a service, the standalone gateway) checks
// it before starting anything; the all-in-one runner generates a key of its own instead.
// With the opt-out, it logs an error saying what that means, at every start.
func (c Config) RequireCallerKey(logger *slog.Logger) error {
	if c.CallerKey != "" {
		return nil
	}
	if !c.InsecureNoCallerKey {
		return ErrNoCallerKey
	}
	logger.Error("INSECURE: " + EnvCallerKey + " is unset and " + EnvCallerKeyInsecure + "=1: this process " +
		"trusts ANY caller that reaches its gRPC port to be anyone, operators included. Development on one " +
		"trusted host only; never on a network")
	return nil
}

// DataDirOrDefault is DataDir, or ./data when it is empty.
func (c Config) DataDirOrDefault() string {
	if c.DataDir == "" {
		return "./data"
	}
	return c.DataDir
}

// StreamSettings are the stream durability settings on the cluster connected to ("" for a
// single server).
func (c Config) StreamSettings(cluster string) eventbus.StreamSettings {
	return eventbus.StreamSettings{Replicas: c.StreamReplicas, Cluster: cluster, AllowUnreplicated: c.AllowUnreplicated}
}

// EnvGRPCAddr names the variable holding a service's gRPC address: where it listens when it
// runs alone, and where its callers reach it (CAIOMATCH_<SERVICE>_GRPC_ADDR). One rule for
// every service, so a service and its callers never disagree on the name.
func EnvGRPCAddr(service string) string {
	return "CAIOMATCH_" + strings.ToUpper(service) + "_GRPC_ADDR"
}
