package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
	"github.com/caiomatch/caiomatch/services/mission/eventapi"
)

// tx implements app.Tx over one SQL transaction. On SQLite writers take turns for the whole
// transaction (BEGIN IMMEDIATE, see sqlstore.OpenSQLite); on PostgreSQL transactions run side by
// side at READ COMMITTED, where what a use case read stays true until it commits only for what
// it holds: the missions it read through Mission or the erasure lookups, and the consultants it
// locked (LockConsultant), each under sqltx's lock on its name. Every change to a mission, its
// offers or its decisions trail is made while holding the mission, so holding a mission holds
// all three.
type tx struct {
	sql  *sqltx.Tx
	held map[string]bool // missions this transaction holds
}

var _ app.Tx = (*tx)(nil)

func newTx(t *sqltx.Tx) app.Tx { return &tx{sql: t, held: map[string]bool{}} }

func (t *tx) Erasing() { t.sql.Erases() }

// Mission holds the mission (see hold), then reads it: read-modify-write of one mission never
// interleaves.
func (t *tx) Mission(ctx context.Context, id string) (domain.Mission, error) {
	if err := t.hold(ctx, id); err != nil {
		return domain.Mission{}, err
	}
	return getMission(ctx, t.sql.SQL, id)
}

// hold locks the mission's name until the transaction ends: a statement run after it reads the
// mission, its offers and its decisions as the previous holder committed them.
func (t *tx) hold(ctx context.Context, missionID string) error {
	if t.held[missionID] {
		return nil
	}
	if err := t.sql.Lock(ctx, "mission", missionID); err != nil {
		return err
	}
	t.held[missionID] = true
	return nil
}

// readHolding runs read, which reads rows naming profileID (missionOf tells each row's
// mission), so that every row it returns was read while its mission was held. It first holds
// every mission naming the profile, in id order (two erasures then wait for each other instead
// of deadlocking), then reads; a row of a mission not held yet (named by a transaction that
// committed meanwhile) makes it hold that mission too and read again. what names the lookup in
// its errors.
func readHolding[T any](ctx context.Context, t *tx, what, profileID string, read func(pattern string) ([]T, error), missionOf func(T) string) ([]T, error) {
	pattern, err := jsonStringPattern(profileID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	naming, err := queryRows(ctx, t.sql.SQL, scanID, `SELECT id FROM missions WHERE candidates LIKE $1 ESCAPE '\'
			OR staffed_profile_id = $2
		UNION SELECT mission_id FROM offers WHERE profile_id = $2
		UNION SELECT mission_id FROM extensions WHERE profile_id = $2
		UNION SELECT mission_id FROM feedback WHERE profile_id = $2
		UNION SELECT mission_id FROM decisions WHERE profile_id = $2 OR candidates LIKE $1 ESCAPE '\'
		ORDER BY 1`, pattern, profileID)
	if err != nil {
		return nil, fmt.Errorf("%s: missions naming a profile: %w", what, err)
	}
	for {
		for _, id := range naming {
			if err := t.hold(ctx, id); err != nil {
				return nil, fmt.Errorf("%s: %w", what, err)
			}
		}
		rows, err := read(pattern)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		naming = naming[:0]
		for _, row := range rows {
			if id := missionOf(row); !t.held[id] {
				naming = append(naming, id)
			}
		}
		if len(naming) == 0 {
			return rows, nil
		}
		slices.Sort(naming)
	}
}

func scanID(s scanner) (string, error) {
	var id string
	err := s.Scan(&id)
	return id, err
}

func (t *tx) CreateMission(ctx context.Context, m domain.Mission) error {
	details, candidates, err := encodeMission(m)
	if err != nil {
		return err
	}
	if _, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO missions
		(id, firm_id, status, shortlist_revision, details, candidates, created_at, updated_at, firm_name, firm_email,
		staffed_offer_id, staffed_profile_id, staffed_consultant_id, agreed_daily_rate_eur, end_date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		m.ID, m.FirmID, m.Status.String(), m.ShortlistRevision, details, candidates,
		sqlstore.FormatTime(m.CreatedAt), sqlstore.FormatTime(m.UpdatedAt), m.FirmName, m.FirmEmail,
		m.StaffedOfferID, m.StaffedProfileID, m.StaffedConsultantID, m.AgreedDailyRateEUR, dates.Format(m.EndDate())); err != nil {
		return fmt.Errorf("insert mission: %w", err)
	}
	return insertSkillLevels(ctx, t.sql.SQL, m.ID, m.RequiredSkillLevels)
}

func (t *tx) SaveMission(ctx context.Context, m domain.Mission) error {
	details, candidates, err := encodeMission(m)
	if err != nil {
		return err
	}
	if err := t.updateOne(ctx, "update mission", m.ID, `UPDATE missions SET status = $1, shortlist_revision = $2,
		details = $3, candidates = $4, updated_at = $5, staffed_offer_id = $6, staffed_profile_id = $7,
		staffed_consultant_id = $8, agreed_daily_rate_eur = $9, end_date = $10 WHERE id = $11`,
		m.Status.String(), m.ShortlistRevision, details, candidates, sqlstore.FormatTime(m.UpdatedAt),
		m.StaffedOfferID, m.StaffedProfileID, m.StaffedConsultantID, m.AgreedDailyRateEUR, dates.Format(m.EndDate()), m.ID); err != nil {
		return err
	}
	if _, err := t.sql.SQL.ExecContext(ctx, `DELETE FROM mission_skill_levels WHERE mission_id = $1`, m.ID); err != nil {
		return fmt.Errorf("update mission skill levels: %w", err)
	}
	return insertSkillLevels(ctx, t.sql.SQL, m.ID, m.RequiredSkillLevels)
}

// encodeMission is what the details and candidates columns hold of a mission.
func encodeMission(m domain.Mission) (details, candidates string, err error) {
	if details, err = encodeDetails(m.Request); err != nil {
		return "", "", err
	}
	candidates, err = encodeIDs(m.Candidates)
	return details, candidates, err
}

// updateOne runs an UPDATE of the row key that must change exactly that row; what names the
// change in its errors.
func (t *tx) updateOne(ctx context.Context, what, key, query string, args ...any) error {
	res, err := t.sql.SQL.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, key, err)
	}
	if n != 1 {
		return fmt.Errorf("%s %s: %d rows", what, key, n)
	}
	return nil
}

