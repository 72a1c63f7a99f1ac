package eventapi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

var t0 = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

// startBus starts an embedded NATS server in a temporary directory, with the streams declared.
func startBus(t *testing.T) jetstream.JetStream {
	t.Helper()
	return eventbustest.Start(t).JS
}

// publish sends a profile event that occurred at occurredAt, as the profile service's relay
// does; the stream keeps publication order, whatever the occurrence times.
func publish(t *testing.T, js jetstream.JetStream, aggregateID string, payload proto.Message, occurredAt time.Time) {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerProfile, aggregateID, payload, occurredAt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(t.Context(), ev.Subject, ev.Data, jetstream.WithMsgID(ev.Envelope.GetEventId())); err != nil {
		t.Fatal(err)
	}
}

func facts(id string, rate int32) *profilev1.MatchingFacts {
	return &profilev1.MatchingFacts{
		ProfileId: id, AccountId: "acct-" + id, Sectors: []string{"C21"},
		Skills:          []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 5}},
		YearsExperience: 15, Languages: []string{"fr"}, Country: "FR", WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID,
		DailyRateEur: rate, AvailableFrom: "2027-01-04",
	}
}

func registered(f *profilev1.MatchingFacts) *profilev1.ProfileRegistered {
	return &profilev1.ProfileRegistered{Facts: f}
}

func updated(f *profilev1.MatchingFacts) *profilev1.ProfileUpdated {
	return &profilev1.ProfileUpdated{Facts: f}
}

func TestRebuildIndexReplaysTheProfileStream(t *testing.T) {
	js := startBus(t)
	ctx := t.Context()
	updatedLater, erasedOne, erasedFirst, rich, badDate := uuid.NewString(), uuid.NewString(), uuid.NewString(),
		uuid.NewString(), uuid.NewString()

	// Latest facts win, by occurrence: a late-delivered older update is ignored.
	publish(t, js, updatedLater, registered(facts(updatedLater, 1200)), t0)
	publish(t, js, updatedLater, updated(facts(updatedLater, 1300)), t0.Add(2*time.Hour))
	publish(t, js, updatedLater, updated(facts(updatedLater, 9999)), t0.Add(time.Hour))
	// Erased stays erased, even against a later update.
	publish(t, js, erasedOne, registered(facts(erasedOne, 1200)), t0)
	publish(t, js, erasedOne, &profilev1.ProfileErased{ProfileId: erasedOne}, t0.Add(time.Hour))
	publish(t, js, erasedOne, updated(facts(erasedOne, 1100)), t0.Add(2*time.Hour))
	// An erasure may come before any registration the stream still holds.
	publish(t, js, erasedFirst, &profilev1.ProfileErased{ProfileId: erasedFirst}, t0)
	publish(t, js, erasedFirst, registered(facts(erasedFirst, 1200)), t0.Add(time.Hour))
	// Facts the index cannot take are skipped: an unreadable date, an id that is not a UUID.
	bad := facts(badDate, 1200)
	bad.AvailableFrom = "soon"
	publish(t, js, badDate, registered(bad), t0)
	publish(t, js, "p-legacy", registered(facts("p-legacy", 1200)), t0)
	// An event type matching does not use, and a message that is no envelope at all.
	publish(t, js, "x", wrapperspb.String("not a profile event"), t0)
	if _, err := js.Publish(ctx, eventbus.Subject(eventbus.ProducerProfile, "ProfileUpdated", "garbage"),
		[]byte("not a protobuf envelope"), jetstream.WithMsgID("garbage-1")); err != nil {
		t.Fatal(err)
	}
	// Every fact the index holds: past missions folded in, bookings, opt-out, notice.
	full := facts(rich, 1400)
	full.Sectors = []string{"C20"}
	full.PastMissions = []*profilev1.PastMission{
		{Sector: "C21", MissionType: missionv1.MissionType_MISSION_TYPE_AI_STRATEGY, Months: 10, Year: 2024},
		{Sector: "L64", MissionType: missionv1.MissionType_MISSION_TYPE_AI_STRATEGY, Months: 8, Year: 2025},
	}
	full.Bookings = []*profilev1.Booking{{StartDate: "2027-03-01", EndDate: "2027-03-31"}}
	full.MobilityCountries = []string{"BE", "DE", "LU"}
	full.NoticePeriodDays, full.ProfilingOptOut = 30, true
	publish(t, js, rich, registered(full), t0)

	ix := index.New(0)
	stats, err := eventapi.RebuildIndex(ctx, js, ix)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Messages != 13 || stats.Undecodable != 1 {
		t.Fatalf("stats = %+v, want 13 messages, 1 undecodable", stats)
	}
	if ix.Len() != 2 {
		t.Fatalf("index holds %d live profiles, want 2", ix.Len())
	}
	if p, ok := ix.Profile(updatedLater); !ok || p.DailyRateEUR != 1300 {
		t.Fatalf("updated profile = %+v, %v; want the latest rate 1300", p, ok)
	}
	for _, id := range []string{erasedOne, erasedFirst} {
		if _, ok := ix.Profile(id); ok || !ix.Erased(id) {
			t.Errorf("profile %s: readable or not marked erased", id)
		}
	}
	if _, ok := ix.Profile(badDate); ok || ix.Erased(badDate) {
		t.Error("profile with an unreadable date was indexed")
	}
	p, ok := ix.Profile(rich)
	if !ok {
		t.Fatal("full profile missing")
	}
	if !slices.Equal(p.Sectors, []string{"C20", "C21", "L64"}) || p.MonthsByMissionType[taxonomy.MissionTypeAIStrategy] != 18 ||
		len(p.Bookings) != 1 || !p.Bookings[0].Start.Equal(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)) ||
		!slices.Equal(p.MobilityCountries, []string{"BE", "DE", "LU"}) || p.NoticePeriodDays != 30 || !p.ProfilingOptOut {
		t.Fatalf("full profile = %+v", p)
	}
}

