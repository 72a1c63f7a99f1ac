package telemetry

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func TestSearchTracesKeepsWhatTheQuerySelects(t *testing.T) {
	store := NewSpanStore(100)
	gateway := setup(t, "gateway", store).TracerProvider().Tracer("test")
	mission := setup(t, "mission", store).TracerProvider().Tracer("test")
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	// record makes a trace rooted at the gateway, starting start after at and lasting lasts;
	// with a mission child that fails when failing.
	record := func(root string, start, lasts time.Duration, child, failing bool) string {
		ctx, span := gateway.Start(context.Background(), root, trace.WithTimestamp(at.Add(start)))
		if child {
			_, c := mission.Start(ctx, "caiomatch.mission.v1.MissionService/CreateMission", trace.WithTimestamp(at.Add(start+time.Millisecond)))
			if failing {
				c.SetStatus(codes.Error, "boom")
			}
			c.End(trace.WithTimestamp(at.Add(start + 2*time.Millisecond)))
		}
		span.End(trace.WithTimestamp(at.Add(start + lasts)))
		return span.SpanContext().TraceID().String()
	}
	submission := record("POST /v1/missions", 0, 20*time.Millisecond, true, true)
	profile := record("GET /v1/profiles/{id}", time.Second, 5*time.Millisecond, false, false)
	slow := record("POST /v1/missions", 2*time.Second, 100*time.Millisecond, true, false)

	for _, c := range []struct {
		name  string
		query TraceQuery
		want  []string
	}{
		{"everything, newest first", TraceQuery{}, []string{slow, profile, submission}},
		{"by service", TraceQuery{Service: "mission"}, []string{slow, submission}},
		{"a service is matched whole", TraceQuery{Service: "miss"}, nil},
		{"root name, ignoring case", TraceQuery{RootNameContains: "V1/MISSIONS"}, []string{slow, submission}},
		{"a child's name is not the root's", TraceQuery{RootNameContains: "CreateMission"}, nil},
		{"minimum duration, inclusive", TraceQuery{MinDuration: 20 * time.Millisecond}, []string{slow, submission}},
		{"errors only", TraceQuery{ErrorsOnly: true}, []string{submission}},
		{"all together", TraceQuery{Service: "gateway", RootNameContains: "missions", MinDuration: time.Millisecond, Limit: 1}, []string{slow}},
	} {
		var got []string
		for _, sum := range store.SearchTraces(c.query) {
			got = append(got, sum.TraceID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if sums := store.SearchTraces(TraceQuery{ErrorsOnly: true}); len(sums) != 1 || sums[0].ErrorCount != 1 || sums[0].SpanCount != 2 {
		t.Errorf("the failed submission is summarised as %+v, want 1 error among 2 spans", sums)
	}
	if got := store.Traces(2); len(got) != 2 || got[0].TraceID != slow {
		t.Errorf("Traces(2) = %+v, want the two newest", got)
	}
}
