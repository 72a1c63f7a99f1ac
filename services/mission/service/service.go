// Package service wires the mission service by hand; its own main and the all-in-one runner
// both start it through Run.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/adapters/matchingevents"
	"github.com/caiomatch/caiomatch/services/mission/adapters/profileclient"
	"github.com/caiomatch/caiomatch/services/mission/adapters/profileevents"
	"github.com/caiomatch/caiomatch/services/mission/adapters/sqlite"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "mission"

// Config is the mission service's own configuration.
type Config struct {
	// DatabaseURL is the PostgreSQL database the service keeps its data in, a postgres:// or
	// postgresql:// URL. Empty, it is SQLite at <DataDir>/mission.db.
	DatabaseURL string
	// ProfileAddr is the profile service's gRPC address, asked whose profile a candidate is
	// when a firm makes an offer. Empty, offers are refused (UNAVAILABLE) and a warning is
	// logged at start; everything else works.
	ProfileAddr string
	// OfferTTL is how long a consultant has to answer an offer; 0 means 72 h.
	OfferTTL time.Duration
	// ExpiryInterval is how often pending offers past their expiry are expired; 0 means 30 s.
	ExpiryInterval time.Duration
	// PseudonymKey keys the pseudonyms of erased profiles (HMAC-SHA256). Empty means
	// DevPseudonymKey, which is public: set a secret one in production.
	PseudonymKey string
	// ShutdownGrace bounds how long in-flight calls may take to finish at shutdown; 0 means 10 s.
	ShutdownGrace time.Duration
}

// Defaults of Config.
const (
	DefaultProfileAddr    = "127.0.0.1:9101"
	DefaultOfferTTL       = app.DefaultOfferTTL
	DefaultExpiryInterval = 30 * time.Second
	// DevPseudonymKey is the development pseudonym key. It is in the source code, so
	// pseudonyms made with it can be linked back to profile ids by anyone who has a list of
	// ids: never use it in production.
	DevPseudonymKey = "caiomatch-dev-pseudonym-key-do-not-use-in-production"
)

// EnvDatabaseURL names the variable holding Config.DatabaseURL.
const EnvDatabaseURL = "CAIOMATCH_MISSION_DATABASE_URL"

// ConfigFromEnv reads CAIOMATCH_MISSION_DATABASE_URL (default: none, SQLite),
// CAIOMATCH_PROFILE_GRPC_ADDR (default 127.0.0.1:9101), CAIOMATCH_OFFER_TTL (a duration such as
// 72h, the default) and CAIOMATCH_PSEUDONYM_KEY (default DevPseudonymKey).
func ConfigFromEnv() (Config, error) {
	cfg := Config{
		DatabaseURL:  os.Getenv(EnvDatabaseURL),
		ProfileAddr:  servicehost.Env("CAIOMATCH_PROFILE_GRPC_ADDR", DefaultProfileAddr),
		OfferTTL:     DefaultOfferTTL,
		PseudonymKey: servicehost.Env("CAIOMATCH_PSEUDONYM_KEY", DevPseudonymKey),
	}
	if raw := os.Getenv("CAIOMATCH_OFFER_TTL"); raw != "" {
		d, err := time.ParseDuration(raw)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("CAIOMATCH_OFFER_TTL must be a positive duration such as 72h, got %q", raw)
		}
		cfg.OfferTTL = d
	}
	return cfg, nil
}

// Run serves the mission service until ctx ends: the gRPC port, the outbox relay, the
// consumers of shortlists and profile erasures, and the expiry of unanswered offers.
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
	host.Logger.InfoContext(ctx, "database opened", "backend", string(backend), "database", where)
	if err := sqlstore.Migrate(ctx, db, sqlite.Migrations()...); err != nil {
		return err
	}

	var profiles app.Profiles = profileclient.Unconfigured{}
	if cfg.ProfileAddr == "" {
		host.Logger.WarnContext(ctx, "no profile service address: offers will be refused")
	} else {
		profileConn, err := rpc.Dial(cfg.ProfileAddr, host.TracerProvider, rpc.SignCallers(host.CallerKey))
		if err != nil {
			return fmt.Errorf("dial profile: %w", err)
		}
		defer profileConn.Close()
		profiles = profileclient.New(profilev1.NewProfileServiceClient(profileConn))
	}
	key := cfg.PseudonymKey
	if key == "" || key == DevPseudonymKey {
		key = DevPseudonymKey
		host.Logger.WarnContext(ctx, "the development pseudonym key is in use: set CAIOMATCH_PSEUDONYM_KEY in production")
	}

	relay := outbox.NewRelay(db, host.JetStream, host.TracerProvider, host.Logger)
	repo := sqlite.NewRepository(db, relay.Notify)
	application := app.New(repo, profiles, app.Config{OfferTTL: cfg.OfferTTL, PseudonymKey: []byte(key)},
		time.Now, func() string { return uuid.Must(uuid.NewV7()).String() })

	shortlists := eventbus.NewConsumer(host.JetStream, matchingevents.ShortlistSpec(),
		matchingevents.ShortlistHandler(application, host.Logger), host.TracerProvider, host.Logger)
	erasures := eventbus.NewConsumer(host.JetStream, profileevents.ErasureSpec(),
		profileevents.ErasureHandler(application, host.Logger), host.TracerProvider, host.Logger)

	server := rpc.NewServer(host.TracerProvider, host.Logger, rpc.WithCallerKey(host.CallerKey))
	missionv1.RegisterMissionServiceServer(server.GRPC, grpcapi.NewServer(application))

	grace := cfg.ShutdownGrace
	if grace == 0 {
		grace = 10 * time.Second
	}
	every := cfg.ExpiryInterval
	if every <= 0 {
		every = DefaultExpiryInterval
	}
	return servicehost.RunTogether(ctx,
		relay.Run,
		stopQuietly(shortlists.Run),
		stopQuietly(erasures.Run),
		expireOffers(application, every, host.Logger),
		func(ctx context.Context) error { return server.Serve(ctx, host.Listener, grace) },
	)
}

// expireOffers expires the offers left unanswered past their expiry, at start and then every
// interval. A failed round is logged and retried at the next one.
func expireOffers(a *app.Application, every time.Duration, logger *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			n, err := a.ExpireOffers(ctx, time.Now())
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				logger.ErrorContext(ctx, "offer expiry failed", "expired", n, "error", err)
			case n > 0:
				logger.InfoContext(ctx, "offers expired", "count", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
		}
	}
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
