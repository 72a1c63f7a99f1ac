package visibility

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestFirmAccessEveryState goes through every state with every combination of the facts.
func TestFirmAccessEveryState(t *testing.T) {
	now := day("2026-06-15").Add(15 * time.Hour)
	running := day("2026-07-31")
	want := map[State]map[[2]bool]Access{
		StateUnknown:   {},
		StateOpen:      {{true, false}: Candidate, {true, true}: Candidate},
		StateStaffed:   {{false, true}: Staffing, {true, true}: Staffing},
		StateEnded:     {{false, true}: Staffing, {true, true}: Staffing},
		StateCancelled: {},
		StateNoMatch:   {},
		StateClosed:    {},
	}
	if len(want) != len(States()) {
		t.Fatalf("the table covers %d states of %d", len(want), len(States()))
	}
	cells := 0
	for _, s := range States() {
		for _, shortlisted := range []bool{false, true} {
			for _, staffed := range []bool{false, true} {
				got := FirmAccess(Link{State: s, Shortlisted: shortlisted, Staffed: staffed, LastDay: running}, now)
				if w := want[s][[2]bool{shortlisted, staffed}]; got != w {
					t.Errorf("%s shortlisted=%v staffed=%v: %s, want %s", s, shortlisted, staffed, got, w)
				}
				cells++
			}
		}
	}
	t.Logf("%d cells", cells)
}

func TestStaffedConsultantAfterTheEnd(t *testing.T) {
	now := day("2026-06-15").Add(23 * time.Hour)
	for _, tc := range []struct {
		last string
		want Access
	}{
		{"2026-09-30", Staffing}, // lies ahead
		{"2026-06-15", Staffing}, // last day today
		{"2026-03-17", Staffing}, // ended 90 days ago
		{"2026-03-16", None},     // ended 91 days ago
	} {
		for _, s := range []State{StateStaffed, StateEnded} {
			if got := FirmAccess(Link{State: s, Staffed: true, LastDay: day(tc.last)}, now); got != tc.want {
				t.Errorf("%s, last day %s: %s, want %s", s, tc.last, got, tc.want)
			}
		}
	}
	if got := FirmAccess(Link{State: StateStaffed, Staffed: true}, now); got != None {
		t.Errorf("no last day: %s, want NONE", got)
	}
}

func TestBest(t *testing.T) {
	now := day("2026-06-15")
	if got := Best(nil, now); got != None {
		t.Errorf("no link: %s", got)
	}
	links := []Link{{State: StateCancelled, Shortlisted: true}, {State: StateOpen, Shortlisted: true}}
	if got := Best(links, now); got != Candidate {
		t.Errorf("a cancelled and an open mission: %s, want CANDIDATE", got)
	}
	links = append(links, Link{State: StateEnded, Staffed: true, LastDay: now})
	if got := Best(links, now); got != Staffing {
		t.Errorf("with a staffing: %s, want STAFFING", got)
	}
}

func TestStateNames(t *testing.T) {
	for _, s := range States() {
		if s.String() == "" {
			t.Errorf("state %d has no name", s)
		}
	}
	if State(99).String() != "UNKNOWN" {
		t.Error("an unknown state is not UNKNOWN")
	}
}
