package sqlite

import (
	"context"
	"fmt"

	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

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
	rows, err := q.q.QueryContext(ctx, `SELECT s.mission_id, m.firm_id, s.revision, s.scoring_version, s.eligible_count, s.proposed_at
		FROM missions m JOIN shortlists s ON s.mission_id = m.id AND s.revision = m.current_revision
		WHERE `+where, args...)
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
		WHERE `+where+` ORDER BY c.mission_id, c.rank`, args...)
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
		WHERE `+where+` ORDER BY e.mission_id, e.profile_id`, args...)
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

func (q queries) missionsWhere(ctx context.Context, where string, args ...any) ([]domain.Mission, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT id, firm_id, status, details FROM missions m WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list missions: %w", err)
	}
	defer rows.Close()
	var out []domain.Mission
	for rows.Next() {
		var id, firmID, status, details string
		if err := rows.Scan(&id, &firmID, &status, &details); err != nil {
			return nil, err
		}
		m, err := decodeMission(id, firmID, status, details)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
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

// txState is what one transaction knows of the replica state row.
type txState struct {
	// version is the state version as locked, then as this transaction's changes stamp it.
	version uint64
	// stamped tells whether this transaction has taken a new version yet.
	stamped bool
}

// LockReplicaState locks the replica state row until the transaction ends, with a write that
// changes nothing (portable; PostgreSQL holds the row lock, SQLite holds its write lock
// anyway): the event transactions of all replicas take turns from here on.
func (r readModel) LockReplicaState(ctx context.Context) (app.ReplicaState, error) {
	var version, profileSeq int64
	if err := r.tx.QueryRowContext(ctx, `UPDATE matching_state SET version = version WHERE id = 1
		RETURNING version, profile_seq`).Scan(&version, &profileSeq); err != nil {
		return app.ReplicaState{}, fmt.Errorf("lock replica state: %w", err)
	}
	if !r.state.stamped {
		r.state.version = uint64(version)
	}
	return app.ReplicaState{Version: uint64(version), ProfileSeq: uint64(profileSeq)}, nil
}

// RecordProfileSeq raises the committed profile sequence to seq.
func (r readModel) RecordProfileSeq(ctx context.Context, seq uint64) error {
	if _, err := r.tx.ExecContext(ctx, `UPDATE matching_state SET profile_seq = $1 WHERE id = 1 AND profile_seq < $1`,
		int64(seq)); err != nil {
		return fmt.Errorf("record profile sequence: %w", err)
	}
	return nil
}

// StateVersion is the state version once this transaction commits.
func (r readModel) StateVersion() uint64 { return r.state.version }

// stamp marks a mission as changed by this transaction, which takes the next state version the
// first time.
func (r readModel) stamp(ctx context.Context, missionID string) error {
	if !r.state.stamped {
		var version int64
		if err := r.tx.QueryRowContext(ctx, `UPDATE matching_state SET version = version + 1 WHERE id = 1
			RETURNING version`).Scan(&version); err != nil {
			return fmt.Errorf("next state version: %w", err)
		}
		r.state.version, r.state.stamped = uint64(version), true
	}
	if _, err := r.tx.ExecContext(ctx, `UPDATE missions SET state_version = $1 WHERE id = $2`,
		int64(r.state.version), missionID); err != nil {
		return fmt.Errorf("stamp mission: %w", err)
	}
	return nil
}
