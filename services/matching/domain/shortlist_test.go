package domain

import (
	"testing"
	"time"
)

func TestNextShortlistFirstIsAlwaysProposed(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	s, ok := NextShortlist(mission(), nil, Ranking{}, now)
	if !ok || s.Revision != 1 || s.Status() != ShortlistNoMatch || s.FirmID != "firm-1" ||
		s.ScoringVersion != ScoringVersion || !s.ProposedAt.Equal(now) {
		t.Fatalf("first proposal without candidates = %+v, %v; want revision 1, NO_MATCH", s, ok)
	}
}

func TestNextShortlistOnlyWhenCandidatesChange(t *testing.T) {
	m := mission()
	first := Rank(m, []Profile{profile("p1"), profile("p2")}, 5)
	current, _ := NextShortlist(m, nil, first, time.Now())
	if current.Status() != ShortlistReady {
		t.Fatalf("status = %v, want READY", current.Status())
	}

	// The same ranking again (an unrelated profile changed): nothing to propose.
	again := Rank(m, []Profile{profile("p2"), profile("p1")}, 5)
	if _, ok := NextShortlist(m, &current, again, time.Now()); ok {
		t.Fatal("an identical ranking was proposed again")
	}

	// A different score: revision 2.
	p2 := profile("p2")
	p2.Sectors = []string{"C20"}
	changed := Rank(m, []Profile{profile("p1"), p2}, 5)
	next, ok := NextShortlist(m, &current, changed, time.Now())
	if !ok || next.Revision != 2 {
		t.Fatalf("changed score: proposed=%v revision=%d, want revision 2", ok, next.Revision)
	}

	// Another scoring version: proposed even with the same candidates.
	old := current
	old.ScoringVersion = "older"
	if next, ok := NextShortlist(m, &old, again, time.Now()); !ok || next.Revision != 2 {
		t.Fatalf("new scoring version: proposed=%v revision=%d, want revision 2", ok, next.Revision)
	}
}

func TestSameCandidatesComparesIDsRanksScores(t *testing.T) {
	a := []Candidate{{ProfileID: "p1", Rank: 1, Score: 0.9}, {ProfileID: "p2", Rank: 2, Score: 0.8}}
	same := []Candidate{{ProfileID: "p1", Rank: 1, Score: 0.9, Explanation: Explanation{MatchedSkills: []string{"x"}}},
		{ProfileID: "p2", Rank: 2, Score: 0.8}}
	if !SameCandidates(a, same) {
		t.Error("explanations alone made lists differ")
	}
	for _, b := range [][]Candidate{
		{{ProfileID: "p1", Rank: 1, Score: 0.9}},
		{{ProfileID: "p1", Rank: 1, Score: 0.9}, {ProfileID: "p3", Rank: 2, Score: 0.8}},
		{{ProfileID: "p1", Rank: 1, Score: 0.9}, {ProfileID: "p2", Rank: 2, Score: 0.7}},
	} {
		if SameCandidates(a, b) {
			t.Errorf("SameCandidates(%v, %v) = true", a, b)
		}
	}
}
