package domain

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/scoring"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// settings evaluate as of 2026-11-20, with the current scoring and the default tolerance of 14
// days: the fixture mission accepts starts until 2027-02-15.
func settings() Settings {
	return Settings{Scoring: CurrentScoring, AvailabilityToleranceDays: DefaultAvailabilityToleranceDays,
		Today: day("2026-11-20")}
}

// mission is a hybrid AI-strategy mission in France, sector C21, from 2027-02-01 for 12 months
// (window 2027-02-01 to 2028-01-31). It requires ai-strategy (level 3 at least) and
// change-management (no minimum, so level 1), would like mlops, pays up to 1500 EUR a day, asks
// for French and 10 years of experience. It takes place in Lyon.
func mission() Mission {
	return Mission{
		ID: "m1", FirmID: "firm-1", Status: MissionOpen, Sector: "C21", MissionType: taxonomy.MissionTypeAIStrategy,
		RequiredSkills:   []string{"ai-strategy", "change-management"},
		MinSkillLevels:   []SkillRequirement{{ID: "ai-strategy", MinLevel: 3}},
		NiceToHaveSkills: []string{"mlops"},
		StartDate:        day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500,
		Languages: []string{"fr"}, Country: "FR", WorkMode: taxonomy.WorkModeHybrid, MinYearsExperience: 10,
		PlaceCity: "fr-lyon", PlaceRegion: "fr-ara",
	}
}

// profile passes every hard rule of mission(). Its components are skills 0.8, sector 1,
// mission type 0.5, seniority 0.9, rate fit 0.266667, availability 1 and location 0.6 (Grenoble,
// in the mission's region).
func profile(id string) Profile {
	p := Profile{
		ID: id, Sectors: []string{"C21"},
		Skills: []SkillLevel{
			{ID: "ai-strategy", Level: 5}, {ID: "change-management", Level: 3}, {ID: "mlops", Level: 4},
		},
		YearsExperience: 18, Languages: []string{"fr", "en"}, Country: "FR", WorkMode: taxonomy.WorkModeHybrid,
		DailyRateEUR: 1400, AvailableFrom: day("2027-01-04"), PlaceCity: "fr-grenoble", PlaceRegion: "fr-ara",
	}
	p.MonthsByMissionType[taxonomy.MissionTypeAIStrategy] = 12
	return p
}

func assertClose(t *testing.T, name string, got, want float64) {
	t.Helper()
	// Scores and component values are rounded to six decimals (roundScore).
	if math.Abs(got-want) > 5e-7+1e-12 {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}

// ruleNames are the names of the failed rules, in order.
func ruleNames(failed []FailedRule) []RuleName {
	out := make([]RuleName, len(failed))
	for i, f := range failed {
		out[i] = f.Rule
	}
	return out
}

func ids(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ProfileID
	}
	return out
}

// assertEligible checks that p passes every hard rule of m.
func assertEligible(t *testing.T, s Settings, m Mission, p Profile) {
	t.Helper()
	if failed := FailedRules(s, m, p); len(failed) != 0 {
		t.Fatalf("FailedRules = %+v, want none", failed)
	}
	if ev := Evaluate(s, m, p); !ev.Eligible {
		t.Fatalf("Evaluate = %+v, want eligible", ev)
	}
}

// assertOnlyRule checks that p fails exactly one hard rule of m, the named one, with facts that
// read exactly as detail (legacyText), and that Evaluate then gives neither a score nor an
// explanation.
func assertOnlyRule(t *testing.T, s Settings, m Mission, p Profile, rule RuleName, detail string) {
	t.Helper()
	failed := FailedRules(s, m, p)
	if len(failed) != 1 || failed[0].Rule != rule || legacyText(failed[0]) != detail {
		t.Fatalf("FailedRules =\n  %+v\nwant only %s reading\n  %s", failed, rule, detail)
	}
	ev := Evaluate(s, m, p)
	if ev.Eligible || ev.Score != 0 || len(ev.Explanation.Components) != 0 || ev.ProfileID != p.ID ||
		!reflect.DeepEqual(ev.FailedRules, failed) {
		t.Errorf("Evaluate of an excluded profile = %+v, want ineligible with only %s and no score", ev, rule)
	}
}

