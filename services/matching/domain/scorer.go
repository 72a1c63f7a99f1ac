package domain

// Scorer scores profiles for one mission. The mission's side of every formula is worked out
// once, into tables of weighted component values, so that scoring one profile is a few
// lookups, one division and one rounding. Its scores are bit-for-bit those of
// ScoringConfig.Score: each table entry is the same product of a weight and a rounded value,
// and the seven terms are added in the same order.
type Scorer struct {
	skills       []float64 // by 2 × Σ required levels + Σ nice-to-have levels
	sector       [3]float64
	missionType  [fullMissionTypeMonths + 1]float64
	seniority    [fullSeniorityYears + 1]float64
	availability []float64 // by days late, the last entry for anything later
	location     [locationFitCount]float64
	rateWeight   float64
	budget       int
}

// ScorerFor prepares the scoring of one mission: its numbers of required and nice-to-have
// skills, its budget, and the availability tolerance.
func (c ScoringConfig) ScorerFor(requiredCount, niceCount, budgetEUR, toleranceDays int) *Scorer {
	w := c.Weights
	s := &Scorer{rateWeight: w.RateFit, budget: budgetEUR}
	base := ScoreInputs{RequiredCount: requiredCount, NiceCount: niceCount, ToleranceDays: max(toleranceDays, 0),
		BudgetEUR: budgetEUR}
	// Levels go up to 7 in the index's three bit planes; the table covers them all.
	maxKey := 7 * (niceToHaveDivisor*requiredCount + niceCount)
	s.skills = make([]float64, maxKey+1)
	for k := range s.skills {
		in := base
		in.RequiredLevelSum, in.NiceLevelSum = 0, k
		if requiredCount > 0 || niceCount > 0 {
			s.skills[k] = w.Skills * min(in.Values()[0], 1)
		} else {
			s.skills[k] = w.Skills * 1
		}
	}
	for f := range s.sector {
		in := base
		in.SectorFit = SectorFit(f)
		s.sector[f] = w.Sector * in.Values()[1]
	}
	for m := range s.missionType {
		in := base
		in.MissionTypeMonths = m
		s.missionType[m] = w.MissionType * in.Values()[2]
	}
	for y := range s.seniority {
		in := base
		in.YearsExperience = y
		s.seniority[y] = w.Seniority * in.Values()[3]
	}
	s.availability = make([]float64, base.ToleranceDays+2)
	for d := range s.availability {
		in := base
		in.DaysLate = d
		s.availability[d] = w.Availability * in.Values()[5]
	}
	for f := range s.location {
		in := base
		in.Location = LocationFit(f)
		s.location[f] = w.Location * in.Values()[6]
	}
	return s
}

// Score is ScoringConfig.Score for the mission the scorer was prepared for.
func (s *Scorer) Score(in ScoreInputs) float64 {
	return s.ScoreOf(niceToHaveDivisor*in.RequiredLevelSum+in.NiceLevelSum, in.SectorFit, in.MissionTypeMonths,
		in.YearsExperience, in.DailyRateEUR, in.DaysLate, in.Location)
}

// ScoreOf scores a profile from its raw inputs: skillKey is 2 × Σ required levels + Σ
// nice-to-have levels.
func (s *Scorer) ScoreOf(skillKey int, fit SectorFit, missionTypeMonths, years, rateEUR, daysLate int,
	location LocationFit) float64 {
	rate := 1.0
	if s.budget > 0 {
		rate = min(max(float64(rateFitHeadroomDivisor*(s.budget-rateEUR))/float64(s.budget), 0), 1)
	}
	return roundScore(s.skills[min(max(skillKey, 0), len(s.skills)-1)] + s.sector[fit] +
		s.missionType[min(max(missionTypeMonths, 0), fullMissionTypeMonths)] +
		s.seniority[min(max(years, 0), fullSeniorityYears)] + s.rateWeight*roundScore(rate) +
		s.availability[min(max(daysLate, 0), len(s.availability)-1)] + s.location[location])
}
