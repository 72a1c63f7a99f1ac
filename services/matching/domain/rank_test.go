package domain

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

func TestRankOrdersByScoreThenID(t *testing.T) {
	strong := profile("p-strong") // skills 1: score 0.741667 + 0.30×0.2 = 0.801667
	strong.Skills = []SkillLevel{{"ai-strategy", 5}, {"change-management", 5}, {"mlops", 5}}
	weak := profile("p-weak") // sector 0: score 0.741667 − 0.20 = 0.541667
	weak.Sectors = []string{"L64"}
	// Three equal scores (0.741667): their order must come from their ids.
	tiedB, tiedA, tiedC := profile("p-tie-b"), profile("p-tie-a"), profile("p-tie-c")

	input := []Profile{weak, tiedB, strong, tiedC, tiedA}
	want := []string{"p-strong", "p-tie-a", "p-tie-b", "p-tie-c", "p-weak"}
	wantScores := []float64{0.801667, 0.741667, 0.741667, 0.741667, 0.541667}
	for i := range 20 {
		shuffled := slices.Clone(input)
		rand.New(rand.NewPCG(uint64(i), 1)).Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		r := Rank(settings(), mission(), shuffled, 5)
		if got := ids(r.Candidates); !slices.Equal(got, want) {
			t.Fatalf("order %d: ranked %v, want %v", i, got, want)
		}
		for j, c := range r.Candidates {
			if c.Rank != j+1 {
				t.Fatalf("candidate %s has rank %d, want %d", c.ProfileID, c.Rank, j+1)
			}
			assertClose(t, c.ProfileID+" score", c.Score, wantScores[j])
			if len(c.Explanation.Components) != 7 {
				t.Fatalf("candidate %s has no explanation: %+v", c.ProfileID, c.Explanation)
			}
		}
		if r.EligibleCount != 5 || r.ScoringVersion != CurrentScoring.Version {
			t.Fatalf("EligibleCount = %d, ScoringVersion = %q", r.EligibleCount, r.ScoringVersion)
		}
	}
}

func TestRankKeepsTopSizeAndCountsEligible(t *testing.T) {
	var profiles []Profile
	for i := range 7 {
		profiles = append(profiles, profile(fmt.Sprintf("p%d", i)))
	}
	r := Rank(settings(), mission(), profiles, 3)
	if got := ids(r.Candidates); !slices.Equal(got, []string{"p0", "p1", "p2"}) || r.EligibleCount != 7 {
		t.Fatalf("ranked %v of %d eligible, want p0, p1, p2 of 7", got, r.EligibleCount)
	}
	for _, size := range []int{0, -1} {
		if r := Rank(settings(), mission(), profiles, size); len(r.Candidates) != DefaultShortlistSize {
			t.Fatalf("size %d gave %d candidates, want the default %d", size, len(r.Candidates), DefaultShortlistSize)
		}
	}
	if r := Rank(settings(), mission(), profiles, 50); len(r.Candidates) != 7 {
		t.Fatalf("size 50 gave %d candidates, want all 7", len(r.Candidates))
	}
	if r := Rank(settings(), mission(), nil, 5); len(r.Candidates) != 0 || r.EligibleCount != 0 ||
		r.ScoringVersion != CurrentScoring.Version {
		t.Fatalf("no profiles gave %+v", r)
	}
}

func TestRankNeverRanksExcluded(t *testing.T) {
	// Excluded profiles that would otherwise score best.
	best := func(id string) Profile {
		p := profile(id)
		p.Skills = []SkillLevel{{"ai-strategy", 5}, {"change-management", 5}, {"mlops", 5}}
		return p
	}
	tooExpensive, tooLate, foreign, booked, remote, optedOut := best("a-rate"), best("a-late"), best("a-lang"),
		best("a-booked"), best("a-remote"), best("a-optout")
	tooExpensive.DailyRateEUR = 2000
	tooLate.AvailableFrom = day("2027-06-01")
	foreign.Languages = []string{"de"}
	booked.Bookings = []Period{{day("2027-04-01"), day("2027-04-30")}}
	remote.WorkMode = taxonomy.WorkModeRemote
	optedOut.ProfilingOptOut = true
	r := Rank(settings(), mission(), []Profile{tooExpensive, profile("z-ok"), tooLate, foreign, booked, remote, optedOut}, 5)
	if got := ids(r.Candidates); !slices.Equal(got, []string{"z-ok"}) || r.EligibleCount != 1 {
		t.Fatalf("ranked %v of %d eligible, want only z-ok", got, r.EligibleCount)
	}
}

func TestCompareCandidates(t *testing.T) {
	a := Candidate{ProfileID: "a", Score: 0.5}
	b := Candidate{ProfileID: "b", Score: 0.5}
	c := Candidate{ProfileID: "c", Score: 0.9}
	for _, tc := range []struct {
		x, y Candidate
		want int
	}{{a, b, -1}, {b, a, 1}, {a, a, 0}, {c, a, -1}, {a, c, 1}, {c, b, -1}} {
		if got := CompareCandidates(tc.x, tc.y); got != tc.want {
			t.Errorf("CompareCandidates(%+v, %+v) = %d, want %d", tc.x, tc.y, got, tc.want)
		}
	}
}
