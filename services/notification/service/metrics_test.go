package service

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// What the application observes becomes the contract's series, with bounded labels only.
func TestNotificationMetricsLabels(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	m, err := newNotificationMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test"))
	if err != nil {
		t.Fatal(err)
	}
	m.Notified(3)
	m.DeliveryEnded(domain.ChannelEmail, domain.DeliveryDelivered)
	m.DeliveryEnded(domain.ChannelEmail, domain.DeliverySkipped)
	m.DeliveryEnded(domain.ChannelWebhook, domain.DeliveryFailed)
	m.DeliveryEnded(domain.ChannelWebhook, domain.DeliveryPending) // not an end: ignored
	m.Attempted(domain.ChannelWebhook, domain.DeliveryPending)
	m.Attempted(domain.ChannelWebhook, domain.DeliveryPending)
	m.Attempted(domain.ChannelWebhook, domain.DeliveryDelivered)
	m.Attempted(domain.ChannelWebhook, domain.DeliveryFailed)
	m.Attempted(domain.ChannelEmail, domain.DeliveryPending)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			for _, dp := range metric.Data.(metricdata.Sum[int64]).DataPoints {
				channel, _ := dp.Attributes.Value("channel")
				outcome, _ := dp.Attributes.Value("outcome")
				got[metric.Name+" "+channel.AsString()+" "+outcome.AsString()] = dp.Value
			}
		}
	}
	want := map[string]int64{
		"caiomatch.notifications.sent inapp sent":     3,
		"caiomatch.notifications.sent email sent":     1,
		"caiomatch.notifications.sent email dropped":  1,
		"caiomatch.notifications.sent webhook failed": 1,
		// every other series at 0
		"caiomatch.notifications.sent email failed":    0,
		"caiomatch.notifications.sent webhook sent":    0,
		"caiomatch.notifications.sent webhook dropped": 0,
		"caiomatch.webhook.deliveries  retried":        2,
		"caiomatch.webhook.deliveries  delivered":      1,
		"caiomatch.webhook.deliveries  failed":         1,
		"caiomatch.email.deliveries  retried":          1,
		"caiomatch.email.deliveries  delivered":        0,
		"caiomatch.email.deliveries  failed":           0,
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, v := range want {
		if n, ok := got[k]; !ok || n != v {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
}
