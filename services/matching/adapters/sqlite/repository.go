// Package sqlite stores matching's read model and shortlists in SQL: SQLite, or PostgreSQL when
// the service is given a database URL (the package keeps its first backend's name; its SQL is
// the subset both engines share, see package sqlstore). Each event is applied in one
// transaction that claims its id (package inbox), changes the read model, stores new
// shortlists and their events (package outbox).
//
// Concurrency. Replicas of the service share one database (PostgreSQL; SQLite serves one
// process). Each event transaction first locks the one row of matching_state
// (LockReplicaState), so the replicas' event transactions take turns, and reads there which
// missions other replicas changed since its cache was in step: every change to a mission's open
// state stamps the mission with the transaction's new state version (see app's replicas.go).
// AddShortlist still checks the revision it is given against the stored one under the
// mission's row lock, as a last guard: a shortlist decided on a stale view fails
// (ErrStaleRevision) and its event is redelivered, instead of interleaving with another.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the outbox, the inbox and the matching tables.
func Migrations() []sqlstore.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return []sqlstore.MigrationSet{outbox.Migrations(), inbox.Migrations(), {Name: "matching", FS: sub}}
}

const (
	statusOpen   = "open"
	statusClosed = "closed"
)

// dbtx is what *sql.DB and *sql.Tx share.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Repository implements app.Store.
type Repository struct {
	queries
	db        *sql.DB
	committed func()
}

// NewRepository wraps db; committed is called after each commit of an applied event.
func NewRepository(db *sql.DB, committed func()) *Repository {
	return &Repository{queries: queries{db}, db: db, committed: committed}
}

var (
	_ app.Store     = (*Repository)(nil)
	_ app.ReadModel = readModel{}
)

// ErrStaleRevision is AddShortlist's error for a shortlist whose revision does not follow the
// mission's current one: another transaction proposed a shortlist for the mission since this
// one's revision was decided.
var ErrStaleRevision = errors.New("stale shortlist revision")

// Apply runs change in one transaction (see app.Store). Reads in it are READ COMMITTED on
// PostgreSQL: what change decides from them is made safe by the writes that lock the rows it
// depends on first (inbox.Claim for the event, AddShortlist for a mission's revision).
func (r *Repository) Apply(ctx context.Context, d app.Delivery, change func(context.Context, app.ReadModel) error) (bool, error) {
	applied := false
	err := sqlstore.InTx(ctx, r.db, func(tx *sql.Tx) error {
		claimed, err := inbox.Claim(ctx, tx, d.Consumer, d.EventID)
		if err != nil || !claimed {
			return err
		}
		applied = true
		return change(ctx, readModel{queries: queries{tx}, tx: tx, state: &txState{}})
	})
	if err != nil {
		return false, err
	}
	if applied {
		r.committed()
	}
	return applied, nil
}

// queries are the reads, on the database or inside a transaction.
type queries struct{ q dbtx }

func (q queries) Mission(ctx context.Context, id string) (domain.Mission, bool, error) {
	var firmID, status, details string
	err := q.q.QueryRowContext(ctx, `SELECT firm_id, status, details FROM missions WHERE id = $1`, id).
		Scan(&firmID, &status, &details)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Mission{}, false, nil
	}
	if err != nil {
		return domain.Mission{}, false, fmt.Errorf("get mission: %w", err)
	}
	m, err := decodeMission(id, firmID, status, details)
	return m, err == nil, err
}

