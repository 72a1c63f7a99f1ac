// Package store keeps matching's missions, shortlists, exclusions and staffing plans in SQL,
// SQLite or PostgreSQL (the subset both engines share, see package sqlstore), built on the
// transactional port of package sqltx: each event runs in one transaction that claims its id,
// changes the read model and stores new shortlists with their events in the outbox.
//
// Concurrency. Replicas of the service share one database (PostgreSQL; SQLite serves one
// process). Each event transaction first locks the replicas' turn (Tx.Lock, see app's
// replicas.go), so the replicas' event transactions take turns, and reads in matching_state
// which missions other replicas changed since its cache was in step: every change to a
// mission's open state stamps the mission with the transaction's new state version.
// AddShortlist still locks the mission and checks the revision it is given against the stored
// one, as a last guard: a shortlist decided on a stale view fails (ErrStaleRevision) and its
// event is redelivered, instead of interleaving with another.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the outbox, the inbox and the matching tables.
func Migrations() []sqlstore.MigrationSet { return sqltx.Migrations("matching", migrations) }

const (
	statusOpen   = "open"
	statusClosed = "closed"
)

// missionLockScope names a mission in Tx.Lock.
const missionLockScope = "matching-mission"

// Repository implements app.Store: the reads on the database, the transactions through sqltx.
type Repository struct {
	queries
	*sqltx.Runner[app.Tx]
}

// NewRepository wraps db; wake is called after each commit that stored events in the outbox.
func NewRepository(db *sql.DB, wake func()) *Repository {
	return &Repository{queries: queries{db}, Runner: sqltx.New(db, wake, func(tx *sqltx.Tx) app.Tx {
		return &readModel{queries: queries{tx.SQL}, Tx: tx}
	})}
}

var (
	_ app.Store = (*Repository)(nil)
	_ app.Tx    = (*readModel)(nil)
)

// ErrStaleRevision is AddShortlist's error for a shortlist whose revision does not follow the
// mission's current one: another transaction proposed a shortlist for the mission since this
// one's revision was decided.
var ErrStaleRevision = errors.New("stale shortlist revision")

// readModel is the read model inside one transaction; *sqltx.Tx gives it Lock.
type readModel struct {
	queries
	*sqltx.Tx
	// version is the state version as read, then as this transaction's changes stamp it.
	version uint64
	// stamped tells whether this transaction has taken a new version yet.
	stamped bool
}

func (r *readModel) EraseProfile(ctx context.Context, id, pseudonym string) error {
	r.Erases()
	for _, change := range []struct {
		what, query string
		args        []any
	}{
		{"erased profiles", `INSERT INTO erased_profiles (id, erased_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`,
			[]any{pseudonym, sqlstore.FormatTime(time.Now())}},
		{"shortlist candidates", `UPDATE shortlist_candidates SET profile_id = $1, explanation = '' WHERE profile_id = $2`,
			[]any{pseudonym, id}},
		{"exclusions", `UPDATE mission_exclusions SET profile_id = $1 WHERE profile_id = $2`, []any{pseudonym, id}},
		// Plans are JSON, where ids are quoted strings: the quoted id is replaced. A canonical
		// id has no LIKE wildcard (index.CanonicalID).
		{"staffing plans", `UPDATE staffing_plans SET plan = replace(plan, $1, $2) WHERE plan LIKE $3`,
			[]any{`"` + id + `"`, `"` + pseudonym + `"`, `%"` + id + `"%`}},
		// Shortlists naming the person still in the outbox, sent or not (their explanations
		// quote the person's facts): an open mission's re-ranking supersedes them.
		{"outbox", `DELETE FROM outbox WHERE subject LIKE 'caiomatch.matching.v1.ShortlistProposed.%' AND ` +
			map[sqlstore.Backend]string{sqlstore.SQLite: `instr(data, $1) > 0`, sqlstore.Postgres: `position($1::bytea in data) > 0`}[r.Backend()],
			[]any{[]byte(id)}},
	} {
		if _, err := r.SQL.ExecContext(ctx, change.query, change.args...); err != nil {
			return fmt.Errorf("erase profile from %s: %w", change.what, err)
		}
	}
	return nil
}

func (r *readModel) PutMission(ctx context.Context, m domain.Mission) error {
	details, err := encodeMission(m)
	if err != nil {
		return err
	}
	status := statusOpen
	if !m.IsOpen() {
		status = statusClosed
	}
	_, err = r.SQL.ExecContext(ctx, `INSERT INTO missions (id, firm_id, status, details) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET firm_id = excluded.firm_id, status = excluded.status, details = excluded.details`,
		m.ID, m.FirmID, status, details)
	if err != nil {
		return fmt.Errorf("put mission: %w", err)
	}
	return r.stamp(ctx, m.ID)
}

