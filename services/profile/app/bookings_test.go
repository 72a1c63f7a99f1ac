package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	"github.com/caiomatch/caiomatch/pkg/fault"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

// payloads decodes the outbox events from the n-th on, in order.
func (f *fixture) payloads(t *testing.T, from int) []proto.Message {
	t.Helper()
	var out []proto.Message
	for i, ev := range eventbustest.OutboxEvents(t, f.db) {
		if i >= from {
			out = append(out, ev.Payload)
		}
	}
	return out
}

// claims counts the events the missions consumer has claimed.
func (f *fixture) claims(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(`SELECT COUNT(*) FROM processed_events WHERE consumer = $1`, eventbus.ConsumerProfileMissions).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantClaims checks how many events the missions consumer has claimed.
func (f *fixture) wantClaims(t *testing.T, n int) {
	t.Helper()
	if got := f.claims(t); got != n {
		t.Fatalf("%d claims, want %d", got, n)
	}
}

func delivery(eventID string) txn.Delivery {
	return txn.Delivery{Consumer: eventbus.ConsumerProfileMissions, EventID: eventID}
}

// book hands the accepted offer s, delivered as event eventID, to the application; it must not
// fail.
func (f *fixture) book(t *testing.T, eventID string, s app.Staffing) {
	t.Helper()
	if _, err := f.app.BookConsultant(context.Background(), delivery(eventID), s); err != nil {
		t.Fatal(err)
	}
}

// handling hands one mission event, delivered as d, to the application.
type handling func(d txn.Delivery) (app.EventOutcome, error)

// wantRefused checks each malformed mission event is an error, and that none was claimed or
// published anything (the outbox holds only the profile's registration).
func (f *fixture) wantRefused(t *testing.T, malformed map[string]handling) {
	t.Helper()
	for name, handle := range malformed {
		if out, err := handle(delivery("bad-" + name)); err == nil {
			t.Errorf("%s accepted: %+v", name, out)
		}
	}
	f.wantClaims(t, 0)
	f.wantEvents(t, 1)
}

// wantBookings reads the profile as its owner and checks its bookings (written as bookingsOf
// does); it returns what it read.
func (f *fixture) wantBookings(t *testing.T, id, want string) domain.Profile {
	t.Helper()
	p, err := f.app.GetProfile(context.Background(), cons1, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := bookingsOf(p.Bookings); got != want {
		t.Fatalf("bookings %s, want %s", got, want)
	}
	return p
}

var (
	factsBookings = profiletest.FactsBookings
	bookingsOf    = profiletest.Bookings
)

// withDeclaredBooking is a profile input with one booking of the consultant's own.
func withDeclaredBooking() domain.DetailsInput {
	in := input()
	in.Bookings = []domain.BookingInput{{StartDate: "2027-03-01", EndDate: "2027-03-14"}}
	return in
}

func staffing(missionID, profileID string) app.Staffing {
	return app.Staffing{MissionID: missionID, ProfileID: profileID, StartDate: "2027-05-01", EndDate: "2027-10-31"}
}

func TestAcceptedOfferBooksTheConsultantOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, withDeclaredBooking())

	out, err := f.app.BookConsultant(ctx, delivery("ev-1"), staffing("m-1", p.ID))
	if err != nil {
		t.Fatal(err)
	}
	if out.Duplicate || out.Result != app.ResultBooked || fmt.Sprint(out.Changed) != "["+p.ID+"]" {
		t.Fatalf("outcome %+v", out)
	}
	booked := f.wantBookings(t, p.ID, "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1")
	if !booked.UpdatedAt.After(p.UpdatedAt) || !booked.CreatedAt.Equal(p.CreatedAt) || booked.Email != p.Email {
		t.Fatalf("booked %+v", booked)
	}
	// ConsultantBooked, then ProfileUpdated whose facts hold the new booking for matching.
	evs := f.payloads(t, 1)
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2: %v", len(evs), evs)
	}
	want := &profilev1.ConsultantBooked{ProfileId: p.ID, MissionId: "m-1", StartDate: "2027-05-01", EndDate: "2027-10-31"}
	if !proto.Equal(evs[0], want) {
		t.Fatalf("first event %v, want %v", evs[0], want)
	}
	upd, ok := evs[1].(*profilev1.ProfileUpdated)
	if !ok || upd.GetFacts().GetProfileId() != p.ID ||
		factsBookings(upd.GetFacts()) != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1" {
		t.Fatalf("second event %v", evs[1])
	}

	// The same event again, and another event for the same mission, change nothing.
	out, err = f.app.BookConsultant(ctx, delivery("ev-1"), staffing("m-1", p.ID))
	if err != nil || !out.Duplicate {
		t.Fatalf("redelivery: %+v, %v", out, err)
	}
	other := staffing("m-1", p.ID)
	other.StartDate, other.EndDate = "2028-01-01", "2028-06-30"
	out, err = f.app.BookConsultant(ctx, delivery("ev-2"), other)
	if err != nil || out.Duplicate || out.Result != app.ResultAlreadyBooked || len(out.Changed) != 0 {
		t.Fatalf("second event for the mission: %+v, %v", out, err)
	}
	if again, _ := f.app.GetProfile(ctx, cons1, p.ID); fmt.Sprintf("%+v", again) != fmt.Sprintf("%+v", booked) {
		t.Fatalf("profile changed:\n%+v\nwas %+v", again, booked)
	}
	f.wantEvents(t, 3)
	f.wantClaims(t, 2)

	// Another mission adds another booking.
	if out, err := f.app.BookConsultant(ctx, delivery("ev-3"), app.Staffing{
		MissionID: "m-2", ProfileID: p.ID, StartDate: "2027-11-01", EndDate: "2028-04-30",
	}); err != nil || out.Result != app.ResultBooked {
		t.Fatalf("second mission: %+v, %v", out, err)
	}
	f.wantBookings(t, p.ID, "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1 2027-11-01..2028-04-30@m-2")
	if ev := f.events(t); strings.Join(ev[3:], ",") != "ConsultantBooked "+p.ID+",ProfileUpdated "+p.ID {
		t.Fatalf("events %q", ev)
	}
}

