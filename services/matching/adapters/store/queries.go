package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// dbtx is what *sql.DB and *sql.Tx share.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries are the reads (app.Queries), on the database or inside a transaction.
type queries struct{ q dbtx }

func (q queries) Mission(ctx context.Context, id string) (domain.Mission, bool, error) {
	missions, err := q.missionsWhere(ctx, `m.id = $1`, id)
	if err != nil || len(missions) == 0 {
		return domain.Mission{}, false, err
	}
	return missions[0], true, nil
}

func (q queries) CurrentShortlist(ctx context.Context, missionID string) (domain.Shortlist, bool, error) {
	shortlists, err := q.shortlistsWhere(ctx, `m.id = $1`, missionID)
	if err != nil || len(shortlists) == 0 {
		return domain.Shortlist{}, false, err
	}
	return *shortlists[0], true, nil
}

func (q queries) ShortlistingMissions(ctx context.Context, profileID, firmID string) ([]domain.MissionStatus, error) {
	var out []domain.MissionStatus
	err := q.each(ctx, "list shortlisting missions", func(rows *sql.Rows) error {
		var status string
		if err := rows.Scan(&status); err != nil {
			return err
		}
		st := domain.MissionOpen
		if status == statusClosed {
			st = domain.MissionClosed
		}
		out = append(out, st)
		return nil
	}, `SELECT m.status FROM shortlist_candidates c
		JOIN missions m ON m.id = c.mission_id AND m.current_revision = c.revision
		WHERE c.profile_id = $1 AND m.firm_id = $2 ORDER BY m.id`, profileID, firmID)
	return out, err
}

func (q queries) ProposalsForProfile(ctx context.Context, profileID string, limit int) ([]domain.Shortlist, error) {
	var out []domain.Shortlist
	err := q.each(ctx, "list a profile's proposals", func(rows *sql.Rows) error {
		var s domain.Shortlist
		var c domain.Candidate
		var proposedAt, explanation string
		if err := rows.Scan(&s.MissionID, &s.FirmID, &s.Revision, &s.ScoringVersion, &s.EligibleCount, &proposedAt,
			&c.Rank, &c.ProfileID, &c.Score, &explanation); err != nil {
			return err
		}
		var err error
		if s.ProposedAt, err = sqlstore.ParseTime(proposedAt); err != nil {
			return fmt.Errorf("shortlist of mission %s: %w", s.MissionID, err)
		}
		if c.Explanation, err = decodeExplanation(explanation); err != nil {
			return err
		}
		s.Candidates = []domain.Candidate{c}
		out = append(out, s)
		return nil
	}, `SELECT s.mission_id, m.firm_id, s.revision, s.scoring_version, s.eligible_count, s.proposed_at,
			c.rank, c.profile_id, c.score, c.explanation
		FROM shortlist_candidates c
		JOIN shortlists s ON s.mission_id = c.mission_id AND s.revision = c.revision
		JOIN missions m ON m.id = c.mission_id
		WHERE c.profile_id = $1
		ORDER BY s.proposed_at DESC, s.mission_id, s.revision DESC LIMIT $2`, profileID, limit)
	return out, err
}

func (q queries) Exclusions(ctx context.Context, missionID string) ([]string, error) {
	return q.ids(ctx, "list exclusions", `SELECT profile_id FROM mission_exclusions WHERE mission_id = $1 ORDER BY profile_id`, missionID)
}

// ids reads a one-column list of ids.
func (q queries) ids(ctx context.Context, what, query string, args ...any) ([]string, error) {
	var out []string
	err := q.each(ctx, what, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	}, query, args...)
	return out, err
}

// OpenMissionStates reads every open mission with its current shortlist and its exclusions in
// four queries, whatever the number of missions: a restart must not cost queries per mission.
func (q queries) OpenMissionStates(ctx context.Context) ([]app.OpenMissionState, error) {
	return q.missionStates(ctx, `m.status = 'open'`)
}

// MissionStatesChangedSince reads, the same way, every mission stamped with a state version
// after version, open or closed (see app.Queries).
func (q queries) MissionStatesChangedSince(ctx context.Context, version uint64) ([]app.OpenMissionState, error) {
	return q.missionStates(ctx, `m.state_version > $1`, int64(version))
}

