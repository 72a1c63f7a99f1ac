// Package store stores missions, offers and decisions trails in SQLite or PostgreSQL, with
// their events in the same transaction (sqltx). Its SQL keeps to what both engines share ($n
// parameters, ON CONFLICT, RETURNING, LIKE … ESCAPE).
package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the outbox, the inbox and the mission tables.
func Migrations() []sqlstore.MigrationSet { return sqltx.Migrations("mission", migrations) }

// Repository implements app.Repository: reads outside a transaction, and the sqltx runner.
type Repository struct {
	*sqltx.Runner[app.Tx]
	db *sql.DB
}

// NewRepository wraps db; committed is called after each commit that stored events.
func NewRepository(db *sql.DB, committed func()) *Repository {
	return &Repository{Runner: sqltx.New(db, committed, newTx), db: db}
}

var _ app.Repository = (*Repository)(nil)

// storedDetails is the JSON shape of the details column; it decouples the domain type from
// what is on disk.
type storedDetails struct {
	Title              string   `json:"title"`
	Sector             string   `json:"sector"`
	MissionType        int      `json:"missionType"`
	RequiredSkills     []string `json:"requiredSkills"`
	NiceToHaveSkills   []string `json:"niceToHaveSkills"`
	StartDate          string   `json:"startDate"`
	DurationMonths     int      `json:"durationMonths"`
	MaxDailyRateEUR    int      `json:"maxDailyRateEur"`
	Languages          []string `json:"languages"`
	Country            string   `json:"country"`
	City               string   `json:"city"`
	WorkMode           int      `json:"workMode"`
	MinYearsExperience int      `json:"minYearsExperience"`
}

func encodeDetails(r missionrules.Request) (string, error) {
	b, err := json.Marshal(storedDetails{
		Title: r.Title, Sector: r.Sector, MissionType: int(r.MissionType), RequiredSkills: r.RequiredSkills,
		NiceToHaveSkills: r.NiceToHaveSkills, StartDate: dates.Format(r.StartDate), DurationMonths: r.DurationMonths,
		MaxDailyRateEUR: r.MaxDailyRateEUR, Languages: r.Languages, Country: r.Location.Country,
		City: r.Location.City, WorkMode: int(r.WorkMode), MinYearsExperience: r.MinYearsExperience,
	})
	return string(b), err
}

func decodeDetails(raw string) (missionrules.Request, error) {
	var s storedDetails
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return missionrules.Request{}, fmt.Errorf("decode stored mission: %w", err)
	}
	start, err := dates.Parse(s.StartDate)
	if err != nil {
		return missionrules.Request{}, fmt.Errorf("decode stored mission: %w", err)
	}
	return missionrules.Request{
		Title: s.Title, Sector: s.Sector, MissionType: missionrules.MissionType(s.MissionType),
		RequiredSkills: s.RequiredSkills, NiceToHaveSkills: s.NiceToHaveSkills, StartDate: start,
		DurationMonths: s.DurationMonths, MaxDailyRateEUR: s.MaxDailyRateEUR, Languages: s.Languages,
		Location: missionrules.Location{Country: s.Country, City: s.City}, WorkMode: missionrules.WorkMode(s.WorkMode),
		MinYearsExperience: s.MinYearsExperience,
	}, nil
}

const selectMission = `SELECT id, firm_id, status, shortlist_revision, details, candidates, created_at, updated_at,
	firm_name, firm_email, staffed_offer_id, staffed_profile_id, staffed_consultant_id, agreed_daily_rate_eur, end_date FROM missions`

type scanner interface{ Scan(dest ...any) error }

func scanMission(s scanner) (domain.Mission, error) {
	var m domain.Mission
	var status, details, candidates, created, updated, end string
	if err := s.Scan(&m.ID, &m.FirmID, &status, &m.ShortlistRevision, &details, &candidates, &created, &updated,
		&m.FirmName, &m.FirmEmail, &m.StaffedOfferID, &m.StaffedProfileID, &m.StaffedConsultantID, &m.AgreedDailyRateEUR,
		&end); err != nil {
		return domain.Mission{}, err
	}
	var ok bool
	if m.Status, ok = domain.ParseStatus(status); !ok {
		return domain.Mission{}, fmt.Errorf("decode stored mission %s: unknown status %q", m.ID, status)
	}
	var err error
	if m.Request, err = decodeDetails(details); err != nil {
		return domain.Mission{}, err
	}
	if m.EndOverride, err = endOverride(m.Request, end); err != nil {
		return domain.Mission{}, fmt.Errorf("decode stored mission %s: %w", m.ID, err)
	}
	if m.Candidates, err = decodeIDs(candidates); err != nil {
		return domain.Mission{}, fmt.Errorf("decode stored mission %s: %w", m.ID, err)
	}
	if m.CreatedAt, err = sqlstore.ParseTime(created); err != nil {
		return domain.Mission{}, err
	}
	if m.UpdatedAt, err = sqlstore.ParseTime(updated); err != nil {
		return domain.Mission{}, err
	}
	return m, nil
}

