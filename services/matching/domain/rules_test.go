package domain

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

func TestFixtureProfileFailsNoRule(t *testing.T) {
	assertEligible(t, settings(), mission(), profile("p1"))
}

func TestHardRulesOrder(t *testing.T) {
	var got []RuleName
	for _, r := range HardRules {
		got = append(got, r.Name)
	}
	want := []RuleName{RuleRequiredSkillsMissing, RuleNotAvailableAtStart, RuleBookedDuringMission,
		RuleDailyRateOverBudget, RuleNoSharedLanguage, RuleWorkModeIncompatible, RuleLocationIncompatible,
		RuleExperienceTooLow, RuleProfilingOptedOut}
	if !slices.Equal(got, want) {
		t.Fatalf("HardRules = %v, want %v", got, want)
	}
}

func TestRuleRequiredSkillsMissing(t *testing.T) {
	// mission(): ai-strategy at level 3 at least, change-management at any level.
	cases := []struct {
		name   string
		skills []SkillLevel
		detail string // "" means eligible
	}{
		{"one required skill missing", []SkillLevel{{"ai-strategy", 5}, {"mlops", 5}},
			"missing required skills: change-management"},
		{"every required skill missing, nice-to-have present", []SkillLevel{{"mlops", 5}},
			"missing required skills: ai-strategy, change-management"},
		{"no skill at all", nil, "missing required skills: ai-strategy, change-management"},
		{"below the minimum level", []SkillLevel{{"ai-strategy", 2}, {"change-management", 5}},
			"below the minimum level: ai-strategy at level 2, 3 required"},
		{"missing and below the minimum", []SkillLevel{{"ai-strategy", 1}},
			"missing required skills: change-management; below the minimum level: ai-strategy at level 1, 3 required"},
		{"exactly the minimum level", []SkillLevel{{"ai-strategy", 3}, {"change-management", 1}}, ""},
		{"no minimum given: level 1 is enough", []SkillLevel{{"change-management", 1}, {"ai-strategy", 4}}, ""},
		{"nice-to-have skills are never required", []SkillLevel{{"ai-strategy", 3}, {"change-management", 2}}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := profile("p1")
			p.Skills = tc.skills
			if tc.detail == "" {
				assertEligible(t, settings(), mission(), p)
				return
			}
			assertOnlyRule(t, settings(), mission(), p, RuleRequiredSkillsMissing, tc.detail)
		})
	}
}

func TestRuleRequiredSkillsMinimumLevels(t *testing.T) {
	m := mission()
	m.MinSkillLevels = []SkillRequirement{
		{ID: "change-management", MinLevel: 0}, // no real minimum: level 1
		{ID: "ai-strategy", MinLevel: 5},
		{ID: "mlops", MinLevel: 5}, // mlops is only nice-to-have: its minimum is ignored
	}
	p := profile("p1")
	p.Skills = []SkillLevel{{"ai-strategy", 5}, {"change-management", 1}, {"mlops", 1}}
	assertEligible(t, settings(), m, p)
	if got := m.MinLevel("change-management"); got != 1 {
		t.Errorf("MinLevel(change-management) = %d, want 1", got)
	}
	if got := m.MinLevel("unknown"); got != 1 {
		t.Errorf("MinLevel(unknown) = %d, want 1", got)
	}

	p.Skills[0].Level = 4
	assertOnlyRule(t, settings(), m, p, RuleRequiredSkillsMissing, "below the minimum level: ai-strategy at level 4, 5 required")
}

func TestRuleNotAvailableAtStart(t *testing.T) {
	// The mission starts 2027-02-01; with 14 days of tolerance, starts until 2027-02-15 are fine.
	const window = "; the mission starts 2027-02-01 and accepts starts until 2027-02-15"
	cases := []struct {
		name      string
		available string
		detail    string
	}{
		{"well before the start", "2026-06-01", ""},
		{"on the start date", "2027-02-01", ""},
		{"last tolerated day", "2027-02-15", ""},
		{"one day past the tolerance", "2027-02-16", "available from 2027-02-16" + window},
		{"months late", "2027-06-01", "available from 2027-06-01" + window},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := profile("p1")
			p.AvailableFrom = day(tc.available)
			if tc.detail == "" {
				assertEligible(t, settings(), mission(), p)
				return
			}
			assertOnlyRule(t, settings(), mission(), p, RuleNotAvailableAtStart, tc.detail)
		})
	}
}

