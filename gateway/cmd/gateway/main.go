// Command gateway runs the HTTP gateway alone, in front of services running elsewhere.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/httpapi"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling: a second Ctrl-C ends a stuck stop.
	context.AfterFunc(ctx, stop)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

type config struct {
	httpAddr      string
	dataDir       string
	operatorToken string
	otlpEndpoint  string
	callerKey     string
	databaseURL   string // empty: SQLite at <dataDir>/gateway.db
	backends      httpapi.Backends
}

func run(ctx context.Context) error {
	cfg := config{
		httpAddr:      servicehost.Env("CAIOMATCH_HTTP_ADDR", "127.0.0.1:8080"),
		dataDir:       servicehost.Env("CAIOMATCH_DATA_DIR", "./data"),
		operatorToken: os.Getenv("CAIOMATCH_OPERATOR_TOKEN"),
		otlpEndpoint:  os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"),
		callerKey:     os.Getenv("CAIOMATCH_INTERNAL_KEY"),
		databaseURL:   os.Getenv(accounts.EnvDatabaseURL),
		backends: httpapi.Backends{
			ProfileAddr:  servicehost.Env("CAIOMATCH_PROFILE_GRPC_ADDR", "127.0.0.1:9101"),
			MissionAddr:  servicehost.Env("CAIOMATCH_MISSION_GRPC_ADDR", "127.0.0.1:9102"),
			MatchingAddr: servicehost.Env("CAIOMATCH_MATCHING_GRPC_ADDR", "127.0.0.1:9103"),
		},
	}
	if cfg.operatorToken == "" {
		return errors.New("CAIOMATCH_OPERATOR_TOKEN is required when the gateway runs alone")
	}
	telemetry.InstallPropagator()
	logger := telemetry.NewLogger(os.Stderr, "gateway", slog.LevelInfo)
	spans := telemetry.NewSpanStore(telemetry.DefaultMaxSpans)
	tp, err := telemetry.Setup(ctx, telemetry.Config{Service: "gateway", Store: spans, OTLPEndpoint: cfg.otlpEndpoint})
	if err != nil {
		return err
	}
	defer servicehost.ShutdownWithin(5*time.Second, tp.Shutdown)
	metrics, err := telemetry.NewMetrics("gateway")
	if err != nil {
		return err
	}
	defer servicehost.ShutdownWithin(5*time.Second, metrics.Shutdown)

	db, err := accounts.OpenDatabase(ctx, cfg.databaseURL, cfg.dataDir, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := accounts.Open(ctx, db, func() string { return uuid.Must(uuid.NewV7()).String() })
	if err != nil {
		return err
	}
	if err := store.EnsureOperator(ctx, cfg.operatorToken); err != nil {
		return err
	}
	gw, err := httpapi.New(ctx, httpapi.Config{
		Backends: cfg.backends, Accounts: store, Spans: spans, Metrics: metrics,
		TracerProvider: tp.TracerProvider(), Logger: logger, CallerKey: rpc.CallerKey(cfg.callerKey),
	})
	if err != nil {
		return err
	}
	defer gw.Close()
	srv := &http.Server{Addr: cfg.httpAddr, Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("gateway listening", "addr", cfg.httpAddr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
