package domain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caiomatch/caiomatch/pkg/dates"
)

// RuleName names a hard rule in explanations; values are part of the public API.
type RuleName string

const (
	RuleRequiredSkillsMissing RuleName = "REQUIRED_SKILLS_MISSING"
	RuleNotAvailableAtStart   RuleName = "NOT_AVAILABLE_AT_START"
	RuleDailyRateOverBudget   RuleName = "DAILY_RATE_OVER_BUDGET"
	RuleNoSharedLanguage      RuleName = "NO_SHARED_LANGUAGE"
	RuleExperienceTooLow      RuleName = "EXPERIENCE_TOO_LOW"
)

// FailedRule is one reason a consultant is excluded from a mission, with a human detail.
type FailedRule struct {
	Rule   RuleName
	Detail string
}

// HardRule excludes a consultant when Check returns a non-empty detail.
type HardRule struct {
	Name  RuleName
	Check func(m Mission, p Profile) (detail string)
}

// HardRules are checked in this order; every failing rule is reported, not only the first.
var HardRules = []HardRule{
	{RuleRequiredSkillsMissing, checkRequiredSkills},
	{RuleNotAvailableAtStart, checkAvailability},
	{RuleDailyRateOverBudget, checkDailyRate},
	{RuleNoSharedLanguage, checkLanguages},
	{RuleExperienceTooLow, checkExperience},
}

// FailedRules lists every hard rule that excludes p from m; empty means p is eligible.
func FailedRules(m Mission, p Profile) []FailedRule {
	var failed []FailedRule
	for _, r := range HardRules {
		if detail := r.Check(m, p); detail != "" {
			failed = append(failed, FailedRule{Rule: r.Name, Detail: detail})
		}
	}
	return failed
}

// checkRequiredSkills: every required skill, at any level.
func checkRequiredSkills(m Mission, p Profile) string {
	var missing []string
	for _, id := range m.RequiredSkills {
		if p.SkillLevel(id) == 0 {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "missing required skills: " + strings.Join(missing, ", ")
}

// checkAvailability: available on or before the start date.
func checkAvailability(m Mission, p Profile) string {
	if !p.AvailableFrom.After(m.StartDate) {
		return ""
	}
	return fmt.Sprintf("available from %s, after the start date %s", dates.Format(p.AvailableFrom), dates.Format(m.StartDate))
}

// checkDailyRate: daily rate within the budget.
func checkDailyRate(m Mission, p Profile) string {
	if p.DailyRateEUR <= m.MaxDailyRateEUR {
		return ""
	}
	return fmt.Sprintf("daily rate %d EUR is over the budget of %d EUR", p.DailyRateEUR, m.MaxDailyRateEUR)
}

// checkLanguages: at least one language in common. A mission that names no language asks for
// none, so nobody fails this rule for it.
func checkLanguages(m Mission, p Profile) string {
	if len(m.Languages) == 0 {
		return ""
	}
	for _, l := range m.Languages {
		if slices.Contains(p.Languages, l) {
			return ""
		}
	}
	return "speaks none of the mission's languages: " + strings.Join(m.Languages, ", ")
}

// checkExperience: at least the minimum years of experience.
func checkExperience(m Mission, p Profile) string {
	if p.YearsExperience >= m.MinYearsExperience {
		return ""
	}
	return fmt.Sprintf("%d years of experience, %d required", p.YearsExperience, m.MinYearsExperience)
}
