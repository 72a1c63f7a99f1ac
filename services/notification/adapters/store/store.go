// Package store keeps the notification service's data in SQLite or PostgreSQL (sqltx): its
// read model of accounts, profiles and missions, notifications, webhooks, deliveries and their
// attempts, and offer reminders. Its SQL keeps to what both engines share.
package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the outbox, the inbox and the notification tables.
func Migrations() []sqlstore.MigrationSet { return sqltx.Migrations("notification", migrations) }

// Repository implements app.Repository.
type Repository struct {
	*sqltx.Runner[app.Tx]
	db *sql.DB
}

var _ app.Repository = (*Repository)(nil)

// NewRepository wraps db.
func NewRepository(db *sql.DB) *Repository {
	return &Repository{Runner: sqltx.New(db, nil, func(t *sqltx.Tx) app.Tx { return &tx{sql: t} }), db: db}
}

// querier is a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

type scanner interface{ Scan(dest ...any) error }

func queryRows[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
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

// queryOne is the single row of a query, or domain.ErrNotFound.
func queryOne[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		err = domain.ErrNotFound
	}
	return v, err
}

// optionalTime is a stored instant where "" means none.
func optionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return sqlstore.ParseTime(s)
}

func formatOptional(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return sqlstore.FormatTime(t)
}

// parseTimes parses stored instants into their destinations, the first error winning.
func parseTimes(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		t, err := optionalTime(pairs[i].(string))
		if err != nil {
			return err
		}
		*pairs[i+1].(*time.Time) = t
	}
	return nil
}

// accounts

const selectAccount = `SELECT id, role, status, email, language, email_notifications, version, name FROM accounts`

func scanAccount(s scanner) (domain.Account, error) {
	var (
		a       domain.Account
		lang    string
		emailOn int
	)
	err := s.Scan(&a.ID, &a.Role, &a.Status, &a.Email, &lang, &emailOn, &a.Version, &a.Name)
	a.Language, a.EmailNotifications = locale.Language(lang), emailOn == 1
	return a, err
}

func account(ctx context.Context, q querier, id string) (domain.Account, bool, error) {
	a, err := queryOne(ctx, q, scanAccount, selectAccount+` WHERE id = $1`, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Account{}, false, nil
	}
	return a, err == nil, err
}

func (r *Repository) Account(ctx context.Context, id string) (domain.Account, bool, error) {
	return account(ctx, r.db, id)
}

// notifications

const selectNotification = `SELECT id, account_id, type, event_id, mission_id, offer_id, facts, created_at, read_at FROM notifications`

func scanNotification(s scanner) (domain.Notification, error) {
	var (
		n                      domain.Notification
		facts, created, readAt string
	)
	if err := s.Scan(&n.ID, &n.AccountID, &n.Type, &n.EventID, &n.MissionID, &n.OfferID, &facts, &created, &readAt); err != nil {
		return n, err
	}
	if err := json.Unmarshal([]byte(facts), &n.Facts); err != nil {
		return n, fmt.Errorf("notification %s facts: %w", n.ID, err)
	}
	return n, parseTimes(created, &n.CreatedAt, readAt, &n.ReadAt)
}

func (r *Repository) Notifications(ctx context.Context, accountID string, unreadOnly bool, after *missionrules.Cursor, limit int) ([]domain.Notification, error) {
	where, args := []string{"account_id = $1"}, []any{accountID}
	if unreadOnly {
		where = append(where, "read_at = ''")
	}
	if after != nil {
		args = append(args, sqlstore.FormatTime(after.CreatedAt), after.ID)
		where = append(where, fmt.Sprintf("(created_at < $%d OR (created_at = $%d AND id < $%d))", len(args)-1, len(args)-1, len(args)))
	}
	args = append(args, limit)
	return queryRows(ctx, r.db, scanNotification, selectNotification+` WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT $%d`, len(args)), args...)
}

