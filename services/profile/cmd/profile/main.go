// Command profile runs the profile service alone. See docs/ARCHITECTURE.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/profile/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling: a second Ctrl-C ends a stuck stop.
	context.AfterFunc(ctx, stop)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	host := servicehost.StandaloneConfig{
		Name:         service.Name,
		DataDir:      servicehost.Env("CAIOMATCH_DATA_DIR", "./data"),
		GRPCAddr:     servicehost.Env("CAIOMATCH_PROFILE_GRPC_ADDR", "127.0.0.1:9101"),
		NATSURL:      os.Getenv("NATS_URL"),
		OTLPEndpoint: os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"),
		CallerKey:    os.Getenv("CAIOMATCH_INTERNAL_KEY"),
	}
	cfg := service.Config{
		MatchingAddr: servicehost.Env("CAIOMATCH_MATCHING_GRPC_ADDR", "127.0.0.1:9103"),
		DatabaseURL:  os.Getenv(service.EnvDatabaseURL),
	}
	return servicehost.RunStandalone(ctx, host, func(ctx context.Context, h servicehost.Host) error {
		return service.Run(ctx, h, cfg)
	})
}
