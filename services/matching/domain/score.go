package domain

import (
	"math"

	"github.com/caiomatch/caiomatch/pkg/scoring"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// Component names, as firms read them in explanations.
const (
	ComponentSkills       = "skills"
	ComponentSector       = "sector"
	ComponentMissionType  = "missionType"
	ComponentSeniority    = "seniority"
	ComponentRateFit      = "rateFit"
	ComponentAvailability = "availability"
	ComponentLocation     = "location"
)

// Weights are how much each component counts; they add up to 1 so that a score is in [0,1].
type Weights struct {
	Skills, Sector, MissionType, Seniority, RateFit, Availability, Location float64
}

// Sum is the total of the weights.
func (w Weights) Sum() float64 {
	return w.Skills + w.Sector + w.MissionType + w.Seniority + w.RateFit + w.Availability + w.Location
}

// ScoringConfig is one versioned set of weights. Change the version whenever a weight, a
// component or a formula below changes: every proposal records the version it was scored with.
type ScoringConfig struct {
	Version string
	Weights Weights
}

// CurrentScoring is the configuration every shortlist is scored with. caio-2026-12 added
// location, its 0.10 taken from skills (0.35 before) and availability (0.10 before): the
// availability rule already keeps out anyone later than the tolerance.
var CurrentScoring = ScoringConfig{
	Version: "caio-2026-12",
	Weights: Weights{Skills: 0.30, Sector: 0.20, MissionType: 0.15, Seniority: 0.10, RateFit: 0.10, Availability: 0.05,
		Location: 0.10},
}

// Scoring202611 is the configuration before location: proposals made with it keep their
// version and breakdown.
var Scoring202611 = ScoringConfig{
	Version: "caio-2026-11",
	Weights: Weights{Skills: 0.35, Sector: 0.20, MissionType: 0.15, Seniority: 0.10, RateFit: 0.10, Availability: 0.10},
}

// ScoringVersion is the version of CurrentScoring.
var ScoringVersion = CurrentScoring.Version

// The constants of the component formulas (part of the scoring version).
const (
	maxSkillLevel = 5
	// A nice-to-have skill counts half a required one.
	niceToHaveDivisor = 2
	// Months of past missions of the asked type that give full mission-type experience.
	fullMissionTypeMonths = 24
	// Years of experience that give full seniority.
	fullSeniorityYears = 20
	// A rate this fraction (1/4) or more under the budget gives a full rate fit.
	rateFitHeadroomDivisor = 4
)

// SectorFit is how close a consultant's sectors come to the mission's along the NACE hierarchy.
type SectorFit int

const (
	SectorOther SectorFit = iota
	SectorSameSection
	SectorExact
)

// ScoreInputs are the few integers a score is computed from. The in-memory index reads them
// from its columns and Evaluate from a Profile; both then call ScoringConfig.Score, so both
// give bit-for-bit the same score.
type ScoreInputs struct {
	RequiredLevelSum, RequiredCount int
	NiceLevelSum, NiceCount         int
	SectorFit                       SectorFit
	MissionTypeMonths               int
	YearsExperience                 int
	DailyRateEUR, BudgetEUR         int
	DaysLate, ToleranceDays         int
	Location                        LocationFit
}

// Values are the component values in [0,1], in the order of the Weights fields.
func (in ScoreInputs) Values() [7]float64 {
	skills := 1.0
	if d := niceToHaveDivisor*in.RequiredCount + in.NiceCount; d > 0 {
		skills = float64(niceToHaveDivisor*in.RequiredLevelSum+in.NiceLevelSum) / float64(maxSkillLevel*d)
	}
	sector := float64(in.SectorFit) / 2
	missionType := float64(min(max(in.MissionTypeMonths, 0), fullMissionTypeMonths)) / fullMissionTypeMonths
	seniority := float64(min(max(in.YearsExperience, 0), fullSeniorityYears)) / fullSeniorityYears
	rate := 1.0
	if in.BudgetEUR > 0 {
		rate = min(max(float64(rateFitHeadroomDivisor*(in.BudgetEUR-in.DailyRateEUR))/float64(in.BudgetEUR), 0), 1)
	}
	availability := 1.0
	if in.DaysLate > 0 {
		availability = max(1-float64(in.DaysLate)/float64(max(in.ToleranceDays, 0)+1), 0)
	}
	return [7]float64{roundScore(skills), sector, roundScore(missionType), roundScore(seniority),
		roundScore(rate), roundScore(availability), in.Location.value()}
}

// Score is the weighted sum of the component values, rounded like them to six decimals.
func (c ScoringConfig) Score(in ScoreInputs) float64 {
	v := in.Values()
	w := &c.Weights
	return roundScore(w.Skills*v[0] + w.Sector*v[1] + w.MissionType*v[2] + w.Seniority*v[3] +
		w.RateFit*v[4] + w.Availability*v[5] + w.Location*v[6])
}

// Component and Explanation are the platform's (pkg/scoring): mission keeps them too.
type (
	Component   = scoring.Component
	Explanation = scoring.Explanation
)

// ScoreInputsOf reads the score inputs of p for m.
func ScoreInputsOf(s Settings, m Mission, p Profile) ScoreInputs {
	in := ScoreInputs{
		RequiredCount: len(m.RequiredSkills), NiceCount: len(m.NiceToHaveSkills),
		SectorFit: sectorFit(m.Sector, p.Sectors), YearsExperience: p.YearsExperience,
		DailyRateEUR: p.DailyRateEUR, BudgetEUR: m.MaxDailyRateEUR, ToleranceDays: s.AvailabilityToleranceDays,
		Location: locationFit(m, p),
	}
	for _, id := range m.RequiredSkills {
		in.RequiredLevelSum += p.SkillLevel(id)
	}
	for _, id := range m.NiceToHaveSkills {
		in.NiceLevelSum += p.SkillLevel(id)
	}
	if m.MissionType > taxonomy.MissionTypeUnspecified && int(m.MissionType) < MissionTypeCount {
		in.MissionTypeMonths = p.MonthsByMissionType[m.MissionType]
	}
	if on := p.AvailableOn(s.Today); on.After(m.StartDate) {
		in.DaysLate = int(on.Sub(m.StartDate).Hours() / 24)
	}
	return in
}

// score computes the components of an eligible profile, their weighted sum and the facts their
// texts are written from.
func score(s Settings, m Mission, p Profile) (float64, Explanation) {
	in := ScoreInputsOf(s, m, p)
	v := in.Values()
	w := s.Scoring.Weights
	skills, matched, missing := skillsFacts(m, p)
	components := []Component{
		{Name: ComponentSkills, Weight: w.Skills, Value: v[0], Facts: skills},
		{Name: ComponentSector, Weight: w.Sector, Value: v[1], Facts: sectorFacts(m.Sector, p.Sectors, in.SectorFit)},
		{Name: ComponentMissionType, Weight: w.MissionType, Value: v[2], Facts: &scoring.Facts{
			MissionType: int(m.MissionType), Months: in.MissionTypeMonths, FullAtMonths: fullMissionTypeMonths}},
		{Name: ComponentSeniority, Weight: w.Seniority, Value: v[3], Facts: &scoring.Facts{
			Years: p.YearsExperience, FullAtYears: fullSeniorityYears}},
		{Name: ComponentRateFit, Weight: w.RateFit, Value: v[4], Facts: &scoring.Facts{
			DailyRateEUR: p.DailyRateEUR, BudgetEUR: m.MaxDailyRateEUR, FullFitEUR: fullFitRate(m.MaxDailyRateEUR)}},
		{Name: ComponentAvailability, Weight: w.Availability, Value: v[5], Facts: &scoring.Facts{
			DaysLate: max(in.DaysLate, 0), ToleranceDays: in.ToleranceDays}},
		{Name: ComponentLocation, Weight: w.Location, Value: v[6], Facts: locationFacts(m, in.Location)},
	}
	return s.Scoring.Score(in), Explanation{Components: components, MatchedSkills: matched, MissingSkills: missing}
}

// roundScore keeps six decimals, so that what firms read (0.82, not 0.8200000000000001) is
// exactly what ranking compared.
func roundScore(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// sectorFit is exact for the mission's own sector (for a section: the section or any of its
// divisions), same-section for another sector of the mission's section, other otherwise.
func sectorFit(missionSector string, sectors []string) SectorFit {
	section := taxonomy.SectionOf(missionSector)
	fit := SectorOther
	for _, s := range sectors {
		switch {
		case s == missionSector:
			return SectorExact
		case section != "" && taxonomy.SectionOf(s) == section:
			if section == missionSector {
				return SectorExact
			}
			fit = SectorSameSection
		}
	}
	return fit
}

func sectorFacts(missionSector string, sectors []string, fit SectorFit) *scoring.Facts {
	f := &scoring.Facts{MissionSector: missionSector, SectorFit: scoring.SectorOther}
	switch fit {
	case SectorExact:
		f.SectorFit, f.MatchedSector = scoring.SectorExact, missionSector
	case SectorSameSection:
		// Name the first division of the section in id order, else the section itself, so
		// that the facts do not depend on the order the sectors were listed in.
		section := taxonomy.SectionOf(missionSector)
		for _, s := range sectors {
			if taxonomy.SectionOf(s) == section && (f.MatchedSector == "" || f.MatchedSector == section ||
				(s != section && s < f.MatchedSector)) {
				f.MatchedSector = s
			}
		}
		f.SectorFit = scoring.SectorSameSection
	}
	return f
}

// skillsFacts lists the levels of the asked skills: coverage is
// (2 × Σ required levels + Σ nice-to-have levels) / (5 × (2 × #required + #nice-to-have)).
func skillsFacts(m Mission, p Profile) (facts *scoring.Facts, matched, missing []string) {
	facts = &scoring.Facts{}
	for _, id := range m.RequiredSkills {
		level := p.SkillLevel(id)
		if level > 0 {
			matched = append(matched, id)
		}
		facts.Required = append(facts.Required, scoring.SkillFact{Skill: id, Level: level})
	}
	for _, id := range m.NiceToHaveSkills {
		level := p.SkillLevel(id)
		if level == 0 {
			missing = append(missing, id)
		} else {
			matched = append(matched, id)
		}
		facts.NiceToHave = append(facts.NiceToHave, scoring.SkillFact{Skill: id, Level: level})
	}
	return facts, matched, missing
}

// fullFitRate is the largest whole rate r with 4 × (budget − r) ≥ budget.
func fullFitRate(budget int) int {
	return budget - (budget+rateFitHeadroomDivisor-1)/rateFitHeadroomDivisor
}
