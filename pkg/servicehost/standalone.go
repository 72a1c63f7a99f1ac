package servicehost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// StandaloneConfig is read once from the environment by a service's main.
type StandaloneConfig struct {
	Name         string
	DataDir      string
	GRPCAddr     string
	NATSURL      string
	OTLPEndpoint string
	// CallerKey is CAIOMATCH_INTERNAL_KEY, shared by every process of the platform.
	CallerKey string
}

// StreamSettingsFromEnv are the stream durability settings for the cluster connected to (""
// for a single server): CAIOMATCH_NATS_REPLICAS (default 1 alone, 3 on a cluster) and
// CAIOMATCH_NATS_ALLOW_UNREPLICATED=1 to accept fewer than 3 replicas on a test cluster.
func StreamSettingsFromEnv(cluster string) eventbus.StreamSettings {
	replicas, _ := strconv.Atoi(os.Getenv("CAIOMATCH_NATS_REPLICAS"))
	return eventbus.StreamSettings{Replicas: replicas, Cluster: cluster,
		AllowUnreplicated: os.Getenv("CAIOMATCH_NATS_ALLOW_UNREPLICATED") == "1"}
}

// Env reads a variable with a default.
func Env(key, fallback string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return fallback
}

// RunStandalone runs one service as its own process: embedded NATS unless NATSURL is set, its
// own tracer provider and a gRPC listener on GRPCAddr; it stops when ctx ends.
func RunStandalone(ctx context.Context, cfg StandaloneConfig, run func(context.Context, Host) error) error {
	telemetry.InstallPropagator()
	logger := telemetry.NewLogger(os.Stderr, cfg.Name, slog.LevelInfo)

	tp, err := telemetry.Setup(ctx, telemetry.Config{Service: cfg.Name, OTLPEndpoint: cfg.OTLPEndpoint})
	if err != nil {
		return err
	}
	defer ShutdownWithin(5*time.Second, tp.Shutdown)

	nc, closeNATS, err := connectNATS(cfg)
	if err != nil {
		return err
	}
	defer closeNATS()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := eventbus.EnsureStreams(ctx, js, StreamSettingsFromEnv(nc.ConnectedClusterName())); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.GRPCAddr, err)
	}
	if cfg.CallerKey == "" {
		logger.Warn("CAIOMATCH_INTERNAL_KEY is unset: this service trusts any caller that reaches its port")
	}
	logger.Info("service starting", "grpc_addr", lis.Addr().String(), "external_nats", cfg.NATSURL != "")
	err = run(ctx, Host{
		Name: cfg.Name, DataDir: cfg.DataDir, JetStream: js,
		TracerProvider: tp.TracerProvider(), Logger: logger, Listener: lis,
		CallerKey: rpc.CallerKey(cfg.CallerKey),
	})
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	logger.Info("service stopped")
	return err
}

func connectNATS(cfg StandaloneConfig) (*nats.Conn, func(), error) {
	if cfg.NATSURL != "" {
		nc, err := eventbus.ConnectURL(cfg.NATSURL, cfg.Name)
		if err != nil {
			return nil, nil, err
		}
		return nc, func() { eventbus.Drain(nc, 5*time.Second) }, nil
	}
	embedded, err := eventbus.StartEmbedded(cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	nc, err := embedded.Connect(cfg.Name)
	if err != nil {
		embedded.Shutdown()
		return nil, nil, err
	}
	return nc, func() { eventbus.Drain(nc, 5*time.Second); embedded.Shutdown() }, nil
}

func ShutdownWithin(d time.Duration, shutdown func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_ = shutdown(ctx)
}
