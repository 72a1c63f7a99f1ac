package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/services/profile/domain"
	"github.com/caiomatch/caiomatch/services/profile/internal/profiletest"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func declared(start, end string) domain.Booking {
	return domain.Booking{Start: day(start), End: day(end)}
}

func platform(missionID, start, end string) domain.Booking {
	return domain.Booking{Start: day(start), End: day(end), MissionID: missionID}
}

var bookingsOf = profiletest.Bookings

func bookedProfile() domain.Profile {
	created := time.Date(2027, 1, 2, 8, 0, 0, 0, time.UTC)
	return domain.Profile{
		ID: "p1", AccountID: "cons-1",
		Details: domain.Details{
			DisplayName: "Claire Martin", Email: "claire@example.org",
			Bookings: []domain.Booking{declared("2027-03-01", "2027-03-14"), platform("m-1", "2027-05-01", "2027-10-31")},
		},
		CreatedAt: created, UpdatedAt: created,
	}
}

func TestNewPlatformBooking(t *testing.T) {
	b, err := domain.NewPlatformBooking("m-1", "2027-02-01", "2028-01-31")
	if err != nil {
		t.Fatal(err)
	}
	if b != platform("m-1", "2027-02-01", "2028-01-31") || !b.Platform() || b.Start.Location() != time.UTC {
		t.Fatalf("booking %+v", b)
	}
	// A one-day mission is a booking too.
	if _, err := domain.NewPlatformBooking("m-1", "2027-02-01", "2027-02-01"); err != nil {
		t.Fatalf("one-day booking: %v", err)
	}
	for _, c := range []struct{ mission, start, end, want string }{
		{"", "2027-02-01", "2027-03-01", "mission id"},
		{"m-1", "", "2027-03-01", "start date"},
		{"m-1", "2027-02-30", "2027-03-01", "start date"},
		{"m-1", "2027-02-01", "01/03/2027", "end date"},
		{"m-1", "2027-02-01", "2027-01-31", "before it starts"},
	} {
		_, err := domain.NewPlatformBooking(c.mission, c.start, c.end)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewPlatformBooking(%q, %q, %q) = %v, want an error about %s", c.mission, c.start, c.end, err, c.want)
		}
	}
	if declared("2027-03-01", "2027-03-14").Platform() {
		t.Error("a declared booking reads as the platform's")
	}
}

func TestBookAddsOneBookingPerMission(t *testing.T) {
	p := bookedProfile()
	before := p
	later := time.Date(2027, 1, 10, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	if !p.Book(platform("m-2", "2027-11-01", "2028-04-30"), later) {
		t.Fatal("a new mission was not booked")
	}
	if got := bookingsOf(p.Bookings); got != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1 2027-11-01..2028-04-30@m-2" {
		t.Fatalf("bookings %s", got)
	}
	if !p.UpdatedAt.Equal(later) || p.UpdatedAt.Location() != time.UTC || !p.CreatedAt.Equal(before.CreatedAt) {
		t.Fatalf("times %v %v", p.CreatedAt, p.UpdatedAt)
	}
	// The copy taken before is untouched: Book never writes into a shared array.
	if got := bookingsOf(before.Bookings); got != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1" {
		t.Fatalf("earlier copy now holds %s", got)
	}

	// A second booking for a mission already booked changes nothing, even with other dates.
	booked := p
	for _, b := range []domain.Booking{platform("m-2", "2027-11-01", "2028-04-30"), platform("m-1", "2029-01-01", "2029-06-30")} {
		if p.Book(b, later.Add(time.Hour)) {
			t.Fatalf("%+v booked twice", b)
		}
	}
	if fmt.Sprintf("%+v", p) != fmt.Sprintf("%+v", booked) {
		t.Fatalf("a refused booking changed the profile:\n%+v\nwas %+v", p, booked)
	}
	// Book makes platform bookings only.
	if p.Book(declared("2029-01-01", "2029-01-31"), later) || fmt.Sprintf("%+v", p) != fmt.Sprintf("%+v", booked) {
		t.Fatal("Book took a booking without a mission id")
	}
	if b, ok := p.PlatformBooking("m-2"); !ok || b != platform("m-2", "2027-11-01", "2028-04-30") {
		t.Fatalf("PlatformBooking(m-2) = %+v, %v", b, ok)
	}
	if _, ok := p.PlatformBooking(""); ok {
		t.Fatal("PlatformBooking(\"\") found a declared booking")
	}
}

