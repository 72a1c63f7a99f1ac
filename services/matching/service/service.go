// Package service wires the matching service by hand; its own main and the all-in-one runner
// both start it through Run.
package service

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	"github.com/caiomatch/caiomatch/services/matching/domain"
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
	// DatabaseURL is the PostgreSQL database (a postgres:// or postgresql:// URL) holding the
	// missions, shortlists, exclusions and staffing plans, with the inbox and outbox; empty means
	// SQLite at <data directory>/matching.db.
	DatabaseURL string
	// ShortlistSize is how many candidates a shortlist holds; 0 means 5.
	ShortlistSize int
	// ExposureCap is how many open shortlists a consultant may sit on at once; 0 means no cap.
	ExposureCap int
	// AvailabilityToleranceDays is how long after a mission's start a consultant may become
	// available; negative means 14.
	AvailabilityToleranceDays int
	// SnapshotInterval is how often the index is snapshotted (and once more at shutdown);
	// 0 means only at shutdown.
	SnapshotInterval time.Duration
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
	db, err := openDatabase(ctx, host, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	missionConn, err := rpc.Dial(cfg.MissionAddr, host.TracerProvider, rpc.SignCallers(host.CallerKey))
	if err != nil {
		return fmt.Errorf("dial mission: %w", err)
	}
	defer missionConn.Close()

	// The index is loaded (snapshot, then the stream after it) before any event is handled.
	started := time.Now()
	ix, stats, err := eventapi.LoadIndex(ctx, host.JetStream)
	if err != nil {
		return err
	}
	if stats.SnapshotError != "" {
		host.Logger.WarnContext(ctx, "index snapshot unusable, replaying the whole profile stream", "error", stats.SnapshotError)
	}
	host.Logger.InfoContext(ctx, "index loaded", "from_snapshot", stats.FromSnapshot, "snapshot_seq", stats.SnapshotSeq,
		"replayed_events", stats.Replay.Messages, "undecodable", stats.Replay.Undecodable, "profiles", ix.Len(),
		"ms", time.Since(started).Milliseconds())
	// From here this replica's own following of the profile stream feeds the index, while the
	// durable profile consumer, shared with any other replica, re-ranks.
	follower := eventapi.FollowProfiles(host.JetStream, ix, stats.Replay.Through)
	snapshots := &snapshotter{js: host.JetStream, ix: ix, follower: follower, every: cfg.SnapshotInterval,
		logger: host.Logger, covered: stats.SnapshotSeq}

	relay := outbox.NewRelay(db, host.JetStream, host.TracerProvider, host.Logger)
	repo := sqlite.NewRepository(db, relay.Notify)
	application := app.New(repo, missionclient.New(missionv1.NewMissionServiceClient(missionConn)), ix,
		app.Config{ShortlistSize: cfg.ShortlistSize, ExposureCap: cfg.ExposureCap,
			AvailabilityToleranceDays: cfg.AvailabilityToleranceDays}, time.Now, host.Logger)
	if err := application.Load(ctx); err != nil {
		return err
	}
	application.FollowProfiles(follower)

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
		follower.Run,
		snapshots.Run,
		profiles.Run,
		missions.Run,
		func(ctx context.Context) error { return server.Serve(ctx, host.Listener, grace) },
	)
}

// openDatabase opens and migrates the service's database: PostgreSQL at databaseURL when it is
// set, otherwise SQLite in the data directory. The log names the backend and where it is, never
// a password (sqlstore.RedactURL).
func openDatabase(ctx context.Context, host servicehost.Host, databaseURL string) (*sql.DB, error) {
	sqlitePath := ""
	if databaseURL == "" {
		sqlitePath = filepath.Join(host.DataDir, Name+".db")
	}
	db, backend, err := sqlstore.Open(ctx, databaseURL, sqlitePath)
	if err != nil {
		return nil, err
	}
	if err := sqlstore.Migrate(ctx, db, sqlite.Migrations()...); err != nil {
		db.Close()
		return nil, err
	}
	where := sqlitePath
	if backend == sqlstore.Postgres {
		where = sqlstore.RedactURL(databaseURL)
	}
	host.Logger.InfoContext(ctx, "database opened", "backend", string(backend), "database", where)
	return db, nil
}

// Defaults of the ranking configuration.
const (
	DefaultExposureCap = 3
)

// DefaultConfig is the ranking configuration used when nothing is set: shortlists of 5, an
// exposure cap of 3 and an availability tolerance of 14 days.
func DefaultConfig() Config {
	return Config{ShortlistSize: 5, ExposureCap: DefaultExposureCap,
		AvailabilityToleranceDays: domain.DefaultAvailabilityToleranceDays, SnapshotInterval: 10 * time.Minute}
}

// EnvDatabaseURL names the variable holding Config.DatabaseURL.
const EnvDatabaseURL = "CAIOMATCH_MATCHING_DATABASE_URL"

// ConfigFromEnv reads the configuration: CAIOMATCH_MATCHING_DATABASE_URL (default unset: SQLite
// in the data directory), CAIOMATCH_SHORTLIST_SIZE (default 5), CAIOMATCH_EXPOSURE_CAP (default
// 3, 0 for none), CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS (default 14) and
// CAIOMATCH_INDEX_SNAPSHOT_INTERVAL (default 10m).
func ConfigFromEnv() (Config, error) {
	cfg := DefaultConfig()
	cfg.DatabaseURL = os.Getenv(EnvDatabaseURL)
	if cfg.DatabaseURL != "" && !strings.HasPrefix(cfg.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(cfg.DatabaseURL, "postgresql://") {
		// The value may hold a password: show only where it points.
		return cfg, fmt.Errorf("%s must be a postgres:// or postgresql:// URL, got %s", EnvDatabaseURL,
			sqlstore.RedactURL(cfg.DatabaseURL))
	}
	var err error
	if cfg.ShortlistSize, err = envInt("CAIOMATCH_SHORTLIST_SIZE", 5, 1, 100); err != nil {
		return cfg, err
	}
	if cfg.ExposureCap, err = envInt("CAIOMATCH_EXPOSURE_CAP", DefaultExposureCap, 0, 255); err != nil {
		return cfg, err
	}
	if cfg.AvailabilityToleranceDays, err = envInt("CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS", 14, 0, 365); err != nil {
		return cfg, err
	}
	if raw := os.Getenv("CAIOMATCH_INDEX_SNAPSHOT_INTERVAL"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d < 0 {
			return cfg, fmt.Errorf("CAIOMATCH_INDEX_SNAPSHOT_INTERVAL must be a duration such as 10m, got %q", raw)
		}
		cfg.SnapshotInterval = d
	}
	return cfg, nil
}

func envInt(name string, def, lo, hi int) (int, error) {
	raw := os.Getenv(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d, got %q", name, lo, hi, raw)
	}
	return n, nil
}
