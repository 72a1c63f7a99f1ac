package audit

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the log's table and indexes, applied where the gateway opens its database.
func Migrations() []sqlstore.MigrationSet {
	own, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(fmt.Sprintf("audit migrations: %v", err)) // an embed pattern out of step with the code
	}
	return []sqlstore.MigrationSet{{Name: "audit", FS: own}}
}

// Store keeps the log in the gateway's database (SQLite or PostgreSQL).
type Store struct{ db *sql.DB }

// NewStore is the log over db, migrated with Migrations.
func NewStore(db *sql.DB) *Store { return &Store{db: db} }

// columns of audit_events, in the order Append writes and Search reads them.
const columns = "id, at, actor_id, actor_role, kind, action, subject_id, outcome, reason, trace_id"

// maxAppend bounds the rows of one INSERT, under both engines' limits on parameters.
const maxAppend = 500

// Append writes events, each as sanitised shows it, in one transaction per maxAppend rows.
func (s *Store) Append(ctx context.Context, events []Event) error {
	for len(events) > 0 {
		n := min(len(events), maxAppend)
		if err := s.insert(ctx, events[:n]); err != nil {
			return err
		}
		events = events[n:]
	}
	return nil
}

func (s *Store) insert(ctx context.Context, events []Event) error {
	var sb strings.Builder
	sb.WriteString("INSERT INTO audit_events (" + columns + ") VALUES ")
	args := make([]any, 0, len(events)*10)
	for i, e := range events {
		e = e.sanitised()
		if i > 0 {
			sb.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
		args = append(args, e.ID, sqlstore.FormatTime(e.At), e.ActorID, e.ActorRole, string(e.Kind), e.Action, e.SubjectID,
			e.Outcome, e.Reason, e.TraceID)
	}
	sb.WriteString(" ON CONFLICT (id) DO NOTHING")
	if _, err := s.db.ExecContext(ctx, sb.String(), args...); err != nil {
		return fmt.Errorf("append audit events: %w", err)
	}
	return nil
}

// ReasonInvalidPageToken refuses a page token this store did not make.
const ReasonInvalidPageToken = "INVALID_PAGE_TOKEN"

var errPageToken = fault.Invalid(ReasonInvalidPageToken,
	fault.Violation{Field: "pageToken", Description: "must be a nextPageToken this endpoint returned"})

// Search returns the events q selects, newest first, one page at a time. The page token is the
// last event's time and id, so a page never repeats or skips an event written meanwhile.
func (s *Store) Search(ctx context.Context, q Query) (Page, error) {
	size := q.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	size = min(size, MaxPageSize)
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.SubjectID != "" {
		where = append(where, "subject_id = "+arg(q.SubjectID))
	}
	if q.ActorID != "" {
		where = append(where, "actor_id = "+arg(q.ActorID))
	}
	if q.Action != "" {
		where = append(where, "action = "+arg(q.Action))
	}
	switch q.Outcome {
	case OutcomeRefused:
		where = append(where, "kind IN ('REFUSED', 'SIGN_IN_FAILED')")
	case OutcomeAllowed:
		where = append(where, "kind IN ('READ', 'CHANGE')")
	}
	if q.PageToken != "" {
		at, id, ok := decodeToken(q.PageToken)
		if !ok {
			return Page{}, errPageToken
		}
		a, i := arg(at), arg(id)
		where = append(where, "(at < "+a+" OR (at = "+a+" AND id < "+i+"))")
	}
	query := "SELECT " + columns + " FROM audit_events"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// The query is constants and $n placeholders; the values travel in args.
	query += " ORDER BY at DESC, id DESC LIMIT " + arg(size+1) //nolint:gosec // G202: see above
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return Page{}, fmt.Errorf("search audit events: %w", err)
	}
	defer rows.Close()
	page := Page{Events: []Event{}}
	for rows.Next() {
		var e Event
		var at, kind string
		if err := rows.Scan(&e.ID, &at, &e.ActorID, &e.ActorRole, &kind, &e.Action, &e.SubjectID, &e.Outcome, &e.Reason, &e.TraceID); err != nil {
			return Page{}, fmt.Errorf("read audit event: %w", err)
		}
		if e.At, err = sqlstore.ParseTime(at); err != nil {
			return Page{}, err
		}
		e.Kind = Kind(kind)
		page.Events = append(page.Events, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("search audit events: %w", err)
	}
	if len(page.Events) > size {
		page.Events = page.Events[:size]
		last := page.Events[size-1]
		page.NextPageToken = encodeToken(last.At, last.ID)
	}
	return page, nil
}

func encodeToken(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sqlstore.FormatTime(at) + " " + id))
}

func decodeToken(token string) (at, id string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", "", false
	}
	at, id, ok = strings.Cut(string(raw), " ")
	if !ok || !ValidID(id) {
		return "", "", false
	}
	if _, err := time.Parse(sqlstore.TimeLayout, at); err != nil {
		return "", "", false
	}
	return at, id, true
}

// Pseudonymise replaces an erased person's id, as actor and as subject, by its keyed pseudonym,
// so that only pseudonymous records remain; it returns how many events it changed.
func (s *Store) Pseudonymise(ctx context.Context, id, pseudonym string) (int, error) {
	changed := 0
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		changed, err = PseudonymiseIn(ctx, tx, map[string]string{id: pseudonym})
		return err
	})
	return changed, err
}

// PseudonymiseIn is Pseudonymise of several ids (id → pseudonym) inside tx, a transaction on
// the log's database: the account erasure runs it with its own changes.
func PseudonymiseIn(ctx context.Context, tx *sql.Tx, pseudonyms map[string]string) (int, error) {
	changed := 0
	for id, pseudonym := range pseudonyms {
		if !ValidID(id) || !ValidID(pseudonym) {
			return 0, fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "id", Description: "must be an id and its pseudonym"})
		}
		for _, update := range []string{
			`UPDATE audit_events SET actor_id = $1 WHERE actor_id = $2`,
			`UPDATE audit_events SET subject_id = $1 WHERE subject_id = $2`,
		} {
			res, err := tx.ExecContext(ctx, update, pseudonym, id)
			if err != nil {
				return 0, fmt.Errorf("pseudonymise audit events: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return 0, err
			}
			changed += int(n)
		}
	}
	return changed, nil
}

// purgeBatch bounds one purge statement, so that the first purge of a long history holds its
// locks briefly.
const purgeBatch = 1000

// PurgeBefore deletes the events older than before and returns how many went.
func (s *Store) PurgeBefore(ctx context.Context, before time.Time) (int, error) {
	purged := 0
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM audit_events WHERE id IN
			(SELECT id FROM audit_events WHERE at < $1 ORDER BY at LIMIT $2)`, sqlstore.FormatTime(before), purgeBatch)
		if err != nil {
			return purged, fmt.Errorf("purge audit events: %w", err)
		}
		n, err := res.RowsAffected()
		purged += int(n)
		if err != nil || n < purgeBatch {
			return purged, err
		}
	}
}
