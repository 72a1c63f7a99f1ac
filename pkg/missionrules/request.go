// Package missionrules holds the field rules of the mission service's requests: the mission a
// firm submits, offers and their answers, and paging. The mission service's domain and use
// cases apply them, and the gateway applies the same ones at the edge (pkg/edgecheck), so bad
// input is refused before it travels; this is their one copy. Pure: no I/O, no protobuf.
package missionrules

import (
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// MissionType is taxonomy's, named here for the rules that use it.
type MissionType = taxonomy.MissionType

// WorkMode is taxonomy's, named here for the rules that use it.
type WorkMode = taxonomy.WorkMode

type Location struct {
	Country string
	City    string
}

// SkillRequirement is a minimum level for one of the mission's required skills.
type SkillRequirement struct {
	ID       string
	MinLevel int
}

// Request is everything a firm states about the mission it needs staffed.
type Request struct {
	Title              string
	Sector             string
	MissionType        MissionType
	RequiredSkills     []string
	NiceToHaveSkills   []string
	StartDate          time.Time
	DurationMonths     int
	MaxDailyRateEUR    int
	Languages          []string
	Location           Location
	WorkMode           WorkMode
	MinYearsExperience int
	// RequiredSkillLevels gives a minimum level to some of RequiredSkills, in the client's
	// order; a required skill without one may be at any level.
	RequiredSkillLevels []SkillRequirement
}

// EndDate is the last day of the mission window.
func (r Request) EndDate() time.Time { return dates.MissionEnd(r.StartDate, r.DurationMonths) }

// RequestInput is a Request as a client sends it, before any check.
type RequestInput struct {
	Request
	StartDate string
}

// Limits that keep a mission sane; they are documented in docs/API.md.
const (
	MaxTitleRunes      = 200
	MaxRequiredSkills  = 20
	MaxNiceToHave      = 20
	MinDurationMonths  = 6
	MaxDurationMonths  = 18
	MaxDailyRateEUR    = taxonomy.MaxDailyRateEUR
	MaxYearsExperience = 60
	MinSkillLevel      = 1
	MaxSkillLevel      = 5
)

// NewRequest checks every field and reports all violations at once. now is the caller's clock:
// the start date may not be before today (UTC).
func NewRequest(in RequestInput, now time.Time) (Request, error) {
	var v fault.Violations
	r := in.Request
	r.Title = strings.TrimSpace(r.Title)
	r.Location.City = strings.TrimSpace(r.Location.City)

	taxonomy.CheckText(&v, "title", r.Title, MaxTitleRunes)
	CheckLine(&v, "title", r.Title)
	CheckLine(&v, "location.city", r.Location.City)
	if r.Sector == "" {
		v.Add("sector", "is required: a NACE Rev. 2.1 section or division id")
	} else if _, ok := taxonomy.SectorByID(r.Sector); !ok {
		v.Add("sector", "unknown sector %q (see GET /v1/taxonomy/sectors)", r.Sector)
	}
	if r.MissionType < taxonomy.MissionTypeAIStrategy || r.MissionType > taxonomy.MissionTypeRiskAndCompliance {
		v.Add("missionType", "is required: MISSION_TYPE_AI_STRATEGY, MISSION_TYPE_TRANSFORMATION_LAUNCH, "+
			"MISSION_TYPE_CHANGE_MANAGEMENT or MISSION_TYPE_RISK_AND_COMPLIANCE")
	}
	required := checkSkills(&v, "requiredSkills", r.RequiredSkills, 1, MaxRequiredSkills, nil)
	checkSkills(&v, "niceToHaveSkills", r.NiceToHaveSkills, 0, MaxNiceToHave, required)
	checkSkillLevels(&v, "requiredSkillLevels", r.RequiredSkillLevels, r.RequiredSkills)
	if t, ok := taxonomy.CheckDate(&v, "startDate", in.StartDate); ok {
		if today := dates.Today(now); t.Before(today) {
			v.Add("startDate", "must not be before today (%s)", dates.Format(today))
		} else {
			r.StartDate = t
		}
	}
	if r.DurationMonths < MinDurationMonths || r.DurationMonths > MaxDurationMonths {
		v.Add("durationMonths", "must be between %d and %d", MinDurationMonths, MaxDurationMonths)
	}
	taxonomy.CheckDailyRate(&v, "maxDailyRateEur", r.MaxDailyRateEUR)
	taxonomy.CheckLanguages(&v, "languages", r.Languages)
	taxonomy.CheckLocation(&v, "location", r.Location.Country, r.Location.City)
	taxonomy.CheckWorkMode(&v, "workMode", r.WorkMode)
	if r.MinYearsExperience < 0 || r.MinYearsExperience > MaxYearsExperience {
		v.Add("minYearsExperience", "must be between 0 and %d", MaxYearsExperience)
	}
	if err := v.Err(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// checkSkills checks a list of skill ids and returns the set of those it holds. A skill that is
// also in exclude is a violation.
func checkSkills(v *fault.Violations, field string, ids []string, minCount, maxCount int, exclude map[string]bool) map[string]bool {
	seen := map[string]bool{}
	if len(ids) < minCount {
		v.Add(field, "needs at least %d skill", minCount)
		return seen
	}
	if len(ids) > maxCount {
		v.Add(field, "must hold at most %d skills", maxCount)
		return seen
	}
	for i, id := range ids {
		f := taxonomy.Indexed(field, i)
		switch _, known := taxonomy.SkillByID(id); {
		case !known:
			v.Add(f, "unknown skill %q (see GET /v1/taxonomy/skills)", id)
		case seen[id]:
			v.Add(f, "skill %q is repeated", id)
		case exclude[id]:
			v.Add(f, "skill %q is already required", id)
		}
		seen[id] = true
	}
	return seen
}

// checkSkillLevels checks the minimum levels given to required skills: each names a skill of
// required (as the client sent it, so that an unknown or repeated required skill is reported
// once, on requiredSkills), at most once, with a level between MinSkillLevel and MaxSkillLevel.
// There are at most as many entries as required skills, and never more than MaxRequiredSkills.
func checkSkillLevels(v *fault.Violations, field string, levels []SkillRequirement, required []string) {
	if maxCount := min(len(required), MaxRequiredSkills); len(levels) > maxCount {
		v.Add(field, "must hold at most %d entries, one per required skill", maxCount)
		return
	}
	isRequired := map[string]bool{}
	for _, id := range required {
		isRequired[id] = true
	}
	seen := map[string]bool{}
	for i, l := range levels {
		f := taxonomy.Indexed(field, i)
		switch {
		case l.ID == "":
			v.Add(f+".id", "is required and must be one of requiredSkills")
		case !isRequired[l.ID]:
			v.Add(f+".id", "skill %q must be one of requiredSkills", l.ID)
		case seen[l.ID]:
			v.Add(f+".id", "skill %q already has a minimum level", l.ID)
		}
		seen[l.ID] = true
		if l.MinLevel < MinSkillLevel || l.MinLevel > MaxSkillLevel {
			v.Add(f+".minLevel", "must be between %d and %d", MinSkillLevel, MaxSkillLevel)
		}
	}
}