func TestReleaseRemovesOnlyThatMissionsBooking(t *testing.T) {
	p := bookedProfile()
	p.Book(platform("m-2", "2027-11-01", "2028-04-30"), time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC))
	before := p
	later := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)

	// Nothing to release: nothing changes.
	for _, id := range []string{"m-9", ""} {
		if _, ok := p.Release(id, later); ok {
			t.Fatalf("released %q", id)
		}
	}
	if fmt.Sprintf("%+v", p) != fmt.Sprintf("%+v", before) {
		t.Fatal("releasing nothing changed the profile")
	}

	b, ok := p.Release("m-1", later)
	if !ok || b != platform("m-1", "2027-05-01", "2027-10-31") {
		t.Fatalf("Release(m-1) = %+v, %v", b, ok)
	}
	if got := bookingsOf(p.Bookings); got != "2027-03-01..2027-03-14 2027-11-01..2028-04-30@m-2" {
		t.Fatalf("bookings %s", got)
	}
	if !p.UpdatedAt.Equal(later) {
		t.Fatalf("updated at %v", p.UpdatedAt)
	}
	if got := bookingsOf(before.Bookings); got != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1 2027-11-01..2028-04-30@m-2" {
		t.Fatalf("earlier copy now holds %s", got)
	}
	if _, ok := p.Release("m-1", later); ok {
		t.Fatal("released m-1 twice")
	}

	// Releasing the last booking leaves none.
	only := domain.Profile{Details: domain.Details{Bookings: []domain.Booking{platform("m-3", "2027-02-01", "2027-02-28")}}}
	if _, ok := only.Release("m-3", later); !ok || only.Bookings != nil {
		t.Fatalf("after releasing the only booking: %+v", only.Bookings)
	}
}

func TestReplaceDetailsKeepsThePlatformsBookings(t *testing.T) {
	p := bookedProfile()
	later := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	d := domain.Details{
		DisplayName: "Claire Martin-Durand", Email: "claire@example.com",
		Bookings: []domain.Booking{declared("2027-12-20", "2028-01-03"), declared("2027-04-01", "2027-04-02")},
	}
	p.ReplaceDetails(d, later)
	if p.DisplayName != "Claire Martin-Durand" || p.Email != "claire@example.com" || !p.UpdatedAt.Equal(later) ||
		p.ID != "p1" || p.AccountID != "cons-1" {
		t.Fatalf("replaced %+v", p)
	}
	// The consultant's bookings are replaced, in their order; the platform's follow.
	if got := bookingsOf(p.Bookings); got != "2027-12-20..2028-01-03 2027-04-01..2027-04-02 2027-05-01..2027-10-31@m-1" {
		t.Fatalf("bookings %s", got)
	}

	// No bookings at all removes the declared ones only.
	p.ReplaceDetails(domain.Details{DisplayName: "x"}, later)
	if got := bookingsOf(p.Bookings); got != "2027-05-01..2027-10-31@m-1" {
		t.Fatalf("bookings %s", got)
	}

	// Details that carry platform bookings (validation refuses them from clients) can neither
	// add one nor replace or move one.
	p.ReplaceDetails(domain.Details{Bookings: []domain.Booking{
		platform("m-1", "2030-01-01", "2030-01-31"), platform("m-forged", "2027-06-01", "2027-06-30"), declared("2027-02-01", "2027-02-02"),
	}}, later)
	if got := bookingsOf(p.Bookings); got != "2027-02-01..2027-02-02 2027-05-01..2027-10-31@m-1" {
		t.Fatalf("bookings %s", got)
	}

	// Without any booking, none is left.
	q := domain.Profile{Details: domain.Details{Bookings: []domain.Booking{declared("2027-02-01", "2027-02-02")}}}
	q.ReplaceDetails(domain.Details{}, later)
	if q.Bookings != nil {
		t.Fatalf("bookings %+v", q.Bookings)
	}
}

func TestSeenByFirmHidesEmailAndMissions(t *testing.T) {
	p := bookedProfile()
	seen := p.SeenByFirm()
	if seen.Email != "" || seen.DisplayName != p.DisplayName || seen.ID != p.ID {
		t.Fatalf("firm sees %+v", seen)
	}
	if got := bookingsOf(seen.Bookings); got != "2027-03-01..2027-03-14 2027-05-01..2027-10-31" {
		t.Fatalf("firm sees bookings %s", got)
	}
	// The profile itself is untouched.
	if p.Email != "claire@example.org" || bookingsOf(p.Bookings) != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1" {
		t.Fatalf("SeenByFirm changed the profile: %+v", p)
	}
	if none := (domain.Profile{}).SeenByFirm(); none.Bookings != nil {
		t.Fatalf("bookings %+v", none.Bookings)
	}
}

