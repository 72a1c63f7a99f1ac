package service

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestShortlistsProposedAreCounted(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	count, err := countShortlists(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter("test"))
	if err != nil {
		t.Fatal(err)
	}
	for _, eventType := range []string{"ShortlistProposed", "MatchingPaused", "ShortlistProposed", "StaffingPlanCreated"} {
		count(eventType)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var got int64 = -1
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == "caiomatch.shortlists.proposed" {
				got = m.Data.(metricdata.Sum[int64]).DataPoints[0].Value
			}
		}
	}
	if got != 2 {
		t.Errorf("shortlists proposed %d, want 2", got)
	}
}