func TestRuleNotAvailableAtStartTolerance(t *testing.T) {
	s := settings()
	s.AvailabilityToleranceDays = 0
	if got := s.LatestStart(mission()); !got.Equal(day("2027-02-01")) {
		t.Fatalf("LatestStart = %s, want 2027-02-01", dates.Format(got))
	}
	p := profile("p1")
	p.AvailableFrom = day("2027-02-01")
	assertEligible(t, s, mission(), p)
	p.AvailableFrom = day("2027-02-02")
	assertOnlyRule(t, s, mission(), p, RuleNotAvailableAtStart,
		"available from 2027-02-02; the mission starts 2027-02-01 and accepts starts until 2027-02-01")

	s.AvailabilityToleranceDays = 30 // until 2027-03-03
	p.AvailableFrom = day("2027-03-03")
	assertEligible(t, s, mission(), p)
	p.AvailableFrom = day("2027-03-04")
	assertOnlyRule(t, s, mission(), p, RuleNotAvailableAtStart,
		"available from 2027-03-04; the mission starts 2027-02-01 and accepts starts until 2027-03-03")
}

func TestRuleNotAvailableAtStartNoticePeriod(t *testing.T) {
	// The notice period counts from Settings.Today, not from the availability date.
	s := settings()
	s.Today = day("2027-01-20")
	p := profile("p1")
	p.AvailableFrom = day("2027-01-04")

	p.NoticePeriodDays = 26 // 2027-01-20 + 26 days = 2027-02-15, the last tolerated day
	assertEligible(t, s, mission(), p)

	p.NoticePeriodDays = 27 // 2027-02-16
	assertOnlyRule(t, s, mission(), p, RuleNotAvailableAtStart,
		"available from 2027-02-16 after a 27-day notice period; the mission starts 2027-02-01 and accepts starts until 2027-02-15")

	// The same notice period decided earlier is served in time.
	s.Today = day("2027-01-19")
	assertEligible(t, s, mission(), p)

	// A notice period that ends before the availability date changes nothing: the availability
	// date is reported.
	s.Today = day("2026-11-20")
	p.NoticePeriodDays = 10 // 2026-11-30
	p.AvailableFrom = day("2027-02-16")
	assertOnlyRule(t, s, mission(), p, RuleNotAvailableAtStart,
		"available from 2027-02-16; the mission starts 2027-02-01 and accepts starts until 2027-02-15")

	// Counted from the availability date it would end on 2027-02-20; counted from today it is
	// served long before.
	p.AvailableFrom = day("2027-02-10")
	assertEligible(t, s, mission(), p)
}

func TestProfileAvailableOn(t *testing.T) {
	p := Profile{AvailableFrom: day("2027-03-01"), NoticePeriodDays: 30}
	for _, tc := range []struct{ today, want string }{
		{"2027-01-01", "2027-03-01"}, // notice served 2027-01-31, before the availability date
		{"2027-01-30", "2027-03-01"}, // served exactly on the availability date
		{"2027-02-01", "2027-03-03"}, // notice ends after it
	} {
		if got := p.AvailableOn(day(tc.today)); !got.Equal(day(tc.want)) {
			t.Errorf("AvailableOn(%s) = %s, want %s", tc.today, dates.Format(got), tc.want)
		}
	}
}