// ReplicaState reads the shared state version and profile sequence (see app.Queries).
func (q queries) ReplicaState(ctx context.Context) (app.ReplicaState, error) {
	var version, profileSeq int64
	if err := q.q.QueryRowContext(ctx, `SELECT version, profile_seq FROM matching_state WHERE id = 1`).
		Scan(&version, &profileSeq); err != nil {
		return app.ReplicaState{}, fmt.Errorf("read replica state: %w", err)
	}
	return app.ReplicaState{Version: uint64(version), ProfileSeq: uint64(profileSeq)}, nil
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
	p, err := decodePlan(id, raw)
	return p, err == nil, err
}

// missionStates reads the missions that pass where (a condition on missions m), their current
// shortlists and their exclusions.
func (q queries) missionStates(ctx context.Context, where string, args ...any) ([]app.OpenMissionState, error) {
	missions, err := q.missionsWhere(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*app.OpenMissionState, len(missions))
	out := make([]app.OpenMissionState, len(missions))
	for i, m := range missions {
		out[i].Mission = m
		byID[m.ID] = &out[i]
	}
	shortlists, err := q.shortlistsWhere(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	for _, s := range shortlists {
		if st, ok := byID[s.MissionID]; ok {
			st.Current = s
		}
	}
	err = q.each(ctx, "load exclusions", func(rows *sql.Rows) error {
		var missionID, profileID string
		if err := rows.Scan(&missionID, &profileID); err != nil {
			return err
		}
		if st, ok := byID[missionID]; ok {
			st.Excluded = append(st.Excluded, profileID)
		}
		return nil
	}, `SELECT e.mission_id, e.profile_id
		FROM missions m JOIN mission_exclusions e ON e.mission_id = m.id
		WHERE `+where+` ORDER BY e.mission_id, e.profile_id`, args...)
	return out, err
}

// missionsWhere reads the missions that pass where, by id.
func (q queries) missionsWhere(ctx context.Context, where string, args ...any) ([]domain.Mission, error) {
	var out []domain.Mission
	err := q.each(ctx, "list missions", func(rows *sql.Rows) error {
		var id, firmID, status, details string
		if err := rows.Scan(&id, &firmID, &status, &details); err != nil {
			return err
		}
		m, err := decodeMission(id, firmID, status, details)
		if err != nil {
			return err
		}
		out = append(out, m)
		return nil
	}, `SELECT id, firm_id, status, details FROM missions m WHERE `+where+` ORDER BY id`, args...)
	return out, err
}

// shortlistsWhere reads the current shortlists of the missions that pass where, with their
// candidates, in two queries.
func (q queries) shortlistsWhere(ctx context.Context, where string, args ...any) ([]*domain.Shortlist, error) {
	var out []*domain.Shortlist
	byID := map[string]*domain.Shortlist{}
	err := q.each(ctx, "load shortlists", func(rows *sql.Rows) error {
		s := &domain.Shortlist{}
		var proposedAt string
		if err := rows.Scan(&s.MissionID, &s.FirmID, &s.Revision, &s.ScoringVersion, &s.EligibleCount, &proposedAt); err != nil {
			return err
		}
		var err error
		if s.ProposedAt, err = sqlstore.ParseTime(proposedAt); err != nil {
			return fmt.Errorf("shortlist of mission %s: %w", s.MissionID, err)
		}
		out = append(out, s)
		byID[s.MissionID] = s
		return nil
	}, `SELECT s.mission_id, m.firm_id, s.revision, s.scoring_version, s.eligible_count, s.proposed_at
		FROM missions m JOIN shortlists s ON s.mission_id = m.id AND s.revision = m.current_revision
		WHERE `+where+` ORDER BY s.mission_id`, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	err = q.each(ctx, "load shortlist candidates", func(rows *sql.Rows) error {
		var missionID, explanation string
		var c domain.Candidate
		if err := rows.Scan(&missionID, &c.Rank, &c.ProfileID, &c.Score, &explanation); err != nil {
			return err
		}
		var err error
		if c.Explanation, err = decodeExplanation(explanation); err != nil {
			return err
		}
		if s, ok := byID[missionID]; ok {
			s.Candidates = append(s.Candidates, c)
		}
		return nil
	}, `SELECT c.mission_id, c.rank, c.profile_id, c.score, c.explanation
		FROM missions m JOIN shortlist_candidates c ON c.mission_id = m.id AND c.revision = m.current_revision
		WHERE `+where+` ORDER BY c.mission_id, c.rank`, args...)
	return out, err
}

// each runs query and calls scan on every row; what names the read in errors.
func (q queries) each(ctx context.Context, what string, scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