func TestAcceptedOfferForAnErasedProfileIsOnlyClaimed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())
	if err := f.app.DeleteProfile(ctx, cons1, p.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{p.ID, "never-existed"} {
		out, err := f.app.BookConsultant(ctx, delivery("ev-"+id), staffing("m-1", id))
		if err != nil || out.Duplicate || out.Result != app.ResultProfileAbsent {
			t.Fatalf("booking %s: %+v, %v", id, out, err)
		}
		if out, err := f.app.BookConsultant(ctx, delivery("ev-"+id), staffing("m-1", id)); err != nil || !out.Duplicate {
			t.Fatalf("redelivery for %s: %+v, %v", id, out, err)
		}
	}
	if ev := f.events(t); strings.Join(ev, ",") != "ProfileErased "+p.ID {
		t.Fatalf("events %q", ev)
	}
	f.wantClaims(t, 2)
}

func TestMalformedAcceptedOfferIsAnErrorAndNotClaimed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())
	book := func(s app.Staffing) handling {
		return func(d txn.Delivery) (app.EventOutcome, error) { return f.app.BookConsultant(ctx, d, s) }
	}
	f.wantRefused(t, map[string]handling{
		"no profile":  book(app.Staffing{MissionID: "m-1", StartDate: "2027-05-01", EndDate: "2027-10-31"}),
		"no mission":  book(app.Staffing{ProfileID: p.ID, StartDate: "2027-05-01", EndDate: "2027-10-31"}),
		"no end":      book(app.Staffing{MissionID: "m-1", ProfileID: p.ID, StartDate: "2027-05-01"}),
		"end < start": book(app.Staffing{MissionID: "m-1", ProfileID: p.ID, StartDate: "2027-05-01", EndDate: "2027-04-30"}),
		"cancellation without a mission id": func(d txn.Delivery) (app.EventOutcome, error) {
			return f.app.ReleaseConsultant(ctx, d, "")
		},
	})
}

