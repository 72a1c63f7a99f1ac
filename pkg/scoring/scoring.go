// Package scoring is the vocabulary of an explained score that several services hold: matching
// computes explanations, mission keeps them in its decisions trail, both store them. The JSON
// names are the stored form in both services' databases: they never change.
package scoring

// Component is one named part of a score: it adds Weight × Value, Value in [0,1].
type Component struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Value  float64 `json:"value"`
	// Detail is the English text proposals made before explanations were written per reader
	// carry; newer components carry Facts instead, and readers write the text in their own
	// language from them.
	Detail string `json:"detail,omitempty"`
	Facts  *Facts `json:"facts,omitempty"`
}

// Explanation is why an eligible consultant got their score.
type Explanation struct {
	Components []Component `json:"components"`
	// MatchedSkills are the required and nice-to-have skills the consultant has, in the
	// mission's order (required first).
	MatchedSkills []string `json:"matchedSkills"`
	// MissingSkills are the nice-to-have skills the consultant lacks.
	MissingSkills []string `json:"missingSkills"`
}

// Facts are what a component's text is written from: codes and whole numbers, never a name or
// free text, so that they can be stored and published once and read in any language. Each
// component sets the fields it is about.
type Facts struct {
	// skills: the asked skills with the consultant's level (0 when they lack it).
	Required   []SkillFact `json:"required,omitempty"`
	NiceToHave []SkillFact `json:"niceToHave,omitempty"`

	// sector: the mission's sector, how the consultant's sectors fit it, and which of them.
	MissionSector string    `json:"missionSector,omitempty"`
	SectorFit     SectorFit `json:"sectorFit,omitempty"`
	MatchedSector string    `json:"matchedSector,omitempty"`

	// missionType: months of past missions of the asked type (a taxonomy.MissionType number,
	// 0 when the mission gives none), full at FullAtMonths.
	MissionType  int `json:"missionType,omitempty"`
	Months       int `json:"months,omitempty"`
	FullAtMonths int `json:"fullAtMonths,omitempty"`

	// seniority: years of experience, full at FullAtYears.
	Years       int `json:"years,omitempty"`
	FullAtYears int `json:"fullAtYears,omitempty"`

	// rateFit: the consultant's daily rate, the mission's budget, and the rate at or under
	// which the fit is full.
	DailyRateEUR int `json:"dailyRateEur,omitempty"`
	BudgetEUR    int `json:"budgetEur,omitempty"`
	FullFitEUR   int `json:"fullFitEur,omitempty"`

	// availability: days after the start date the consultant can start, and the tolerance.
	DaysLate      int `json:"daysLate,omitempty"`
	ToleranceDays int `json:"toleranceDays,omitempty"`

	// location: how close the consultant lives to an on-site or hybrid mission, and where
	// the mission is: gazetteer ids (never the text a person typed) and a country code.
	Location LocationFit `json:"location,omitempty"`
	City     string      `json:"city,omitempty"`
	Region   string      `json:"region,omitempty"`
	Country  string      `json:"country,omitempty"`
}

// SkillFact is one asked skill (a taxonomy id) and the consultant's level in it, 0 to 5.
type SkillFact struct {
	Skill string `json:"skill"`
	Level int    `json:"level"`
}

// SectorFit is how close a consultant's sectors come to the mission's.
type SectorFit string

const (
	SectorExact       SectorFit = "exact"
	SectorSameSection SectorFit = "sameSection"
	SectorOther       SectorFit = "other"
)

// LocationFit is how close a consultant is to where an on-site or hybrid mission takes place.
type LocationFit string

const (
	// LocationRemote: the mission is remote, so where anyone lives does not matter.
	LocationRemote    LocationFit = "remote"
	LocationCity      LocationFit = "city"
	LocationRegion    LocationFit = "region"
	LocationCountry   LocationFit = "country"
	LocationElsewhere LocationFit = "elsewhere"
)

// RuleFacts are what the text of a failed hard rule is written from, like Facts: codes, dates
// (YYYY-MM-DD) and whole numbers. Each rule sets the fields it is about.
type RuleFacts struct {
	// REQUIRED_SKILLS_MISSING
	MissingSkills      []string       `json:"missingSkills,omitempty"`
	SkillsBelowMinimum []SkillMinimum `json:"skillsBelowMinimum,omitempty"`
	// NOT_AVAILABLE_AT_START: the first day the consultant can start (after NoticePeriodDays
	// when the notice period is what delays them), the mission's start and the latest start
	// it accepts.
	AvailableOn      string `json:"availableOn,omitempty"`
	NoticePeriodDays int    `json:"noticePeriodDays,omitempty"`
	StartDate        string `json:"startDate,omitempty"`
	LatestStart      string `json:"latestStart,omitempty"`
	// BOOKED_DURING_MISSION: the booking and the mission window.
	BookedFrom  string `json:"bookedFrom,omitempty"`
	BookedTo    string `json:"bookedTo,omitempty"`
	WindowStart string `json:"windowStart,omitempty"`
	WindowEnd   string `json:"windowEnd,omitempty"`
	// DAILY_RATE_OVER_BUDGET
	DailyRateEUR int `json:"dailyRateEur,omitempty"`
	BudgetEUR    int `json:"budgetEur,omitempty"`
	// NO_SHARED_LANGUAGE: the mission's languages (ISO 639-1).
	Languages []string `json:"languages,omitempty"`
	// WORK_MODE_INCOMPATIBLE: the mission's work mode (a taxonomy.WorkMode number).
	WorkMode int `json:"workMode,omitempty"`
	// LOCATION_INCOMPATIBLE: the consultant's country and the mission's.
	Country        string `json:"country,omitempty"`
	MissionCountry string `json:"missionCountry,omitempty"`
	// EXPERIENCE_TOO_LOW
	Years    int `json:"years,omitempty"`
	MinYears int `json:"minYears,omitempty"`
}

// SkillMinimum is a required skill the consultant has below the mission's minimum level.
type SkillMinimum struct {
	Skill    string `json:"skill"`
	Level    int    `json:"level"`
	MinLevel int    `json:"minLevel"`
}