// legacyText writes a failed rule's facts the way the rules tests state them: plain English with
// codes, so a test reads as what the rule found; the texts firms read are pkg/explain's.
func legacyText(r FailedRule) string {
	f := r.Facts
	switch r.Rule {
	case RuleRequiredSkillsMissing:
		var parts []string
		if len(f.MissingSkills) > 0 {
			parts = append(parts, "missing required skills: "+strings.Join(f.MissingSkills, ", "))
		}
		var low []string
		for _, s := range f.SkillsBelowMinimum {
			low = append(low, fmt.Sprintf("%s at level %d, %d required", s.Skill, s.Level, s.MinLevel))
		}
		if len(low) > 0 {
			parts = append(parts, "below the minimum level: "+strings.Join(low, ", "))
		}
		return strings.Join(parts, "; ")
	case RuleNotAvailableAtStart:
		why := "available from " + f.AvailableOn
		if f.NoticePeriodDays > 0 {
			why += fmt.Sprintf(" after a %d-day notice period", f.NoticePeriodDays)
		}
		return fmt.Sprintf("%s; the mission starts %s and accepts starts until %s", why, f.StartDate, f.LatestStart)
	case RuleBookedDuringMission:
		return fmt.Sprintf("booked from %s to %s, inside the mission window %s to %s", f.BookedFrom, f.BookedTo,
			f.WindowStart, f.WindowEnd)
	case RuleDailyRateOverBudget:
		return fmt.Sprintf("daily rate %d EUR is over the budget of %d EUR", f.DailyRateEUR, f.BudgetEUR)
	case RuleNoSharedLanguage:
		return "speaks none of the mission's languages: " + strings.Join(f.Languages, ", ")
	case RuleWorkModeIncompatible:
		return "works remotely only; the mission is " + workModeName(WorkMode(f.WorkMode))
	case RuleLocationIncompatible:
		return fmt.Sprintf("based in %s and not mobile to %s, where the mission needs presence", f.Country, f.MissionCountry)
	case RuleExperienceTooLow:
		return fmt.Sprintf("%d years of experience, %d required", f.Years, f.MinYears)
	case RuleProfilingOptedOut:
		return "the consultant opted out of automated matching"
	}
	return string(r.Rule)
}

// legacyComponentText writes a component's facts the way the scoring tests state them.
func legacyComponentText(c Component) string {
	f := c.Facts
	if f == nil {
		return ""
	}
	switch c.Name {
	case ComponentSkills:
		var req, nice []string
		for _, s := range f.Required {
			req = append(req, fmt.Sprintf("%s %d/5", s.Skill, s.Level))
		}
		for _, s := range f.NiceToHave {
			if s.Level == 0 {
				nice = append(nice, s.Skill+" missing")
			} else {
				nice = append(nice, fmt.Sprintf("%s %d/5", s.Skill, s.Level))
			}
		}
		return "required: " + orNone(req) + "; nice-to-have: " + orNone(nice)
	case ComponentSector:
		section := cmp.Or(taxonomy.SectionOf(f.MissionSector), f.MissionSector)
		switch f.SectorFit {
		case scoring.SectorExact:
			return "has worked in " + f.MatchedSector
		case scoring.SectorSameSection:
			return fmt.Sprintf("has worked in %s, same section %s as %s", f.MatchedSector, section, f.MissionSector)
		}
		return "no sector in section " + section
	case ComponentMissionType:
		if f.MissionType == 0 {
			return "the mission gives no type"
		}
		return fmt.Sprintf("%d months of %s missions, full at %d", f.Months, MissionType(f.MissionType), f.FullAtMonths)
	case ComponentSeniority:
		return fmt.Sprintf("%d years of experience, full at %d", f.Years, f.FullAtYears)
	case ComponentRateFit:
		return fmt.Sprintf("%d EUR a day for a budget of %d EUR, full fit at %d EUR or less", f.DailyRateEUR, f.BudgetEUR, f.FullFitEUR)
	case ComponentAvailability:
		if f.DaysLate <= 0 {
			return "available by the start date"
		}
		return fmt.Sprintf("available %s after the start date, %s tolerated", days(f.DaysLate), days(f.ToleranceDays))
	}
	return c.Name
}

func orNone(parts []string) string {
	if len(parts) == 0 {
		return "none asked"
	}
	return strings.Join(parts, ", ")
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func workModeName(w WorkMode) string {
	switch w {
	case taxonomy.WorkModeOnSite:
		return "on site"
	case taxonomy.WorkModeHybrid:
		return "hybrid"
	case taxonomy.WorkModeRemote:
		return "remote"
	}
	return "unspecified"
}
