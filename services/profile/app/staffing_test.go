package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

var tChange = time.Date(2027, 6, 1, 10, 0, 0, 0, time.UTC)

func datesChange(missionID, profileID, start, end string, at time.Time) app.DatesChange {
	return app.DatesChange{MissionID: missionID, ProfileID: profileID, StartDate: start, EndDate: end, OccurredAt: at}
}

func staffedBy(missionID, profileID, firmID string) app.Staffing {
	s := staffing(missionID, profileID)
	s.FirmID = firmID
	return s
}

// wantLastFacts checks the last outbox event is the profile's ProfileUpdated whose facts hold bookings.
func (f *fixture) wantLastFacts(t *testing.T, profileID, bookings string) {
	t.Helper()
	evs := f.payloads(t, 0)
	upd, ok := evs[len(evs)-1].(*profilev1.ProfileUpdated)
	if !ok || upd.GetFacts().GetProfileId() != profileID || factsBookings(upd.GetFacts()) != bookings {
		t.Fatalf("last event %v, want ProfileUpdated with %s", evs[len(evs)-1], bookings)
	}
}

func TestStaffingDatesFollowExtensionAndEarlyEnd(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, withDeclaredBooking())
	f.book(t, "accepted-1", staffedBy("m-1", p.ID, "firm-1"))
	booked, _ := f.app.GetProfile(ctx, cons1, p.ID)
	f.wantEvents(t, 3)

	// Extension: the end moves later, once, published with the new booking for matching.
	out, err := f.app.ChangeStaffingDates(ctx, delivery("dates-1"), datesChange("m-1", p.ID, "2027-05-01", "2028-02-29", tChange))
	if err != nil || out.Duplicate || out.Result != app.ResultBookingMoved || fmt.Sprint(out.Changed) != "["+p.ID+"]" {
		t.Fatalf("extension: %+v, %v", out, err)
	}
	extended := f.wantBookings(t, p.ID, "2027-03-01..2027-03-14 2027-05-01..2028-02-29@m-1")
	if extended.Bookings[1].FirmID != "firm-1" || !extended.UpdatedAt.After(booked.UpdatedAt) {
		t.Fatalf("extended %+v", extended)
	}
	f.wantEvents(t, 4)
	f.wantLastFacts(t, p.ID, "2027-03-01..2027-03-14 2027-05-01..2028-02-29@m-1")
	if out, err := f.app.ChangeStaffingDates(ctx, delivery("dates-1"), datesChange("m-1", p.ID, "2027-05-01", "2028-02-29", tChange)); err != nil || !out.Duplicate {
		t.Fatalf("redelivery: %+v, %v", out, err)
	}

	// Early end: the end moves earlier.
	out, err = f.app.ChangeStaffingDates(ctx, delivery("dates-2"), datesChange("m-1", p.ID, "2027-05-01", "2027-07-15", tChange.Add(time.Hour)))
	if err != nil || out.Result != app.ResultBookingMoved {
		t.Fatalf("early end: %+v, %v", out, err)
	}
	f.wantBookings(t, p.ID, "2027-03-01..2027-03-14 2027-05-01..2027-07-15@m-1")
	f.wantEvents(t, 5)
	f.wantLastFacts(t, p.ID, "2027-03-01..2027-03-14 2027-05-01..2027-07-15@m-1")

	// The same window again: claimed, nothing published. An older change handled late (a
	// redelivery after a failure) does not undo the newer one.
	if out, err := f.app.ChangeStaffingDates(ctx, delivery("dates-3"), datesChange("m-1", p.ID, "2027-05-01", "2027-07-15", tChange.Add(2*time.Hour))); err != nil || out.Result != app.ResultDatesUnchanged {
		t.Fatalf("same dates: %+v, %v", out, err)
	}
	if out, err := f.app.ChangeStaffingDates(ctx, delivery("dates-old"), datesChange("m-1", p.ID, "2027-05-01", "2028-04-30", tChange.Add(-time.Hour))); err != nil || out.Result != app.ResultStaleDates {
		t.Fatalf("stale change: %+v, %v", out, err)
	}
	f.wantBookings(t, p.ID, "2027-03-01..2027-03-14 2027-05-01..2027-07-15@m-1")
	f.wantEvents(t, 5)
	f.wantClaims(t, 5)

	// A cancellation still releases the moved booking, and a change handled after it does nothing.
	if out, err := f.app.ReleaseConsultant(ctx, delivery("cancel-1"), "m-1"); err != nil || out.Result != app.ResultReleased {
		t.Fatalf("cancel: %+v, %v", out, err)
	}
	if out, err := f.app.ChangeStaffingDates(ctx, delivery("dates-4"), datesChange("m-1", p.ID, "2027-05-01", "2027-12-31", tChange.Add(3*time.Hour))); err != nil || out.Result != app.ResultMissionCancelled {
		t.Fatalf("change after cancellation: %+v, %v", out, err)
	}
	f.wantBookings(t, p.ID, "2027-03-01..2027-03-14")
	f.wantEvents(t, 7)
}