// TestRebuildIndexAppliesInStreamOrder: events with the same occurrence time are applied in
// stream order, the last one winning, across the replay's decoding batches.
func TestRebuildIndexAppliesInStreamOrder(t *testing.T) {
	js := startBus(t)
	id := uuid.NewString()
	const n = 1100 // more than two replay batches
	var acks []jetstream.PubAckFuture
	for i := range n {
		ev, err := eventbus.NewEvent(eventbus.ProducerProfile, id, updated(facts(id, int32(1000+i))), t0)
		if err != nil {
			t.Fatal(err)
		}
		ack, err := js.PublishAsync(ev.Subject, ev.Data, jetstream.WithMsgID(ev.Envelope.GetEventId()))
		if err != nil {
			t.Fatal(err)
		}
		acks = append(acks, ack)
	}
	for i, ack := range acks {
		select {
		case <-ack.Ok():
		case err := <-ack.Err():
			t.Fatalf("publish %d: %v", i, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("publish %d not acknowledged", i)
		}
	}
	ix := index.New(0)
	stats, err := eventapi.RebuildIndex(t.Context(), js, ix)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Messages != n || stats.Undecodable != 0 {
		t.Fatalf("stats = %+v, want %d messages", stats, n)
	}
	if p, ok := ix.Profile(id); !ok || p.DailyRateEUR != 1000+n-1 {
		t.Fatalf("profile = %+v, %v; want the rate of the last event, %d", p, ok, 1000+n-1)
	}
}

func TestRebuildIndexOfAnEmptyStream(t *testing.T) {
	js := startBus(t)
	ix := index.New(0)
	stats, err := eventapi.RebuildIndex(t.Context(), js, ix)
	if err != nil || stats != (eventbus.ReplayStats{}) || ix.Len() != 0 {
		t.Fatalf("RebuildIndex = %+v, %v with %d profiles; want nothing", stats, err, ix.Len())
	}
}

func TestRebuildIndexFailsWithoutTheStream(t *testing.T) {
	js := startBus(t)
	if err := js.DeleteStream(t.Context(), eventbus.StreamOf(eventbus.ProducerProfile)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := eventapi.RebuildIndex(ctx, js, index.New(0)); err == nil {
		t.Fatal("RebuildIndex succeeded without a PROFILE stream")
	}
}
