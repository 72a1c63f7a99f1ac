package store

import (
	"context"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
)

// The operators' switch and the missions it holds (see app's pause_matching.go). The event
// transactions read the switch after locking the replicas' turn, and the commands change it
// in that turn too, so no row lock is needed here.

func (q queries) Pause(ctx context.Context) (domain.Pause, error) {
	var since string
	var p domain.Pause
	if err := q.q.QueryRowContext(ctx, `SELECT since, reason, paused_by FROM matching_pause WHERE id = 1`).
		Scan(&since, &p.Reason, &p.By); err != nil {
		return domain.Pause{}, fmt.Errorf("read matching pause: %w", err)
	}
	if since == "" {
		return domain.Pause{}, nil
	}
	t, err := sqlstore.ParseTime(since)
	if err != nil {
		return domain.Pause{}, fmt.Errorf("read matching pause: %w", err)
	}
	p.Paused, p.Since = true, t
	return p, nil
}

func (q queries) HeldMissions(ctx context.Context) ([]string, error) {
	return q.ids(ctx, "list held missions", `SELECT mission_id FROM held_missions ORDER BY mission_id`)
}

func (q queries) IsHeld(ctx context.Context, missionID string) (bool, error) {
	var held bool
	if err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM held_missions WHERE mission_id = $1)`, missionID).
		Scan(&held); err != nil {
		return false, fmt.Errorf("check held mission: %w", err)
	}
	return held, nil
}

func (r *readModel) SetPause(ctx context.Context, p domain.Pause) error {
	since := ""
	if p.Paused {
		since = sqlstore.FormatTime(p.Since)
	} else {
		p = domain.Pause{}
	}
	if _, err := r.SQL.ExecContext(ctx, `UPDATE matching_pause SET since = $1, reason = $2, paused_by = $3 WHERE id = 1`,
		since, p.Reason, p.By); err != nil {
		return fmt.Errorf("set matching pause: %w", err)
	}
	return nil
}

// Hold stores the hold and, the first time, the mission's MatchingPaused event.
func (r *readModel) Hold(ctx context.Context, m domain.Mission, p domain.Pause) (bool, error) {
	now := time.Now()
	res, err := r.SQL.ExecContext(ctx, `INSERT INTO held_missions (mission_id, held_at) VALUES ($1, $2)
		ON CONFLICT (mission_id) DO NOTHING`, m.ID, sqlstore.FormatTime(now))
	if err != nil {
		return false, fmt.Errorf("hold mission: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	ev, err := eventapi.EncodeMatchingPaused(m, p, now)
	if err != nil {
		return false, err
	}
	return true, r.Publish(ctx, ev)
}

// ReleaseHeld empties the holds and stores the MatchingResumed events.
func (r *readModel) ReleaseHeld(ctx context.Context, resumed []domain.Resumption) error {
	if _, err := r.SQL.ExecContext(ctx, `DELETE FROM held_missions`); err != nil {
		return fmt.Errorf("release held missions: %w", err)
	}
	for _, res := range resumed {
		ev, err := eventapi.EncodeMatchingResumed(res)
		if err != nil {
			return err
		}
		if err := r.Publish(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}
