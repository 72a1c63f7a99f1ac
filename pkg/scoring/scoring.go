// Package scoring is the vocabulary of an explained score that several services hold: matching
// computes explanations, mission keeps them in its decisions trail, both store them. The JSON
// names are the stored form in both services' databases: they never change.
package scoring

// Component is one named part of a score: it adds Weight × Value, Value in [0,1].
type Component struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
	Value  float64 `json:"value"`
	Detail string  `json:"detail,omitempty"`
}

// Explanation is why an eligible consultant got their score.
type Explanation struct {
	Components []Component `json:"components"`
	// MatchedSkills are the required and nice-to-have skills the consultant has, in the
	// mission's order (required first).
	MatchedSkills []string `json:"matchedSkills"`
	// MissingSkills are the nice-to-have skills the consultant lacks.
	MissingSkills []string `json:"missingSkills"`
}
