package eventapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/mission/adapters/store"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/eventapi"
)

// noProfiles knows no profile: the handlers never ask the profile service.
type noProfiles struct{}

func (noProfiles) Consultant(_ context.Context, id string) (app.Consultant, error) {
	return app.Consultant{}, app.ErrProfileNotFound(id)
}

// consumedEvents are the events the mission service's consumers act on: matching's (shortlists,
// pauses and resumes), then the profile stream's erasures.
var consumedEvents = []proto.Message{&matchingv1.ShortlistProposed{}, &matchingv1.MatchingPaused{}, &matchingv1.MatchingResumed{},
	&profilev1.ProfileErased{}}

// FuzzMissionServiceEvents hands events with fuzzed payloads to the mission service's two
// consumers as the consumer does (an envelope, DecodeEnvelope, the handler), on a real store
// holding one submitted mission. A payload is undecodable (dead-lettered), handled, or an error
// naming the event (retried, then dead-lettered): never a panic, and the mission still reads.
func FuzzMissionServiceEvents(f *testing.F) {
	db := sqltest.Backend{Name: "sqlite", Kind: sqlstore.SQLite}.Open(f)
	if err := sqlstore.Migrate(context.Background(), db, store.Migrations()...); err != nil {
		f.Fatal(err)
	}
	var ids atomic.Int64
	a := app.New(store.NewRepository(db, nil), noProfiles{}, app.Config{PseudonymKey: []byte("fuzz-key")},
		func() time.Time { return time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC) },
		func() string { return fmt.Sprintf("id-%03d", ids.Add(1)) })
	firm := identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}
	mission, err := a.CreateMission(context.Background(), firm, missionrules.RequestInput{
		Request: missionrules.Request{
			Title: "Put AI governance in place", Sector: "R86", MissionType: taxonomy.MissionTypeRiskAndCompliance,
			RequiredSkills: []string{"ai-governance"}, DurationMonths: 6, MaxDailyRateEUR: 1200, Languages: []string{"fr"},
			Location: missionrules.Location{Country: "FR"}, WorkMode: taxonomy.WorkModeOnSite, MinYearsExperience: 8,
		},
		StartDate: "2027-04-01",
	})
	if err != nil {
		f.Fatal(err)
	}
	profile := "01a1fba7-5174-7a4d-933c-e12320a4aad3"
	for _, seed := range []proto.Message{
		&matchingv1.ShortlistProposed{MissionId: mission.ID, Revision: 1, ScoringVersion: "v1", EligibleCount: 1,
			Candidates: []*matchingv1.Candidate{{ProfileId: profile, Rank: 1, Score: 0.8}}},
		&matchingv1.ShortlistProposed{MissionId: mission.ID, Revision: 0, Candidates: []*matchingv1.Candidate{{Rank: -1, Score: 2}}},
		&matchingv1.ShortlistProposed{},
		&matchingv1.MatchingPaused{MissionId: mission.ID, PausedBy: "op-1", Reason: "check"},
		&matchingv1.MatchingResumed{MissionId: mission.ID, ResumedBy: "op-1"}, &matchingv1.MatchingPaused{},
		&profilev1.ProfileErased{ProfileId: profile}, &profilev1.ProfileErased{},
	} {
		data, err := proto.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		kind := slices.IndexFunc(consumedEvents, func(m proto.Message) bool {
			return m.ProtoReflect().Descriptor() == seed.ProtoReflect().Descriptor()
		})
		f.Add(uint8(kind), data)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	matching, erasures := eventapi.MatchingHandler(a, logger), eventapi.ErasureHandler(a, logger)
	var count atomic.Int64
	f.Fuzz(func(t *testing.T, kind uint8, payloadData []byte) {
		event := consumedEvents[int(kind)%len(consumedEvents)]
		name := string(event.ProtoReflect().Descriptor().FullName())
		id := fmt.Sprintf("fuzz-%d", count.Add(1))
		data, err := proto.Marshal(&eventsv1.Envelope{EventId: id, Type: name, AggregateId: mission.ID,
			OccurredAt: timestamppb.Now(), Producer: eventbus.ProducerMatching, SchemaVersion: eventbus.SchemaVersion,
			Payload: &anypb.Any{TypeUrl: "type.googleapis.com/" + name, Value: payloadData}})
		if err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(data)
		if err != nil {
			return // dead-lettered
		}
		handle := matching
		if _, ok := event.(*profilev1.ProfileErased); ok {
			handle = erasures
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := handle(ctx, env, payload); err != nil && !strings.Contains(err.Error(), id) {
			t.Fatalf("%s: an error that does not name the event: %v", name, err)
		}
		if ctx.Err() != nil {
			t.Fatalf("%s: the handler took over 10s", name)
		}
		if _, err := a.GetMission(context.Background(), firm, mission.ID); err != nil {
			t.Fatalf("after %s: the mission does not read: %v", name, err)
		}
	})
}
