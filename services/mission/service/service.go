// Package service wires the mission service by hand; its own main and the all-in-one runner
// both start it through Run.
package service

import (
	"context"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/adapters/matchingevents"
	"github.com/caiomatch/caiomatch/services/mission/adapters/sqlite"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "mission"

// Config is the mission service's own configuration.
type Config struct {
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown.
	ShutdownGrace time.Duration
}

// Run serves the mission service until ctx ends: the gRPC port, the outbox relay and the
// shortlist consumer.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	// Serve closes the listener; this closes it too when start-up fails before serving.
	defer host.Listener.Close()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(host.DataDir, Name+".db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqlstore.Migrate(ctx, db, sqlite.Migrations()...); err != nil {
		return err
	}

	relay := outbox.NewRelay(db, host.JetStream, host.TracerProvider, host.Logger)
	repo := sqlite.NewRepository(db, relay.Notify)
	application := app.New(repo, time.Now, func() string { return uuid.Must(uuid.NewV7()).String() })

	shortlists := eventbus.NewConsumer(host.JetStream, matchingevents.ShortlistSpec(),
		matchingevents.ShortlistHandler(application, host.Logger), host.TracerProvider, host.Logger)

	server := rpc.NewServer(host.TracerProvider, host.Logger, rpc.WithCallerKey(host.CallerKey))
	missionv1.RegisterMissionServiceServer(server.GRPC, grpcapi.NewServer(application))

	grace := cfg.ShutdownGrace
	if grace == 0 {
		grace = 10 * time.Second
	}
	return servicehost.RunTogether(ctx,
		relay.Run,
		stopQuietly(shortlists.Run),
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
