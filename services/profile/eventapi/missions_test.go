package eventapi_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/eventapi"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

func TestSpecReadsAcceptedOffersCancellationsAndDates(t *testing.T) {
	s := eventapi.MissionsSpec()
	if s.Stream != "MISSION" || s.Durable != "profile-missions" ||
		!slices.Equal(s.FilterSubjects, []string{"caiomatch.mission.v1.OfferAccepted.>", "caiomatch.mission.v1.MissionCancelled.>",
			"caiomatch.mission.v1.StaffingDatesChanged.>"}) {
		t.Fatalf("spec %+v", s)
	}
}

func TestHandler(t *testing.T) {
	ctx := context.Background()
	profiles := store.New(profiletest.OpenSQLite(t), nil)
	a := app.New(profiles, profiles, nil, time.Now, func() string { return "p1" })
	in := profiletest.Input()
	owner := identity.Caller{AccountID: "cons-1", Role: identity.RoleConsultant}
	if _, err := a.CreateProfile(ctx, owner, "", in); err != nil {
		t.Fatal(err)
	}
	logs := &eventbustest.SyncBuffer{}
	handle := eventapi.MissionsHandler(a, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	env := func(id, typ string) *eventsv1.Envelope {
		return &eventsv1.Envelope{EventId: id, Type: typ, OccurredAt: timestamppb.Now(), Producer: eventbus.ProducerMission}
	}
	offer := &missionv1.Offer{MissionId: "m-1", ProfileId: "p1", StartDate: "2027-05-01", EndDate: "2027-10-31"}

	if err := handle(ctx, env("ev-1", "OfferAccepted"), &missionv1.OfferAccepted{Offer: offer}); err != nil {
		t.Fatal(err)
	}
	if err := handle(ctx, env("ev-1", "OfferAccepted"), &missionv1.OfferAccepted{Offer: offer}); err != nil {
		t.Fatal(err)
	}
	p, err := a.GetProfile(ctx, owner, "p1")
	if err != nil || len(p.Bookings) != 1 || p.Bookings[0].MissionID != "m-1" {
		t.Fatalf("after OfferAccepted: %+v, %v", p.Bookings, err)
	}
	// An event the filter should have kept out is acknowledged and ignored.
	if err := handle(ctx, env("ev-2", "MissionUpdated"), &missionv1.MissionUpdated{MissionId: "m-1"}); err != nil {
		t.Fatal(err)
	}
	// A malformed event is an error naming the event, so it is retried, then dead-lettered.
	err = handle(ctx, env("ev-3", "OfferAccepted"), &missionv1.OfferAccepted{})
	if err == nil || !strings.Contains(err.Error(), "ev-3") {
		t.Fatalf("malformed offer: %v", err)
	}
	if err := handle(ctx, env("ev-4", "MissionCancelled"), &missionv1.MissionCancelled{MissionId: "m-1"}); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.GetProfile(ctx, owner, "p1"); len(p.Bookings) != 0 {
		t.Fatalf("after MissionCancelled: %+v", p.Bookings)
	}
	for _, want := range []string{`"result":"booked"`, `"msg":"mission event already processed"`,
		`"msg":"unexpected event ignored"`, `"result":"released"`, `"profile_ids":["p1"]`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs.String(), "claire") || strings.Contains(logs.String(), "Claire") {
		t.Errorf("logs leak personal data:\n%s", logs)
	}
}

func TestHandlerMovesBookingsAndRecordsTheFirm(t *testing.T) {
	ctx := context.Background()
	profiles := store.New(profiletest.OpenSQLite(t), nil)
	a := app.New(profiles, profiles, nil, time.Now, func() string { return "p1" })
	owner := identity.Caller{AccountID: "cons-1", Role: identity.RoleConsultant}
	if _, err := a.CreateProfile(ctx, owner, "", profiletest.Input()); err != nil {
		t.Fatal(err)
	}
	logs := &eventbustest.SyncBuffer{}
	handle := eventapi.MissionsHandler(a, slog.New(slog.NewJSONHandler(logs, nil)))
	at := time.Now()
	env := func(id, typ string, offset time.Duration) *eventsv1.Envelope {
		return &eventsv1.Envelope{EventId: id, Type: typ, OccurredAt: timestamppb.New(at.Add(offset)), Producer: eventbus.ProducerMission}
	}
	offer := &missionv1.Offer{MissionId: "m-1", ProfileId: "p1", FirmId: "firm-1", StartDate: "2027-05-01", EndDate: "2027-10-31"}
	if err := handle(ctx, env("ev-1", "OfferAccepted", 0), &missionv1.OfferAccepted{Offer: offer}); err != nil {
		t.Fatal(err)
	}
	// The staffing firm sees the whole profile.
	if p, err := a.GetProfile(ctx, identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}, "p1"); err != nil || p.Email == "" {
		t.Fatalf("staffing firm: %+v, %v", p, err)
	}
	move := func(id, end string, offset time.Duration) {
		t.Helper()
		if err := handle(ctx, env(id, "StaffingDatesChanged", offset),
			&missionv1.StaffingDatesChanged{MissionId: "m-1", ProfileId: "p1", StartDate: "2027-05-01", EndDate: end}); err != nil {
			t.Fatal(err)
		}
	}
	move("ev-2", "2027-12-31", time.Minute)
	// An older change handled after a newer one (redelivered after a failure) is ignored.
	move("ev-3", "2027-06-30", -time.Minute)
	if p, _ := a.GetProfile(ctx, owner, "p1"); profiletest.Bookings(p.Bookings) != "2027-05-01..2027-12-31@m-1" || p.Bookings[0].FirmID != "firm-1" {
		t.Fatalf("after the changes: %+v", p.Bookings)
	}
	// Without an occurrence time, or a profile, the event is an error naming it (retried, then
	// dead-lettered).
	noTime := env("ev-4", "StaffingDatesChanged", 0)
	noTime.OccurredAt = nil
	err := handle(ctx, noTime, &missionv1.StaffingDatesChanged{MissionId: "m-1", ProfileId: "p1", StartDate: "2027-05-01", EndDate: "2027-08-31"})
	if err == nil || !strings.Contains(err.Error(), "ev-4") {
		t.Fatalf("without a time: %v", err)
	}
	if err := handle(ctx, env("ev-5", "StaffingDatesChanged", 0), &missionv1.StaffingDatesChanged{MissionId: "m-1"}); err == nil {
		t.Fatal("a change naming no profile was accepted")
	}
	for _, want := range []string{`"result":"booking moved"`, `"result":"stale dates ignored"`, `"mission_id":"m-1"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}
