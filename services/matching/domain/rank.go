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
func Evaluate(s Settings, m Mission, p Profile) Evaluation {
	if failed := FailedRules(s, m, p); len(failed) > 0 {
		return Evaluation{ProfileID: p.ID, FailedRules: failed}
	}
	total, exp := score(s, m, p)
	return Evaluation{ProfileID: p.ID, Eligible: true, Score: total, Explanation: exp}
}

// Candidate is a ranked, eligible consultant.
type Candidate struct {
	ProfileID   string
	Rank        int
	Score       float64
	Explanation Explanation
}

// Ranking is the best candidates for a mission, how many consultants passed the hard rules,
// and the scoring version the scores come from.
type Ranking struct {
	Candidates     []Candidate
	EligibleCount  int
	ScoringVersion string
}

// Rank keeps the size best eligible profiles by score, highest first, ties broken by profile id
// ascending so that the same inputs always give the same shortlist. Excluded profiles are
// never ranked. It is the reference the in-memory index is tested against; the service ranks
// with the index.
func Rank(s Settings, m Mission, profiles []Profile, size int) Ranking {
	if size <= 0 {
		size = DefaultShortlistSize
	}
	var eligible []Candidate
	for _, p := range profiles {
		ev := Evaluate(s, m, p)
		if ev.Eligible {
			eligible = append(eligible, Candidate{ProfileID: p.ID, Score: ev.Score, Explanation: ev.Explanation})
		}
	}
	slices.SortFunc(eligible, CompareCandidates)
	r := Ranking{EligibleCount: len(eligible), Candidates: eligible[:min(size, len(eligible))],
		ScoringVersion: s.Scoring.Version}
	for i := range r.Candidates {
		r.Candidates[i].Rank = i + 1
	}
	return r
}

// CompareCandidates orders candidates best first: higher score, then lower profile id.
func CompareCandidates(a, b Candidate) int {
	return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ProfileID, b.ProfileID))
}
