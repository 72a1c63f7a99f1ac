package domain

import (
	"math/rand/v2"
	"testing"
)

// TestScorerEqualsScoringConfig: the index ranks with Scorer, explanations come from
// ScoringConfig.Score; they must agree to the last bit on every input.
func TestScorerEqualsScoringConfig(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for range 20000 {
		in := ScoreInputs{
			RequiredCount: rng.IntN(5), NiceCount: rng.IntN(5), BudgetEUR: 500 + rng.IntN(3000),
			ToleranceDays: rng.IntN(30), SectorFit: SectorFit(rng.IntN(3)), MissionTypeMonths: rng.IntN(60),
			YearsExperience: rng.IntN(45), DailyRateEUR: 500 + rng.IntN(3000), DaysLate: rng.IntN(40) - 5,
			Location: LocationFit(rng.IntN(int(locationFitCount))),
		}
		in.RequiredLevelSum = in.RequiredCount * (1 + rng.IntN(5))
		in.NiceLevelSum = rng.IntN(5*in.NiceCount + 1)
		scorer := CurrentScoring.ScorerFor(in.RequiredCount, in.NiceCount, in.BudgetEUR, in.ToleranceDays)
		// Beyond the tolerance a consultant is excluded; both paths still give 0 availability.
		if got, want := scorer.Score(in), CurrentScoring.Score(in); got != want {
			t.Fatalf("inputs %+v: Scorer %v, ScoringConfig %v", in, got, want)
		}
	}
}