// endOverride reads the end_date column: the mission's end date as of its last save, an
// override when it differs from the one its details derive (” for rows saved before the
// column existed).
func endOverride(r missionrules.Request, end string) (time.Time, error) {
	if end == "" {
		return time.Time{}, nil
	}
	t, err := dates.Parse(end)
	if err != nil || t.Equal(r.EndDate()) {
		return time.Time{}, err
	}
	return t, nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getMission(ctx context.Context, q queryer, id string) (domain.Mission, error) {
	m, err := getRow(ctx, q, scanMission, "get mission", selectMission+` WHERE id = $1`, id, app.ErrNotFound)
	if err != nil {
		return domain.Mission{}, err
	}
	levels, err := loadSkillLevels(ctx, q, []string{m.ID})
	if err != nil {
		return domain.Mission{}, fmt.Errorf("get mission: %w", err)
	}
	m.RequiredSkillLevels = levels[m.ID]
	return m, nil
}

func encodeIDs(ids []string) (string, error) {
	if ids == nil {
		ids = []string{}
	}
	b, err := json.Marshal(ids)
	return string(b), err
}

func decodeIDs(raw string) ([]string, error) {
	var ids []string
	if err := json.Unmarshal([]byte(raw), &ids); err != nil {
		return nil, fmt.Errorf("decode candidates: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, nil
}

func insertSkillLevels(ctx context.Context, tx *sql.Tx, missionID string, levels []missionrules.SkillRequirement) error {
	for i, l := range levels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mission_skill_levels (mission_id, ordinal, skill_id, min_level)
			VALUES ($1, $2, $3, $4)`, missionID, i, l.ID, l.MinLevel); err != nil {
			return fmt.Errorf("insert mission skill level: %w", err)
		}
	}
	return nil
}

// loadSkillLevels returns the stored skill levels of the given missions, each in the client's
// order; a mission without any is absent from the map.
func loadSkillLevels(ctx context.Context, q queryer, missionIDs []string) (map[string][]missionrules.SkillRequirement, error) {
	out := map[string][]missionrules.SkillRequirement{}
	if len(missionIDs) == 0 {
		return out, nil
	}
	params := make([]string, len(missionIDs))
	args := make([]any, len(missionIDs))
	for i, id := range missionIDs {
		params[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT mission_id, skill_id, min_level FROM mission_skill_levels
		WHERE mission_id IN (`+strings.Join(params, ", ")+`) ORDER BY mission_id, ordinal`, args...)
	if err != nil {
		return nil, fmt.Errorf("load skill levels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var missionID string
		var l missionrules.SkillRequirement
		if err := rows.Scan(&missionID, &l.ID, &l.MinLevel); err != nil {
			return nil, fmt.Errorf("load skill levels: %w", err)
		}
		out[missionID] = append(out[missionID], l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load skill levels: %w", err)
	}
	return out, nil
}

func (r *Repository) Get(ctx context.Context, id string) (domain.Mission, error) {
	return getMission(ctx, r.db, id)
}

func (r *Repository) List(ctx context.Context, firmID string, status domain.Status, after *missionrules.Cursor, limit int) ([]domain.Mission, error) {
	return newestFirst(ctx, r.db, queryMissions, "list missions", selectMission, "",
		[]condition{{"firm_id", firmID}, {"status", statusFilter(status)}}, after, limit)
}

// statusFilter is the value of a status condition: "" (any) for the unspecified status.
func statusFilter[S interface {
	comparable
	String() string
}](s S) string {
	var zero S
	if s == zero {
		return ""
	}
	return s.String()
}

// condition keeps the rows whose column equals value; an empty value keeps every row.
type condition struct{ column, value string }

// newestFirst reads one page of a list with run, a query of selectFrom whose columns are
// prefixed by prefix: newest first (created at, then id, both descending), strictly after the
// cursor when there is one; an empty ownerID lists every owner's rows. what names the list in
// its errors.
func newestFirst[T any](ctx context.Context, q queryer, run func(context.Context, queryer, string, ...any) ([]T, error),
	what, selectFrom, prefix string, conditions []condition, after *missionrules.Cursor, limit int) ([]T, error) {
	query := selectFrom + ` WHERE TRUE`
	var args []any
	for _, c := range conditions {
		if c.value == "" {
			continue
		}
		args = append(args, c.value)
		query += fmt.Sprintf(` AND %s%s = $%d`, prefix, c.column, len(args))
	}
	if after != nil {
		args = append(args, sqlstore.FormatTime(after.CreatedAt), after.ID)
		n := len(args)
		query += fmt.Sprintf(` AND (%[1]screated_at < $%[2]d OR (%[1]screated_at = $%[2]d AND %[1]sid < $%[3]d))`, prefix, n-1, n)
	}
	query += fmt.Sprintf(` ORDER BY %[1]screated_at DESC, %[1]sid DESC LIMIT %[2]d`, prefix, limit)
	items, err := run(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return items, nil
}

// queryMissions runs a query of selectMission and loads the missions' skill levels.
func queryMissions(ctx context.Context, q queryer, query string, args ...any) ([]domain.Mission, error) {
	out, err := queryRows(ctx, q, scanMission, query, args...)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out))
	for i, m := range out {
		ids[i] = m.ID
	}
	levels, err := loadSkillLevels(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].RequiredSkillLevels = levels[out[i].ID]
	}
	return out, nil
}

// getRow reads with scan the row query selects by id: notFound(id) when there is none; what
// names the read in other errors.
func getRow[T any](ctx context.Context, q queryer, scan func(scanner) (T, error), what, query, id string, notFound func(string) error) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, notFound(id)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// listRows is queryRows whose errors what names.
func listRows[T any](ctx context.Context, q queryer, scan func(scanner) (T, error), what, query string, args ...any) ([]T, error) {
	out, err := queryRows(ctx, q, scan, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// firstRow is the first of the rows listRows reads, and whether there is one.
func firstRow[T any](ctx context.Context, q queryer, scan func(scanner) (T, error), what, query string, args ...any) (T, bool, error) {
	out, err := listRows(ctx, q, scan, what, query, args...)
	if err != nil || len(out) == 0 {
		var zero T
		return zero, false, err
	}
	return out[0], true, nil
}

// queryRows runs query and reads each row with scan; the rows are closed when it returns.
func queryRows[T any](ctx context.Context, q queryer, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
