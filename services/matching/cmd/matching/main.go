// Command matching runs the matching service alone. See docs/ARCHITECTURE.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/matching/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling: a second Ctrl-C ends a stuck stop.
	context.AfterFunc(ctx, stop)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "matching:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	host := servicehost.StandaloneConfig{
		Name:         service.Name,
		DataDir:      servicehost.Env("CAIOMATCH_DATA_DIR", "./data"),
		GRPCAddr:     servicehost.Env("CAIOMATCH_MATCHING_GRPC_ADDR", "127.0.0.1:9103"),
		NATSURL:      os.Getenv("NATS_URL"),
		OTLPEndpoint: os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"),
		CallerKey:    os.Getenv("CAIOMATCH_INTERNAL_KEY"),
	}
	// The ranking settings, and the database: PostgreSQL at CAIOMATCH_MATCHING_DATABASE_URL when
	// it is set, otherwise SQLite in CAIOMATCH_DATA_DIR.
	cfg, err := service.ConfigFromEnv()
	if err != nil {
		return err
	}
	cfg.MissionAddr = servicehost.Env("CAIOMATCH_MISSION_GRPC_ADDR", "127.0.0.1:9102")
	return servicehost.RunStandalone(ctx, host, func(ctx context.Context, h servicehost.Host) error {
		return service.Run(ctx, h, cfg)
	})
}
