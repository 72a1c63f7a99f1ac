// Package server runs the gateway as a process part, in front of services running elsewhere
// (its own main) or in the same process (the all-in-one runner): its settings, its accounts
// database, the HTTP server and its drain at shutdown, written once for both.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/trace"

	"github.com/caiomatch/caiomatch/gateway/accounts"
	"github.com/caiomatch/caiomatch/gateway/httpapi"
	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// Name is the gateway's name in traces, logs and its database file.
const Name = "gateway"

// Config is the gateway's own settings. Its zero value is the default.
type Config struct {
	// HTTPAddr is where the gateway listens; empty means 127.0.0.1:8080.
	HTTPAddr string
	// OperatorToken is the first operator's bearer token.
	OperatorToken string
	// DatabaseURL puts the accounts on PostgreSQL; empty keeps them in <DataDir>/gateway.db.
	DatabaseURL string
	// Backends are the services' gRPC addresses; empty ones mean the services' default ports.
	Backends httpapi.Backends
	// ShutdownGrace bounds the drain of in-flight requests; zero means 10 s.
	ShutdownGrace time.Duration
}

// envOperatorToken names the variable holding Config.OperatorToken.
const envOperatorToken = "CAIOMATCH_OPERATOR_TOKEN"

// LoadConfig reads the gateway's settings, the services' addresses included (named by
// servicehost.EnvGRPCAddr, as the services read their own).
func LoadConfig(env *envconfig.Reader) Config {
	var c Config
	env.Addr("CAIOMATCH_HTTP_ADDR", &c.HTTPAddr)
	env.Secret(envOperatorToken, &c.OperatorToken, 16)
	env.DatabaseURL("CAIOMATCH_GATEWAY_DATABASE_URL", &c.DatabaseURL)
	for _, backend := range []struct {
		service string
		addr    *string
	}{{"profile", &c.Backends.ProfileAddr}, {"mission", &c.Backends.MissionAddr}, {"matching", &c.Backends.MatchingAddr}} {
		env.Addrs(servicehost.EnvGRPCAddr(backend.service), backend.addr)
	}
	return c
}

func (c Config) withDefaults() Config {
	if c.HTTPAddr == "" {
		c.HTTPAddr = "127.0.0.1:8080"
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = 10 * time.Second
	}
	for _, b := range []struct {
		addr *string
		def  string
	}{
		{&c.Backends.ProfileAddr, "127.0.0.1:9101"},
		{&c.Backends.MissionAddr, "127.0.0.1:9102"},
		{&c.Backends.MatchingAddr, "127.0.0.1:9103"},
	} {
		if *b.addr == "" {
			*b.addr = b.def
		}
	}
	return c
}

// Runtime is what the process gives the gateway besides its settings.
type Runtime struct {
	DataDir        string
	Logger         *slog.Logger
	TracerProvider trace.TracerProvider
	// Spans feed the operators' trace view; nil when traces only leave by OTLP.
	Spans *telemetry.SpanStore
	// CallerKey signs the caller on every call to the services.
	CallerKey rpc.CallerKey
	// ExtraReadiness is checked by /readyz besides the services (e.g. the NATS connection).
	ExtraReadiness map[string]func(context.Context) error
}

// Run serves the gateway until ctx ends, then drains in-flight requests for at most
// ShutdownGrace. started is called with its URL once it accepts connections.
func Run(ctx context.Context, cfg Config, rt Runtime, started func(url string)) error {
	cfg = cfg.withDefaults()
	if cfg.OperatorToken == "" {
		return errors.New(envOperatorToken + " is required")
	}
	db, err := servicehost.OpenDatabase(ctx, Name, rt.DataDir, cfg.DatabaseURL, rt.Logger, accounts.Migrations())
	if err != nil {
		return err
	}
	defer db.Close()
	store := accounts.New(db, func() string { return uuid.Must(uuid.NewV7()).String() })
	if err := store.EnsureOperator(ctx, cfg.OperatorToken); err != nil {
		return err
	}
	metrics, err := telemetry.NewMetrics(Name)
	if err != nil {
		return err
	}
	defer servicehost.ShutdownWithin(5*time.Second, metrics.Shutdown)
	gw, err := httpapi.New(ctx, httpapi.Config{
		Backends: cfg.Backends, Accounts: store, Spans: rt.Spans, Metrics: metrics,
		TracerProvider: rt.TracerProvider, Logger: rt.Logger, CallerKey: rt.CallerKey,
		ExtraReadiness: rt.ExtraReadiness,
	})
	if err != nil {
		return err
	}
	defer gw.Close()

	lis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	url := "http://" + lis.Addr().String()
	rt.Logger.Info("gateway listening", "url", url)
	if started != nil {
		started(url)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("gateway stopped: %w", err)
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		runErr = fmt.Errorf("gateway shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		runErr = errors.Join(runErr, err)
	}
	return runErr
}