func (r *Repository) NotificationsSince(ctx context.Context, accountID string, since time.Time, limit int) ([]domain.Notification, error) {
	if accountID == "" {
		return queryRows(ctx, r.db, scanNotification, selectNotification+` WHERE created_at >= $1 ORDER BY created_at, id LIMIT $2`,
			sqlstore.FormatTime(since), limit)
	}
	return queryRows(ctx, r.db, scanNotification, selectNotification+` WHERE account_id = $1 AND created_at >= $2
		ORDER BY created_at, id LIMIT $3`, accountID, sqlstore.FormatTime(since), limit)
}

func (r *Repository) Notification(ctx context.Context, id string) (domain.Notification, error) {
	return queryOne(ctx, r.db, scanNotification, selectNotification+` WHERE id = $1`, id)
}

// webhooks

const selectWebhook = `SELECT id, account_id, url, events, signing_key, created_at FROM webhooks`

func scanWebhook(s scanner) (domain.Webhook, error) {
	var (
		w                    domain.Webhook
		events, key, created string
	)
	if err := s.Scan(&w.ID, &w.AccountID, &w.URL, &events, &key, &created); err != nil {
		return w, err
	}
	for _, e := range strings.Split(events, ",") {
		w.Events = append(w.Events, domain.Type(e))
	}
	var err error
	if w.Key, err = base64.StdEncoding.DecodeString(key); err != nil {
		return w, fmt.Errorf("webhook %s key: %w", w.ID, err)
	}
	return w, parseTimes(created, &w.CreatedAt)
}

func webhooksOf(ctx context.Context, q querier, accountID string) ([]domain.Webhook, error) {
	return queryRows(ctx, q, scanWebhook, selectWebhook+` WHERE account_id = $1 ORDER BY created_at, id`, accountID)
}

func (r *Repository) Webhooks(ctx context.Context, accountID string) ([]domain.Webhook, error) {
	return webhooksOf(ctx, r.db, accountID)
}

func (r *Repository) Webhook(ctx context.Context, id string) (domain.Webhook, error) {
	return queryOne(ctx, r.db, scanWebhook, selectWebhook+` WHERE id = $1`, id)
}

// deliveries

const selectDelivery = `SELECT id, notification_id, channel, target, account_id, type, status, created_at, next_attempt_at,
	attempts FROM deliveries`

func scanDelivery(s scanner) (domain.Delivery, error) {
	var (
		d             domain.Delivery
		created, next string
	)
	if err := s.Scan(&d.ID, &d.NotificationID, &d.Channel, &d.Target, &d.AccountID, &d.Type, &d.Status, &created, &next, &d.Attempts); err != nil {
		return d, err
	}
	return d, parseTimes(created, &d.CreatedAt, next, &d.NextAttemptAt)
}

func (r *Repository) Deliveries(ctx context.Context, webhookID string, after *missionrules.Cursor, limit int) ([]domain.Delivery, error) {
	if after == nil {
		return queryRows(ctx, r.db, scanDelivery, selectDelivery+` WHERE target = $1 AND channel = 'webhook'
			ORDER BY created_at DESC, id DESC LIMIT $2`, webhookID, limit)
	}
	return queryRows(ctx, r.db, scanDelivery, selectDelivery+` WHERE target = $1 AND channel = 'webhook'
		AND (created_at < $2 OR (created_at = $2 AND id < $3)) ORDER BY created_at DESC, id DESC LIMIT $4`,
		webhookID, sqlstore.FormatTime(after.CreatedAt), after.ID, limit)
}

func dueDeliveries(ctx context.Context, q querier, channel domain.Channel, now time.Time, limit int) ([]domain.Delivery, error) {
	return queryRows(ctx, q, scanDelivery, selectDelivery+` WHERE channel = $1 AND status = $2 AND next_attempt_at <= $3
		ORDER BY next_attempt_at, id LIMIT $4`, string(channel), string(domain.DeliveryPending), sqlstore.FormatTime(now), limit)
}

