// Package service wires the notification service by hand; its own main (servicehost.Main) and
// the all-in-one runner both read its settings with LoadConfig and start it through Run.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	notificationv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/notification/v1"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/servicehost"
	"github.com/caiomatch/caiomatch/services/notification/adapters/mailer"
	"github.com/caiomatch/caiomatch/services/notification/adapters/store"
	"github.com/caiomatch/caiomatch/services/notification/adapters/webhookclient"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
	"github.com/caiomatch/caiomatch/services/notification/eventapi"
	"github.com/caiomatch/caiomatch/services/notification/grpcapi"
)

// Name is the service's name in traces, logs and its database file.
const Name = "notification"

// Service is how the service's own main starts it (servicehost.Main).
var Service = servicehost.Service[Config]{Name: Name, LoadConfig: LoadConfig, ListenAddr: Config.ListenAddr, Run: Run}

// Run serves the notification service until ctx ends: the gRPC port, the consumers of mission,
// shortlist, profile and account events, the email and webhook dispatchers, the offer
// reminders and the live feed.
func Run(ctx context.Context, host servicehost.Host, cfg Config) error {
	cfg = cfg.withDefaults()
	base, err := host.Start(ctx, servicehost.Needs{DatabaseURL: cfg.DatabaseURL, Migrations: store.Migrations(),
		ShutdownGrace: cfg.ShutdownGrace})
	if err != nil {
		return err
	}
	defer base.Close()
	var emails app.Mailer // nil: every email is marked SKIPPED
	switch {
	case cfg.Mail != nil:
		emails = mailer.New(cfg.Mail, host.TracerProvider)
	case cfg.SMTPURL != "":
		sender, err := mail.NewSMTPSender(mail.SMTPConfig{URL: cfg.SMTPURL, From: cfg.MailFrom})
		if err != nil {
			return fmt.Errorf("mail: %w", err)
		}
		emails = mailer.New(sender, host.TracerProvider)
	default:
		// A mailbox of this process would be read by nobody, and its emails reported delivered.
		host.Logger.WarnContext(ctx, "no SMTP server ("+EnvSMTPURL+"): emails are not sent, each is marked SKIPPED")
	}
	if cfg.AllowInsecureWebhooks {
		host.Logger.WarnContext(ctx, EnvAllowInsecureWebhooks+" is set: webhooks may call http and loopback endpoints")
	}

	client := webhookclient.New(cfg.AllowInsecureWebhooks, cfg.Lookup, host.TracerProvider)
	dispatchers := map[domain.Channel]chan struct{}{domain.ChannelEmail: make(chan struct{}, 1), domain.ChannelWebhook: make(chan struct{}, 1)}
	wake := func() {
		for _, ch := range dispatchers {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	observer, err := newNotificationMetrics(base.Meter("github.com/caiomatch/caiomatch/services/notification"))
	if err != nil {
		return err
	}
	application := app.New(store.NewRepository(base.DB), client, emails,
		app.Config{AllowInsecureWebhooks: cfg.AllowInsecureWebhooks, Retention: cfg.Retention, PublicURL: cfg.PublicURL,
			Observer: observer},
		time.Now, func() string { return uuid.Must(uuid.NewV7()).String() }, wake)
	if err := application.Start(ctx); err != nil {
		return err
	}
	notificationv1.RegisterNotificationServiceServer(base.GRPC, grpcapi.NewServer(application, client))

	var parts []func(context.Context) error
	consumers := eventapi.Consumers(application, host.Logger)
	for _, name := range slices.Sorted(maps.Keys(consumers)) {
		parts = append(parts, base.Consumer(eventbus.ConsumerSpecOf(name), consumers[name]))
	}
	for channel, woken := range dispatchers {
		parts = append(parts, dispatch(application, channel, woken, cfg.DeliveryInterval, host.Logger))
	}
	parts = append(parts, application.RunFeed,
		periodically("offer reminders", application.RemindOffers, cfg.ReminderInterval, host.Logger),
		periodically("retention purge", application.Purge, cfg.PurgeInterval, host.Logger))
	return base.Serve(ctx, parts...)
}

// dispatch runs the dispatcher of a channel, logging what fails (by ids only: errors never
// hold an address).
func dispatch(a *app.Application, channel domain.Channel, woken <-chan struct{}, every time.Duration, logger *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		return a.Dispatch(ctx, channel, app.Dispatcher{Wake: woken, Every: every, Failed: func(ctx context.Context, err error) {
			logger.ErrorContext(ctx, "delivery failed", "channel", string(channel), "error", err)
		}})
	}
}

// periodically runs a chore at start and then every interval, logging what it did (a count)
// or why it failed.
func periodically(chore string, fn func(context.Context) (int, error), every time.Duration, logger *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			n, err := fn(ctx)
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				logger.ErrorContext(ctx, chore+" failed", "count", n, "error", err)
			case n > 0:
				logger.InfoContext(ctx, chore+" done", "count", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
		}
	}
}
