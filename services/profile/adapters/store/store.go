// Package store keeps profiles in SQLite or PostgreSQL, with the events they cause in the same
// transaction, through the platform's transaction runner (pkg/txn/sqltx).
//
// Every read-modify-write of a profile first locks it (app.LockProfile, sqltx.Tx.Lock), so two
// writers of one profile take turns instead of one overwriting the other's change.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
	"github.com/caiomatch/caiomatch/services/profile/eventapi"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the outbox, the inbox and the profile tables.
func Migrations() []sqlstore.MigrationSet { return sqltx.Migrations("profile", migrations) }

// Store runs the profile use cases' transactions (txn.Runner[app.Tx]) and reads profiles
// outside one (app.Profiles).
type Store struct {
	*sqltx.Runner[app.Tx]
	// prepared runs the read of one profile, every GET /v1/profiles/{id}, as a statement
	// prepared once (issue 18).
	prepared *sqlstore.Prepared
}

var _ app.Profiles = (*Store)(nil)

// New wraps db, on either backend; wake is called after each commit that published events.
func New(db *sql.DB, wake func()) *Store {
	return &Store{Runner: sqltx.New(db, wake, func(t *sqltx.Tx) app.Tx { return tx{t} }), prepared: sqlstore.NewPrepared(db)}
}

// Get reads a profile outside a transaction.
func (s *Store) Get(ctx context.Context, id string) (domain.Profile, error) {
	return getProfile(ctx, s.prepared, id)
}

// OfAccount reads every profile of an account, newest first, outside a transaction. The
// unique index on account_id finds them.
func (s *Store) OfAccount(ctx context.Context, accountID string) ([]domain.Profile, error) {
	profiles, err := queryProfiles(ctx, s.DB(), selectProfile+` WHERE account_id = $1 ORDER BY created_at DESC, id DESC`, accountID)
	if err != nil {
		return nil, fmt.Errorf("profiles of account %s: %w", accountID, err)
	}
	return profiles, nil
}

// List reads one page of profiles, newest first (created at, then id, both descending),
// strictly after the cursor when there is one, outside a transaction; an empty accountID
// lists every account's. Stored times are fixed-width text (sqlstore.TimeLayout; migration
// 0004 rewrote older rows), so comparing the text compares the times, and the index
// profiles_by_time serves the order.
func (s *Store) List(ctx context.Context, accountID string, after *missionrules.Cursor, limit int) ([]domain.Profile, error) {
	query := selectProfile + ` WHERE TRUE`
	var args []any
	if accountID != "" {
		args = append(args, accountID)
		query += fmt.Sprintf(` AND account_id = $%d`, len(args))
	}
	if after != nil {
		args = append(args, sqlstore.FormatTime(after.CreatedAt), after.ID)
		n := len(args)
		query += fmt.Sprintf(` AND (created_at < $%[1]d OR (created_at = $%[1]d AND id < $%[2]d))`, n-1, n)
	}
	query += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d`, limit)
	profiles, err := queryProfiles(ctx, s.DB(), query, args...)
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	return profiles, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// selectProfile reads the columns scanProfile takes.
const selectProfile = `SELECT id, account_id, details, created_at, updated_at FROM profiles`

func getProfile(ctx context.Context, q queryer, id string) (domain.Profile, error) {
	p, err := scanProfile(q.QueryRowContext(ctx, selectProfile+` WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Profile{}, app.ErrNotFound(id)
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("get profile: %w", err)
	}
	return p, nil
}

