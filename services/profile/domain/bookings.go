package domain

import (
	"fmt"
	"slices"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/visibility"
)

// A profile's bookings are of two kinds: the ones the consultant declares (no mission id) and
// the ones the platform makes when the consultant accepts a mission (its mission id). The
// consultant replaces only their own; the platform adds and removes only its own. Bookings are
// kept in that order: declared ones first, as the consultant sent them, then the platform's in
// the order they were made.

// NewPlatformBooking checks a booking the platform makes for a staffed mission: a mission id and
// an inclusive window of "YYYY-MM-DD" dates.
func NewPlatformBooking(missionID, startDate, endDate string) (Booking, error) {
	if missionID == "" {
		return Booking{}, fmt.Errorf("platform booking without a mission id")
	}
	start, err := dates.Parse(startDate)
	if err != nil {
		return Booking{}, fmt.Errorf("platform booking for mission %s: start date: %w", missionID, err)
	}
	end, err := dates.Parse(endDate)
	if err != nil {
		return Booking{}, fmt.Errorf("platform booking for mission %s: end date: %w", missionID, err)
	}
	if end.Before(start) {
		return Booking{}, fmt.Errorf("platform booking for mission %s ends (%s) before it starts (%s)",
			missionID, endDate, startDate)
	}
	return Booking{Start: start, End: end, MissionID: missionID}, nil
}

// PlatformBooking returns the booking the platform made for missionID, if any.
func (p *Profile) PlatformBooking(missionID string) (Booking, bool) {
	if missionID == "" {
		return Booking{}, false
	}
	i := slices.IndexFunc(p.Bookings, func(b Booking) bool { return b.MissionID == missionID })
	if i < 0 {
		return Booking{}, false
	}
	return p.Bookings[i], true
}

// Book adds the platform booking b (see NewPlatformBooking). The profile holds at most one
// booking per mission: when it already holds one for b's mission, nothing changes and Book
// reports false, whatever b's dates.
func (p *Profile) Book(b Booking, now time.Time) bool {
	if !b.Platform() {
		return false
	}
	if _, ok := p.PlatformBooking(b.MissionID); ok {
		return false
	}
	p.Bookings = append(slices.Clip(p.Bookings), b)
	p.UpdatedAt = now.UTC()
	return true
}

// Release removes the platform booking for missionID and returns it; it reports false, changing
// nothing, when the profile holds none.
func (p *Profile) Release(missionID string, now time.Time) (Booking, bool) {
	b, ok := p.PlatformBooking(missionID)
	if !ok {
		return Booking{}, false
	}
	p.Bookings = slices.DeleteFunc(slices.Clone(p.Bookings), func(b Booking) bool { return b.MissionID == missionID })
	if len(p.Bookings) == 0 {
		p.Bookings = nil
	}
	p.UpdatedAt = now.UTC()
	return b, true
}

// ReplaceDetails replaces everything the consultant states about themselves. Among the bookings
// only the declared ones are replaced: the platform's stay, whatever d holds.
func (p *Profile) ReplaceDetails(d Details, now time.Time) {
	bookings := make([]Booking, 0, len(d.Bookings)+len(p.Bookings))
	for _, b := range d.Bookings {
		if !b.Platform() {
			bookings = append(bookings, b)
		}
	}
	for _, b := range p.Bookings {
		if b.Platform() {
			bookings = append(bookings, b)
		}
	}
	if len(bookings) == 0 {
		bookings = nil
	}
	d.Bookings = bookings
	p.Details = d
	p.UpdatedAt = now.UTC()
}

// Reschedule moves the platform booking for window's mission to window's dates (see
// NewPlatformBooking), keeping its place and its firm. found is false when the profile holds no
// booking for that mission; moved is false when the booking already had these dates. Either
// way nothing else changes.
func (p *Profile) Reschedule(window Booking, now time.Time) (found, moved bool) {
	i := slices.IndexFunc(p.Bookings, func(b Booking) bool { return b.Platform() && b.MissionID == window.MissionID })
	if i < 0 {
		return false, false
	}
	old := p.Bookings[i]
	if old.Start.Equal(window.Start) && old.End.Equal(window.End) {
		return true, false
	}
	p.Bookings = slices.Clone(p.Bookings)
	p.Bookings[i].Start, p.Bookings[i].End = window.Start, window.End
	p.UpdatedAt = now.UTC()
	return true, true
}

// ContactDaysAfterMission is how long after a mission's end its staffing firm still sees the
// consultant's whole profile, email included (pkg/visibility's rule).
const ContactDaysAfterMission = visibility.ContactDaysAfterMission

// StaffingLinks are the profile's platform bookings with firmID, as pkg/visibility judges them:
// the consultant is the one staffed on each of those missions, until its end date. A booking
// made before firms were recorded (no FirmID) is none; a cancelled mission's booking is gone.
func (p Profile) StaffingLinks(firmID string, now time.Time) []visibility.Link {
	if firmID == "" {
		return nil
	}
	var links []visibility.Link
	for _, b := range p.Bookings {
		if !b.Platform() || b.FirmID != firmID {
			continue
		}
		state := visibility.StateStaffed
		if b.End.Before(now) {
			state = visibility.StateEnded
		}
		links = append(links, visibility.Link{State: state, Staffed: true, LastDay: b.End})
	}
	return links
}

// StaffedBy reports whether firmID staffed the consultant on a mission that runs, lies ahead, or
// ended at most ContactDaysAfterMission days before today (UTC), by pkg/visibility's rule.
func (p Profile) StaffedBy(firmID string, now time.Time) bool {
	return visibility.Best(p.StaffingLinks(firmID, now), now) == visibility.Staffing
}

// SeenByStaffingFirm is the profile as the firm that staffed it sees it (see StaffedBy): whole,
// email included, but the mission ids of bookings stay only on the firm's own, since the others
// may name other firms' missions.
func (p Profile) SeenByStaffingFirm(firmID string) Profile {
	if p.Bookings != nil {
		bookings := make([]Booking, len(p.Bookings))
		for i, b := range p.Bookings {
			bookings[i] = Booking{Start: b.Start, End: b.End}
			if b.Platform() && b.FirmID == firmID {
				bookings[i].MissionID, bookings[i].FirmID = b.MissionID, b.FirmID
			}
		}
		p.Bookings = bookings
	}
	return p
}

// SeenByFirm is the profile as a firm that shortlisted it may see it: no email, and bookings
// keep their dates but not their mission ids, which may name other firms' missions.
func (p Profile) SeenByFirm() Profile {
	p.Email = ""
	if p.Bookings != nil {
		bookings := make([]Booking, len(p.Bookings))
		for i, b := range p.Bookings {
			bookings[i] = Booking{Start: b.Start, End: b.End}
		}
		p.Bookings = bookings
	}
	return p
}