func (q queries) CurrentShortlist(ctx context.Context, missionID string) (domain.Shortlist, bool, error) {
	s := domain.Shortlist{MissionID: missionID}
	var proposedAt string
	err := q.q.QueryRowContext(ctx, `SELECT m.firm_id, s.revision, s.scoring_version, s.eligible_count, s.proposed_at
		FROM missions m JOIN shortlists s ON s.mission_id = m.id AND s.revision = m.current_revision
		WHERE m.id = $1`, missionID).Scan(&s.FirmID, &s.Revision, &s.ScoringVersion, &s.EligibleCount, &proposedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Shortlist{}, false, nil
	}
	if err != nil {
		return domain.Shortlist{}, false, fmt.Errorf("get shortlist: %w", err)
	}
	if s.ProposedAt, err = parseTime(proposedAt); err != nil {
		return domain.Shortlist{}, false, fmt.Errorf("get shortlist: %w", err)
	}
	rows, err := q.q.QueryContext(ctx, `SELECT rank, profile_id, score, explanation FROM shortlist_candidates
		WHERE mission_id = $1 AND revision = $2 ORDER BY rank`, missionID, s.Revision)
	if err != nil {
		return domain.Shortlist{}, false, fmt.Errorf("get shortlist candidates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c domain.Candidate
		var explanation string
		if err := rows.Scan(&c.Rank, &c.ProfileID, &c.Score, &explanation); err != nil {
			return domain.Shortlist{}, false, err
		}
		if c.Explanation, err = decodeExplanation(explanation); err != nil {
			return domain.Shortlist{}, false, err
		}
		s.Candidates = append(s.Candidates, c)
	}
	if err := rows.Err(); err != nil {
		return domain.Shortlist{}, false, err
	}
	return s, true, nil
}

func (q queries) ShortlistedForFirm(ctx context.Context, profileID, firmID string) (bool, error) {
	var visible bool
	err := q.q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM shortlist_candidates c
		JOIN missions m ON m.id = c.mission_id AND m.current_revision = c.revision
		WHERE c.profile_id = $1 AND m.firm_id = $2 AND m.status = 'open')`, profileID, firmID).Scan(&visible)
	if err != nil {
		return false, fmt.Errorf("check visibility: %w", err)
	}
	return visible, nil
}

// readModel is the read model inside one event's transaction.
type readModel struct {
	queries
	tx    *sql.Tx
	state *txState
}

func (r readModel) EraseProfile(ctx context.Context, id string) error {
	if _, err := r.tx.ExecContext(ctx, `INSERT INTO erased_profiles (id, erased_at) VALUES ($1, $2)
		ON CONFLICT (id) DO NOTHING`, id, formatTime(time.Now())); err != nil {
		return fmt.Errorf("erase profile: %w", err)
	}
	if _, err := r.tx.ExecContext(ctx, `UPDATE shortlist_candidates SET explanation = '' WHERE profile_id = $1`, id); err != nil {
		return fmt.Errorf("erase profile explanations: %w", err)
	}
	return nil
}

func (r readModel) PutMission(ctx context.Context, m domain.Mission) error {
	details, err := encodeMission(m)
	if err != nil {
		return err
	}
	status := statusOpen
	if !m.IsOpen() {
		status = statusClosed
	}
	_, err = r.tx.ExecContext(ctx, `INSERT INTO missions (id, firm_id, status, details) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET firm_id = excluded.firm_id, status = excluded.status, details = excluded.details`,
		m.ID, m.FirmID, status, details)
	if err != nil {
		return fmt.Errorf("put mission: %w", err)
	}
	return r.stamp(ctx, m.ID)
}

func (q queries) Exclusions(ctx context.Context, missionID string) ([]string, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT profile_id FROM mission_exclusions WHERE mission_id = $1 ORDER BY profile_id`, missionID)
	if err != nil {
		return nil, fmt.Errorf("list exclusions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (r readModel) Exclude(ctx context.Context, missionID, profileID, reason string) error {
	if _, err := r.tx.ExecContext(ctx, `INSERT INTO mission_exclusions (mission_id, profile_id, reason, excluded_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (mission_id, profile_id) DO NOTHING`,
		missionID, profileID, reason, formatTime(time.Now())); err != nil {
		return fmt.Errorf("exclude candidate: %w", err)
	}
	return r.stamp(ctx, missionID)
}

func (q queries) OpenMissions(ctx context.Context) ([]domain.Mission, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT id, firm_id, status, details FROM missions WHERE status = 'open' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list open missions: %w", err)
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

// AddShortlist stores s as its mission's current shortlist. It first locks the mission's row
// (an UPDATE that changes nothing: a write, so portable, and PostgreSQL holds the row lock until
// the transaction ends; SQLite already holds the database's write lock) and reads the current
// revision under that lock; s must be the next one, otherwise it fails with ErrStaleRevision.
// Two transactions proposing for one mission therefore take turns, and the second, which
// decided on what it read before the first committed, cannot store a shortlist beside it.
func (r readModel) AddShortlist(ctx context.Context, s domain.Shortlist) error {
	var current int64
	err := r.tx.QueryRowContext(ctx, `UPDATE missions SET current_revision = current_revision WHERE id = $1
		RETURNING current_revision`, s.MissionID).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("add shortlist: mission %s is not stored", s.MissionID)
	}
	if err != nil {
		return fmt.Errorf("lock mission %s: %w", s.MissionID, err)
	}
	if s.Revision != current+1 {
		return fmt.Errorf("add shortlist revision %d of mission %s, which is at revision %d: %w",
			s.Revision, s.MissionID, current, ErrStaleRevision)
	}
	if _, err := r.tx.ExecContext(ctx, `INSERT INTO shortlists (mission_id, revision, scoring_version, eligible_count, proposed_at)
		VALUES ($1, $2, $3, $4, $5)`, s.MissionID, s.Revision, s.ScoringVersion, s.EligibleCount, formatTime(s.ProposedAt)); err != nil {
		return fmt.Errorf("add shortlist: %w", err)
	}
	for _, c := range s.Candidates {
		explanation, err := encodeExplanation(c.Explanation)
		if err != nil {
			return err
		}
		if _, err := r.tx.ExecContext(ctx, `INSERT INTO shortlist_candidates (mission_id, revision, rank, profile_id, score, explanation)
			VALUES ($1, $2, $3, $4, $5, $6)`, s.MissionID, s.Revision, c.Rank, c.ProfileID, c.Score, explanation); err != nil {
			return fmt.Errorf("add shortlist candidate: %w", err)
		}
	}
	if _, err := r.tx.ExecContext(ctx, `UPDATE missions SET current_revision = $1 WHERE id = $2`, s.Revision, s.MissionID); err != nil {
		return fmt.Errorf("set current shortlist: %w", err)
	}
	if err := r.stamp(ctx, s.MissionID); err != nil {
		return err
	}
	ev, err := EncodeShortlistProposed(s)
	if err != nil {
		return err
	}
	return outbox.Add(ctx, r.tx, ev)
}
