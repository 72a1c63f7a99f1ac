// Package service wires the profile service by hand; its own main and the all-in-one runner
// both start it through LoadConfig and Run.
package service

import (
	"cmp"
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/envconfig"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/profile/adapters/matchingclient"
	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/eventapi"
	"github.com/caiomatch/caiomatch/services/profile/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "profile"

// Service is how the service's own main starts it (servicehost.Main).
var Service = servicehost.Service[Config]{Name: Name, LoadConfig: LoadConfig, ListenAddr: Config.ListenAddr, Run: Run}

// The environment variables LoadConfig reads.
const (
	EnvDatabaseURL   = "CAIOMATCH_PROFILE_DATABASE_URL"
	EnvShutdownGrace = "CAIOMATCH_PROFILE_SHUTDOWN_GRACE"
)

// Defaults of Config.
const (
	DefaultGRPCAddr      = "127.0.0.1:9101"
	DefaultMatchingAddr  = "127.0.0.1:9103"
	DefaultShutdownGrace = 10 * time.Second
	maxShutdownGrace     = 5 * time.Minute
)

// Config is the profile service's own configuration. Its zero value is the default of every
// field.
type Config struct {
	// GRPCAddr is where the service listens; empty means DefaultGRPCAddr.
	GRPCAddr string
	// MatchingAddr is the matching service's gRPC address (a replica list or dns:/// name),
	// asked before a firm sees a profile; empty means DefaultMatchingAddr.
	MatchingAddr string
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown; 0 means
	// DefaultShutdownGrace.
	ShutdownGrace time.Duration
	// DatabaseURL is the PostgreSQL database the service keeps its profiles in, a postgres://
	// or postgresql:// URL. Empty, it is SQLite at <DataDir>/profile.db.
	DatabaseURL string
}

// LoadConfig reads the service's settings; what is invalid is reported by env.Err.
func LoadConfig(env *envconfig.Reader) Config {
	var c Config
	env.Addr(servicehost.EnvGRPCAddr(Name), &c.GRPCAddr)
	env.Addrs(servicehost.EnvGRPCAddr("matching"), &c.MatchingAddr)
	env.DatabaseURL(EnvDatabaseURL, &c.DatabaseURL)
	env.Duration(EnvShutdownGrace, &c.ShutdownGrace, 0, maxShutdownGrace)
	return c
}

// ListenAddr is GRPCAddr or its default.
func (c Config) ListenAddr() string { return cmp.Or(c.GRPCAddr, DefaultGRPCAddr) }

// withDefaults fills in the zero fields.
func (c Config) withDefaults() Config {
	c.GRPCAddr = c.ListenAddr()
	c.MatchingAddr = cmp.Or(c.MatchingAddr, DefaultMatchingAddr)
	c.ShutdownGrace = cmp.Or(c.ShutdownGrace, DefaultShutdownGrace)
	return c
}

// Run serves the profile service until ctx ends: the gRPC port, the outbox relay and the
// consumer of accepted offers and cancelled missions.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	cfg = cfg.withDefaults()
	base, err := host.Start(ctx, servicehost.Needs{DatabaseURL: cfg.DatabaseURL, Migrations: store.Migrations(),
		ShutdownGrace: cfg.ShutdownGrace, Peers: map[string]string{"matching": cfg.MatchingAddr}})
	if err != nil {
		return err
	}
	defer base.Close()
	profiles := store.New(base.DB, base.Relay.Notify)
	application := app.New(profiles, profiles, matchingclient.New(matchingv1.NewMatchingServiceClient(base.Peer("matching"))),
		time.Now, func() string { return uuid.Must(uuid.NewV7()).String() })
	profilev1.RegisterProfileServiceServer(base.GRPC, grpcapi.NewServer(application))
	return base.Serve(ctx, base.Consumer(eventapi.MissionsSpec(), eventapi.MissionsHandler(application, host.Logger)),
		base.Consumer(eventapi.AccountsSpec(), eventapi.AccountsHandler(application, host.Logger)))
}