func scanAttempt(s scanner) (domain.Attempt, error) {
	var (
		a        domain.Attempt
		at       string
		duration int64
	)
	if err := s.Scan(&a.DeliveryID, &at, &a.StatusCode, &duration, &a.Error); err != nil {
		return a, err
	}
	a.Duration = time.Duration(duration) * time.Millisecond
	return a, parseTimes(at, &a.AttemptedAt)
}

func (r *Repository) Attempts(ctx context.Context, deliveryIDs []string) (map[string][]domain.Attempt, error) {
	out := map[string][]domain.Attempt{}
	if len(deliveryIDs) == 0 {
		return out, nil
	}
	placeholders := make([]string, len(deliveryIDs))
	args := make([]any, len(deliveryIDs))
	for i, id := range deliveryIDs {
		placeholders[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	attempts, err := queryRows(ctx, r.db, scanAttempt, `SELECT delivery_id, attempted_at, status_code, duration_ms, error
		FROM delivery_attempts WHERE delivery_id IN (`+strings.Join(placeholders, ", ")+`) ORDER BY attempted_at`, args...)
	for _, a := range attempts {
		out[a.DeliveryID] = append(out[a.DeliveryID], a)
	}
	return out, err
}

// reminders

const selectReminder = `SELECT offer_id, mission_id, profile_id, facts, expires_at FROM reminders`

func scanReminder(s scanner) (domain.Reminder, error) {
	var (
		r              domain.Reminder
		facts, expires string
	)
	if err := s.Scan(&r.OfferID, &r.MissionID, &r.ProfileID, &facts, &expires); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(facts), &r.Facts); err != nil {
		return r, fmt.Errorf("reminder %s facts: %w", r.OfferID, err)
	}
	return r, parseTimes(expires, &r.ExpiresAt)
}

func (r *Repository) DueReminders(ctx context.Context, now time.Time, limit int) ([]domain.Reminder, error) {
	return queryRows(ctx, r.db, scanReminder, selectReminder+` WHERE due_at <= $1 ORDER BY due_at, offer_id LIMIT $2`,
		sqlstore.FormatTime(now), limit)
}

// first start

func (r *Repository) RecordFirstStart(ctx context.Context, now time.Time) (time.Time, error) {
	if _, err := r.db.ExecContext(ctx, `INSERT INTO first_start (singleton, started_at) VALUES (1, $1)
		ON CONFLICT (singleton) DO NOTHING`, sqlstore.FormatTime(now)); err != nil {
		return time.Time{}, fmt.Errorf("record first start: %w", err)
	}
	var started string
	if err := r.db.QueryRowContext(ctx, `SELECT started_at FROM first_start WHERE singleton = 1`).Scan(&started); err != nil {
		return time.Time{}, fmt.Errorf("read first start: %w", err)
	}
	return sqlstore.ParseTime(started)
}

// retention

// purgeBatch bounds one purge transaction, so that a first purge of a long history does not
// hold locks for long.
const purgeBatch = 500

func (r *Repository) PurgeBefore(ctx context.Context, before time.Time) (int, error) {
	purged := 0
	for {
		var n int64
		err := sqlstore.InTx(ctx, r.db, func(tx *sql.Tx) error {
			// The cut and the batch are arguments ($1, $2), so that the statements are fixed strings.
			const old = `SELECT id FROM notifications WHERE created_at < $1 ORDER BY created_at LIMIT $2`
			for _, q := range []string{
				`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE notification_id IN (` + old + `))`,
				`DELETE FROM deliveries WHERE notification_id IN (` + old + `)`,
			} {
				if _, err := tx.ExecContext(ctx, q, sqlstore.FormatTime(before), purgeBatch); err != nil {
					return fmt.Errorf("purge: %w", err)
				}
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE id IN (`+old+`)`, sqlstore.FormatTime(before), purgeBatch)
			if err != nil {
				return fmt.Errorf("purge notifications: %w", err)
			}
			n, err = res.RowsAffected()
			return err
		})
		purged += int(n)
		if err != nil || n < purgeBatch {
			return purged, err
		}
	}
}