// MissionsWithCandidate holds the missions it returns (see readHolding).
func (t *tx) MissionsWithCandidate(ctx context.Context, profileID string) ([]domain.Mission, error) {
	return readHolding(ctx, t, "missions with candidate", profileID, func(pattern string) ([]domain.Mission, error) {
		return queryMissions(ctx, t.sql.SQL, selectMission+` WHERE candidates LIKE $1 ESCAPE '\' OR staffed_profile_id = $2
			ORDER BY id`, pattern, profileID)
	}, func(m domain.Mission) string { return m.ID })
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

// LockConsultant locks the consultant's name: a second transaction doing the same waits for
// this one to end (in SQLite every writer does already).
func (t *tx) LockFirm(ctx context.Context, firmID string) error {
	return t.sql.Lock(ctx, "firm", firmID)
}

func (t *tx) MissionsSubmittedSince(ctx context.Context, firmID string, since time.Time) (int, error) {
	var n int
	if err := t.sql.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM missions WHERE firm_id = $1 AND created_at >= $2`,
		firmID, sqlstore.FormatTime(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the firm's missions: %w", err)
	}
	return n, nil
}

func (t *tx) LockConsultant(ctx context.Context, consultantID string) error {
	return t.sql.Lock(ctx, "consultant", consultantID)
}

func (t *tx) Publish(ctx context.Context, events ...domain.Event) error {
	now := time.Now()
	for _, ev := range events {
		encoded, err := eventapi.EncodeEvent(ev, now)
		if err != nil {
			return err
		}
		if err := t.sql.Publish(ctx, encoded); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) ForgetFirm(ctx context.Context, firmID, pseudonym string) error {
	for _, change := range []struct {
		what, query string
		args        []any
	}{
		{"missions", `UPDATE missions SET firm_name = '', firm_email = '' WHERE firm_id = $1`, []any{firmID}},
		{"offers", `UPDATE offers SET message = '' WHERE firm_id = $1`, []any{firmID}},
		{"extensions", `UPDATE extensions SET message = '' WHERE mission_id IN (SELECT id FROM missions WHERE firm_id = $1)`, []any{firmID}},
		{"feedback", `UPDATE feedback SET comment = '', author_account_id = $2 WHERE author_account_id = $1`, []any{firmID, pseudonym}},
		// The reasons they wrote go with them (an early end's, an operator's pause).
		{"decisions", `UPDATE decisions SET actor_account_id = $2, reason = '' WHERE actor_account_id = $1`, []any{firmID, pseudonym}},
	} {
		if _, err := t.sql.SQL.ExecContext(ctx, change.query, change.args...); err != nil {
			return fmt.Errorf("forget firm: %s: %w", change.what, err)
		}
	}
	return nil
}

func (t *tx) RecordErasedProfile(ctx context.Context, pseudonym string) error {
	if _, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO erased_profiles (pseudonym) VALUES ($1) ON CONFLICT (pseudonym) DO NOTHING`,
		pseudonym); err != nil {
		return fmt.Errorf("record erased profile: %w", err)
	}
	return nil
}

func (t *tx) ErasedProfiles(ctx context.Context, pseudonyms []string) (map[string]bool, error) {
	erased := map[string]bool{}
	for _, p := range pseudonyms {
		var n int
		if err := t.sql.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM erased_profiles WHERE pseudonym = $1`, p).Scan(&n); err != nil {
			return nil, fmt.Errorf("erased profiles: %w", err)
		}
		if n > 0 {
			erased[p] = true
		}
	}
	return erased, nil
}
