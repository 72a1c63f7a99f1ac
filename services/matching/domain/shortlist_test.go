package domain

import (
	"testing"
	"time"
)

func TestNextShortlistFirstIsAlwaysProposed(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	s, ok := NextShortlist(mission(), nil, Rank(settings(), mission(), nil, 5), now)
	if !ok || s.Revision != 1 || s.Status() != ShortlistNoMatch || s.MissionID != "m1" || s.FirmID != "firm-1" ||
		s.ScoringVersion != CurrentScoring.Version || s.EligibleCount != 0 || !s.ProposedAt.Equal(now) {
		t.Fatalf("first proposal without candidates = %+v, %v; want revision 1, NO_MATCH", s, ok)
	}
}

func TestNextShortlistRecordsTheRanking(t *testing.T) {
	st := settings()
	st.Scoring.Version = "test-version"
	excluded := profile("p3")
	excluded.DailyRateEUR = 5000
	r := Rank(st, mission(), []Profile{profile("p1"), profile("p2"), excluded}, 1)
	s, ok := NextShortlist(mission(), nil, r, time.Now())
	if !ok || s.ScoringVersion != "test-version" || s.EligibleCount != 2 || len(s.Candidates) != 1 ||
		s.Status() != ShortlistReady {
		t.Fatalf("proposal = %+v, %v", s, ok)
	}
	if !s.Holds("p1") || s.Holds("p2") || s.Holds("p3") {
		t.Errorf("Holds: p1 %v, p2 %v, p3 %v; want only p1", s.Holds("p1"), s.Holds("p2"), s.Holds("p3"))
	}
}

func TestNextShortlistOnlyWhenCandidatesChange(t *testing.T) {
	m := mission()
	first := Rank(settings(), m, []Profile{profile("p1"), profile("p2")}, 5)
	current, _ := NextShortlist(m, nil, first, time.Now())
	if current.Status() != ShortlistReady {
		t.Fatalf("status = %v, want READY", current.Status())
	}

	// The same ranking again (an unrelated profile changed): nothing to propose.
	again := Rank(settings(), m, []Profile{profile("p2"), profile("p1")}, 5)
	if _, ok := NextShortlist(m, &current, again, time.Now()); ok {
		t.Fatal("an identical ranking was proposed again")
	}

	// A different score: revision 2.
	p2 := profile("p2")
	p2.Sectors = []string{"C20"}
	changed := Rank(settings(), m, []Profile{profile("p1"), p2}, 5)
	next, ok := NextShortlist(m, &current, changed, time.Now())
	if !ok || next.Revision != 2 {
		t.Fatalf("changed score: proposed=%v revision=%d, want revision 2", ok, next.Revision)
	}

	// Another scoring version: proposed even with the same candidates.
	old := current
	old.ScoringVersion = "older"
	if next, ok := NextShortlist(m, &old, again, time.Now()); !ok || next.Revision != 2 ||
		next.ScoringVersion != CurrentScoring.Version {
		t.Fatalf("new scoring version: proposed=%v revision=%d, want revision 2", ok, next.Revision)
	}

	// Nobody left: proposed, as NO_MATCH.
	if next, ok := NextShortlist(m, &current, Rank(settings(), m, nil, 5), time.Now()); !ok || next.Revision != 2 ||
		next.Status() != ShortlistNoMatch {
		t.Fatalf("no candidate left: proposed=%v revision=%d status=%v", ok, next.Revision, next.Status())
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
		{{ProfileID: "p1", Rank: 1, Score: 0.9}, {ProfileID: "p2", Rank: 3, Score: 0.8}},
	} {
		if SameCandidates(a, b) {
			t.Errorf("SameCandidates(%v, %v) = true", a, b)
		}
	}
}