func TestCancelledMissionReleasesTheConsultant(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, withDeclaredBooking())
	for i, m := range []string{"m-1", "m-2"} {
		s := staffing(m, p.ID)
		if m == "m-2" {
			s.StartDate, s.EndDate = "2027-11-01", "2028-04-30"
		}
		f.book(t, fmt.Sprint("accepted-", i), s)
	}
	booked, _ := f.app.GetProfile(ctx, cons1, p.ID)

	// A mission that booked no one: claimed, nothing else.
	out, err := f.app.ReleaseConsultant(ctx, delivery("cancel-9"), "m-9")
	if err != nil || out.Duplicate || out.Result != app.ResultNotBooked || len(out.Changed) != 0 {
		t.Fatalf("cancel m-9: %+v, %v", out, err)
	}
	f.wantEvents(t, 5)

	out, err = f.app.ReleaseConsultant(ctx, delivery("cancel-1"), "m-1")
	if err != nil || out.Duplicate || out.Result != app.ResultReleased || fmt.Sprint(out.Changed) != "["+p.ID+"]" {
		t.Fatalf("cancel m-1: %+v, %v", out, err)
	}
	released := f.wantBookings(t, p.ID, "2027-03-01..2027-03-14 2027-11-01..2028-04-30@m-2")
	if !released.UpdatedAt.After(booked.UpdatedAt) {
		t.Fatalf("updated at %v, was %v", released.UpdatedAt, booked.UpdatedAt)
	}
	evs := f.payloads(t, 5)
	if len(evs) != 2 || !proto.Equal(evs[0], &profilev1.ConsultantReleased{ProfileId: p.ID, MissionId: "m-1"}) {
		t.Fatalf("events %v", evs)
	}
	if upd, ok := evs[1].(*profilev1.ProfileUpdated); !ok ||
		factsBookings(upd.GetFacts()) != "2027-03-01..2027-03-14 2027-11-01..2028-04-30@m-2" {
		t.Fatalf("second event %v", evs[1])
	}

	// Redelivered: nothing more. Another cancellation event of the same mission: nothing either.
	if out, err := f.app.ReleaseConsultant(ctx, delivery("cancel-1"), "m-1"); err != nil || !out.Duplicate {
		t.Fatalf("redelivery: %+v, %v", out, err)
	}
	if out, err := f.app.ReleaseConsultant(ctx, delivery("cancel-1b"), "m-1"); err != nil || out.Result != app.ResultNotBooked {
		t.Fatalf("second cancellation: %+v, %v", out, err)
	}
	f.wantEvents(t, 7)

	// An acceptance of the cancelled mission handled late (a redelivery after a failure) books
	// no one.
	out, err = f.app.BookConsultant(ctx, delivery("accepted-late"), staffing("m-1", p.ID))
	if err != nil || out.Result != app.ResultMissionCancelled {
		t.Fatalf("late acceptance: %+v, %v", out, err)
	}
	if got, _ := f.app.GetProfile(ctx, cons1, p.ID); fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", released) {
		t.Fatalf("late acceptance changed the profile: %+v", got)
	}
	f.wantEvents(t, 7)
}

// The mission service staffs a mission with one consultant; should two acceptances of one
// mission still arrive, its cancellation releases both.
func TestCancellationReleasesEveryProfileBookedForTheMission(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var ids []string
	for _, c := range []identity.Caller{cons1, cons2} {
		p := f.create(t, c, input())
		ids = append(ids, p.ID)
		f.book(t, "accepted-"+p.ID, staffing("m-1", p.ID))
	}
	out, err := f.app.ReleaseConsultant(ctx, delivery("cancel-1"), "m-1")
	if err != nil || out.Result != app.ResultReleased || fmt.Sprint(out.Changed) != fmt.Sprint(ids) {
		t.Fatalf("cancel: %+v, %v", out, err)
	}
	for _, id := range ids {
		if p, _ := f.app.GetProfile(ctx, operator, id); len(p.Bookings) != 0 {
			t.Fatalf("%s still booked: %+v", id, p.Bookings)
		}
	}
	ev := f.events(t)
	if got := strings.Join(ev[len(ev)-4:], ","); got != "ConsultantReleased "+ids[0]+",ProfileUpdated "+ids[0]+
		",ConsultantReleased "+ids[1]+",ProfileUpdated "+ids[1] {
		t.Fatalf("events %s", got)
	}
}

