// Package service wires the matching service by hand; its own main and the all-in-one runner
// both start it through Run.
package service

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/adapters/missionclient"
	"github.com/caiomatch/caiomatch/services/matching/adapters/sqlite"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "matching"

// Config is the matching service's own configuration.
type Config struct {
	// MissionAddr is the mission service's gRPC address, asked about missions whose events have
	// not arrived yet.
	MissionAddr string
	// ShortlistSize is how many candidates a shortlist holds; 0 means 5.
	ShortlistSize int
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown; 0 means 10 s.
	ShutdownGrace time.Duration
}

// Run serves the matching service until ctx ends: the gRPC API, the consumers of the profile
// and mission streams, and the relay of its outbox.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	// Serve closes the listener; this closes it too when start-up fails before serving.
	defer host.Listener.Close()
	if cfg.MissionAddr == "" {
		return errors.New("matching: MissionAddr is required")
	}
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(host.DataDir, Name+".db"))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := sqlstore.Migrate(ctx, db, sqlite.Migrations()...); err != nil {
		return err
	}
	missionConn, err := rpc.Dial(cfg.MissionAddr, host.TracerProvider, rpc.SignCallers(host.CallerKey))
	if err != nil {
		return fmt.Errorf("dial mission: %w", err)
	}
	defer missionConn.Close()

	relay := outbox.NewRelay(db, host.JetStream, host.TracerProvider, host.Logger)
	repo := sqlite.NewRepository(db, relay.Notify)
	application := app.New(repo, missionclient.New(missionv1.NewMissionServiceClient(missionConn)),
		cfg.ShortlistSize, time.Now, host.Logger)

	handlers := eventapi.NewHandlers(application)
	profiles := eventbus.NewConsumer(host.JetStream, eventapi.ProfilesSpec(), handlers.Profile, host.TracerProvider, host.Logger)
	missions := eventbus.NewConsumer(host.JetStream, eventapi.MissionsSpec(), handlers.Mission, host.TracerProvider, host.Logger)

	server := rpc.NewServer(host.TracerProvider, host.Logger, rpc.WithCallerKey(host.CallerKey))
	matchingv1.RegisterMatchingServiceServer(server.GRPC, grpcapi.NewServer(application))

	grace := cfg.ShutdownGrace
	if grace == 0 {
		grace = 10 * time.Second
	}
	return servicehost.RunTogether(ctx,
		relay.Run,
		profiles.Run,
		missions.Run,
		func(ctx context.Context) error { return server.Serve(ctx, host.Listener, grace) },
	)
}
