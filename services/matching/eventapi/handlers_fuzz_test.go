package eventapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/adapters/store"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// matchingEvents are the events matching's two durable consumers act on: the profile stream's
// first, then the mission stream's.
var matchingEvents = []proto.Message{
	&profilev1.ProfileRegistered{}, &profilev1.ProfileUpdated{}, &profilev1.ProfileErased{},
	&missionv1.MissionSubmitted{}, &missionv1.MissionEdited{}, &missionv1.MissionUpdated{}, &missionv1.OfferDeclined{},
	&missionv1.OfferExpired{}, &missionv1.MissionCancelled{},
}

// FuzzMatchingEvents hands events with fuzzed payloads to matching's two durable consumers as
// the consumer does (an envelope, DecodeEnvelope, then the profile or the mission handler), on
// a real store and index. A payload is either undecodable (dead-lettered), handled, or refused by
// the handler with an error (retried, then dead-lettered): never a panic, never a handler that
// hangs. Facts or a mission matching cannot read are never acknowledged as handled, and a handled
// erasure leaves the profile erased. (The envelope's own bytes: FuzzDecodeEnvelope.)
func FuzzMatchingEvents(f *testing.F) {
	profile := "01a1fba7-5174-7a4d-933c-e12320a4aad3"
	booked := facts(profile, 1200)
	booked.Bookings = []*profilev1.Booking{{StartDate: "2027-03-01", EndDate: "2027-06-30"}}
	booked.PastMissions = []*profilev1.PastMission{{Sector: "K64", MissionType: 2, Months: 12}}
	booked.PlaceCity, booked.PlaceRegion = "lyon", "FR-ARA"
	for _, seed := range []proto.Message{
		registered(facts(profile, 1200)), updated(booked), &profilev1.ProfileErased{ProfileId: profile},
		registered(&profilev1.MatchingFacts{ProfileId: "p-1", AvailableFrom: "soon"}),
		&missionv1.MissionSubmitted{Mission: testMission("m-1", "firm-1")}, &missionv1.MissionEdited{Mission: testMission("m-1", "firm-1")},
		&missionv1.MissionUpdated{MissionId: "m-1", Status: missionv1.MissionStatus_MISSION_STATUS_STAFFED},
		&missionv1.OfferDeclined{Offer: &missionv1.Offer{MissionId: "m-1", ProfileId: profile}},
		&missionv1.OfferExpired{Offer: &missionv1.Offer{MissionId: "m-1", ProfileId: "P-1"}},
		&missionv1.MissionCancelled{MissionId: "m-1", FirmId: "firm-1"},
	} {
		data, err := proto.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		kind := slices.IndexFunc(matchingEvents, func(m proto.Message) bool {
			return m.ProtoReflect().Descriptor() == seed.ProtoReflect().Descriptor()
		})
		f.Add(uint8(kind), data)
	}
	f.Cleanup(matchingTarget.stop)
	f.Fuzz(func(t *testing.T, kind uint8, payloadData []byte) {
		target := matchingTarget.get(t)
		event := matchingEvents[int(kind)%len(matchingEvents)]
		name := string(event.ProtoReflect().Descriptor().FullName())
		data, err := proto.Marshal(&eventsv1.Envelope{EventId: fmt.Sprintf("fuzz-%d", eventCount.Add(1)), Type: name,
			AggregateId: "agg", OccurredAt: timestamppb.New(t0), Producer: "fuzz", SchemaVersion: eventbus.SchemaVersion,
			Payload: &anypb.Any{TypeUrl: "type.googleapis.com/" + name, Value: payloadData}})
		if err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(data)
		if err != nil {
			return // dead-lettered
		}
		handle := target.handlers.Mission
		if _, ok := event.(interface {
			GetFacts() *profilev1.MatchingFacts
		}); ok || name == "caiomatch.profile.v1.ProfileErased" {
			handle = target.handlers.Profile
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = handle(ctx, env, payload)
		if ctx.Err() != nil {
			t.Fatalf("%s: the handler took over 10s", name)
		}
		if err != nil {
			return
		}
		switch e := payload.(type) {
		case *missionv1.MissionSubmitted:
			if _, derr := eventapi.Mission(e.GetMission()); derr != nil {
				t.Fatalf("a mission matching cannot read (%v) was handled", derr)
			}
		case *missionv1.MissionEdited:
			if _, derr := eventapi.Mission(e.GetMission()); derr != nil {
				t.Fatalf("a mission matching cannot read (%v) was handled", derr)
			}
		case *profilev1.ProfileRegistered:
			if _, derr := eventapi.Profile(e.GetFacts()); derr != nil {
				t.Fatalf("facts matching cannot read (%v) were handled", derr)
			}
		case *profilev1.ProfileUpdated:
			if _, derr := eventapi.Profile(e.GetFacts()); derr != nil {
				t.Fatalf("facts matching cannot read (%v) were handled", derr)
			}
		case *profilev1.ProfileErased:
			if id, _ := eventapi.ProfileID(e.GetProfileId()); !target.index.Erased(id) {
				t.Fatalf("erasure of %q handled, but the profile is not erased", e.GetProfileId())
			}
		}
	})
}

// eventCount numbers the fuzzed events: each is new to the inbox, so that it is handled rather
// than recognised as a duplicate.
var eventCount atomic.Int64

// matchingTarget is the store and index of this process's fuzzing: opened at the first input,
// kept for every input after (opening and migrating a store takes longer than an input).
var matchingTarget handlersTarget

type handlersTarget struct {
	once     sync.Once
	failed   error
	dir      string
	db       *sql.DB
	handlers *eventapi.Handlers
	index    *index.Index
}

func (h *handlersTarget) get(t *testing.T) *handlersTarget {
	h.once.Do(func() { h.failed = h.open() })
	if h.failed != nil {
		t.Fatal(h.failed)
	}
	return h
}

func (h *handlersTarget) open() error {
	dir, err := os.MkdirTemp("", "caiomatch-fuzz-matching-")
	if err != nil {
		return err
	}
	h.dir = dir
	ctx := context.Background()
	if h.db, err = sqlstore.OpenSQLite(ctx, filepath.Join(dir, "matching.db")); err != nil {
		return err
	}
	if err := sqlstore.Migrate(ctx, h.db, store.Migrations()...); err != nil {
		return err
	}
	h.index = index.New(0)
	a := app.New(store.NewRepository(h.db, func() {}), noMissions{}, h.index, app.Config{AvailabilityToleranceDays: -1},
		func() time.Time { return t0 }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := a.Load(ctx); err != nil {
		return err
	}
	h.handlers = eventapi.NewHandlers(a)
	return nil
}

func (h *handlersTarget) stop() {
	if h.db != nil {
		_ = h.db.Close()
	}
	if h.dir != "" {
		_ = os.RemoveAll(h.dir)
	}
}
