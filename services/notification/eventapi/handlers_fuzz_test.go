package eventapi_test

import (
	"context"
	"errors"
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
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/notification/adapters/store"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/eventapi"
)

// quietOutside posts and mails nothing: the handlers only record what is to be delivered.
type quietOutside struct{}

func (quietOutside) Post(context.Context, string, map[string]string, []byte) (int, error) {
	return 204, nil
}
func (quietOutside) Send(context.Context, app.Email) error { return nil }

type consumedEvent struct {
	event    proto.Message
	consumer string
}

// notificationEvents are the events the notification service consumes, each with its consumer.
var notificationEvents = []consumedEvent{
	{&missionv1.MissionSubmitted{}, eventbus.ConsumerNotificationMissions}, {&missionv1.MissionEdited{}, eventbus.ConsumerNotificationMissions},
	{&missionv1.MissionUpdated{}, eventbus.ConsumerNotificationMissions}, {&missionv1.OfferMade{}, eventbus.ConsumerNotificationMissions},
	{&missionv1.OfferCountered{}, eventbus.ConsumerNotificationMissions}, {&missionv1.OfferAccepted{}, eventbus.ConsumerNotificationMissions},
	{&missionv1.OfferDeclined{}, eventbus.ConsumerNotificationMissions}, {&missionv1.OfferExpired{}, eventbus.ConsumerNotificationMissions},
	{&missionv1.OfferWithdrawn{}, eventbus.ConsumerNotificationMissions}, {&missionv1.ExtensionRequested{}, eventbus.ConsumerNotificationMissions},
	{&missionv1.ExtensionAccepted{}, eventbus.ConsumerNotificationMissions}, {&missionv1.ExtensionDeclined{}, eventbus.ConsumerNotificationMissions},
	{&matchingv1.ShortlistProposed{}, eventbus.ConsumerNotificationShortlists},
	{&profilev1.ProfileRegistered{}, eventbus.ConsumerNotificationProfiles}, {&profilev1.ProfileUpdated{}, eventbus.ConsumerNotificationProfiles},
	{&profilev1.ProfileErased{}, eventbus.ConsumerNotificationProfiles},
	{&accountv1.AccountChanged{}, eventbus.ConsumerNotificationAccounts}, {&accountv1.AccountErased{}, eventbus.ConsumerNotificationAccounts},
}

// FuzzNotificationEvents hands events with fuzzed payloads to the notification service's four
// consumers as the consumer does (an envelope, DecodeEnvelope, the handler), on a real store.
// A payload is undecodable (dead-lettered), handled, handed back because an earlier event is
// awaited, or an error naming the event (retried, then dead-lettered): never a panic, never a
// handler that hangs.
func FuzzNotificationEvents(f *testing.F) {
	db := sqltest.Backend{Name: "sqlite", Kind: sqlstore.SQLite}.Open(f)
	if err := sqlstore.Migrate(context.Background(), db, store.Migrations()...); err != nil {
		f.Fatal(err)
	}
	var ids atomic.Int64
	a := app.New(store.NewRepository(db), quietOutside{}, quietOutside{},
		app.Config{Retention: 180 * 24 * time.Hour, PublicURL: "https://caiomatch.example/"}, time.Now,
		func() string { return fmt.Sprintf("id-%04d", ids.Add(1)) }, nil)
	consumers := eventapi.Consumers(a, slog.New(slog.NewTextHandler(io.Discard, nil)))
	offer := &missionv1.Offer{Id: "o-1", MissionId: "m-1", ProfileId: "p-1", FirmId: "firm-1", DailyRateEur: 1000,
		StartDate: "2027-04-01", EndDate: "2027-09-30"}
	for _, seed := range []proto.Message{
		&accountv1.AccountChanged{AccountId: "firm-1", Role: "FIRM", Email: "firm@example.com", Language: "fr", EmailNotifications: true, Version: 1},
		&accountv1.AccountChanged{AccountId: "cons-1", Role: "CONSULTANT", Status: accountv1.AccountStatus(99), Version: 1},
		&profilev1.ProfileRegistered{Facts: &profilev1.MatchingFacts{ProfileId: "p-1", AccountId: "cons-1"}},
		&missionv1.MissionSubmitted{Mission: &missionv1.Mission{Id: "m-1", FirmId: "firm-1", Title: "AI governance"}},
		&matchingv1.ShortlistProposed{MissionId: "m-1", FirmId: "firm-1", Revision: 1, Candidates: []*matchingv1.Candidate{{ProfileId: "p-1"}}},
		&missionv1.OfferMade{Offer: offer}, &missionv1.OfferDeclined{Offer: offer}, &missionv1.OfferMade{},
		&missionv1.ExtensionRequested{Extension: &missionv1.Extension{Id: "x-1", MissionId: "m-1", ProfileId: "p-1"}},
		&missionv1.MissionUpdated{MissionId: "m-1", Status: missionv1.MissionStatus_MISSION_STATUS_STAFFED},
		&profilev1.ProfileErased{ProfileId: "p-1"}, &accountv1.AccountErased{AccountId: "cons-1"},
	} {
		data, err := proto.Marshal(seed)
		if err != nil {
			f.Fatal(err)
		}
		kind := slices.IndexFunc(notificationEvents, func(e consumedEvent) bool {
			return e.event.ProtoReflect().Descriptor() == seed.ProtoReflect().Descriptor()
		})
		f.Add(uint8(kind), data)
	}
	var count atomic.Int64
	f.Fuzz(func(t *testing.T, kind uint8, payloadData []byte) {
		e := notificationEvents[int(kind)%len(notificationEvents)]
		name := string(e.event.ProtoReflect().Descriptor().FullName())
		id := fmt.Sprintf("fuzz-%d", count.Add(1))
		data, err := proto.Marshal(&eventsv1.Envelope{EventId: id, Type: name, AggregateId: "agg",
			OccurredAt: timestamppb.Now(), Producer: "fuzz", SchemaVersion: eventbus.SchemaVersion,
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
		err = consumers[e.consumer](ctx, env, payload)
		if ctx.Err() != nil {
			t.Fatalf("%s: the handler took over 10s", name)
		}
		if err != nil && !errors.Is(err, app.ErrNotYetKnown) && !strings.Contains(err.Error(), id) {
			t.Fatalf("%s: an error that does not name the event: %v", name, err)
		}
	})
}
