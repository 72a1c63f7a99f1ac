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
	sender := cfg.Mail
	if sender == nil {
		var box *mail.Mailbox
		if sender, box, err = mail.Open(mail.SMTPConfig{URL: cfg.SMTPURL, From: cfg.MailFrom}); err != nil {
			return fmt.Errorf("mail: %w", err)
		}
		if box != nil {
			host.Logger.WarnContext(ctx, "no SMTP server ("+EnvSMTPURL+"): emails are kept in memory, not sent")
		}
	}
	if cfg.AllowInsecureWebhooks {
		host.Logger.WarnContext(ctx, EnvAllowInsecureWebhooks+" is set: webhooks may call http and loopback endpoints")
	}

	client := webhookclient.New(cfg.AllowInsecureWebhooks, cfg.Lookup)
	dispatchers := map[domain.Channel]chan struct{}{domain.ChannelEmail: make(chan struct{}, 1), domain.ChannelWebhook: make(chan struct{}, 1)}
	wake := func() {
		for _, ch := range dispatchers {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	application := app.New(store.NewRepository(base.DB), client, mailer.New(sender),
		app.Config{AllowInsecureWebhooks: cfg.AllowInsecureWebhooks}, time.Now,
		func() string { return uuid.Must(uuid.NewV7()).String() }, wake)
	notificationv1.RegisterNotificationServiceServer(base.GRPC, grpcapi.NewServer(application, client))

	var parts []func(context.Context) error
	consumers := eventapi.Consumers(application, host.Logger)
	for _, name := range slices.Sorted(maps.Keys(consumers)) {
		parts = append(parts, base.Consumer(eventbus.ConsumerSpecOf(name), consumers[name]))
	}
	for channel, woken := range dispatchers {
		parts = append(parts, dispatch(application, channel, woken, cfg.DeliveryInterval, host.Logger))
	}
	parts = append(parts, application.RunFeed, remind(application, cfg.ReminderInterval, host.Logger))
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

// remind sends the offer reminders that fell due, at start and then every interval.
func remind(a *app.Application, every time.Duration, logger *slog.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			n, err := a.RemindOffers(ctx)
			switch {
			case ctx.Err() != nil:
				return nil
			case err != nil:
				logger.ErrorContext(ctx, "offer reminders failed", "sent", n, "error", err)
			case n > 0:
				logger.InfoContext(ctx, "offer reminders sent", "count", n)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
		}
	}
}
