package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
)

// Through JetStream and gRPC: an accepted offer records its firm, which then reads the whole
// profile with the email; each StaffingDatesChanged moves the booking once and publishes it to
// matching; 89 days after the end the firm still sees the profile, 91 days after it does not.
func TestStaffingDatesMoveTheBookingAndTheFirmSeesTheEmail(t *testing.T) {
	h := start(t)
	owner := as("cons-1", "CONSULTANT")
	id := h.create(t, owner).GetId()
	declared := "2027-03-01..2027-03-14 2027-08-01..2027-08-31"
	today := time.Now().UTC()
	day := func(offset int) string { return dates.Format(today.AddDate(0, 0, offset)) }
	firm1, firm2 := as("firm-1", "FIRM"), as("firm-2", "FIRM")

	// Before the acceptance, firm-1 sees nothing.
	_, err := h.client.GetProfile(firm1, &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")

	// firm-1's offer is accepted: the mission runs from 200 days ago to 100 days ahead.
	_, seq := h.publishMission(t, "m-1", offerAccepted("m-1", id, day(-200), day(100)))
	h.waitHandled(t, seq)
	if p := h.read(t, firm1, id); p.GetEmail() != "claire.martin@example.org" || p.GetDisplayName() == "" ||
		bookingsText(p.GetBookings()) != declared+" "+day(-200)+".."+day(100)+"@m-1" {
		t.Fatalf("staffing firm reads %v", p)
	}
	_, err = h.client.GetProfile(firm2, &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")

	// changeDates publishes StaffingDatesChanged and waits for the ProfileUpdated it causes.
	changeDates := func(end string, wantEvents int) {
		t.Helper()
		_, seq := h.publishMission(t, "m-1", &missionv1.StaffingDatesChanged{MissionId: "m-1", ProfileId: id, StartDate: day(-200), EndDate: end})
		h.waitHandled(t, seq)
		// The relay publishes the ProfileUpdated after the handler's commit: wait for it.
		var events []eventbustest.Published
		eventually(t, fmt.Sprintf("%d events on PROFILE", wantEvents), func() bool {
			events = h.streamEvents(t, "PROFILE")
			return len(events) >= wantEvents
		})
		if len(events) != wantEvents {
			t.Fatalf("%d events on PROFILE (%s), want %d", len(events), eventTypes(events), wantEvents)
		}
		facts := events[len(events)-1].Payload.(*profilev1.ProfileUpdated).GetFacts()
		if got := bookingsText(facts.GetBookings()); got != declared+" "+day(-200)+".."+end+"@m-1" {
			t.Fatalf("matching facts bookings %s", got)
		}
		if owned := h.read(t, owner, id); bookingsText(owned.GetBookings()) != declared+" "+day(-200)+".."+end+"@m-1" {
			t.Fatalf("owner reads %v", owned.GetBookings())
		}
	}
	// An extension, then an early end 89 days ago: the firm still sees the whole profile.
	changeDates(day(300), 4)
	changeDates(day(-89), 5)
	if seen, err := h.client.GetProfile(firm1, &profilev1.GetProfileRequest{Id: id}); err != nil ||
		seen.GetProfile().GetEmail() != "claire.martin@example.org" {
		t.Fatalf("89 days after the end: %v, %v", seen.GetProfile(), err)
	}
	// The end moved to 91 days ago: firm-1 gets 404 like anyone else.
	changeDates(day(-91), 6)
	_, err = h.client.GetProfile(firm1, &profilev1.GetProfileRequest{Id: id})
	wantCode(t, err, codes.NotFound, "PROFILE_NOT_FOUND")
	// Unless it has the profile on a current shortlist: then without the email, as before.
	h.matching.shortlist(id, "firm-1")
	if seen, err := h.client.GetProfile(firm1, &profilev1.GetProfileRequest{Id: id}); err != nil ||
		seen.GetProfile().GetEmail() != "" || strings.Contains(bookingsText(seen.GetProfile().GetBookings()), "@") {
		t.Fatalf("shortlisting firm reads %v, %v", seen.GetProfile(), err)
	}

	logs := h.logs.String()
	if !strings.Contains(logs, `"result":"booking moved"`) || !strings.Contains(logs, `"type":"StaffingDatesChanged"`) {
		t.Errorf("logs do not tell what the dates changes did:\n%s", logs)
	}
	for _, secret := range []string{"claire", "Claire", "Lyon", "Gent"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs leak %q", secret)
		}
	}
}
