package servicehost

import (
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
	// CallerKey signs and checks the caller on internal gRPC calls; empty trusts unsigned
	// callers (a warning is logged).
	CallerKey string
	// StreamReplicas of every stream (1 to 5); 0 means 1 alone, eventbus.ClusterReplicas on a
	// cluster.
	StreamReplicas int
	// AllowUnreplicated accepts fewer replicas than a cluster needs, for test clusters only.
	AllowUnreplicated bool
}

// Environment variables of Config.
const (
	EnvDataDir           = "CAIOMATCH_DATA_DIR"
	EnvNATSURL           = "NATS_URL"
	EnvOTLPEndpoint      = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvCallerKey         = "CAIOMATCH_INTERNAL_KEY"
	EnvStreamReplicas    = "CAIOMATCH_NATS_REPLICAS"
	EnvAllowUnreplicated = "CAIOMATCH_NATS_ALLOW_UNREPLICATED"
)

// LoadConfig reads the shared settings; what is invalid is reported by env.Err.
func LoadConfig(env *envconfig.Reader) Config {
	var c Config
	env.String(EnvDataDir, &c.DataDir)
	env.URLs(EnvNATSURL, &c.NATSURL, "nats", "tls", "ws", "wss")
	env.Endpoint(EnvOTLPEndpoint, &c.OTLPEndpoint)
	env.Secret(EnvCallerKey, &c.CallerKey, 16)
	env.Int(EnvStreamReplicas, &c.StreamReplicas, 0, 5)
	env.Bool(EnvAllowUnreplicated, &c.AllowUnreplicated)
	return c
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
