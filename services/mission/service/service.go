// Package service wires the mission service by hand; its own main (servicehost.Main) and the
// all-in-one runner both read its settings with LoadConfig and start it through Run.
package service

import (
	"context"
	"github.com/caiomatch/caiomatch/pkg/pseudonym"
	"log/slog"
	"time"

	"github.com/google/uuid"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/mission/adapters/profileclient"
	"github.com/caiomatch/caiomatch/services/mission/adapters/store"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/eventapi"
	"github.com/caiomatch/caiomatch/services/mission/grpcapi"
)

// Name is the service's name in traces, logs and events.
const Name = "mission"

// Service is how the service's own main starts it (servicehost.Main).
var Service = servicehost.Service[Config]{Name: Name, LoadConfig: LoadConfig, ListenAddr: Config.ListenAddr, Run: Run}

// Run serves the mission service until ctx ends: the gRPC port, the outbox relay, the
// consumers of shortlists and profile erasures, the expiry of unanswered offers and the
// completion of missions past their end date.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	cfg = cfg.withDefaults()
	needs := servicehost.Needs{DatabaseURL: cfg.DatabaseURL, Migrations: store.Migrations(), ShutdownGrace: cfg.ShutdownGrace}
	if !cfg.WithoutProfileService {
		needs.Peers = map[string]string{"profile": cfg.ProfileAddr}
	}
	base, err := host.Start(ctx, needs)
	if err != nil {
		return err
	}
	defer base.Close()
	var profiles app.Profiles = profileclient.Unconfigured{}
	if conn := base.Peer("profile"); conn != nil {
		profiles = profileclient.New(profilev1.NewProfileServiceClient(conn))
	} else {
		host.Logger.WarnContext(ctx, "no profile service address: offers will be refused")
	}
	key, generated, err := pseudonym.Load(cfg.PseudonymKey, host.DataDir)
	if err != nil {
		return err
	}
	if generated {
		host.Logger.InfoContext(ctx, "pseudonym key generated for this installation", "file", pseudonym.KeyFile)
	}

	repo := store.NewRepository(base.DB, base.Relay.Notify)
	meter := base.Meter(meterScope)
	offers, err := countOffers(meter)
	if err != nil {
		return err
	}
	base.Relay.OnPublished(offers)
	application := app.New(repo, profiles,
		app.Config{OfferTTL: cfg.OfferTTL, PseudonymKey: key, FirmMissionsPerDay: max(cfg.FirmMissionsPerDay, 0)},
		time.Now, func() string { return uuid.Must(uuid.NewV7()).String() })
	missionv1.RegisterMissionServiceServer(base.GRPC, grpcapi.NewServer(application))
	shortlists, err := timeToShortlist(meter, repo, eventapi.MatchingHandler(application, host.Logger))
	if err != nil {
		return err
	}
	return base.Serve(ctx,
		base.Consumer(eventapi.ShortlistSpec(), shortlists),
		base.Consumer(eventapi.ErasureSpec(), eventapi.ErasureHandler(application, host.Logger)),
		base.Consumer(eventapi.AccountErasureSpec(), eventapi.AccountErasureHandler(application, host.Logger)),
		expireOffers(application, cfg.ExpiryInterval, host.Logger),
	)
}

// expireOffers expires the offers left unanswered past their expiry and completes the staffed
// missions past their end date, at start and then every interval. A failed round is logged and
// retried at the next one.
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
			n, err = a.CompleteMissions(ctx, time.Now())
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				logger.ErrorContext(ctx, "mission completion failed", "completed", n, "error", err)
			case n > 0:
				logger.InfoContext(ctx, "missions completed", "count", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
		}
	}
}