func TestStaffingDatesBeforeTheAcceptanceAreKeptForIt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())
	// The change arrives first (the acceptance failed and is redelivered later): claimed,
	// nothing published, the window remembered.
	out, err := f.app.ChangeStaffingDates(ctx, delivery("dates-1"), datesChange("m-1", p.ID, "2027-05-01", "2027-08-31", tChange))
	if err != nil || out.Result != app.ResultDatesKept || len(out.Changed) != 0 {
		t.Fatalf("change before the booking: %+v, %v", out, err)
	}
	f.wantEvents(t, 1)
	// The acceptance books the changed window, not the offer's.
	if out, err := f.app.BookConsultant(ctx, delivery("accepted-1"), staffedBy("m-1", p.ID, "firm-1")); err != nil || out.Result != app.ResultBooked {
		t.Fatalf("acceptance: %+v, %v", out, err)
	}
	got, _ := f.app.GetProfile(ctx, cons1, p.ID)
	if bookingsOf(got.Bookings) != "2027-05-01..2027-08-31@m-1" || got.Bookings[0].FirmID != "firm-1" {
		t.Fatalf("bookings %+v", got.Bookings)
	}
	f.wantLastFacts(t, p.ID, "2027-05-01..2027-08-31@m-1")

	// An erased profile: claimed, nothing else.
	if err := f.app.DeleteProfile(ctx, cons1, p.ID); err != nil {
		t.Fatal(err)
	}
	n := len(f.events(t))
	if out, err := f.app.ChangeStaffingDates(ctx, delivery("dates-2"), datesChange("m-1", p.ID, "2027-05-01", "2027-06-30", tChange.Add(time.Hour))); err != nil || out.Result != app.ResultProfileAbsent {
		t.Fatalf("erased profile: %+v, %v", out, err)
	}
	f.wantEvents(t, n)
}

func TestMalformedStaffingDatesAreAnErrorAndNotClaimed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())
	change := func(c app.DatesChange) handling {
		return func(d txn.Delivery) (app.EventOutcome, error) { return f.app.ChangeStaffingDates(ctx, d, c) }
	}
	f.wantRefused(t, map[string]handling{
		"no profile":    change(datesChange("m-1", "", "2027-05-01", "2027-08-31", tChange)),
		"no mission":    change(datesChange("", p.ID, "2027-05-01", "2027-08-31", tChange)),
		"bad date":      change(datesChange("m-1", p.ID, "2027-05-01", "2027-13-31", tChange)),
		"end < start":   change(datesChange("m-1", p.ID, "2027-05-01", "2027-04-30", tChange)),
		"no occurrence": change(datesChange("m-1", p.ID, "2027-05-01", "2027-08-31", time.Time{})),
	})
}

