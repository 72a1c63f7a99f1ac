package domain

import (
	"strings"
	"testing"
)

// assertOnlyRule checks that p fails exactly one hard rule of m, the named one, with a detail
// that mentions want.
func assertOnlyRule(t *testing.T, m Mission, p Profile, rule RuleName, want string) {
	t.Helper()
	failed := FailedRules(m, p)
	if len(failed) != 1 || failed[0].Rule != rule {
		t.Fatalf("FailedRules = %+v, want only %s", failed, rule)
	}
	if !strings.Contains(failed[0].Detail, want) {
		t.Errorf("detail %q does not mention %q", failed[0].Detail, want)
	}
	if ev := Evaluate(m, p); ev.Eligible || ev.Score != 0 || len(ev.Explanation.Components) != 0 {
		t.Errorf("Evaluate of an excluded profile = %+v, want ineligible without score", ev)
	}
}

func TestEligibleProfileFailsNoRule(t *testing.T) {
	if failed := FailedRules(mission(), profile("p1")); len(failed) != 0 {
		t.Fatalf("FailedRules = %+v, want none", failed)
	}
}

func TestRuleRequiredSkillsMissing(t *testing.T) {
	p := profile("p1")
	p.Skills = []SkillLevel{{ID: "ai-strategy", Level: 1}, {ID: "mlops", Level: 5}}
	assertOnlyRule(t, mission(), p, RuleRequiredSkillsMissing, "change-management")
}

func TestRuleRequiredSkillsAnyLevelIsEnough(t *testing.T) {
	p := profile("p1")
	p.Skills = []SkillLevel{{ID: "ai-strategy", Level: 1}, {ID: "change-management", Level: 1}}
	if failed := FailedRules(mission(), p); len(failed) != 0 {
		t.Fatalf("FailedRules = %+v, want none", failed)
	}
}

func TestRuleNotAvailableAtStart(t *testing.T) {
	p := profile("p1")
	p.AvailableFrom = day("2027-02-02")
	assertOnlyRule(t, mission(), p, RuleNotAvailableAtStart, "2027-02-02")

	p.AvailableFrom = day("2027-02-01") // on the start date itself
	if failed := FailedRules(mission(), p); len(failed) != 0 {
		t.Fatalf("available on the start date: FailedRules = %+v, want none", failed)
	}
}

func TestRuleDailyRateOverBudget(t *testing.T) {
	p := profile("p1")
	p.DailyRateEUR = 1501
	assertOnlyRule(t, mission(), p, RuleDailyRateOverBudget, "1501")

	p.DailyRateEUR = 1500 // exactly the budget
	if failed := FailedRules(mission(), p); len(failed) != 0 {
		t.Fatalf("rate equal to the budget: FailedRules = %+v, want none", failed)
	}
}

func TestRuleNoSharedLanguage(t *testing.T) {
	p := profile("p1")
	p.Languages = []string{"de", "en"}
	assertOnlyRule(t, mission(), p, RuleNoSharedLanguage, "fr")

	m := mission()
	m.Languages = nil // a mission that asks for no language excludes nobody
	if failed := FailedRules(m, p); len(failed) != 0 {
		t.Fatalf("mission without languages: FailedRules = %+v, want none", failed)
	}
}

func TestRuleExperienceTooLow(t *testing.T) {
	p := profile("p1")
	p.YearsExperience = 9
	assertOnlyRule(t, mission(), p, RuleExperienceTooLow, "9 years")

	p.YearsExperience = 10 // exactly the minimum
	if failed := FailedRules(mission(), p); len(failed) != 0 {
		t.Fatalf("experience equal to the minimum: FailedRules = %+v, want none", failed)
	}
}

func TestEveryFailedRuleIsReportedInOrder(t *testing.T) {
	p := profile("p1")
	p.Skills = nil
	p.AvailableFrom = day("2028-01-01")
	p.DailyRateEUR = 3000
	p.Languages = []string{"it"}
	p.YearsExperience = 2
	var got []RuleName
	for _, f := range Evaluate(mission(), p).FailedRules {
		got = append(got, f.Rule)
	}
	want := []RuleName{RuleRequiredSkillsMissing, RuleNotAvailableAtStart, RuleDailyRateOverBudget,
		RuleNoSharedLanguage, RuleExperienceTooLow}
	if strings.Join(toStrings(got), ",") != strings.Join(toStrings(want), ",") {
		t.Fatalf("failed rules = %v, want %v", got, want)
	}
}

func toStrings(rs []RuleName) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
