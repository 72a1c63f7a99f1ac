package servicehost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// Service is one service as its own main starts it: its name, how it reads its own settings
// (the shared ones are LoadConfig's), where it listens, and how it runs on a host.
type Service[C any] struct {
	Name string
	// LoadConfig reads the service's settings from env; invalid ones are reported by env.Err.
	LoadConfig func(env *envconfig.Reader) C
	// ListenAddr is the gRPC address to listen on.
	ListenAddr func(C) string
	Run        func(ctx context.Context, host Host, cfg C) error
}

// Main is a service's whole main: it reads the shared and the service's settings once, stops
// with every invalid one named, and runs the service until SIGINT or SIGTERM.
func Main[C any](svc Service[C]) {
	RunMain(svc.Name, func(ctx context.Context, env *envconfig.Reader) (func(context.Context) error, error) {
		shared, own := LoadConfig(env), svc.LoadConfig(env)
		return func(ctx context.Context) error {
			return RunStandalone(ctx, svc.Name, shared, svc.ListenAddr(own), func(ctx context.Context, h Host) error {
				return svc.Run(ctx, h, own)
			})
		}, nil
	})
}

// RunMain is the shape of every main of the platform ("exit once"): configure reads the
// settings from the environment; when any is invalid (env.Err, or configure's own error) the
// process stops naming them all, before starting anything. Otherwise the run it returns goes on
// until SIGINT or SIGTERM; a second signal ends a stuck stop. An error exits with status 1.
//
// "-version" (or "--version") as the first argument prints the binary's version
// (telemetry.BuildVersion, also every span's service.version) and exits.
func RunMain(name string, configure func(ctx context.Context, env *envconfig.Reader) (run func(context.Context) error, err error)) {
	if len(os.Args) > 1 && (os.Args[1] == "-version" || os.Args[1] == "--version") {
		fmt.Println(name, telemetry.BuildVersion())
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	env := envconfig.New(os.LookupEnv)
	run, err := configure(ctx, env)
	err = errors.Join(env.Err(), err)
	if err == nil {
		err = run(ctx)
	}
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// RunStandalone runs one service as its own process: embedded NATS unless NATSURL is set, its
// own tracer provider and a gRPC listener on GRPCAddr; it stops when ctx ends.
//
// It refuses to start without the internal key (Config.RequireCallerKey): its port is reachable
// by more than the platform's own processes.
func RunStandalone(ctx context.Context, name string, cfg Config, grpcAddr string, run func(context.Context, Host) error) error {
	logger := telemetry.NewLogger(os.Stderr, name, slog.LevelInfo)
	telemetry.RouteSDKErrors(logger)
	if err := cfg.RequireCallerKey(logger); err != nil {
		return err
	}
	telemetry.InstallPropagator()

	// The service's spans go to the gateways' trace views over the bus (telemetry.SpanRelaySubject).
	relay := telemetry.NewSpanRelay(0)
	tp, err := telemetry.Setup(ctx, telemetry.Config{Service: name, OTLPEndpoint: cfg.OTLPEndpoint, Relay: relay})
	if err != nil {
		return err
	}
	defer ShutdownWithin(5*time.Second, tp.Shutdown)

	metrics, err := telemetry.NewMetrics(name)
	if err != nil {
		return err
	}
	defer ShutdownWithin(5*time.Second, metrics.Shutdown)
	admin, err := StartAdmin(cfg.AdminAddr, metrics.Handler(), logger)
	if err != nil {
		return err
	}
	defer admin.Close()

	nc, closeNATS, err := connectNATS(name, cfg, logger)
	if err != nil {
		return err
	}
	defer closeNATS()
	relay.Start(func(data []byte) error { return nc.Publish(telemetry.SpanRelaySubject, data) })
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	if err := eventbus.EnsureStreams(ctx, js, cfg.StreamSettings(nc.ConnectedClusterName())); err != nil {
		return err
	}
	lis, err := net.Listen("tcp", grpcAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", grpcAddr, err)
	}
	logger.Info("service starting", "grpc_addr", lis.Addr().String(), "admin_addr", admin.Addr(), "external_nats", cfg.NATSURL != "")
	err = run(ctx, Host{
		Name: name, DataDir: cfg.DataDirOrDefault(), JetStream: js,
		TracerProvider: tp.TracerProvider(), MeterProvider: metrics.MeterProvider(), Logger: logger, Listener: lis,
		CallerKey: rpc.CallerKey(cfg.CallerKey),
	})
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	logger.Info("service stopped")
	return err
}

func connectNATS(name string, cfg Config, logger *slog.Logger) (*nats.Conn, func(), error) {
	if cfg.NATSURL != "" {
		nc, err := eventbus.ConnectURL(cfg.NATSURL, name, logger)
		if err != nil {
			return nil, nil, err
		}
		return nc, func() { eventbus.Drain(nc, 5*time.Second) }, nil
	}
	embedded, err := eventbus.StartEmbedded(cfg.DataDirOrDefault(), cfg.EmbeddedOptions()...)
	if err != nil {
		return nil, nil, err
	}
	nc, err := embedded.Connect(name)
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
