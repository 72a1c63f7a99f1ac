package service

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// channelInApp is the channel label of the notifications added to the in-app feeds.
const channelInApp = "inapp"

// notificationMetrics is the application's Observer that counts
//   - caiomatch.notifications.sent by channel (email, webhook, inapp) and outcome (sent,
//     failed, dropped: an email skipped, to a suspended account or without an address),
//   - caiomatch.webhook.deliveries, each webhook call by outcome (delivered, retried, failed:
//     given up), and caiomatch.email.deliveries, each email handed to the mail server likewise:
//     a delivery is retried for a day before it counts as failed in caiomatch.notifications.sent,
//     while an SMTP or endpoint outage shows here at once as retries.
type notificationMetrics struct {
	sent     metric.Int64Counter
	attempts map[domain.Channel]metric.Int64Counter
}

var _ app.Observer = (*notificationMetrics)(nil)

func newNotificationMetrics(meter metric.Meter) (*notificationMetrics, error) {
	sent, err := meter.Int64Counter("caiomatch.notifications.sent",
		metric.WithDescription("notifications by channel (email, webhook, inapp) and outcome (sent, failed, dropped)"))
	if err != nil {
		return nil, err
	}
	webhooks, err := meter.Int64Counter("caiomatch.webhook.deliveries",
		metric.WithDescription("webhook calls by outcome (delivered, retried, failed)"))
	if err != nil {
		return nil, err
	}
	emails, err := meter.Int64Counter("caiomatch.email.deliveries",
		metric.WithDescription("emails handed to the mail server, by outcome (delivered, retried, failed)"))
	if err != nil {
		return nil, err
	}
	// Every series from the start, at 0, so that rates and ratios over them are defined.
	ctx := context.Background()
	sent.Add(ctx, 0, metric.WithAttributes(attribute.String("channel", channelInApp), attribute.String("outcome", "sent")))
	for _, channel := range []domain.Channel{domain.ChannelEmail, domain.ChannelWebhook} {
		for _, outcome := range []string{"sent", "failed", "dropped"} {
			sent.Add(ctx, 0, metric.WithAttributes(attribute.String("channel", string(channel)), attribute.String("outcome", outcome)))
		}
	}
	for _, outcome := range []string{"delivered", "retried", "failed"} {
		webhooks.Add(ctx, 0, metric.WithAttributes(attribute.String("outcome", outcome)))
		emails.Add(ctx, 0, metric.WithAttributes(attribute.String("outcome", outcome)))
	}
	return &notificationMetrics{sent: sent,
		attempts: map[domain.Channel]metric.Int64Counter{domain.ChannelWebhook: webhooks, domain.ChannelEmail: emails}}, nil
}

func (m *notificationMetrics) Notified(n int) {
	m.sent.Add(context.Background(), int64(n), metric.WithAttributes(attribute.String("channel", channelInApp),
		attribute.String("outcome", "sent")))
}

func (m *notificationMetrics) DeliveryEnded(channel domain.Channel, status domain.DeliveryStatus) {
	outcome := map[domain.DeliveryStatus]string{domain.DeliveryDelivered: "sent", domain.DeliveryFailed: "failed",
		domain.DeliverySkipped: "dropped"}[status]
	if outcome == "" || (channel != domain.ChannelEmail && channel != domain.ChannelWebhook) {
		return
	}
	m.sent.Add(context.Background(), 1, metric.WithAttributes(attribute.String("channel", string(channel)),
		attribute.String("outcome", outcome)))
}

func (m *notificationMetrics) Attempted(channel domain.Channel, status domain.DeliveryStatus) {
	outcome := map[domain.DeliveryStatus]string{domain.DeliveryDelivered: "delivered", domain.DeliveryPending: "retried",
		domain.DeliveryFailed: "failed"}[status]
	attempts, ok := m.attempts[channel]
	if outcome == "" || !ok {
		return
	}
	attempts.Add(context.Background(), 1, metric.WithAttributes(attribute.String("outcome", outcome)))
}