func TestRuleBookedDuringMission(t *testing.T) {
	// The 12-month window of mission() runs from 2027-02-01 to 2028-01-31, both days included.
	const window = ", inside the mission window 2027-02-01 to 2028-01-31"
	if w := mission().Window(); !w.Start.Equal(day("2027-02-01")) || !w.End.Equal(day("2028-01-31")) {
		t.Fatalf("Window = %s to %s, want 2027-02-01 to 2028-01-31", dates.Format(w.Start), dates.Format(w.End))
	}
	cases := []struct {
		name     string
		bookings []Period
		detail   string
	}{
		{"no booking", nil, ""},
		{"ends the day before the start", []Period{{day("2027-01-01"), day("2027-01-31")}}, ""},
		{"starts the day after the last day", []Period{{day("2028-02-01"), day("2028-03-01")}}, ""},
		{"around the window, not in it",
			[]Period{{day("2026-12-01"), day("2027-01-31")}, {day("2028-02-01"), day("2028-02-02")}}, ""},
		{"ends on the first day", []Period{{day("2027-01-01"), day("2027-02-01")}},
			"booked from 2027-01-01 to 2027-02-01" + window},
		{"starts on the last day", []Period{{day("2028-01-31"), day("2028-02-10")}},
			"booked from 2028-01-31 to 2028-02-10" + window},
		{"one day inside", []Period{{day("2027-07-14"), day("2027-07-14")}},
			"booked from 2027-07-14 to 2027-07-14" + window},
		{"covers the whole window", []Period{{day("2027-01-01"), day("2028-06-30")}},
			"booked from 2027-01-01 to 2028-06-30" + window},
		{"the first overlapping booking is reported",
			[]Period{{day("2026-01-01"), day("2026-02-01")}, {day("2027-05-01"), day("2027-05-31")}, {day("2027-09-01"), day("2027-09-30")}},
			"booked from 2027-05-01 to 2027-05-31" + window},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := profile("p1")
			p.Bookings = tc.bookings
			if tc.detail == "" {
				assertEligible(t, settings(), mission(), p)
				return
			}
			assertOnlyRule(t, settings(), mission(), p, RuleBookedDuringMission, tc.detail)
		})
	}
}

func TestRuleBookedDuringMissionWindowFollowsMissionEnd(t *testing.T) {
	// Whatever the start day and the duration, the window ends on dates.MissionEnd, the last day
	// of the mission: a booking from that day on overlaps, a booking from the next day does not.
	for _, tc := range []struct {
		start  string
		months int
	}{{"2027-02-01", 6}, {"2027-03-15", 18}, {"2027-08-31", 6}, {"2028-01-31", 1}, {"2027-12-01", 12}} {
		t.Run(fmt.Sprintf("%s+%d", tc.start, tc.months), func(t *testing.T) {
			m := mission()
			m.StartDate, m.DurationMonths = day(tc.start), tc.months
			end := dates.MissionEnd(m.StartDate, m.DurationMonths)
			if w := m.Window(); !w.Start.Equal(m.StartDate) || !w.End.Equal(end) {
				t.Fatalf("Window = %+v, want %s to %s", w, tc.start, dates.Format(end))
			}
			s := settings()
			s.Today = m.StartDate.AddDate(0, -1, 0)
			p := profile("p1")
			p.AvailableFrom = m.StartDate

			p.Bookings = []Period{{end.AddDate(0, 0, 1), end.AddDate(0, 1, 0)}}
			assertEligible(t, s, m, p)
			p.Bookings = []Period{{m.StartDate.AddDate(0, -1, 0), m.StartDate.AddDate(0, 0, -1)}}
			assertEligible(t, s, m, p)

			p.Bookings = []Period{{end, end.AddDate(0, 1, 0)}}
			assertOnlyRule(t, s, m, p, RuleBookedDuringMission, fmt.Sprintf(
				"booked from %s to %s, inside the mission window %s to %s", dates.Format(end),
				dates.Format(end.AddDate(0, 1, 0)), tc.start, dates.Format(end)))
			p.Bookings = []Period{{m.StartDate.AddDate(0, -1, 0), m.StartDate}}
			if got := ruleNames(FailedRules(s, m, p)); !slices.Equal(got, []RuleName{RuleBookedDuringMission}) {
				t.Fatalf("booking ending on the first day: FailedRules = %v", got)
			}
		})
	}
}

func TestPeriodOverlaps(t *testing.T) {
	p := Period{day("2027-02-01"), day("2027-02-28")}
	for _, tc := range []struct {
		start, end string
		want       bool
	}{
		{"2027-01-01", "2027-01-31", false},
		{"2027-01-01", "2027-02-01", true},
		{"2027-02-10", "2027-02-11", true},
		{"2027-02-28", "2027-03-31", true},
		{"2027-03-01", "2027-03-31", false},
		{"2027-01-01", "2027-12-31", true},
	} {
		o := Period{day(tc.start), day(tc.end)}
		if got := p.Overlaps(o); got != tc.want {
			t.Errorf("Overlaps(%s..%s) = %v, want %v", tc.start, tc.end, got, tc.want)
		}
		if got := o.Overlaps(p); got != tc.want {
			t.Errorf("reverse Overlaps(%s..%s) = %v, want %v", tc.start, tc.end, got, tc.want)
		}
	}
}

