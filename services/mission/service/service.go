// Package service wires the mission service by hand; its own main (servicehost.Main) and the
// all-in-one runner both read its settings with LoadConfig and start it through Run.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/mission/adapters/profileclient"
	"github.com/caiomatch/caiomatch/services/mission/adapters/store"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/eventapi"
	"github.com/caiomatch/caiomatch/services/mission/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "mission"

// Run serves the mission service until ctx ends: the gRPC port, the outbox relay, the
// consumers of shortlists and profile erasures, and the expiry of unanswered offers.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	// Serve closes the listener; this closes it too when start-up fails before serving.
	defer host.Listener.Close()
	cfg = cfg.withDefaults()
	db, err := host.OpenDatabase(ctx, cfg.DatabaseURL, store.Migrations()...)
	if err != nil {
		return err
	}
	defer db.Close()

	var profiles app.Profiles = profileclient.Unconfigured{}
	if cfg.WithoutProfileService {
		host.Logger.WarnContext(ctx, "no profile service address: offers will be refused")
	} else {
		profileConn, err := rpc.Dial(cfg.ProfileAddr, host.TracerProvider, rpc.SignCallers(host.CallerKey))
		if err != nil {
			return fmt.Errorf("dial profile: %w", err)
		}
		defer profileConn.Close()
		profiles = profileclient.New(profilev1.NewProfileServiceClient(profileConn))
	}
	if cfg.PseudonymKey == DevPseudonymKey {
		host.Logger.WarnContext(ctx, "the development pseudonym key is in use: set "+EnvPseudonymKey+" in production")
	}

	relay := outbox.NewRelay(db, host.JetStream, host.TracerProvider, host.Logger)
	application := app.New(store.NewRepository(db, relay.Notify), profiles,
		app.Config{OfferTTL: cfg.OfferTTL, PseudonymKey: []byte(cfg.PseudonymKey)},
		time.Now, func() string { return uuid.Must(uuid.NewV7()).String() })

	shortlists := eventbus.NewConsumer(host.JetStream, eventapi.ShortlistSpec(),
		eventapi.ShortlistHandler(application, host.Logger), host.TracerProvider, host.Logger)
	erasures := eventbus.NewConsumer(host.JetStream, eventapi.ErasureSpec(),
		eventapi.ErasureHandler(application, host.Logger), host.TracerProvider, host.Logger)

	server := rpc.NewServer(host.TracerProvider, host.Logger, rpc.WithCallerKey(host.CallerKey))
	missionv1.RegisterMissionServiceServer(server.GRPC, grpcapi.NewServer(application))

	return servicehost.RunTogether(ctx,
		relay.Run,
		stopQuietly(shortlists.Run),
		stopQuietly(erasures.Run),
		expireOffers(application, cfg.ExpiryInterval, host.Logger),
		func(ctx context.Context) error { return server.Serve(ctx, host.Listener, cfg.ShutdownGrace) },
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
