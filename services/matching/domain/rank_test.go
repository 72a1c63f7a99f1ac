package domain

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func ids(cs []Candidate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ProfileID
	}
	return out
}

func TestRankOrdersByScoreThenID(t *testing.T) {
	strong := profile("p-strong")
	strong.Skills = []SkillLevel{{ID: "ai-strategy", Level: 5}, {ID: "change-management", Level: 5}, {ID: "mlops", Level: 5}}
	weak := profile("p-weak")
	weak.Sectors = []string{"L64"}
	// Three equal scores: their order must come from their ids.
	tiedB, tiedA, tiedC := profile("p-tie-b"), profile("p-tie-a"), profile("p-tie-c")

	input := []Profile{weak, tiedB, strong, tiedC, tiedA}
	want := []string{"p-strong", "p-tie-a", "p-tie-b", "p-tie-c", "p-weak"}
	for i := range 20 {
		shuffled := slices.Clone(input)
		rand.New(rand.NewPCG(uint64(i), 1)).Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		r := Rank(mission(), shuffled, 5)
		if got := ids(r.Candidates); !slices.Equal(got, want) {
			t.Fatalf("order %d: ranked %v, want %v", i, got, want)
		}
		for j, c := range r.Candidates {
			if c.Rank != j+1 {
				t.Fatalf("candidate %s has rank %d, want %d", c.ProfileID, c.Rank, j+1)
			}
		}
	}
}

func TestRankKeepsTopSizeAndCountsEligible(t *testing.T) {
	var profiles []Profile
	for i := range 7 {
		profiles = append(profiles, profile(fmt.Sprintf("p%d", i)))
	}
	r := Rank(mission(), profiles, 5)
	if len(r.Candidates) != 5 || r.EligibleCount != 7 {
		t.Fatalf("got %d candidates of %d eligible, want 5 of 7", len(r.Candidates), r.EligibleCount)
	}
	if r := Rank(mission(), profiles, 0); len(r.Candidates) != DefaultShortlistSize {
		t.Fatalf("size 0 gave %d candidates, want the default %d", len(r.Candidates), DefaultShortlistSize)
	}
	if r := Rank(mission(), nil, 5); len(r.Candidates) != 0 || r.EligibleCount != 0 {
		t.Fatalf("no profiles gave %+v", r)
	}
}

func TestRankNeverRanksExcluded(t *testing.T) {
	// Excluded profiles that would otherwise score best.
	best := func(id string) Profile {
		p := profile(id)
		p.Skills = []SkillLevel{{ID: "ai-strategy", Level: 5}, {ID: "change-management", Level: 5}, {ID: "mlops", Level: 5}}
		return p
	}
	tooExpensive, tooLate, foreign := best("a-rate"), best("a-late"), best("a-lang")
	tooExpensive.DailyRateEUR = 2000
	tooLate.AvailableFrom = day("2027-06-01")
	foreign.Languages = []string{"de"}
	r := Rank(mission(), []Profile{tooExpensive, profile("z-ok"), tooLate, foreign}, 5)
	if got := ids(r.Candidates); !slices.Equal(got, []string{"z-ok"}) || r.EligibleCount != 1 {
		t.Fatalf("ranked %v of %d eligible, want only z-ok", got, r.EligibleCount)
	}
}

// TestRankProperties checks on random profiles that every candidate is eligible, that nobody
// left out scores above the last candidate, and that candidates come sorted.
func TestRankProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	skills := []string{"ai-strategy", "change-management", "mlops", "gdpr", "nlp"}
	sectors := []string{"C20", "C21", "C", "L64", "Q85"}
	var profiles []Profile
	for i := range 300 {
		p := Profile{
			ID: fmt.Sprintf("p%03d", i), Sectors: []string{sectors[rng.IntN(len(sectors))]},
			YearsExperience: rng.IntN(25), Languages: []string{[]string{"fr", "en", "de"}[rng.IntN(3)]},
			DailyRateEUR: 800 + rng.IntN(1000), AvailableFrom: day("2026-12-01").AddDate(0, 0, rng.IntN(120)),
		}
		for _, s := range skills {
			if rng.IntN(3) > 0 {
				p.Skills = append(p.Skills, SkillLevel{ID: s, Level: 1 + rng.IntN(5)})
			}
		}
		profiles = append(profiles, p)
	}
	m := mission()
	m.NiceToHaveSkills = []string{"mlops", "gdpr"}
	r := Rank(m, profiles, 5)
	if len(r.Candidates) != 5 {
		t.Fatalf("got %d candidates of %d eligible; the generator should give more", len(r.Candidates), r.EligibleCount)
	}
	ranked := map[string]bool{}
	for i, c := range r.Candidates {
		ranked[c.ProfileID] = true
		if i > 0 && compareCandidates(r.Candidates[i-1], c) >= 0 {
			t.Errorf("candidates %d and %d are out of order", i-1, i)
		}
		if c.Score < 0 || c.Score > 1 {
			t.Errorf("score %v out of [0,1]", c.Score)
		}
	}
	last := r.Candidates[len(r.Candidates)-1]
	eligible := 0
	for _, p := range profiles {
		ev := Evaluate(m, p)
		if !ev.Eligible {
			if ranked[p.ID] {
				t.Errorf("excluded %s is ranked (%v)", p.ID, ev.FailedRules)
			}
			continue
		}
		eligible++
		if !ranked[p.ID] && compareCandidates(Candidate{ProfileID: p.ID, Score: ev.Score}, last) < 0 {
			t.Errorf("%s (score %v) left out but beats the last candidate %s (%v)", p.ID, ev.Score, last.ProfileID, last.Score)
		}
	}
	if eligible != r.EligibleCount {
		t.Errorf("EligibleCount = %d, want %d", r.EligibleCount, eligible)
	}
}
