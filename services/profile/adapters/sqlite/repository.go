// Package sqlite stores profiles in SQLite or PostgreSQL (the package keeps its first name),
// with their events in the same transaction.
//
// Every read-modify-write of a profile locks its row before reading it, so two writers of one
// profile take turns instead of one overwriting the other's change. SQLite needs nothing for
// that: its transactions take the database's write lock at BEGIN. PostgreSQL runs them side by
// side at READ COMMITTED, so the read is a SELECT … FOR UPDATE there; see lockingRead.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the outbox, the inbox and the profile tables.
func Migrations() []sqlstore.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return []sqlstore.MigrationSet{outbox.Migrations(), inbox.Migrations(), {Name: "profile", FS: sub}}
}

// Repository implements app.Repository.
type Repository struct {
	db        *sql.DB
	backend   sqlstore.Backend
	committed func()
}

// NewRepository wraps db, on either backend; committed is called after each commit that stored
// events.
func NewRepository(db *sql.DB, committed func()) *Repository {
	if committed == nil {
		committed = func() {}
	}
	return &Repository{db: db, backend: sqlstore.BackendOf(db), committed: committed}
}

var _ app.Repository = (*Repository)(nil)

// storedDetails is the JSON shape of the details column; it decouples the domain type from
// what is on disk. Fields added later are absent from older rows and decode as their zero
// value, which is what a profile that never stated them means, so new fields need no migration.
type storedDetails struct {
	DisplayName     string        `json:"displayName"`
	Email           string        `json:"email"`
	Headline        string        `json:"headline"`
	Sectors         []string      `json:"sectors"`
	Skills          []storedSkill `json:"skills"`
	YearsExperience int           `json:"yearsExperience"`
	Languages       []string      `json:"languages"`
	Country         string        `json:"country"`
	City            string        `json:"city"`
	WorkMode        int           `json:"workMode"`
	DailyRateEUR    int           `json:"dailyRateEur"`
	AvailableFrom   string        `json:"availableFrom"`

	PastMissions      []storedPastMission `json:"pastMissions"`
	Certifications    []string            `json:"certifications"`
	NoticePeriodDays  int                 `json:"noticePeriodDays"`
	MobilityCountries []string            `json:"mobilityCountries"`
	Bookings          []storedBooking     `json:"bookings"`
	ProfilingOptOut   bool                `json:"profilingOptOut"`
}

type storedSkill struct {
	ID    string `json:"id"`
	Level int    `json:"level"`
	Years int    `json:"years"`
}

type storedPastMission struct {
	Sector      string `json:"sector"`
	MissionType int    `json:"missionType"`
	Months      int    `json:"months"`
	Year        int    `json:"year"`
}

type storedBooking struct {
	StartDate string `json:"startDate"`
	EndDate   string `json:"endDate"`
	MissionID string `json:"missionId"`
}