func TestReplaceProfileKeepsPlatformBookings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, withDeclaredBooking())
	f.book(t, "accepted-1", staffing("m-1", p.ID))

	// The consultant replaces their own bookings; the platform's stays, and matching hears of both.
	changed := input()
	changed.Bookings = []domain.BookingInput{{StartDate: "2027-12-20", EndDate: "2028-01-03"}}
	got, err := f.app.ReplaceProfile(ctx, cons1, p.ID, changed)
	if err != nil {
		t.Fatal(err)
	}
	if b := bookingsOf(got.Bookings); b != "2027-12-20..2028-01-03 2027-05-01..2027-10-31@m-1" {
		t.Fatalf("bookings after replace %s", b)
	}
	if stored, _ := f.app.GetProfile(ctx, cons1, p.ID); fmt.Sprintf("%+v", stored) != fmt.Sprintf("%+v", got) {
		t.Fatalf("stored %+v\nreturned %+v", stored, got)
	}
	evs := f.payloads(t, 3)
	if upd, ok := evs[0].(*profilev1.ProfileUpdated); len(evs) != 1 || !ok ||
		factsBookings(upd.GetFacts()) != "2027-12-20..2028-01-03 2027-05-01..2027-10-31@m-1" {
		t.Fatalf("events after replace %v", evs)
	}

	// Replacing with no bookings at all still cannot remove it.
	if got, err = f.app.ReplaceProfile(ctx, cons1, p.ID, input()); err != nil {
		t.Fatal(err)
	}
	if b := bookingsOf(got.Bookings); b != "2027-05-01..2027-10-31@m-1" {
		t.Fatalf("bookings after replace %s", b)
	}
	// Nor can the consultant name a mission, to add, move or drop a platform booking.
	forged := input()
	forged.Bookings = []domain.BookingInput{{StartDate: "2027-06-01", EndDate: "2027-06-30", MissionID: "m-1"}}
	_, err = f.app.ReplaceProfile(ctx, cons1, p.ID, forged)
	wantInvalidField(t, err, "bookings[0].missionId")

	// The platform booking is still the one a cancellation releases.
	if out, err := f.app.ReleaseConsultant(ctx, delivery("cancel-1"), "m-1"); err != nil || out.Result != app.ResultReleased {
		t.Fatalf("cancel: %+v, %v", out, err)
	}
	if after, _ := f.app.GetProfile(ctx, cons1, p.ID); len(after.Bookings) != 0 {
		t.Fatalf("bookings after cancel %s", bookingsOf(after.Bookings))
	}
}

func TestFirmSeesBookingDatesButNotMissions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, withDeclaredBooking())
	f.book(t, "accepted-1", staffing("m-other-firm", p.ID))
	full, err := f.app.GetProfile(ctx, cons1, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The owner and operators see which mission booked the consultant.
	if bookingsOf(full.Bookings) != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-other-firm" {
		t.Fatalf("owner sees %s", bookingsOf(full.Bookings))
	}
	if op, _ := f.app.GetProfile(ctx, operator, p.ID); fmt.Sprintf("%+v", op) != fmt.Sprintf("%+v", full) {
		t.Fatalf("operator sees %+v", op)
	}
	// A firm that shortlisted the profile sees when the consultant is busy, not for whom.
	_, err = f.app.GetProfile(ctx, firm1, p.ID)
	wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	f.shortlists.shortlist(p.ID, "firm-1")
	seen, err := f.app.GetProfile(ctx, firm1, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := full
	want.Email = ""
	want.Bookings = []domain.Booking{{Start: full.Bookings[0].Start, End: full.Bookings[0].End}, {Start: full.Bookings[1].Start, End: full.Bookings[1].End}}
	if fmt.Sprintf("%+v", seen) != fmt.Sprintf("%+v", want) {
		t.Fatalf("firm sees %+v\nwant %+v", seen, want)
	}
	// What the firm saw was a copy: the stored profile keeps its mission ids.
	if again, _ := f.app.GetProfile(ctx, cons1, p.ID); fmt.Sprintf("%+v", again) != fmt.Sprintf("%+v", full) {
		t.Fatalf("owner now sees %+v", again)
	}
}
