// Package service wires the matching service by hand; its own main and the all-in-one runner
// both start it through LoadConfig and Run.
package service

import (
	"context"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"time"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/matching/adapters/missionclient"
	"github.com/caiomatch/caiomatch/services/matching/adapters/store"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "matching"

// Service is how the service's own main starts it (servicehost.Main).
var Service = servicehost.Service[Config]{Name: Name, LoadConfig: LoadConfig, ListenAddr: Config.ListenAddr, Run: Run}

// Environment variables of Config.
const (
	EnvDatabaseURL               = "CAIOMATCH_MATCHING_DATABASE_URL"
	EnvShortlistSize             = "CAIOMATCH_SHORTLIST_SIZE"
	EnvExposureCap               = "CAIOMATCH_EXPOSURE_CAP"
	EnvAvailabilityToleranceDays = "CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS"
	EnvSnapshotInterval          = "CAIOMATCH_INDEX_SNAPSHOT_INTERVAL"
	EnvShutdownGrace             = "CAIOMATCH_MATCHING_SHUTDOWN_GRACE"
)

// Defaults of Config's fields left zero.
const (
	DefaultGRPCAddr                  = "127.0.0.1:9103"
	DefaultMissionAddr               = "127.0.0.1:9102"
	DefaultShortlistSize             = domain.DefaultShortlistSize
	DefaultExposureCap               = 3
	DefaultAvailabilityToleranceDays = domain.DefaultAvailabilityToleranceDays
	DefaultSnapshotInterval          = 10 * time.Minute
	DefaultShutdownGrace             = 10 * time.Second
)

// None, in ExposureCap, AvailabilityToleranceDays or SnapshotInterval, turns the setting off
// where 0 means its default: no exposure cap, no tolerance (available by the start date), no
// periodic snapshot (only at shutdown). LoadConfig sets it where the variable says 0.
const None = -1

// Config is the matching service's own configuration. Its zero value is the default: every
// field left zero takes the Default of its name.
type Config struct {
	// GRPCAddr is where the service serves gRPC when it runs alone.
	GRPCAddr string
	// MissionAddr is the mission service's gRPC address, asked about missions whose events have
	// not arrived yet: host:port, several separated by commas, or a dns:/// target.
	MissionAddr string
	// DatabaseURL is the PostgreSQL database (a postgres:// or postgresql:// URL) holding the
	// missions, shortlists, exclusions and staffing plans, with the inbox and outbox; empty means
	// SQLite at <data directory>/matching.db.
	DatabaseURL string
	// ShortlistSize is how many candidates a shortlist holds.
	ShortlistSize int
	// ExposureCap is how many open shortlists a consultant may sit on at once; None: no cap.
	ExposureCap int
	// AvailabilityToleranceDays is how long after a mission's start a consultant may become
	// available; None: none, they must be available by the start date.
	AvailabilityToleranceDays int
	// SnapshotInterval is how often the index is snapshotted, and once more at shutdown; None:
	// only at shutdown.
	SnapshotInterval time.Duration
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown.
	ShutdownGrace time.Duration
	// PseudonymKey keys the pseudonyms of erased profiles (pkg/pseudonym), as in the mission
	// service; empty means the installation's own, generated in the data directory.
	PseudonymKey string
}

// LoadConfig reads the service's settings; what is invalid is reported by env.Err. In
// CAIOMATCH_EXPOSURE_CAP, CAIOMATCH_AVAILABILITY_TOLERANCE_DAYS and
// CAIOMATCH_INDEX_SNAPSHOT_INTERVAL, 0 turns the setting off (None).
func LoadConfig(env *envconfig.Reader) Config {
	c := Config{ExposureCap: unset, AvailabilityToleranceDays: unset, SnapshotInterval: unset}
	env.Addr(servicehost.EnvGRPCAddr(Name), &c.GRPCAddr)
	env.Addrs(servicehost.EnvGRPCAddr("mission"), &c.MissionAddr)
	env.DatabaseURL(EnvDatabaseURL, &c.DatabaseURL)
	env.Int(EnvShortlistSize, &c.ShortlistSize, 1, 100)
	env.Int(EnvExposureCap, &c.ExposureCap, 0, 255)
	env.Int(EnvAvailabilityToleranceDays, &c.AvailabilityToleranceDays, 0, 365)
	env.Duration(EnvSnapshotInterval, &c.SnapshotInterval, 0, 24*time.Hour)
	env.Duration(EnvShutdownGrace, &c.ShutdownGrace, 0, 5*time.Minute)
	env.Secret(pseudonym.EnvKey, &c.PseudonymKey, pseudonym.MinChars)
	c.ExposureCap = offWhenZero(c.ExposureCap)
	c.AvailabilityToleranceDays = offWhenZero(c.AvailabilityToleranceDays)
	c.SnapshotInterval = time.Duration(offWhenZero(int(c.SnapshotInterval)))
	return c.withDefaults()
}

// unset marks, while LoadConfig reads, a setting whose variable was not given: 0 read from a
// variable means None.
const unset = -2

func offWhenZero(v int) int {
	switch v {
	case unset:
		return 0
	case 0:
		return None
	}
	return v
}

func (c Config) withDefaults() Config {
	if c.GRPCAddr == "" {
		c.GRPCAddr = DefaultGRPCAddr
	}
	if c.MissionAddr == "" {
		c.MissionAddr = DefaultMissionAddr
	}
	if c.ShortlistSize == 0 {
		c.ShortlistSize = DefaultShortlistSize
	}
	if c.ExposureCap == 0 {
		c.ExposureCap = DefaultExposureCap
	}
	if c.AvailabilityToleranceDays == 0 {
		c.AvailabilityToleranceDays = DefaultAvailabilityToleranceDays
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = DefaultSnapshotInterval
	}
	if c.ShutdownGrace == 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	return c
}

// ListenAddr is GRPCAddr, or its default.
func (c Config) ListenAddr() string { return c.withDefaults().GRPCAddr }

// ranking is the application's view of the ranking settings, None turned into what it means.
func (c Config) ranking() app.Config {
	return app.Config{ShortlistSize: c.ShortlistSize, ExposureCap: max(c.ExposureCap, 0),
		AvailabilityToleranceDays: max(c.AvailabilityToleranceDays, 0)}
}

// Run serves the matching service until ctx ends: the gRPC API, the consumers of the profile
// and mission streams, and the relay of its outbox.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	cfg = cfg.withDefaults()
	base, err := host.Start(ctx, servicehost.Needs{DatabaseURL: cfg.DatabaseURL, Migrations: store.Migrations(),
		ShutdownGrace: cfg.ShutdownGrace, Peers: map[string]string{"mission": cfg.MissionAddr}})
	if err != nil {
		return err
	}
	defer base.Close()
	shortlists, err := countShortlists(base.Meter("github.com/caiomatch/caiomatch/services/matching"))
	if err != nil {
		return err
	}
	base.Relay.OnPublished(shortlists)

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
	snapshots := &snapshotter{js: host.JetStream, ix: ix, follower: follower, every: max(cfg.SnapshotInterval, 0),
		logger: host.Logger, covered: stats.SnapshotSeq, soon: make(chan struct{}, 1)}
	key, _, err := pseudonym.Load(cfg.PseudonymKey, host.DataDir)
	if err != nil {
		return err
	}
	ranking := cfg.ranking()
	ranking.PseudonymKey, ranking.Erased = key, snapshots.Soon
	ranking.History = eventapi.ProposalHistory{JS: host.JetStream}

	missions := missionclient.New(missionv1.NewMissionServiceClient(base.Peer("mission")))
	application := app.New(store.NewRepository(base.DB, base.Relay.Notify), missions, ix, ranking, time.Now, host.Logger)
	if err := application.Load(ctx); err != nil {
		return err
	}
	application.FollowProfiles(follower)

	handlers := eventapi.NewHandlers(application)
	matchingv1.RegisterMatchingServiceServer(base.GRPC, grpcapi.NewServer(application))
	return base.Serve(ctx,
		follower.Run,
		snapshots.Run,
		func(ctx context.Context) error {
			// Once per scoring version; a failure leaves those shortlists to the next re-ranking.
			if err := application.RescoreOutdatedShortlists(ctx); err != nil && ctx.Err() == nil {
				host.Logger.WarnContext(ctx, "outdated shortlists not re-ranked", "error", err)
			}
			return nil
		},
		base.Consumer(eventbus.ConsumerSpecOf(eventbus.ConsumerMatchingProfiles), handlers.Profile),
		base.Consumer(eventbus.ConsumerSpecOf(eventbus.ConsumerMatchingMissions), handlers.Mission),
	)
}