func encodeDetails(d domain.Details) (string, error) {
	s := storedDetails{
		DisplayName: d.DisplayName, Email: d.Email, Headline: d.Headline, Sectors: d.Sectors,
		YearsExperience: d.YearsExperience, Languages: d.Languages, Country: d.Location.Country,
		City: d.Location.City, WorkMode: int(d.WorkMode), DailyRateEUR: d.DailyRateEUR,
		AvailableFrom:  d.AvailableFrom.Format(time.DateOnly),
		Certifications: d.Certifications, NoticePeriodDays: d.NoticePeriodDays,
		MobilityCountries: d.MobilityCountries, ProfilingOptOut: d.ProfilingOptOut,
	}
	for _, sk := range d.Skills {
		s.Skills = append(s.Skills, storedSkill{ID: sk.ID, Level: sk.Level, Years: sk.Years})
	}
	for _, m := range d.PastMissions {
		s.PastMissions = append(s.PastMissions, storedPastMission{
			Sector: m.Sector, MissionType: int(m.MissionType), Months: m.Months, Year: m.Year,
		})
	}
	for _, bk := range d.Bookings {
		s.Bookings = append(s.Bookings, storedBooking{
			StartDate: bk.Start.Format(time.DateOnly), EndDate: bk.End.Format(time.DateOnly), MissionID: bk.MissionID,
		})
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func decodeDetails(raw string) (domain.Details, error) {
	var s storedDetails
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return domain.Details{}, fmt.Errorf("decode stored profile: %w", err)
	}
	from, err := time.Parse(time.DateOnly, s.AvailableFrom)
	if err != nil {
		return domain.Details{}, fmt.Errorf("decode stored profile: %w", err)
	}
	d := domain.Details{
		DisplayName: s.DisplayName, Email: s.Email, Headline: s.Headline, Sectors: s.Sectors,
		YearsExperience: s.YearsExperience, Languages: s.Languages,
		Location: domain.Location{Country: s.Country, City: s.City}, WorkMode: domain.WorkMode(s.WorkMode),
		DailyRateEUR: s.DailyRateEUR, AvailableFrom: from,
		Certifications: s.Certifications, NoticePeriodDays: s.NoticePeriodDays,
		MobilityCountries: s.MobilityCountries, ProfilingOptOut: s.ProfilingOptOut,
	}
	for _, sk := range s.Skills {
		d.Skills = append(d.Skills, domain.Skill{ID: sk.ID, Level: sk.Level, Years: sk.Years})
	}
	for _, m := range s.PastMissions {
		d.PastMissions = append(d.PastMissions, domain.PastMission{
			Sector: m.Sector, MissionType: domain.MissionType(m.MissionType), Months: m.Months, Year: m.Year,
		})
	}
	for _, bk := range s.Bookings {
		start, err := time.Parse(time.DateOnly, bk.StartDate)
		if err != nil {
			return domain.Details{}, fmt.Errorf("decode stored profile: booking: %w", err)
		}
		end, err := time.Parse(time.DateOnly, bk.EndDate)
		if err != nil {
			return domain.Details{}, fmt.Errorf("decode stored profile: booking: %w", err)
		}
		d.Bookings = append(d.Bookings, domain.Booking{Start: start, End: end, MissionID: bk.MissionID})
	}
	return d, nil
}

func (r *Repository) Create(ctx context.Context, p domain.Profile, ev domain.Event) error {
	details, err := encodeDetails(p.Details)
	if err != nil {
		return err
	}
	err = sqlstore.InTx(ctx, r.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO profiles (id, account_id, details, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5)`, p.ID, p.AccountID, details, formatTime(p.CreatedAt), formatTime(p.UpdatedAt))
		if isUniqueViolation(err) {
			return fault.AlreadyExists(app.ReasonProfileAlreadyExists, "account %s already has a profile", p.AccountID)
		}
		if err != nil {
			return fmt.Errorf("insert profile: %w", err)
		}
		if err := indexPlatformBookings(ctx, tx, p); err != nil {
			return err
		}
		return addEvent(ctx, tx, ev)
	})
	if err == nil {
		r.committed()
	}
	return err
}

func (r *Repository) Get(ctx context.Context, id string) (domain.Profile, error) {
	return getProfile(ctx, r.db, id, "")
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const selectProfile = `SELECT id, account_id, details, created_at, updated_at FROM profiles WHERE id = $1`

// lockingRead ends the SELECT of a profile that the transaction goes on to write: on
// PostgreSQL, FOR UPDATE locks the row until the transaction ends, so a concurrent
// read-modify-write of the profile waits for this one to commit and then reads its result,
// instead of reading the same old state and overwriting this change (a lost update at READ
// COMMITTED). SQLite has no FOR UPDATE and needs none: the transaction already holds the
// database's write lock (see sqlstore.OpenSQLite).
func lockingRead(backend sqlstore.Backend) string {
	if backend == sqlstore.Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// getProfile reads a profile; suffix is "" or lockingRead's.
func getProfile(ctx context.Context, q queryer, id, suffix string) (domain.Profile, error) {
	var p domain.Profile
	var details, created, updated string
	err := q.QueryRowContext(ctx, selectProfile+suffix, id).
		Scan(&p.ID, &p.AccountID, &details, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Profile{}, fault.NotFound(app.ReasonProfileNotFound, "profile %s not found", id)
	}
	if err != nil {
		return domain.Profile{}, fmt.Errorf("get profile: %w", err)
	}
	if p.Details, err = decodeDetails(details); err != nil {
		return domain.Profile{}, err
	}
	p.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	p.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return p, nil
}

func (r *Repository) Update(ctx context.Context, id string, change func(*domain.Profile) (domain.Event, error)) (domain.Profile, error) {
	var updated domain.Profile
	err := sqlstore.InTx(ctx, r.db, func(tx *sql.Tx) error {
		p, err := getProfile(ctx, tx, id, lockingRead(r.backend))
		if err != nil {
			return err
		}
		ev, err := change(&p)
		if err != nil {
			return err
		}
		updated = p
		return saveProfile(ctx, tx, p, []domain.Event{ev})
	})
	if err != nil {
		return domain.Profile{}, err
	}
	r.committed()
	return updated, nil
}

// saveProfile stores a changed profile, keeps the platform bookings index in step and adds the
// events to the outbox.
func saveProfile(ctx context.Context, tx *sql.Tx, p domain.Profile, events []domain.Event) error {
	details, err := encodeDetails(p.Details)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE profiles SET details = $1, updated_at = $2 WHERE id = $3`,
		details, formatTime(p.UpdatedAt), p.ID)
	if err != nil {
		return fmt.Errorf("update profile: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fault.NotFound(app.ReasonProfileNotFound, "profile %s not found", p.ID)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM platform_bookings WHERE profile_id = $1`, p.ID); err != nil {
		return fmt.Errorf("update platform bookings: %w", err)
	}
	if err := indexPlatformBookings(ctx, tx, p); err != nil {
		return err
	}
	for _, ev := range events {
		if err := addEvent(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}

// indexPlatformBookings records which missions booked p.
func indexPlatformBookings(ctx context.Context, tx *sql.Tx, p domain.Profile) error {
	for _, b := range p.Bookings {
		if !b.Platform() {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO platform_bookings (mission_id, profile_id) VALUES ($1, $2)
			ON CONFLICT (mission_id, profile_id) DO NOTHING`, b.MissionID, p.ID); err != nil {
			return fmt.Errorf("index platform booking: %w", err)
		}
	}
	return nil
}

func (r *Repository) Delete(ctx context.Context, id string, ev domain.Event) error {
	err := sqlstore.InTx(ctx, r.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM profiles WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("delete profile: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fault.NotFound(app.ReasonProfileNotFound, "profile %s not found", id)
		}
		return addEvent(ctx, tx, ev)
	})
	if err == nil {
		r.committed()
	}
	return err
}

func (r *Repository) Once(ctx context.Context, d app.Delivery, handle func(app.Tx) error) (bool, error) {
	claimed := false
	store := &txStore{backend: r.backend}
	err := sqlstore.InTx(ctx, r.db, func(tx *sql.Tx) error {
		var err error
		if claimed, err = inbox.Claim(ctx, tx, d.Consumer, d.EventID); err != nil || !claimed {
			return err
		}
		store.tx = tx
		return handle(store)
	})
	if err != nil {
		return false, err
	}
	if store.saved {
		r.committed()
	}
	return claimed, nil
}

// txStore is app.Tx over one SQL transaction.
type txStore struct {
	tx      *sql.Tx
	backend sqlstore.Backend
	// saved is set once a change, and so an event, was stored.
	saved bool
}

// Get locks the profile's row as it reads it: handlers read a profile to save it changed.
func (s *txStore) Get(ctx context.Context, id string) (domain.Profile, error) {
	return getProfile(ctx, s.tx, id, lockingRead(s.backend))
}

func (s *txStore) Save(ctx context.Context, p domain.Profile, events []domain.Event) error {
	if err := saveProfile(ctx, s.tx, p, events); err != nil {
		return err
	}
	s.saved = true
	return nil
}

func (s *txStore) BookedFor(ctx context.Context, missionID string) ([]string, error) {
	rows, err := s.tx.QueryContext(ctx, `SELECT profile_id FROM platform_bookings WHERE mission_id = $1 ORDER BY profile_id`, missionID)
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

// lockMission makes the handler transactions about one mission take turns on PostgreSQL, until
// they end. Without it, at READ COMMITTED, an acceptance and a cancellation of one mission
// handled at the same moment could each miss the other's uncommitted write: the acceptance would
// not see the mission cancelled, the cancellation would not see the booking, and the consultant
// would stay booked for a cancelled mission. SQLite transactions already take turns.
func (s *txStore) lockMission(ctx context.Context, missionID string) error {
	if s.backend != sqlstore.Postgres {
		return nil
	}
	if _, err := s.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('caiomatch.profile.mission'), hashtext($1))`,
		missionID); err != nil {
		return fmt.Errorf("lock mission %s: %w", missionID, err)
	}
	return nil
}

func (s *txStore) RecordCancelledMission(ctx context.Context, missionID string) error {
	if err := s.lockMission(ctx, missionID); err != nil {
		return err
	}
	if _, err := s.tx.ExecContext(ctx, `INSERT INTO cancelled_missions (mission_id, cancelled_at) VALUES ($1, $2)
		ON CONFLICT (mission_id) DO NOTHING`, missionID, formatTime(time.Now())); err != nil {
		return fmt.Errorf("record cancelled mission %s: %w", missionID, err)
	}
	return nil
}

func (s *txStore) MissionCancelled(ctx context.Context, missionID string) (bool, error) {
	if err := s.lockMission(ctx, missionID); err != nil {
		return false, err
	}
	var n int
	if err := s.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM cancelled_missions WHERE mission_id = $1`, missionID).Scan(&n); err != nil {
		return false, fmt.Errorf("is mission %s cancelled: %w", missionID, err)
	}
	return n > 0, nil
}

func addEvent(ctx context.Context, tx *sql.Tx, ev domain.Event) error {
	encoded, err := EncodeEvent(ev, time.Now())
	if err != nil {
		return err
	}
	return outbox.Add(ctx, tx, encoded)
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func isUniqueViolation(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") ||
		strings.Contains(err.Error(), "SQLSTATE 23505"))
}