func (r *readModel) Exclude(ctx context.Context, missionID, profileID, reason string) error {
	if _, err := r.SQL.ExecContext(ctx, `INSERT INTO mission_exclusions (mission_id, profile_id, reason, excluded_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (mission_id, profile_id) DO NOTHING`,
		missionID, profileID, reason, sqlstore.FormatTime(time.Now())); err != nil {
		return fmt.Errorf("exclude candidate: %w", err)
	}
	return r.stamp(ctx, missionID)
}

// AddShortlist stores s as its mission's current shortlist. It first locks the mission
// (Tx.Lock) and reads the current revision under that lock; s must be the next one, otherwise
// it fails with ErrStaleRevision. Two transactions proposing for one mission therefore take
// turns, and the second, which decided on what it read before the first committed, cannot
// store a shortlist beside it.
func (r *readModel) AddShortlist(ctx context.Context, s domain.Shortlist) error {
	if err := r.Lock(ctx, missionLockScope, s.MissionID); err != nil {
		return err
	}
	var current int64
	err := r.SQL.QueryRowContext(ctx, `SELECT current_revision FROM missions WHERE id = $1`, s.MissionID).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("add shortlist: mission %s is not stored", s.MissionID)
	}
	if err != nil {
		return fmt.Errorf("read revision of mission %s: %w", s.MissionID, err)
	}
	if s.Revision != current+1 {
		return fmt.Errorf("add shortlist revision %d of mission %s, which is at revision %d: %w",
			s.Revision, s.MissionID, current, ErrStaleRevision)
	}
	if _, err := r.SQL.ExecContext(ctx, `INSERT INTO shortlists (mission_id, revision, scoring_version, eligible_count, proposed_at)
		VALUES ($1, $2, $3, $4, $5)`, s.MissionID, s.Revision, s.ScoringVersion, s.EligibleCount, sqlstore.FormatTime(s.ProposedAt)); err != nil {
		return fmt.Errorf("add shortlist: %w", err)
	}
	for _, c := range s.Candidates {
		explanation, err := encodeExplanation(c.Explanation)
		if err != nil {
			return err
		}
		if _, err := r.SQL.ExecContext(ctx, `INSERT INTO shortlist_candidates (mission_id, revision, rank, profile_id, score, explanation)
			VALUES ($1, $2, $3, $4, $5, $6)`, s.MissionID, s.Revision, c.Rank, c.ProfileID, c.Score, explanation); err != nil {
			return fmt.Errorf("add shortlist candidate: %w", err)
		}
	}
	if _, err := r.SQL.ExecContext(ctx, `UPDATE missions SET current_revision = $1 WHERE id = $2`, s.Revision, s.MissionID); err != nil {
		return fmt.Errorf("set current shortlist: %w", err)
	}
	if err := r.stamp(ctx, s.MissionID); err != nil {
		return err
	}
	ev, err := eventapi.EncodeShortlistProposed(s)
	if err != nil {
		return err
	}
	return r.Publish(ctx, ev)
}

// SaveStaffingPlan stores a plan.
func (r *readModel) SaveStaffingPlan(ctx context.Context, p domain.StaffingPlan) error {
	raw, err := encodePlan(p)
	if err != nil {
		return err
	}
	if _, err := r.SQL.ExecContext(ctx, `INSERT INTO staffing_plans (id, created_at, plan) VALUES ($1, $2, $3)`,
		p.ID, sqlstore.FormatTime(p.CreatedAt), raw); err != nil {
		return fmt.Errorf("save staffing plan: %w", err)
	}
	return nil
}

// ReplicaState reads the shared state version and profile sequence; the version is this
// transaction's until it stamps a mission. Call it after locking the replicas' turn.
func (r *readModel) ReplicaState(ctx context.Context) (app.ReplicaState, error) {
	rs, err := r.queries.ReplicaState(ctx)
	if err == nil && !r.stamped {
		r.version = rs.Version
	}
	return rs, err
}

// UpdateReplicaState raises the committed profile sequence to profileSeq and returns the state
// version once this transaction commits (see app.Tx).
func (r *readModel) UpdateReplicaState(ctx context.Context, profileSeq uint64) (uint64, error) {
	if profileSeq > 0 {
		if _, err := r.SQL.ExecContext(ctx, `UPDATE matching_state SET profile_seq = $1 WHERE id = 1 AND profile_seq < $1`,
			int64(profileSeq)); err != nil {
			return 0, fmt.Errorf("record profile sequence: %w", err)
		}
	}
	return r.version, nil
}

// stamp marks a mission as changed by this transaction, which takes the next state version the
// first time.
func (r *readModel) stamp(ctx context.Context, missionID string) error {
	if !r.stamped {
		var version int64
		if err := r.SQL.QueryRowContext(ctx, `UPDATE matching_state SET version = version + 1 WHERE id = 1
			RETURNING version`).Scan(&version); err != nil {
			return fmt.Errorf("next state version: %w", err)
		}
		r.version, r.stamped = uint64(version), true
	}
	if _, err := r.SQL.ExecContext(ctx, `UPDATE missions SET state_version = $1 WHERE id = $2`,
		int64(r.version), missionID); err != nil {
		return fmt.Errorf("stamp mission: %w", err)
	}
	return nil
}
