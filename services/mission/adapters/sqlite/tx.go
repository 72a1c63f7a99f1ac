package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Atomically runs fn in one transaction. SQLite transactions start with BEGIN IMMEDIATE (see
// sqlstore.OpenSQLite), so writers take turns for the whole transaction: what fn read is still
// true when it commits.
func (r *Repository) Atomically(ctx context.Context, fn func(app.Tx) error) error {
	_, err := r.atomically(ctx, "", "", fn)
	return err
}

func (r *Repository) AtomicallyOnce(ctx context.Context, consumer, eventID string, fn func(app.Tx) error) (bool, error) {
	return r.atomically(ctx, consumer, eventID, fn)
}

// atomically runs fn in a transaction, after claiming eventID for consumer when consumer is
// set, and wakes the relay up after a commit that stored events.
func (r *Repository) atomically(ctx context.Context, consumer, eventID string, fn func(app.Tx) error) (bool, error) {
	claimed, published := true, false
	err := sqlstore.InTx(ctx, r.db, func(sqlTx *sql.Tx) error {
		if consumer != "" {
			var err error
			if claimed, err = inbox.Claim(ctx, sqlTx, consumer, eventID); err != nil || !claimed {
				return err
			}
		}
		t := &tx{ctx: ctx, tx: sqlTx}
		if err := fn(t); err != nil {
			return err
		}
		published = t.published > 0
		return nil
	})
	if err != nil {
		return false, err
	}
	if published {
		r.committed()
	}
	return claimed, nil
}

// tx implements app.Tx over one SQL transaction.
type tx struct {
	ctx       context.Context
	tx        *sql.Tx
	published int
}

var _ app.Tx = (*tx)(nil)

// Mission first writes the mission's row without changing it: PostgreSQL then holds the row
// until the transaction ends, so read-modify-write of one mission never interleaves. SQLite's
// writers take turns anyway.
func (t *tx) Mission(id string) (domain.Mission, error) {
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE missions SET decision_seq = decision_seq WHERE id = $1`, id); err != nil {
		return domain.Mission{}, fmt.Errorf("hold mission: %w", err)
	}
	return getMission(t.ctx, t.tx, id)
}

func (t *tx) CreateMission(m domain.Mission) error {
	details, err := encodeDetails(m.Request)
	if err != nil {
		return err
	}
	candidates, err := encodeIDs(m.Candidates)
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO missions
		(id, firm_id, status, shortlist_revision, details, candidates, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		m.ID, m.FirmID, m.Status.String(), m.ShortlistRevision, details, candidates,
		formatTime(m.CreatedAt), formatTime(m.UpdatedAt)); err != nil {
		return fmt.Errorf("insert mission: %w", err)
	}
	return insertSkillLevels(t.ctx, t.tx, m.ID, m.RequiredSkillLevels)
}

func (t *tx) SaveMission(m domain.Mission) error {
	details, err := encodeDetails(m.Request)
	if err != nil {
		return err
	}
	candidates, err := encodeIDs(m.Candidates)
	if err != nil {
		return err
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE missions SET status = $1, shortlist_revision = $2, details = $3,
		candidates = $4, updated_at = $5 WHERE id = $6`,
		m.Status.String(), m.ShortlistRevision, details, candidates, formatTime(m.UpdatedAt), m.ID)
	if err != nil {
		return fmt.Errorf("update mission: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("update mission %s: %d rows (%v)", m.ID, n, err)
	}
	if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM mission_skill_levels WHERE mission_id = $1`, m.ID); err != nil {
		return fmt.Errorf("update mission skill levels: %w", err)
	}
	return insertSkillLevels(t.ctx, t.tx, m.ID, m.RequiredSkillLevels)
}

func (t *tx) MissionsWithCandidate(profileID string) ([]domain.Mission, error) {
	pattern, err := jsonStringPattern(profileID)
	if err != nil {
		return nil, err
	}
	missions, err := queryMissions(t.ctx, t.tx, selectMission+` WHERE candidates LIKE $1 ESCAPE '\' ORDER BY id`, pattern)
	if err != nil {
		return nil, fmt.Errorf("missions with candidate: %w", err)
	}
	return missions, nil
}

// jsonStringPattern is a LIKE pattern matching any text that holds s as a JSON string, quotes
// included, as encoding/json writes it. It may match more than that (LIKE ignores ASCII case in
// SQLite): callers check what they read.
func jsonStringPattern(s string) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(string(b))
	return "%" + escaped + "%", nil
}

// LockConsultant writes the consultant's lock row: a second transaction doing the same waits
// for this one to end (in SQLite every writer does already).
func (t *tx) LockConsultant(consultantID string) error {
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO consultant_locks (consultant_id, locked_at) VALUES ($1, $2)
		ON CONFLICT (consultant_id) DO UPDATE SET locked_at = excluded.locked_at`,
		consultantID, formatTime(time.Now())); err != nil {
		return fmt.Errorf("lock consultant: %w", err)
	}
	return nil
}

func (t *tx) Publish(events ...domain.Event) error {
	now := time.Now()
	for _, ev := range events {
		encoded, err := EncodeEvent(ev, now)
		if err != nil {
			return err
		}
		if err := outbox.Add(t.ctx, t.tx, encoded); err != nil {
			return err
		}
		t.published++
	}
	return nil
}