// queryProfiles reads every profile query selects.
func queryProfiles(ctx context.Context, q queryer, query string, args ...any) ([]domain.Profile, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Profile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// scanProfile reads one row of selectProfile; a stored value that does not read is an error.
func scanProfile(row interface{ Scan(dest ...any) error }) (domain.Profile, error) {
	var p domain.Profile
	var details, created, updated string
	if err := row.Scan(&p.ID, &p.AccountID, &details, &created, &updated); err != nil {
		return domain.Profile{}, err
	}
	var err error
	if p.Details, err = decodeDetails(details); err != nil {
		return domain.Profile{}, err
	}
	if p.CreatedAt, err = sqlstore.ParseTime(created); err != nil {
		return domain.Profile{}, fmt.Errorf("profile %s created at: %w", p.ID, err)
	}
	if p.UpdatedAt, err = sqlstore.ParseTime(updated); err != nil {
		return domain.Profile{}, fmt.Errorf("profile %s updated at: %w", p.ID, err)
	}
	return p, nil
}

// tx is app.Tx over one SQL transaction.
type tx struct{ t *sqltx.Tx }

func (x tx) Lock(ctx context.Context, scope, key string) error { return x.t.Lock(ctx, scope, key) }

func (x tx) Get(ctx context.Context, id string) (domain.Profile, error) {
	return getProfile(ctx, x.t.SQL, id)
}

func (x tx) Create(ctx context.Context, p domain.Profile) error {
	details, err := encodeDetails(p.Details)
	if err != nil {
		return err
	}
	_, err = x.t.SQL.ExecContext(ctx, `INSERT INTO profiles (id, account_id, details, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5)`, p.ID, p.AccountID, details, sqlstore.FormatTime(p.CreatedAt), sqlstore.FormatTime(p.UpdatedAt))
	if isUniqueViolation(err) {
		return fault.AlreadyExists(app.ReasonProfileAlreadyExists, "account %s already has a profile", p.AccountID)
	}
	if err != nil {
		return fmt.Errorf("insert profile: %w", err)
	}
	return x.indexPlatformBookings(ctx, p)
}

// Save stores a changed profile and keeps the platform bookings index in step.
func (x tx) Save(ctx context.Context, p domain.Profile) error {
	details, err := encodeDetails(p.Details)
	if err != nil {
		return err
	}
	res, err := x.t.SQL.ExecContext(ctx, `UPDATE profiles SET details = $1, updated_at = $2 WHERE id = $3`,
		details, sqlstore.FormatTime(p.UpdatedAt), p.ID)
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	if err := oneRow(res, p.ID); err != nil {
		return err
	}
	if _, err := x.t.SQL.ExecContext(ctx, `DELETE FROM platform_bookings WHERE profile_id = $1`, p.ID); err != nil {
		return fmt.Errorf("update platform bookings: %w", err)
	}
	return x.indexPlatformBookings(ctx, p)
}

// indexPlatformBookings records which missions booked p.
func (x tx) indexPlatformBookings(ctx context.Context, p domain.Profile) error {
	for _, b := range p.Bookings {
		if !b.Platform() {
			continue
		}
		if _, err := x.t.SQL.ExecContext(ctx, `INSERT INTO platform_bookings (mission_id, profile_id, firm_id) VALUES ($1, $2, $3)
			ON CONFLICT (mission_id, profile_id) DO NOTHING`, b.MissionID, p.ID, b.FirmID); err != nil {
			return fmt.Errorf("index platform booking: %w", err)
		}
	}
	return nil
}

func (x tx) Delete(ctx context.Context, id string) error {
	res, err := x.t.SQL.ExecContext(ctx, `DELETE FROM profiles WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete profile: %w", err)
	}
	return oneRow(res, id)
}

// oneRow turns a write that found no profile into PROFILE_NOT_FOUND.
func oneRow(res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("profile %s: %w", id, err)
	}
	if n == 0 {
		return app.ErrNotFound(id)
	}
	return nil
}

// Publish encodes events in their published form (eventapi.EncodeEvent, which keeps personal
// data in) and adds them to the outbox.
func (x tx) Publish(ctx context.Context, events ...domain.Event) error {
	now := time.Now()
	encoded := make([]eventbus.Event, 0, len(events))
	for _, ev := range events {
		e, err := eventapi.EncodeEvent(ev, now)
		if err != nil {
			return err
		}
		encoded = append(encoded, e)
	}
	return x.t.Publish(ctx, encoded...)
}

func (x tx) BookedFor(ctx context.Context, missionID string) ([]string, error) {
	rows, err := x.t.SQL.QueryContext(ctx, `SELECT profile_id FROM platform_bookings WHERE mission_id = $1 ORDER BY profile_id`, missionID)
	if err != nil {
		return nil, fmt.Errorf("profiles booked for mission %s: %w", missionID, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("profiles booked for mission %s: %w", missionID, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("profiles booked for mission %s: %w", missionID, err)
	}
	return ids, nil
}

func (x tx) RecordCancelledMission(ctx context.Context, missionID string) error {
	if _, err := x.t.SQL.ExecContext(ctx, `INSERT INTO cancelled_missions (mission_id, cancelled_at) VALUES ($1, $2)
		ON CONFLICT (mission_id) DO NOTHING`, missionID, sqlstore.FormatTime(time.Now())); err != nil {
		return fmt.Errorf("record cancelled mission %s: %w", missionID, err)
	}
	return nil
}

func (x tx) MissionCancelled(ctx context.Context, missionID string) (bool, error) {
	var n int
	if err := x.t.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM cancelled_missions WHERE mission_id = $1`, missionID).Scan(&n); err != nil {
		return false, fmt.Errorf("is mission %s cancelled: %w", missionID, err)
	}
	return n > 0, nil
}

func (x tx) LatestDatesChange(ctx context.Context, missionID string) (app.DatesChange, bool, error) {
	c := app.DatesChange{MissionID: missionID}
	var at string
	err := x.t.SQL.QueryRowContext(ctx, `SELECT profile_id, start_date, end_date, occurred_at FROM staffing_dates
		WHERE mission_id = $1`, missionID).Scan(&c.ProfileID, &c.StartDate, &c.EndDate, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return app.DatesChange{}, false, nil
	}
	if err != nil {
		return app.DatesChange{}, false, fmt.Errorf("staffing dates of mission %s: %w", missionID, err)
	}
	if c.OccurredAt, err = sqlstore.ParseTime(at); err != nil {
		return app.DatesChange{}, false, fmt.Errorf("staffing dates of mission %s: %w", missionID, err)
	}
	return c, true, nil
}

func (x tx) RecordDatesChange(ctx context.Context, c app.DatesChange) error {
	if _, err := x.t.SQL.ExecContext(ctx, `INSERT INTO staffing_dates (mission_id, profile_id, start_date, end_date, occurred_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (mission_id) DO UPDATE SET profile_id = excluded.profile_id, start_date = excluded.start_date,
			end_date = excluded.end_date, occurred_at = excluded.occurred_at`,
		c.MissionID, c.ProfileID, c.StartDate, c.EndDate, sqlstore.FormatTime(c.OccurredAt)); err != nil {
		return fmt.Errorf("record staffing dates of mission %s: %w", c.MissionID, err)
	}
	return nil
}

func isUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") ||
		strings.Contains(err.Error(), "SQLSTATE 23505"))
}
