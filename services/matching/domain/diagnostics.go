package domain

// Diagnostics say why a mission's pool of eligible consultants is what it is and which single
// changes to the mission would widen it. They hold counts only, never a consultant.
type Diagnostics struct {
	EligibleCount int
	// ExcludedByRule counts, per hard rule (in HardRules order, rules that exclude nobody
	// left out), the consultants it excludes; one consultant may count under several rules.
	ExcludedByRule []RuleCount
	// HeldByExposureCap counts the eligible consultants who would be inside the shortlist
	// without the exposure cap but are kept off by it.
	HeldByExposureCap int
	// Widen lists single changes to the mission, most useful first.
	Widen []Widening
}

// RuleCount is how many consultants one hard rule excludes.
type RuleCount struct {
	Rule  RuleName
	Count int
}

// Fields a Widening changes, as the API names them.
const (
	WidenMaxDailyRate  = "maxDailyRateEur"
	WidenStartDate     = "startDate"
	WidenWorkMode      = "workMode"
	WidenRequiredSkill = "requiredSkills"
	WidenMinYears      = "minYearsExperience"
	WidenLanguages     = "languages"
)

// Widening is one change to one field of the mission and how many consultants, excluded now,
// it would make eligible. Value is the new value (a rate in EUR, a date YYYY-MM-DD, a work
// mode such as WORK_MODE_REMOTE, a number of years), "-<skill>" for a required skill dropped
// and "+<language>" for a language added.
type Widening struct {
	Field              string
	Value              string
	AdditionalEligible int
}
