package domain

import (
	"slices"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/scoring"
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

// FailedRule is one reason a consultant is excluded from a mission, with the facts its text
// is written from in the reader's language.
type FailedRule struct {
	Rule  RuleName
	Facts RuleFacts
}

// RuleFacts are the platform's (pkg/scoring).
type RuleFacts = scoring.RuleFacts

// HardRule excludes a consultant when Check reports failed.
type HardRule struct {
	Name  RuleName
	Check func(s Settings, m Mission, p Profile) (facts RuleFacts, failed bool)
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
		if facts, ok := r.Check(s, m, p); ok {
			failed = append(failed, FailedRule{Rule: r.Name, Facts: facts})
		}
	}
	return failed
}

// ErasedProfile is the evaluation of a profile that was erased.
func ErasedProfile(id string) Evaluation {
	return Evaluation{ProfileID: id, FailedRules: []FailedRule{{Rule: RuleProfileErased}}}
}

// checkRequiredSkills: every required skill, at the mission's minimum level when it gives one.
func checkRequiredSkills(_ Settings, m Mission, p Profile) (RuleFacts, bool) {
	var f RuleFacts
	for _, id := range m.RequiredSkills {
		level, minLevel := p.SkillLevel(id), m.MinLevel(id)
		switch {
		case level == 0:
			f.MissingSkills = append(f.MissingSkills, id)
		case level < minLevel:
			f.SkillsBelowMinimum = append(f.SkillsBelowMinimum, scoring.SkillMinimum{Skill: id, Level: level, MinLevel: minLevel})
		}
	}
	return f, len(f.MissingSkills)+len(f.SkillsBelowMinimum) > 0
}

// checkAvailability: available, notice period served, at the latest tolerance days after the
// start date.
func checkAvailability(s Settings, m Mission, p Profile) (RuleFacts, bool) {
	on, latest := p.AvailableOn(s.Today), s.LatestStart(m)
	if !on.After(latest) {
		return RuleFacts{}, false
	}
	f := RuleFacts{AvailableOn: dates.Format(on), StartDate: dates.Format(m.StartDate), LatestStart: dates.Format(latest)}
	if on.After(p.AvailableFrom) {
		f.NoticePeriodDays = p.NoticePeriodDays
	}
	return f, true
}

// checkBookings: no booking shares a day with the mission window.
func checkBookings(_ Settings, m Mission, p Profile) (RuleFacts, bool) {
	window := m.Window()
	for _, b := range p.Bookings {
		if b.Overlaps(window) {
			return RuleFacts{BookedFrom: dates.Format(b.Start), BookedTo: dates.Format(b.End),
				WindowStart: dates.Format(window.Start), WindowEnd: dates.Format(window.End)}, true
		}
	}
	return RuleFacts{}, false
}

// checkDailyRate: daily rate within the budget.
func checkDailyRate(_ Settings, m Mission, p Profile) (RuleFacts, bool) {
	if p.DailyRateEUR <= m.MaxDailyRateEUR {
		return RuleFacts{}, false
	}
	return RuleFacts{DailyRateEUR: p.DailyRateEUR, BudgetEUR: m.MaxDailyRateEUR}, true
}

// checkLanguages: at least one language in common. A mission that names no language asks for
// none, so nobody fails this rule for it.
func checkLanguages(_ Settings, m Mission, p Profile) (RuleFacts, bool) {
	if len(m.Languages) == 0 {
		return RuleFacts{}, false
	}
	for _, l := range m.Languages {
		if slices.Contains(p.Languages, l) {
			return RuleFacts{}, false
		}
	}
	return RuleFacts{Languages: slices.Clone(m.Languages)}, true
}

// checkWorkMode: a consultant who works only remotely cannot take a mission that needs them on
// site, even part of the time. On-site and hybrid consultants accept any mode; an unspecified
// mode on either side constrains nothing.
func checkWorkMode(_ Settings, m Mission, p Profile) (RuleFacts, bool) {
	if p.WorkMode == taxonomy.WorkModeRemote && (m.WorkMode == taxonomy.WorkModeOnSite || m.WorkMode == taxonomy.WorkModeHybrid) {
		return RuleFacts{WorkMode: int(m.WorkMode)}, true
	}
	return RuleFacts{}, false
}

// checkLocation: for a mission that is not fully remote, the consultant lives in its country
// or accepts to work there.
func checkLocation(_ Settings, m Mission, p Profile) (RuleFacts, bool) {
	if !m.NeedsPresence() || m.Country == "" || p.Country == m.Country || slices.Contains(p.MobilityCountries, m.Country) {
		return RuleFacts{}, false
	}
	return RuleFacts{Country: p.Country, MissionCountry: m.Country}, true
}

// checkExperience: at least the minimum years of experience.
func checkExperience(_ Settings, m Mission, p Profile) (RuleFacts, bool) {
	if p.YearsExperience >= m.MinYearsExperience {
		return RuleFacts{}, false
	}
	return RuleFacts{Years: p.YearsExperience, MinYears: m.MinYearsExperience}, true
}

// checkProfilingConsent: a consultant who objected to profiling (GDPR art. 21) is never ranked.
func checkProfilingConsent(_ Settings, _ Mission, p Profile) (RuleFacts, bool) {
	return RuleFacts{}, p.ProfilingOptOut
}