func TestStaffingFirmSeesTheWholeProfileUntilNinetyDaysAfterTheEnd(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, withDeclaredBooking())
	// Another firm's mission booked the consultant first; firm-1's offer is accepted after.
	f.book(t, "accepted-0", app.Staffing{
		MissionID: "m-other", ProfileID: p.ID, StartDate: "2027-03-20", EndDate: "2027-04-20", FirmID: "firm-2",
	})
	// Before the acceptance, firm-1 only sees it on a shortlist, without the email.
	f.shortlists.shortlist(p.ID, "firm-1")
	if seen, err := f.app.GetProfile(ctx, firm1, p.ID); err != nil || seen.Email != "" {
		t.Fatalf("shortlisting firm sees %+v, %v", seen, err)
	}
	f.book(t, "accepted-1", staffedBy("m-1", p.ID, "firm-1"))
	// The mission is staffed: the profile is on none of firm-1's current shortlists any more.
	f.shortlists.mu.Lock()
	f.shortlists.visible = nil
	f.shortlists.mu.Unlock()
	full, _ := f.app.GetProfile(ctx, cons1, p.ID)

	at := func(day string) time.Time {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(12 * time.Hour)
	}
	// m-1 runs 2027-05-01..2027-10-31; the early end below moves it to 2027-07-15.
	for _, day := range []string{"2027-02-01", "2027-06-01", "2027-12-01"} {
		f.setClock(at(day))
		seen, err := f.app.GetProfile(ctx, firm1, p.ID)
		if err != nil {
			t.Fatalf("%s: %v", day, err)
		}
		want := full
		// Whole, email included, but the other firm's mission stays anonymous.
		want.Bookings = []domain.Booking{
			{Start: full.Bookings[0].Start, End: full.Bookings[0].End},
			{Start: full.Bookings[1].Start, End: full.Bookings[1].End},
			full.Bookings[2],
		}
		if seen.Email != p.Email || fmt.Sprintf("%+v", seen) != fmt.Sprintf("%+v", want) {
			t.Fatalf("%s: staffing firm sees %+v\nwant %+v", day, seen, want)
		}
		if got := bookingsOf(seen.Bookings); strings.Contains(got, "m-other") {
			t.Fatalf("another firm's mission shown: %s", got)
		}
	}
	// Another firm gets the not-found a missing profile gives: firm-2's own mission (m-other)
	// ended more than 90 days before.
	f.setClock(at("2027-08-01"))
	_, err := f.app.GetProfile(ctx, firm2, p.ID)
	wantHidden(t, f, err, p.ID)

	// The end moves earlier: 89 days after the new end still sees it, 91 days after does not.
	if _, err := f.app.ChangeStaffingDates(ctx, delivery("dates-1"), datesChange("m-1", p.ID, "2027-05-01", "2027-07-15", tChange)); err != nil {
		t.Fatal(err)
	}
	f.setClock(at("2027-10-12")) // 2027-07-15 + 89 days
	if seen, err := f.app.GetProfile(ctx, firm1, p.ID); err != nil || seen.Email != p.Email {
		t.Fatalf("89 days after the end: %+v, %v", seen, err)
	}
	f.setClock(at("2027-10-13")) // + 90 days
	if seen, err := f.app.GetProfile(ctx, firm1, p.ID); err != nil || seen.Email != p.Email {
		t.Fatalf("90 days after the end: %+v, %v", seen, err)
	}
	f.setClock(at("2027-10-14")) // + 91 days
	_, err = f.app.GetProfile(ctx, firm1, p.ID)
	wantHidden(t, f, err, p.ID)

	// The consultant themselves and operators still see everything, whatever the date.
	now, err := f.app.GetProfile(ctx, cons1, p.ID)
	if err != nil || now.Email != p.Email || bookingsOf(now.Bookings) != "2027-03-01..2027-03-14 2027-03-20..2027-04-20@m-other 2027-05-01..2027-07-15@m-1" {
		t.Fatalf("consultant sees %+v, %v", now, err)
	}
	if op, _ := f.app.GetProfile(ctx, operator, p.ID); fmt.Sprintf("%+v", op) != fmt.Sprintf("%+v", now) {
		t.Fatalf("operator sees %+v", op)
	}
	// Another consultant: not found.
	_, err = f.app.GetProfile(ctx, cons2, p.ID)
	wantHidden(t, f, err, p.ID)
}

func TestBookingWithoutAFirmGrantsNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.create(t, cons1, input())
	// An acceptance without a firm (as stored before firms were recorded).
	f.book(t, "accepted-1", staffing("m-1", p.ID))
	f.setClock(time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC))
	for _, firm := range []string{"firm-1", ""} {
		_, err := f.app.GetProfile(ctx, firmCaller(firm), p.ID)
		wantHidden(t, f, err, p.ID)
	}
}

func firmCaller(id string) identity.Caller {
	return identity.Caller{AccountID: id, Role: identity.RoleFirm}
}
