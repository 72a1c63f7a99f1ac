package sqlite

import (
	"context"
	"fmt"

	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// OpenMissionStates reads every open mission with its current shortlist and its exclusions in
// three queries, whatever the number of missions: a restart must not cost queries per mission.
func (q queries) OpenMissionStates(ctx context.Context) ([]app.OpenMissionState, error) {
	missions, err := q.OpenMissions(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*app.OpenMissionState, len(missions))
	out := make([]app.OpenMissionState, len(missions))
	for i, m := range missions {
		out[i].Mission = m
		byID[m.ID] = &out[i]
	}
	rows, err := q.q.QueryContext(ctx, `SELECT s.mission_id, m.firm_id, s.revision, s.scoring_version, s.eligible_count, s.proposed_at
		FROM missions m JOIN shortlists s ON s.mission_id = m.id AND s.revision = m.current_revision
		WHERE m.status = 'open'`)
	if err != nil {
		return nil, fmt.Errorf("load open shortlists: %w", err)
	}
	for rows.Next() {
		s := domain.Shortlist{}
		var proposedAt string
		if err := rows.Scan(&s.MissionID, &s.FirmID, &s.Revision, &s.ScoringVersion, &s.EligibleCount, &proposedAt); err != nil {
			rows.Close()
			return nil, err
		}
		if s.ProposedAt, err = parseTime(proposedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("load open shortlists: %w", err)
		}
		if st, ok := byID[s.MissionID]; ok {
			st.Current = &s
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.q.QueryContext(ctx, `SELECT c.mission_id, c.rank, c.profile_id, c.score, c.explanation
		FROM missions m JOIN shortlist_candidates c ON c.mission_id = m.id AND c.revision = m.current_revision
		WHERE m.status = 'open' ORDER BY c.mission_id, c.rank`)
	if err != nil {
		return nil, fmt.Errorf("load open shortlist candidates: %w", err)
	}
	for rows.Next() {
		var missionID, explanation string
		var c domain.Candidate
		if err := rows.Scan(&missionID, &c.Rank, &c.ProfileID, &c.Score, &explanation); err != nil {
			rows.Close()
			return nil, err
		}
		if c.Explanation, err = decodeExplanation(explanation); err != nil {
			rows.Close()
			return nil, err
		}
		if st, ok := byID[missionID]; ok && st.Current != nil {
			st.Current.Candidates = append(st.Current.Candidates, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.q.QueryContext(ctx, `SELECT e.mission_id, e.profile_id
		FROM missions m JOIN mission_exclusions e ON e.mission_id = m.id
		WHERE m.status = 'open' ORDER BY e.mission_id, e.profile_id`)
	if err != nil {
		return nil, fmt.Errorf("load exclusions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var missionID, profileID string
		if err := rows.Scan(&missionID, &profileID); err != nil {
			return nil, err
		}
		if st, ok := byID[missionID]; ok {
			st.Excluded = append(st.Excluded, profileID)
		}
	}
	return out, rows.Err()
}
