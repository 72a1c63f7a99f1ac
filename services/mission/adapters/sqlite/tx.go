package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Atomically runs fn in one transaction. On SQLite writers take turns for the whole
// transaction (BEGIN IMMEDIATE, see sqlstore.OpenSQLite); on PostgreSQL transactions run side by
// side at READ COMMITTED, where what fn read stays true until it commits only for the rows it
// holds: the missions it read through Mission or the erasure lookups, and the consultants it
// locked (LockConsultant). Every change to a mission, its offers or its decisions trail is made
// while holding the mission, so holding a mission holds all three.
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
		t := &tx{ctx: ctx, tx: sqlTx, held: map[string]bool{}}
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
	held      map[string]bool // missions whose row this transaction wrote, and so holds
}

var _ app.Tx = (*tx)(nil)

// Mission holds the mission (see hold), then reads it: read-modify-write of one mission never
// interleaves.
func (t *tx) Mission(id string) (domain.Mission, error) {
	if err := t.hold(id); err != nil {
		return domain.Mission{}, err
	}
	return getMission(t.ctx, t.tx, id)
}

// hold writes the mission's row without changing it: PostgreSQL then holds the row until the
// transaction ends, and a statement run after it reads the mission, its offers and its
// decisions as the previous holder committed them. SQLite's writers take turns anyway.
func (t *tx) hold(missionID string) error {
	if t.held[missionID] {
		return nil
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE missions SET decision_seq = decision_seq WHERE id = $1`, missionID); err != nil {
		return fmt.Errorf("hold mission: %w", err)
	}
	t.held[missionID] = true
	return nil
}

// readHolding runs read, which reads rows naming profileID and returns the ids of their
// missions, so that every row it returns was read while its mission was held. It first holds
// every mission naming the profile, in id order (two erasures then wait for each other instead
// of deadlocking), then reads; a row of a mission not held yet (named by a transaction that
// committed meanwhile) makes it hold that mission too and read again.
func (t *tx) readHolding(profileID string, read func() (missionIDs []string, err error)) error {
	pattern, err := jsonStringPattern(profileID)
	if err != nil {
		return err
	}
	naming, err := queryIDs(t.ctx, t.tx, `SELECT id FROM missions WHERE candidates LIKE $1 ESCAPE '\'
		UNION SELECT mission_id FROM offers WHERE profile_id = $2
		UNION SELECT mission_id FROM decisions WHERE profile_id = $2 OR candidates LIKE $1 ESCAPE '\'
		ORDER BY 1`, pattern, profileID)
	if err != nil {
		return fmt.Errorf("missions naming a profile: %w", err)
	}
	for {
		for _, id := range naming {
			if err := t.hold(id); err != nil {
				return err
			}
		}
		missionIDs, err := read()
		if err != nil {
			return err
		}
		naming = naming[:0]
		for _, id := range missionIDs {
			if !t.held[id] {
				naming = append(naming, id)
			}
		}
		if len(naming) == 0 {
			return nil
		}
		slices.Sort(naming)
	}
}

func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
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

// MissionsWithCandidate holds the missions it returns (see readHolding).
func (t *tx) MissionsWithCandidate(profileID string) ([]domain.Mission, error) {
	pattern, err := jsonStringPattern(profileID)
	if err != nil {
		return nil, err
	}
	var missions []domain.Mission
	err = t.readHolding(profileID, func() ([]string, error) {
		var err error
		missions, err = queryMissions(t.ctx, t.tx, selectMission+` WHERE candidates LIKE $1 ESCAPE '\' ORDER BY id`, pattern)
		ids := make([]string, len(missions))
		for i, m := range missions {
			ids[i] = m.ID
		}
		return ids, err
	})
	if err != nil {
		return nil, fmt.Errorf("missions with candidate: %w", err)
	}
	return missions, nil
}

// jsonStringPattern is a LIKE pattern matching any text that holds s as a JSON string, quotes
// included, as encoding/json writes it, and so the candidates columns that name s. On
// PostgreSQL LIKE compares case and all, so it matches exactly those; SQLite's LIKE ignores
// ASCII case, so there it may match more (another profile whose id differs only in case):
// callers keep only exact matches, as the domain's Pseudonymise methods do.
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
