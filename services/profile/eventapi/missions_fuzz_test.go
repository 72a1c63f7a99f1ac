package eventapi_test

import (
	"context"
	"fmt"
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
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/eventapi"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

// missionEvents are the events the profile service's consumer of the mission stream acts on.
var missionEvents = []proto.Message{&missionv1.OfferAccepted{}, &missionv1.MissionCancelled{}, &missionv1.StaffingDatesChanged{}}

// FuzzMissionEvents hands events with fuzzed payloads to the profile service's consumer of the
// mission stream, as the consumer does (an envelope, DecodeEnvelope, the handler), on a real
// store holding one profile. A payload is undecodable (dead-lettered), handled, or an error
// naming the event (retried, then dead-lettered): never a panic. Whatever it held, the profile
// still reads with each booking's start before its end, and no log line holds its owner's name
// or email.
func FuzzMissionEvents(f *testing.F) {
	offer := &missionv1.Offer{MissionId: "m-1", ProfileId: "p1", FirmId: "firm-1", StartDate: "2027-05-01", EndDate: "2027-10-31"}
	for _, seed := range []proto.Message{
		&missionv1.OfferAccepted{Offer: offer}, &missionv1.OfferAccepted{},
		&missionv1.OfferAccepted{Offer: &missionv1.Offer{MissionId: "m-2", ProfileId: "p1", StartDate: "2027-12-01", EndDate: "2027-11-01"}},
		&missionv1.OfferAccepted{Offer: &missionv1.Offer{MissionId: "m-3", ProfileId: "p1", StartDate: "2027-02-30", EndDate: "soon"}},
		&missionv1.MissionCancelled{MissionId: "m-1"}, &missionv1.MissionCancelled{},
		&missionv1.StaffingDatesChanged{MissionId: "m-1", ProfileId: "p1", StartDate: "2027-06-01", EndDate: "2027-09-30"},
		&missionv1.StaffingDatesChanged{MissionId: "m-1", ProfileId: "p1", StartDate: "2027-09-30", EndDate: "2027-06-01"},
	} {
		data, err := proto.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		kind := slices.IndexFunc(missionEvents, func(m proto.Message) bool {
			return m.ProtoReflect().Descriptor() == seed.ProtoReflect().Descriptor()
		})
		f.Add(uint8(kind), data)
	}
	// A store is cheap to open: one for the whole run of this process, the coordinator's too.
	profiles := store.New(profiletest.OpenSQLite(f), nil)
	a := app.New(profiles, profiles, nil, time.Now, func() string { return "p1" })
	in := profiletest.Input()
	owner := identity.Caller{AccountID: "cons-1", Role: identity.RoleConsultant}
	if _, err := a.CreateProfile(context.Background(), owner, "", in); err != nil {
		f.Fatal(err)
	}
	logs := &personalDataWatch{personal: []string{in.DisplayName, in.Email}}
	handle := eventapi.MissionsHandler(a, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	var count atomic.Int64
	f.Fuzz(func(t *testing.T, kind uint8, payloadData []byte) {
		name := string(missionEvents[int(kind)%len(missionEvents)].ProtoReflect().Descriptor().FullName())
		id := fmt.Sprintf("fuzz-%d", count.Add(1))
		data, err := proto.Marshal(&eventsv1.Envelope{EventId: id, Type: name, AggregateId: "m-1",
			OccurredAt: timestamppb.Now(), Producer: eventbus.ProducerMission, SchemaVersion: eventbus.SchemaVersion,
			Payload: &anypb.Any{TypeUrl: "type.googleapis.com/" + name, Value: payloadData}})
		if err != nil {
			t.Fatal(err)
		}
		env, payload, err := eventbus.DecodeEnvelope(data)
		if err != nil {
			return // dead-lettered
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := handle(ctx, env, payload); err != nil && !strings.Contains(err.Error(), id) {
			t.Fatalf("%s: an error that does not name the event: %v", name, err)
		}
		if ctx.Err() != nil {
			t.Fatalf("%s: the handler took over 10s", name)
		}
		p, err := a.GetProfile(context.Background(), owner, "p1")
		if err != nil {
			t.Fatalf("after %s: the profile does not read: %v", name, err)
		}
		for _, b := range p.Bookings {
			if b.End.Before(b.Start) {
				t.Fatalf("after %s: booking %+v ends before it starts", name, b)
			}
		}
		// (Unless the event itself carried those words: then they are the event's, not the profile's.)
		if line := logs.seen.Swap(nil); line != nil && !strings.Contains(string(payloadData), in.DisplayName) &&
			!strings.Contains(string(payloadData), in.Email) {
			t.Fatalf("after %s: a log line holds the consultant's name or email: %s", name, *line)
		}
	})
}

// personalDataWatch is a log that keeps the first line holding any of its personal texts.
type personalDataWatch struct {
	personal []string
	seen     atomic.Pointer[string]
}

func (w *personalDataWatch) Write(p []byte) (int, error) {
	for _, s := range w.personal {
		if strings.Contains(string(p), s) {
			line := string(p)
			w.seen.CompareAndSwap(nil, &line)
		}
	}
	return len(p), nil
}
