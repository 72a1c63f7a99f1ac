// Package visibility is the one rule that decides whether a firm may see a consultant's profile
// data (the profile itself, its live facts in an explanation) through one of its missions. Every
// service that shows profile data to a firm asks it, with what it knows of the mission: its
// state, whether the profile is a candidate of its current shortlist, whether the consultant is
// the one staffed on it and until when.
//
// The rule, by the mission's state:
//   - open (submitted, shortlisted, offered): the candidates of the current shortlist, without
//     contact details;
//   - staffed, and ended (early or completed): the staffed consultant only, whole, while the
//     mission runs or lies ahead and for ContactDaysAfterMission days after its last day;
//   - cancelled, no match, closed (matching's word for cancelled or staffed): nobody through
//     the shortlist.
//
// Operators and the consultant themselves are not firms and are not decided here.
package visibility

import "time"

// State is what the rule needs of a mission's lifecycle.
type State int

const (
	// StateUnknown: the caller does not know the mission's state; nobody is visible.
	StateUnknown State = iota
	// StateOpen: submitted, shortlisted or offered: the mission is being staffed.
	StateOpen
	// StateStaffed: a consultant accepted; the mission lies ahead or runs.
	StateStaffed
	// StateEnded: the staffed mission ended, early or at its end date.
	StateEnded
	// StateCancelled: the firm or an operator cancelled the mission.
	StateCancelled
	// StateNoMatch: nobody passed the hard rules.
	StateNoMatch
	// StateClosed: no longer being staffed, cancelled or staffed, as matching knows it (it never
	// holds who was staffed: that consultant is the profile service's to show).
	StateClosed
)

var stateNames = [...]string{"UNKNOWN", "OPEN", "STAFFED", "ENDED", "CANCELLED", "NO_MATCH", "CLOSED"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return "UNKNOWN"
	}
	return stateNames[s]
}

// States lists every state, for tests that go through all of them.
func States() []State {
	return []State{StateUnknown, StateOpen, StateStaffed, StateEnded, StateCancelled, StateNoMatch, StateClosed}
}

// Access is how much of a profile a firm sees through a mission.
type Access int

const (
	// None: the profile is not found, as a missing one.
	None Access = iota
	// Candidate: the profile without contact details (no email, no other firms' mission ids).
	Candidate
	// Staffing: the whole profile, email included, for the firm that staffed the consultant.
	Staffing
)

func (a Access) String() string {
	switch a {
	case Candidate:
		return "CANDIDATE"
	case Staffing:
		return "STAFFING"
	}
	return "NONE"
}

// ContactDaysAfterMission is how long after a staffed mission's last day its firm still sees
// the consultant it staffed (to settle invoices, write feedback, ask for an extension).
const ContactDaysAfterMission = 90

// Link is what a service knows of one mission of the firm and one profile.
type Link struct {
	State State
	// Shortlisted: the profile is a candidate of the mission's current shortlist.
	Shortlisted bool
	// Staffed: the profile's consultant is the one staffed on the mission.
	Staffed bool
	// LastDay is the staffed mission's last day (inclusive); it matters when Staffed.
	LastDay time.Time
}

// FirmAccess is what the mission's firm may see of the profile, now.
func FirmAccess(l Link, now time.Time) Access {
	switch l.State {
	case StateOpen:
		if l.Shortlisted {
			return Candidate
		}
	case StateStaffed, StateEnded:
		if l.Staffed && WithinContact(l.LastDay, now) {
			return Staffing
		}
	}
	return None
}

// WithinContact tells whether today (UTC) is at most ContactDaysAfterMission days after
// lastDay: a mission that lies ahead or runs is within it. A zero lastDay is not.
func WithinContact(lastDay, now time.Time) bool {
	if lastDay.IsZero() {
		return false
	}
	y, m, d := now.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	ly, lm, ld := lastDay.UTC().Date()
	last := time.Date(ly, lm, ld, 0, 0, 0, 0, time.UTC)
	return !last.AddDate(0, 0, ContactDaysAfterMission).Before(today)
}

// Best is the widest access any of the links gives: a firm sees a profile if one of its
// missions lets it.
func Best(links []Link, now time.Time) Access {
	best := None
	for _, l := range links {
		best = max(best, FirmAccess(l, now))
	}
	return best
}
