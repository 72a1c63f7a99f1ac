package domain

import (
	"math"
	"slices"
	"testing"
	"time"

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
// for French and 10 years of experience.
func mission() Mission {
	return Mission{
		ID: "m1", FirmID: "firm-1", Status: MissionOpen, Sector: "C21", MissionType: taxonomy.MissionTypeAIStrategy,
		RequiredSkills:   []string{"ai-strategy", "change-management"},
		MinSkillLevels:   []SkillRequirement{{ID: "ai-strategy", MinLevel: 3}},
		NiceToHaveSkills: []string{"mlops"},
		StartDate:        day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500,
		Languages: []string{"fr"}, Country: "FR", WorkMode: taxonomy.WorkModeHybrid, MinYearsExperience: 10,
	}
}

// profile passes every hard rule of mission(). Its components are skills 0.8, sector 1,
// mission type 0.5, seniority 0.9, rate fit 0.266667 and availability 1.
func profile(id string) Profile {
	p := Profile{
		ID: id, Sectors: []string{"C21"},
		Skills: []SkillLevel{
			{ID: "ai-strategy", Level: 5}, {ID: "change-management", Level: 3}, {ID: "mlops", Level: 4},
		},
		YearsExperience: 18, Languages: []string{"fr", "en"}, Country: "FR", WorkMode: taxonomy.WorkModeHybrid,
		DailyRateEUR: 1400, AvailableFrom: day("2027-01-04"),
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

// assertOnlyRule checks that p fails exactly one hard rule of m, the named one, with exactly the
// given detail, and that Evaluate then gives neither a score nor an explanation.
func assertOnlyRule(t *testing.T, s Settings, m Mission, p Profile, rule RuleName, detail string) {
	t.Helper()
	want := []FailedRule{{Rule: rule, Detail: detail}}
	if failed := FailedRules(s, m, p); !slices.Equal(failed, want) {
		t.Fatalf("FailedRules =\n  %+v\nwant\n  %+v", failed, want)
	}
	ev := Evaluate(s, m, p)
	if ev.Eligible || ev.Score != 0 || len(ev.Explanation.Components) != 0 || ev.ProfileID != p.ID ||
		!slices.Equal(ev.FailedRules, want) {
		t.Errorf("Evaluate of an excluded profile = %+v, want ineligible with only %s and no score", ev, rule)
	}
}
