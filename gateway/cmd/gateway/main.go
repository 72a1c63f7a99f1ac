// Command gateway runs the HTTP gateway alone, in front of services running elsewhere.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/caiomatch/caiomatch/gateway/server"
	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

func main() {
	servicehost.RunMain(server.Name, func(_ context.Context, env *envconfig.Reader) (func(context.Context) error, error) {
		shared, own := servicehost.LoadConfig(env), server.LoadConfig(env)
		return func(ctx context.Context) error { return run(ctx, shared, own) }, nil
	})
}

func run(ctx context.Context, shared servicehost.Config, cfg server.Config) error {
	telemetry.InstallPropagator()
	logger := telemetry.NewLogger(os.Stderr, server.Name, slog.LevelInfo)
	telemetry.RouteSDKErrors(logger)
	// Without the key the services refuse its calls; stop now, saying which setting is missing.
	if err := shared.RequireCallerKey(logger); err != nil {
		return err
	}
	spans, relay := telemetry.NewSpanStore(telemetry.DefaultMaxSpans), telemetry.NewSpanRelay(0)
	tp, err := telemetry.Setup(ctx, telemetry.Config{Service: server.Name, Store: spans, Relay: relay, OTLPEndpoint: shared.OTLPEndpoint})
	if err != nil {
		return err
	}
	defer servicehost.ShutdownWithin(5*time.Second, tp.Shutdown)
	metrics, err := telemetry.NewMetrics(server.Name)
	if err != nil {
		return err
	}
	defer servicehost.ShutdownWithin(5*time.Second, metrics.Shutdown)
	admin, err := servicehost.StartAdmin(shared.AdminAddr, metrics.Handler(), logger)
	if err != nil {
		return err
	}
	defer admin.Close()
	return server.Run(ctx, cfg, server.Runtime{
		DataDir: shared.DataDirOrDefault(), Logger: logger, TracerProvider: tp.TracerProvider(), Spans: spans, SpanRelay: relay,
		CallerKey: rpc.CallerKey(shared.CallerKey), Metrics: metrics,
	}, nil)
}
