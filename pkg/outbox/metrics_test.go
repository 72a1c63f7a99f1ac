package outbox_test

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
)

// gauges reads the outbox gauges: backlog and lag, by service.
func gauges(t *testing.T, reader *sdkmetric.ManualReader) (backlog int64, lag float64, service string) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	backlog, lag = -1, -1
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch m.Name {
			case "caiomatch.outbox.backlog":
				dp := m.Data.(metricdata.Gauge[int64]).DataPoints[0]
				backlog = dp.Value
				v, _ := dp.Attributes.Value(attribute.Key("service"))
				service = v.AsString()
			case "caiomatch.outbox.relay_lag":
				if m.Unit != "s" {
					t.Errorf("lag in %q", m.Unit)
				}
				lag = m.Data.(metricdata.Gauge[float64]).DataPoints[0].Value
			}
		}
	}
	return backlog, lag, service
}

// The backlog counts the rows not published, the lag ages with the oldest of them, and both
// go back to 0 once the relay published them; each published event's type is told once.
func TestRelayMetricsFollowTheBacklog(t *testing.T) {
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		ctx := testCtx(t)
		reader := sdkmetric.NewManualReader()
		r := newRelay(db, js, nil)
		if err := r.RegisterMetrics(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)), "mission"); err != nil {
			t.Fatal(err)
		}
		var (
			mu        sync.Mutex
			published []string
		)
		r.OnPublished(func(eventType string) {
			mu.Lock()
			defer mu.Unlock()
			published = append(published, eventType)
		})
		if backlog, lag, _ := gauges(t, reader); backlog != 0 || lag != 0 {
			t.Errorf("empty outbox: backlog %d, lag %v", backlog, lag)
		}
		add(t, ctx, db, false, newEvent(t, "m-1", "a"), newEvent(t, "m-2", "b"))
		time.Sleep(20 * time.Millisecond)
		backlog, lag, service := gauges(t, reader)
		if backlog != 2 || lag < 0.02 || lag > 10 || service != "mission" {
			t.Errorf("two rows waiting: backlog %d, lag %v s, service %q", backlog, lag, service)
		}
		runRelay(t, r)
		r.Notify()
		eventbustest.Eventually(t, 10*time.Second, "the backlog to be published", func() bool {
			backlog, lag, _ := gauges(t, reader)
			return backlog == 0 && lag == 0
		})
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(published, []string{"StringValue", "StringValue"}) {
			t.Errorf("told %v, want each event's type once", published)
		}
	})
}