func TestRuleDailyRateOverBudget(t *testing.T) {
	p := profile("p1")
	p.DailyRateEUR = 1501
	assertOnlyRule(t, settings(), mission(), p, RuleDailyRateOverBudget, "daily rate 1501 EUR is over the budget of 1500 EUR")
	p.DailyRateEUR = 3000
	assertOnlyRule(t, settings(), mission(), p, RuleDailyRateOverBudget, "daily rate 3000 EUR is over the budget of 1500 EUR")

	p.DailyRateEUR = 1500 // exactly the budget
	assertEligible(t, settings(), mission(), p)
	p.DailyRateEUR = 500
	assertEligible(t, settings(), mission(), p)
}

func TestRuleNoSharedLanguage(t *testing.T) {
	cases := []struct {
		name              string
		mission, speaks   []string
		detail            string
		wantEligibleOther bool
	}{
		{"none shared", []string{"fr"}, []string{"de", "en"}, "speaks none of the mission's languages: fr", false},
		{"none of two shared", []string{"fr", "it"}, []string{"de", "en"}, "speaks none of the mission's languages: fr, it", false},
		{"no language spoken", []string{"fr"}, nil, "speaks none of the mission's languages: fr", false},
		{"one of two shared", []string{"fr", "en"}, []string{"de", "en"}, "", true},
		{"the mission asks for no language", nil, []string{"de"}, "", true},
		{"neither gives a language", nil, nil, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission()
			m.Languages = tc.mission
			p := profile("p1")
			p.Languages = tc.speaks
			if tc.detail == "" {
				assertEligible(t, settings(), m, p)
				return
			}
			assertOnlyRule(t, settings(), m, p, RuleNoSharedLanguage, tc.detail)
		})
	}
}

func TestRuleWorkModeIncompatible(t *testing.T) {
	// Only a remote-only consultant is ever excluded, and only from a mission that needs them on
	// site (on site or hybrid). The consultant lives in the mission's country, so that location
	// never excludes them.
	modes := []WorkMode{taxonomy.WorkModeUnspecified, taxonomy.WorkModeOnSite, taxonomy.WorkModeHybrid, taxonomy.WorkModeRemote}
	excluded := map[[2]WorkMode]string{
		{taxonomy.WorkModeOnSite, taxonomy.WorkModeRemote}: "works remotely only; the mission is on site",
		{taxonomy.WorkModeHybrid, taxonomy.WorkModeRemote}: "works remotely only; the mission is hybrid",
	}
	for _, mm := range modes {
		for _, pm := range modes {
			t.Run(fmt.Sprintf("mission %s, profile %s", workModeName(mm), workModeName(pm)), func(t *testing.T) {
				m := mission()
				m.WorkMode = mm
				p := profile("p1")
				p.WorkMode = pm
				if detail, ok := excluded[[2]WorkMode{mm, pm}]; ok {
					assertOnlyRule(t, settings(), m, p, RuleWorkModeIncompatible, detail)
					return
				}
				assertEligible(t, settings(), m, p)
			})
		}
	}
}

