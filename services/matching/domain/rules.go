package domain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// RuleName names a hard rule in explanations; values are part of the public API.
type RuleName string

const (
	RuleRequiredSkillsMissing RuleName = "REQUIRED_SKILLS_MISSING"
	RuleNotAvailableAtStart   RuleName = "NOT_AVAILABLE_AT_START"
	RuleBookedDuringMission   RuleName = "BOOKED_DURING_MISSION"
	RuleDailyRateOverBudget   RuleName = "DAILY_RATE_OVER_BUDGET"
	RuleNoSharedLanguage      RuleName = "NO_SHARED_LANGUAGE"
	RuleWorkModeIncompatible  RuleName = "WORK_MODE_INCOMPATIBLE"
	RuleLocationIncompatible  RuleName = "LOCATION_INCOMPATIBLE"
	RuleExperienceTooLow      RuleName = "EXPERIENCE_TOO_LOW"
	RuleProfilingOptedOut     RuleName = "PROFILING_OPTED_OUT"
	// RuleProfileErased is reported for a profile that no longer exists: matching keeps only
	// its id, so that an explanation can say why it is never ranked.
	RuleProfileErased RuleName = "PROFILE_ERASED"
)

// FailedRule is one reason a consultant is excluded from a mission, with a human detail.
type FailedRule struct {
	Rule   RuleName
	Detail string
}

// HardRule excludes a consultant when Check returns a non-empty detail.
type HardRule struct {
	Name  RuleName
	Check func(s Settings, m Mission, p Profile) (detail string)
}

// HardRules are checked in this order; every failing rule is reported, not only the first.
var HardRules = []HardRule{
	{RuleRequiredSkillsMissing, checkRequiredSkills},
	{RuleNotAvailableAtStart, checkAvailability},
	{RuleBookedDuringMission, checkBookings},
	{RuleDailyRateOverBudget, checkDailyRate},
	{RuleNoSharedLanguage, checkLanguages},
	{RuleWorkModeIncompatible, checkWorkMode},
	{RuleLocationIncompatible, checkLocation},
	{RuleExperienceTooLow, checkExperience},
	{RuleProfilingOptedOut, checkProfilingConsent},
}

// FailedRules lists every hard rule that excludes p from m; empty means p is eligible.
func FailedRules(s Settings, m Mission, p Profile) []FailedRule {
	var failed []FailedRule
	for _, r := range HardRules {
		if detail := r.Check(s, m, p); detail != "" {
			failed = append(failed, FailedRule{Rule: r.Name, Detail: detail})
		}
	}
	return failed
}

// ErasedProfile is the evaluation of a profile that was erased.
func ErasedProfile(id string) Evaluation {
	return Evaluation{ProfileID: id, FailedRules: []FailedRule{{Rule: RuleProfileErased,
		Detail: "the consultant erased their profile; only its id is kept"}}}
}

// checkRequiredSkills: every required skill, at the mission's minimum level when it gives one.
func checkRequiredSkills(_ Settings, m Mission, p Profile) string {
	var missing, tooLow []string
	for _, id := range m.RequiredSkills {
		level, minLevel := p.SkillLevel(id), m.MinLevel(id)
		switch {
		case level == 0:
			missing = append(missing, id)
		case level < minLevel:
			tooLow = append(tooLow, fmt.Sprintf("%s at level %d, %d required", id, level, minLevel))
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing required skills: "+strings.Join(missing, ", "))
	}
	if len(tooLow) > 0 {
		parts = append(parts, "below the minimum level: "+strings.Join(tooLow, ", "))
	}
	return strings.Join(parts, "; ")
}

// checkAvailability: available, notice period served, at the latest tolerance days after the
// start date.
func checkAvailability(s Settings, m Mission, p Profile) string {
	on, latest := p.AvailableOn(s.Today), s.LatestStart(m)
	if !on.After(latest) {
		return ""
	}
	why := "available from " + dates.Format(p.AvailableFrom)
	if on.After(p.AvailableFrom) {
		why = fmt.Sprintf("available from %s after a %d-day notice period", dates.Format(on), p.NoticePeriodDays)
	}
	return fmt.Sprintf("%s; the mission starts %s and accepts starts until %s", why,
		dates.Format(m.StartDate), dates.Format(latest))
}

// checkBookings: no booking shares a day with the mission window.
func checkBookings(_ Settings, m Mission, p Profile) string {
	window := m.Window()
	for _, b := range p.Bookings {
		if b.Overlaps(window) {
			return fmt.Sprintf("booked from %s to %s, inside the mission window %s to %s",
				dates.Format(b.Start), dates.Format(b.End), dates.Format(window.Start), dates.Format(window.End))
		}
	}
	return ""
}

// checkDailyRate: daily rate within the budget.
func checkDailyRate(_ Settings, m Mission, p Profile) string {
	if p.DailyRateEUR <= m.MaxDailyRateEUR {
		return ""
	}
	return fmt.Sprintf("daily rate %d EUR is over the budget of %d EUR", p.DailyRateEUR, m.MaxDailyRateEUR)
}

// checkLanguages: at least one language in common. A mission that names no language asks for
// none, so nobody fails this rule for it.
func checkLanguages(_ Settings, m Mission, p Profile) string {
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

// checkWorkMode: a consultant who works only remotely cannot take a mission that needs them on
// site, even part of the time. On-site and hybrid consultants accept any mode; an unspecified
// mode on either side constrains nothing.
func checkWorkMode(_ Settings, m Mission, p Profile) string {
	if p.WorkMode == taxonomy.WorkModeRemote && (m.WorkMode == taxonomy.WorkModeOnSite || m.WorkMode == taxonomy.WorkModeHybrid) {
		return fmt.Sprintf("works remotely only; the mission is %s", workModeName(m.WorkMode))
	}
	return ""
}

// checkLocation: for a mission that is not fully remote, the consultant lives in its country
// or accepts to work there.
func checkLocation(_ Settings, m Mission, p Profile) string {
	if !m.NeedsPresence() || m.Country == "" || p.Country == m.Country || slices.Contains(p.MobilityCountries, m.Country) {
		return ""
	}
	return fmt.Sprintf("based in %s and not mobile to %s, where the mission needs presence", p.Country, m.Country)
}

// checkExperience: at least the minimum years of experience.
func checkExperience(_ Settings, m Mission, p Profile) string {
	if p.YearsExperience >= m.MinYearsExperience {
		return ""
	}
	return fmt.Sprintf("%d years of experience, %d required", p.YearsExperience, m.MinYearsExperience)
}

// checkProfilingConsent: a consultant who objected to profiling (GDPR art. 21) is never ranked.
func checkProfilingConsent(_ Settings, _ Mission, p Profile) string {
	if p.ProfilingOptOut {
		return "the consultant opted out of automated matching"
	}
	return ""
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
