package eventbus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
)

// consumerValues reads every consumer instrument: name → consumer label → value.
func consumerValues(t *testing.T, reader *sdkmetric.ManualReader) map[string]map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var points []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Gauge[int64]:
				points = d.DataPoints
			case metricdata.Sum[int64]:
				points = d.DataPoints
			}
			for _, dp := range points {
				consumer, _ := dp.Attributes.Value("consumer")
				if out[m.Name] == nil {
					out[m.Name] = map[string]int64{}
				}
				out[m.Name][consumer.AsString()] = dp.Value
			}
		}
	}
	return out
}

// A consumer's backlog, unacknowledged messages, redeliveries and dead letters are what
// JetStream and its deliveries say.
func TestConsumerMetrics(t *testing.T) {
	js, _ := startBus(t)
	reader := sdkmetric.NewManualReader()
	metrics, err := eventbus.NewConsumerMetrics(js, sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatal(err)
	}
	spec := eventbus.ConsumerSpec{Stream: "MISSION", Durable: "metered", MaxDeliver: 2}
	c := newConsumer(js, spec, func(_ context.Context, _ *eventsv1.Envelope, p proto.Message) error {
		if p.(*wrapperspb.StringValue).GetValue() == "bad" {
			return errors.New("refused on purpose")
		}
		return nil
	}, nil).RecordMetrics(metrics)
	if got := consumerValues(t, reader)["caiomatch.consumer.pending"]; len(got) != 0 {
		t.Errorf("a consumer not declared yet has series: %v", got)
	}
	publish(t, js, newEvent(t, "m-1", "good"))
	publish(t, js, newEvent(t, "m-2", "bad"))
	stop := runConsumer(t, c)
	eventbustest.Eventually(t, 15*time.Second, "the bad event to be dead-lettered", func() bool {
		v := consumerValues(t, reader)
		return v["caiomatch.deadletters"]["metered"] == 1 && v["caiomatch.consumer.pending"]["metered"] == 0 &&
			v["caiomatch.consumer.ack_pending"]["metered"] == 0
	})
	if got := consumerValues(t, reader)["caiomatch.consumer.redeliveries"]["metered"]; got != 1 {
		t.Errorf("redeliveries %d, want 1 (the bad event's second delivery)", got)
	}
	stop()
	publish(t, js, newEvent(t, "m-3", "good"))
	publish(t, js, newEvent(t, "m-4", "good"))
	if got := consumerValues(t, reader)["caiomatch.consumer.pending"]["metered"]; got != 2 {
		t.Errorf("pending %d while the consumer is stopped, want 2", got)
	}
}
