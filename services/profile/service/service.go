// Package service wires the profile service by hand; its own main and the all-in-one runner
// both start it through Run.
package service

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/profile/adapters/matchingclient"
	"github.com/caiomatch/caiomatch/services/profile/adapters/missionevents"
	"github.com/caiomatch/caiomatch/services/profile/adapters/sqlite"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "profile"

// EnvDatabaseURL names the variable holding Config.DatabaseURL.
const EnvDatabaseURL = "CAIOMATCH_PROFILE_DATABASE_URL"

// Config is the profile service's own configuration.
type Config struct {
	// MatchingAddr is the matching service's gRPC address, asked before a firm sees a profile.
	MatchingAddr string
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown.
	ShutdownGrace time.Duration
	// DatabaseURL is the PostgreSQL database the service keeps its profiles in, a postgres://
	// or postgresql:// URL. Empty, it is SQLite at <DataDir>/profile.db.
	DatabaseURL string
}

// Run serves the profile service until ctx ends: the gRPC port, the outbox relay and the
// consumer of accepted offers and cancelled missions.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	// Serve closes the listener; this closes it too when start-up fails before serving.
	defer host.Listener.Close()
	sqlitePath := filepath.Join(host.DataDir, Name+".db")
	db, backend, err := sqlstore.Open(ctx, cfg.DatabaseURL, sqlitePath)
	if err != nil {
		return err
	}
	defer db.Close()
	where := sqlitePath
	if backend == sqlstore.Postgres {
		where = sqlstore.RedactURL(cfg.DatabaseURL) // never the password
	}
	host.Logger.Info("database opened", "backend", string(backend), "database", where)
	if err := sqlstore.Migrate(ctx, db, sqlite.Migrations()...); err != nil {
		return err
	}
	matchingConn, err := rpc.Dial(cfg.MatchingAddr, host.TracerProvider, rpc.SignCallers(host.CallerKey))
	if err != nil {
		return fmt.Errorf("dial matching: %w", err)
	}
	defer matchingConn.Close()

	relay := outbox.NewRelay(db, host.JetStream, host.TracerProvider, host.Logger)
	repo := sqlite.NewRepository(db, relay.Notify)
	application := app.New(repo, matchingclient.New(matchingv1.NewMatchingServiceClient(matchingConn)),
		time.Now, func() string { return uuid.Must(uuid.NewV7()).String() })

	missions := eventbus.NewConsumer(host.JetStream, missionevents.Spec(),
		missionevents.Handler(application, host.Logger), host.TracerProvider, host.Logger)

	server := rpc.NewServer(host.TracerProvider, host.Logger, rpc.WithCallerKey(host.CallerKey))
	profilev1.RegisterProfileServiceServer(server.GRPC, grpcapi.NewServer(application))

	grace := cfg.ShutdownGrace
	if grace == 0 {
		grace = 10 * time.Second
	}
	return servicehost.RunTogether(ctx,
		relay.Run,
		stopQuietly(missions.Run),
		func(ctx context.Context) error { return server.Serve(ctx, host.Listener, grace) },
	)
}

// stopQuietly treats an error a part returns once ctx has ended as a clean stop: the consumer
// reports the cancellation of a call it was making (declaring itself, say) when shutdown comes
// early.
func stopQuietly(part func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		err := part(ctx)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
}
