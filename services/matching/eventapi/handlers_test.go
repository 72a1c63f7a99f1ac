package eventapi_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/adapters/store"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

type noMissions struct{}

func (noMissions) FirmOfMission(_ context.Context, id string) (string, error) {
	return "", fault.NotFound("MISSION_NOT_FOUND", "mission %s not found", id)
}

type handlersFixture struct {
	handlers *eventapi.Handlers
	app      *app.Application
	index    *index.Index
}

func newHandlers(t *testing.T) *handlersFixture {
	t.Helper()
	ctx := t.Context()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "matching.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
		t.Fatal(err)
	}
	ix := index.New(0)
	a := app.New(store.NewRepository(db, func() {}), noMissions{}, ix,
		app.Config{AvailabilityToleranceDays: -1}, func() time.Time { return t0 }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	return &handlersFixture{handlers: eventapi.NewHandlers(a), app: a, index: ix}
}

// handle builds the event as its producer would and hands it to the handler.
func handle(t *testing.T, h func(context.Context, *eventsv1.Envelope, proto.Message) error, producer, aggregateID string,
	payload proto.Message) error {
	t.Helper()
	ev, err := eventbus.NewEvent(producer, aggregateID, payload, t0)
	if err != nil {
		t.Fatal(err)
	}
	return h(t.Context(), ev.Envelope, payload)
}

func testMission(id, firmID string) *missionv1.Mission {
	return &missionv1.Mission{
		Id: id, FirmId: firmID, Sector: "C21", RequiredSkills: []string{"ai-strategy"},
		RequiredSkillLevels: []*missionv1.SkillRequirement{{Id: "ai-strategy", MinLevel: 4}},
		StartDate:           "2027-02-01", DurationMonths: 12, MaxDailyRateEur: 1500, Languages: []string{"fr"},
		Location: &taxonomyv1.Location{Country: "FR"}, WorkMode: taxonomyv1.WorkMode_WORK_MODE_HYBRID, MinYearsExperience: 10,
	}
}

func TestHandlersTranslateEvents(t *testing.T) {
	f := newHandlers(t)
	ctx := t.Context()
	expert, intermediate := uuid.NewString(), uuid.NewString()
	if err := handle(t, f.handlers.Profile, eventbus.ProducerProfile, expert, registered(facts(expert, 1200))); err != nil {
		t.Fatal(err)
	}
	// Level 3 where the mission asks for 4: the minimum level travels from the event.
	mid := facts(intermediate, 1000)
	mid.Skills[0].Level = 3
	if err := handle(t, f.handlers.Profile, eventbus.ProducerProfile, intermediate, updated(mid)); err != nil {
		t.Fatal(err)
	}
	if f.index.Len() != 2 {
		t.Fatalf("index holds %d profiles, want 2", f.index.Len())
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1", &missionv1.MissionSubmitted{Mission: testMission("m1", "firm-1")}); err != nil {
		t.Fatal(err)
	}
	v, err := f.app.GetShortlist(ctx, identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}, "m1")
	if err != nil || len(v.Shortlist.Candidates) != 1 || v.Shortlist.Candidates[0].ProfileID != expert || v.Shortlist.EligibleCount != 1 {
		t.Fatalf("shortlist = %+v, %v; want the expert alone", v, err)
	}

	if err := handle(t, f.handlers.Profile, eventbus.ProducerProfile, expert, &profilev1.ProfileErased{ProfileId: expert}); err != nil {
		t.Fatal(err)
	}
	if !f.index.Erased(expert) {
		t.Fatal("ProfileErased did not erase")
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1", &missionv1.MissionCancelled{MissionId: "m1", FirmId: "firm-1"}); err != nil {
		t.Fatal(err)
	}
	// The erasure re-ranked m1 (revision 2, nobody left); the cancellation closed it.
	v, err = f.app.GetShortlist(ctx, identity.System, "m1")
	if err != nil || v.Shortlist.Revision != 2 || v.Status != domain.ShortlistNoMatch {
		t.Fatalf("after erasure: %+v, %v; want revision 2 without candidates", v, err)
	}
	if visible, err := f.app.CheckProfileVisibility(ctx, intermediate, "firm-1"); err != nil || visible {
		t.Fatalf("visibility through the cancelled mission = %v, %v", visible, err)
	}
}

