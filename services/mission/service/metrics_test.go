package service

import (
	"context"
	"errors"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

func TestOffersAreCountedByOutcome(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	count, err := countOffers(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter(meterScope))
	if err != nil {
		t.Fatal(err)
	}
	for _, eventType := range []string{"OfferMade", "OfferMade", "OfferCountered", "OfferAccepted", "OfferExpired",
		"MissionSubmitted", "ShortlistProposed"} {
		count(eventType)
	}
	got := map[string]int64{}
	for _, dp := range collect(t, reader)["caiomatch.offers"].(metricdata.Sum[int64]).DataPoints {
		outcome, _ := dp.Attributes.Value("outcome")
		got[outcome.AsString()] = dp.Value
	}
	want := map[string]int64{"made": 2, "countered": 1, "accepted": 1, "expired": 1, "declined": 0, "withdrawn": 0}
	if len(got) != len(want) {
		t.Errorf("offers %v, want %v", got, want)
	}
	for outcome, n := range want {
		if v, ok := got[outcome]; !ok || v != n {
			t.Errorf("offers %v, want %v", got, want)
		}
	}
}

type missionsAt map[string]time.Time

func (m missionsAt) Get(_ context.Context, id string) (domain.Mission, error) {
	at, ok := m[id]
	if !ok {
		return domain.Mission{}, errors.New("no such mission")
	}
	return domain.Mission{ID: id, CreatedAt: at}, nil
}

// Only a mission's first shortlist, once applied, measures the time from its submission.
func TestTimeToShortlistIsTheFirstShortlistsOnly(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	submitted := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	refuse := errors.New("not applied")
	handled := 0
	handler, err := timeToShortlist(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)).Meter(meterScope),
		missionsAt{"m-1": submitted, "m-2": submitted},
		func(_ context.Context, _ *eventsv1.Envelope, p proto.Message) error {
			handled++
			if s, ok := p.(*matchingv1.ShortlistProposed); ok && s.GetMissionId() == "m-2" {
				return refuse
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	shortlist := func(mission string, revision int64, after time.Duration) proto.Message {
		return &matchingv1.ShortlistProposed{MissionId: mission, Revision: revision, ProposedAt: timestamppb.New(submitted.Add(after))}
	}
	ctx := context.Background()
	for _, step := range []struct {
		event proto.Message
		err   error
	}{
		{shortlist("m-1", 1, 1500*time.Millisecond), nil},
		{shortlist("m-1", 2, time.Hour), nil},               // not the first
		{shortlist("m-2", 1, time.Second), refuse},          // not applied: redelivered later
		{shortlist("unknown", 1, time.Second), nil},         // applied, but no submission known
		{&matchingv1.MatchingPaused{MissionId: "m-1"}, nil}, // another event of matching
	} {
		if err := handler(ctx, &eventsv1.Envelope{}, step.event); !errors.Is(err, step.err) {
			t.Errorf("%v: %v, want %v", step.event, err, step.err)
		}
	}
	if handled != 5 {
		t.Errorf("the handler ran %d times, want 5", handled)
	}
	points := collect(t, reader)["caiomatch.mission.time_to_shortlist"].(metricdata.Histogram[float64]).DataPoints
	if len(points) != 1 || points[0].Count != 1 || points[0].Sum != 1.5 {
		t.Errorf("time to shortlist %+v, want one measure of 1.5 s", points)
	}
}