func TestRescheduleMovesOnlyThatMissionsBooking(t *testing.T) {
	p := bookedProfile()
	p.Bookings[1].FirmID = "firm-1"
	p.Bookings = append(p.Bookings, platform("m-2", "2027-11-01", "2028-01-31"))
	later := p.UpdatedAt.Add(time.Hour)

	// Extension: the end moves later; the firm and the booking's place stay.
	found, moved := p.Reschedule(platform("m-1", "2027-05-01", "2027-12-31"), later)
	if !found || !moved || bookingsOf(p.Bookings) != "2027-03-01..2027-03-14 2027-05-01..2027-12-31@m-1 2027-11-01..2028-01-31@m-2" ||
		p.Bookings[1].FirmID != "firm-1" || !p.UpdatedAt.Equal(later) {
		t.Fatalf("extension: %v %v %s %+v", found, moved, bookingsOf(p.Bookings), p)
	}
	// Early end: the end moves earlier.
	found, moved = p.Reschedule(platform("m-1", "2027-05-01", "2027-06-15"), later.Add(time.Hour))
	if !found || !moved || bookingsOf(p.Bookings) != "2027-03-01..2027-03-14 2027-05-01..2027-06-15@m-1 2027-11-01..2028-01-31@m-2" {
		t.Fatalf("early end: %s", bookingsOf(p.Bookings))
	}
	// The same dates again, or a mission the profile holds no booking for: nothing changes.
	snapshot := fmt.Sprintf("%+v", p)
	if found, moved := p.Reschedule(platform("m-1", "2027-05-01", "2027-06-15"), later.Add(2*time.Hour)); !found || moved {
		t.Fatalf("same dates: %v %v", found, moved)
	}
	if found, moved := p.Reschedule(platform("m-9", "2027-05-01", "2027-06-15"), later.Add(2*time.Hour)); found || moved {
		t.Fatalf("other mission: %v %v", found, moved)
	}
	if fmt.Sprintf("%+v", p) != snapshot {
		t.Fatalf("profile changed: %+v", p)
	}
	// The profile it was copied from is untouched (bookings are copied before they change).
	q := bookedProfile()
	r := q
	r.Reschedule(platform("m-1", "2027-05-01", "2027-05-31"), later)
	if bookingsOf(q.Bookings) != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1" ||
		bookingsOf(r.Bookings) != "2027-03-01..2027-03-14 2027-05-01..2027-05-31@m-1" {
		t.Fatalf("copy shares bookings: %s / %s", bookingsOf(q.Bookings), bookingsOf(r.Bookings))
	}
}

func TestStaffedByLastsNinetyDaysAfterTheEnd(t *testing.T) {
	p := bookedProfile() // m-1 ends 2027-10-31
	p.Bookings[1].FirmID = "firm-1"
	at := func(s string) time.Time { return day(s).Add(23 * time.Hour) }
	for _, c := range []struct {
		firm string
		now  time.Time
		want bool
	}{
		{"firm-1", at("2027-01-01"), true},  // before the mission
		{"firm-1", at("2027-07-01"), true},  // while it runs
		{"firm-1", at("2028-01-28"), true},  // 89 days after the end
		{"firm-1", at("2028-01-29"), true},  // 90 days
		{"firm-1", at("2028-01-30"), false}, // 91 days
		{"firm-2", at("2027-07-01"), false},
		{"", at("2027-07-01"), false},
		// 2028-01-29 23:30 in UTC-2 is already 2028-01-30 in UTC: 91 days.
		{"firm-1", time.Date(2028, 1, 29, 23, 30, 0, 0, time.FixedZone("", -2*3600)), false},
	} {
		if got := p.StaffedBy(c.firm, c.now); got != c.want {
			t.Errorf("StaffedBy(%q, %v) = %v", c.firm, c.now, got)
		}
	}
	// A booking stored before firms were recorded grants nothing.
	p.Bookings[1].FirmID = ""
	if p.StaffedBy("firm-1", at("2027-07-01")) {
		t.Error("a booking without a firm grants visibility")
	}
}

func TestSeenByStaffingFirmKeepsEmailAndOnlyItsOwnMissions(t *testing.T) {
	p := bookedProfile()
	p.Bookings[1].FirmID = "firm-1"
	p.Bookings = append(p.Bookings, domain.Booking{Start: day("2027-11-01"), End: day("2028-01-31"), MissionID: "m-2", FirmID: "firm-2"})
	seen := p.SeenByStaffingFirm("firm-1")
	if seen.Email != "claire@example.org" || seen.DisplayName != p.DisplayName {
		t.Fatalf("staffing firm sees %+v", seen)
	}
	if got := bookingsOf(seen.Bookings); got != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1 2027-11-01..2028-01-31" {
		t.Fatalf("staffing firm sees bookings %s", got)
	}
	if seen.Bookings[2].FirmID != "" {
		t.Fatalf("another firm's id shown: %+v", seen.Bookings[2])
	}
	if bookingsOf(p.Bookings) != "2027-03-01..2027-03-14 2027-05-01..2027-10-31@m-1 2027-11-01..2028-01-31@m-2" {
		t.Fatalf("the profile changed: %s", bookingsOf(p.Bookings))
	}
}
