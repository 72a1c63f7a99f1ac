package domain

import (
	"cmp"
	"slices"
)

// DefaultShortlistSize is how many candidates a shortlist holds unless configured otherwise.
const DefaultShortlistSize = 5

// Evaluation is one profile judged against one mission: either the rules that exclude it, or
// its score and the explanation of that score.
type Evaluation struct {
	ProfileID   string
	Eligible    bool
	FailedRules []FailedRule
	Score       float64
	Explanation Explanation
}

// Evaluate judges p against m. It answers "why" for a candidate and "why not" for everyone
// else.
func Evaluate(m Mission, p Profile) Evaluation {
	if failed := FailedRules(m, p); len(failed) > 0 {
		return Evaluation{ProfileID: p.ID, FailedRules: failed}
	}
	s, exp := score(m, p)
	return Evaluation{ProfileID: p.ID, Eligible: true, Score: s, Explanation: exp}
}

// Candidate is a ranked, eligible consultant.
type Candidate struct {
	ProfileID   string
	Rank        int
	Score       float64
	Explanation Explanation
}

// Ranking is the best candidates for a mission, and how many consultants passed the hard rules.
type Ranking struct {
	Candidates    []Candidate
	EligibleCount int
}

// Rank keeps the size best eligible profiles by score, highest first, ties broken by profile id
// ascending so that the same inputs always give the same shortlist. Excluded profiles are
// never ranked.
func Rank(m Mission, profiles []Profile, size int) Ranking {
	if size <= 0 {
		size = DefaultShortlistSize
	}
	var eligible []Candidate
	for _, p := range profiles {
		ev := Evaluate(m, p)
		if ev.Eligible {
			eligible = append(eligible, Candidate{ProfileID: p.ID, Score: ev.Score, Explanation: ev.Explanation})
		}
	}
	slices.SortFunc(eligible, compareCandidates)
	r := Ranking{EligibleCount: len(eligible), Candidates: eligible[:min(size, len(eligible))]}
	for i := range r.Candidates {
		r.Candidates[i].Rank = i + 1
	}
	return r
}

func compareCandidates(a, b Candidate) int {
	return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ProfileID, b.ProfileID))
}