func TestHandlersRejectEventsTheyCannotApply(t *testing.T) {
	f := newHandlers(t)
	badDate := facts(uuid.NewString(), 1200)
	badDate.AvailableFrom = "soon"
	noFirm := testMission("m1", "")
	cases := []struct {
		name     string
		handler  func(context.Context, *eventsv1.Envelope, proto.Message) error
		producer string
		payload  proto.Message
	}{
		{"erasure without a profile id", f.handlers.Profile, eventbus.ProducerProfile, &profilev1.ProfileErased{}},
		{"unreadable availability date", f.handlers.Profile, eventbus.ProducerProfile, registered(badDate)},
		{"facts without a profile id", f.handlers.Profile, eventbus.ProducerProfile, updated(&profilev1.MatchingFacts{AvailableFrom: "2027-01-04"})},
		{"profile id that is not a UUID", f.handlers.Profile, eventbus.ProducerProfile, registered(facts("p-1", 1200))},
		{"mission without a firm", f.handlers.Mission, eventbus.ProducerMission, &missionv1.MissionSubmitted{Mission: noFirm}},
		{"cancellation without a mission id", f.handlers.Mission, eventbus.ProducerMission, &missionv1.MissionCancelled{FirmId: "firm-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := eventbus.NewEvent(tc.producer, "agg", tc.payload, t0)
			if err != nil {
				t.Fatal(err)
			}
			err = tc.handler(t.Context(), ev.Envelope, tc.payload)
			if err == nil {
				t.Fatal("handler accepted the event")
			}
			if tc.name != "profile id that is not a UUID" && !strings.Contains(err.Error(), ev.Envelope.GetEventId()) {
				t.Errorf("error %q does not name the event %s", err, ev.Envelope.GetEventId())
			}
		})
	}
	// Events matching does not use are acknowledged and ignored.
	if err := handle(t, f.handlers.Profile, eventbus.ProducerProfile, "x", wrapperspb.String("other")); err != nil {
		t.Fatalf("ignored profile event: %v", err)
	}
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "x", wrapperspb.String("other")); err != nil {
		t.Fatalf("ignored mission event: %v", err)
	}
}

// TestAnEditedMissionIsRankedAgain: lowering a required level in an edit lets the intermediate
// consultant in, in a new shortlist revision.
func TestAnEditedMissionIsRankedAgain(t *testing.T) {
	f := newHandlers(t)
	expert, intermediate := uuid.NewString(), uuid.NewString()
	mid := facts(intermediate, 1000)
	mid.Skills[0].Level = 3
	for id, p := range map[string]*profilev1.MatchingFacts{expert: facts(expert, 1200), intermediate: mid} {
		if err := handle(t, f.handlers.Profile, eventbus.ProducerProfile, id, registered(p)); err != nil {
			t.Fatal(err)
		}
	}
	m := testMission("m1", "firm-1")
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1", &missionv1.MissionSubmitted{Mission: m}); err != nil {
		t.Fatal(err)
	}
	m.RequiredSkillLevels[0].MinLevel = 3
	if err := handle(t, f.handlers.Mission, eventbus.ProducerMission, "m1",
		&missionv1.MissionEdited{Mission: m, ChangedFields: []string{"requiredSkillLevels"}}); err != nil {
		t.Fatal(err)
	}
	v, err := f.app.GetShortlist(t.Context(), identity.System, "m1")
	if err != nil || v.Shortlist.Revision != 2 || len(v.Shortlist.Candidates) != 2 || v.Shortlist.EligibleCount != 2 {
		t.Fatalf("shortlist after the edit = %+v, %v; want revision 2 with both consultants", v.Shortlist, err)
	}
}
