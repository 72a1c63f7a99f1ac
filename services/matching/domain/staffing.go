package domain

import "time"

// StaffingPlan is the best global staffing of a set of open missions at one moment: at most
// one consultant per mission and one mission per consultant, as many missions staffed as
// possible, then the highest total score. It is a proposal: it sends no offer.
type StaffingPlan struct {
	ID             string
	CreatedAt      time.Time
	ScoringVersion string
	Assignments    []StaffingAssignment
	// Unstaffed are the plan's missions left without a consultant.
	Unstaffed []string
	// CandidateEdges is how many (mission, consultant) pairs passed the hard rules.
	CandidateEdges int64
	SolveMillis    float64
	// Reused is true when the plan was re-solved from the previous one after declines.
	Reused bool
}

// StaffingAssignment is one mission's choice and its next best free consultants.
type StaffingAssignment struct {
	MissionID  string
	ProfileID  string
	Score      float64
	Alternates []StaffingAlternate
}

// StaffingAlternate is a consultant who could take the mission instead.
type StaffingAlternate struct {
	ProfileID string
	Score     float64
}

// StaffedCount is how many missions the plan staffs.
func (p StaffingPlan) StaffedCount() int { return len(p.Assignments) }

// TotalScore is the sum of the chosen scores, rounded like scores to six decimals.
func (p StaffingPlan) TotalScore() float64 {
	total := 0.0
	for _, a := range p.Assignments {
		total += a.Score
	}
	return roundScore(total)
}