func TestRuleLocationIncompatible(t *testing.T) {
	cases := []struct {
		name     string
		mode     WorkMode
		country  string // the mission's
		lives    string
		mobility []string
		detail   string
	}{
		{"on site, same country", taxonomy.WorkModeOnSite, "FR", "FR", nil, ""},
		{"on site, other country", taxonomy.WorkModeOnSite, "FR", "DE", nil,
			"based in DE and not mobile to FR, where the mission needs presence"},
		{"hybrid, other country", taxonomy.WorkModeHybrid, "FR", "DE", nil,
			"based in DE and not mobile to FR, where the mission needs presence"},
		{"unspecified mode needs presence", taxonomy.WorkModeUnspecified, "FR", "DE", nil,
			"based in DE and not mobile to FR, where the mission needs presence"},
		{"mobile to other countries only", taxonomy.WorkModeOnSite, "FR", "DE", []string{"BE", "LU"},
			"based in DE and not mobile to FR, where the mission needs presence"},
		{"mobile to the mission's country", taxonomy.WorkModeOnSite, "FR", "DE", []string{"BE", "FR"}, ""},
		{"hybrid, mobile to the mission's country", taxonomy.WorkModeHybrid, "FR", "ES", []string{"FR"}, ""},
		{"remote mission, other country", taxonomy.WorkModeRemote, "FR", "DE", nil, ""},
		{"remote mission, anywhere", taxonomy.WorkModeRemote, "FR", "US", []string{"CA"}, ""},
		{"the mission gives no country", taxonomy.WorkModeOnSite, "", "DE", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission()
			m.WorkMode, m.Country = tc.mode, tc.country
			p := profile("p1")
			p.Country, p.MobilityCountries = tc.lives, tc.mobility
			if tc.detail == "" {
				assertEligible(t, settings(), m, p)
				return
			}
			assertOnlyRule(t, settings(), m, p, RuleLocationIncompatible, tc.detail)
		})
	}
}

func TestRuleExperienceTooLow(t *testing.T) {
	p := profile("p1")
	p.YearsExperience = 9
	assertOnlyRule(t, settings(), mission(), p, RuleExperienceTooLow, "9 years of experience, 10 required")
	p.YearsExperience = 0
	assertOnlyRule(t, settings(), mission(), p, RuleExperienceTooLow, "0 years of experience, 10 required")

	p.YearsExperience = 10 // exactly the minimum
	assertEligible(t, settings(), mission(), p)

	m := mission()
	m.MinYearsExperience = 0
	p.YearsExperience = 0
	assertEligible(t, settings(), m, p)
}

func TestRuleProfilingOptedOut(t *testing.T) {
	p := profile("p1")
	p.ProfilingOptOut = true
	assertOnlyRule(t, settings(), mission(), p, RuleProfilingOptedOut, "the consultant opted out of automated matching")

	// Even a perfect profile is never ranked.
	p.Skills = []SkillLevel{{"ai-strategy", 5}, {"change-management", 5}, {"mlops", 5}}
	if r := Rank(settings(), mission(), []Profile{p}, 5); len(r.Candidates) != 0 || r.EligibleCount != 0 {
		t.Fatalf("Rank = %+v, want nobody", r)
	}
}

func TestEveryFailedRuleIsReportedInOrder(t *testing.T) {
	p := profile("p1")
	p.Skills = nil
	p.AvailableFrom = day("2028-01-01")
	p.Bookings = []Period{{day("2027-03-01"), day("2027-03-31")}}
	p.DailyRateEUR = 3000
	p.Languages = []string{"it"}
	p.WorkMode = taxonomy.WorkModeRemote
	p.Country = "IT"
	p.YearsExperience = 2
	p.ProfilingOptOut = true

	ev := Evaluate(settings(), mission(), p)
	var want []RuleName
	for _, r := range HardRules {
		want = append(want, r.Name)
	}
	if got := ruleNames(ev.FailedRules); !slices.Equal(got, want) {
		t.Fatalf("failed rules = %v, want %v", got, want)
	}
	for _, f := range ev.FailedRules {
		if f.Rule != RuleProfilingOptedOut && reflect.DeepEqual(f.Facts, RuleFacts{}) {
			t.Errorf("%s has no facts", f.Rule)
		}
	}
	if ev.Eligible || ev.Score != 0 || len(ev.Explanation.Components) != 0 {
		t.Errorf("Evaluate = %+v, want ineligible without score", ev)
	}
}

func TestErasedProfile(t *testing.T) {
	ev := ErasedProfile("p-gone")
	if ev.ProfileID != "p-gone" || ev.Eligible || ev.Score != 0 || len(ev.Explanation.Components) != 0 {
		t.Fatalf("ErasedProfile = %+v", ev)
	}
	if len(ev.FailedRules) != 1 || ev.FailedRules[0].Rule != RuleProfileErased {
		t.Fatalf("failed rules = %+v, want only %s", ev.FailedRules, RuleProfileErased)
	}
	if RuleProfileErased != "PROFILE_ERASED" {
		t.Errorf("RuleProfileErased = %q", RuleProfileErased)
	}
}
