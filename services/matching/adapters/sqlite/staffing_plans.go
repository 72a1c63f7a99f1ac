package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

type storedPlan struct {
	CreatedAt      time.Time          `json:"createdAt"`
	ScoringVersion string             `json:"scoringVersion"`
	Assignments    []storedAssignment `json:"assignments"`
	Unstaffed      []string           `json:"unstaffed"`
	CandidateEdges int64              `json:"candidateEdges"`
	SolveMillis    float64            `json:"solveMillis"`
	Reused         bool               `json:"reused"`
}

type storedAssignment struct {
	MissionID  string            `json:"missionId"`
	ProfileID  string            `json:"profileId"`
	Score      float64           `json:"score"`
	Alternates []storedAlternate `json:"alternates"`
}

type storedAlternate struct {
	ProfileID string  `json:"profileId"`
	Score     float64 `json:"score"`
}

// SaveStaffingPlan stores a plan.
func (r *Repository) SaveStaffingPlan(ctx context.Context, p domain.StaffingPlan) error {
	s := storedPlan{CreatedAt: p.CreatedAt, ScoringVersion: p.ScoringVersion, Unstaffed: p.Unstaffed,
		CandidateEdges: p.CandidateEdges, SolveMillis: p.SolveMillis, Reused: p.Reused}
	for _, a := range p.Assignments {
		sa := storedAssignment{MissionID: a.MissionID, ProfileID: a.ProfileID, Score: a.Score}
		for _, alt := range a.Alternates {
			sa.Alternates = append(sa.Alternates, storedAlternate(alt))
		}
		s.Assignments = append(s.Assignments, sa)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode staffing plan: %w", err)
	}
	if _, err := r.db.ExecContext(ctx, `INSERT INTO staffing_plans (id, created_at, plan) VALUES ($1, $2, $3)`,
		p.ID, formatTime(p.CreatedAt), string(raw)); err != nil {
		return fmt.Errorf("save staffing plan: %w", err)
	}
	return nil
}

// StaffingPlan reads a stored plan.
func (q queries) StaffingPlan(ctx context.Context, id string) (domain.StaffingPlan, bool, error) {
	var raw string
	err := q.q.QueryRowContext(ctx, `SELECT plan FROM staffing_plans WHERE id = $1`, id).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.StaffingPlan{}, false, nil
	}
	if err != nil {
		return domain.StaffingPlan{}, false, fmt.Errorf("get staffing plan: %w", err)
	}
	var s storedPlan
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return domain.StaffingPlan{}, false, fmt.Errorf("decode staffing plan %s: %w", id, err)
	}
	p := domain.StaffingPlan{ID: id, CreatedAt: s.CreatedAt, ScoringVersion: s.ScoringVersion, Unstaffed: s.Unstaffed,
		CandidateEdges: s.CandidateEdges, SolveMillis: s.SolveMillis, Reused: s.Reused}
	for _, sa := range s.Assignments {
		a := domain.StaffingAssignment{MissionID: sa.MissionID, ProfileID: sa.ProfileID, Score: sa.Score}
		for _, alt := range sa.Alternates {
			a.Alternates = append(a.Alternates, domain.StaffingAlternate(alt))
		}
		p.Assignments = append(p.Assignments, a)
	}
	return p, true, nil
}
