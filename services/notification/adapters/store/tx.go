package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// tx implements app.Tx over one SQL transaction. What a use case reads and then changes (a
// mission's record, a delivery, a reminder) is locked by name first (sqltx.Tx.Lock), so on
// PostgreSQL two transactions never interleave on it; SQLite runs writers one at a time.
type tx struct{ sql *sqltx.Tx }

var _ app.Tx = (*tx)(nil)

func (t *tx) exec(ctx context.Context, what, query string, args ...any) error {
	if _, err := t.sql.SQL.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *tx) SaveAccount(ctx context.Context, a domain.Account) error {
	return t.exec(ctx, "save account", `INSERT INTO accounts (id, role, status, email, language, email_notifications, version, name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET role = excluded.role, status = excluded.status,
		email = excluded.email, language = excluded.language, email_notifications = excluded.email_notifications,
		version = excluded.version, name = excluded.name`,
		a.ID, a.Role, string(a.Status), a.Email, string(a.Language), flag(a.EmailNotifications), a.Version, a.Name)
}

func (t *tx) Account(ctx context.Context, id string) (domain.Account, bool, error) {
	return account(ctx, t.sql.SQL, id)
}

func (t *tx) EraseAccount(ctx context.Context, id string) error {
	t.sql.Erases()
	// A firm's name, kept in the facts of the notifications and reminders of its missions.
	for _, facts := range firmFacts {
		if err := t.forgetFirmName(ctx, facts, id); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE account_id = $1)`,
		`DELETE FROM deliveries WHERE account_id = $1`,
		`DELETE FROM notifications WHERE account_id = $1`,
		`DELETE FROM webhooks WHERE account_id = $1`,
		`UPDATE profiles SET account_id = '' WHERE account_id = $1`,
		`DELETE FROM accounts WHERE id = $1`,
	} {
		if err := t.exec(ctx, "erase account", q, id); err != nil {
			return err
		}
	}
	return t.SaveAccount(ctx, domain.Account{ID: id, Status: domain.AccountErased, Version: domain.ErasedVersion})
}

func (t *tx) SaveProfile(ctx context.Context, profileID, accountID string) error {
	return t.exec(ctx, "save profile", `INSERT INTO profiles (profile_id, account_id) VALUES ($1, $2)
		ON CONFLICT (profile_id) DO UPDATE SET account_id = excluded.account_id`, profileID, accountID)
}

func (t *tx) ForgetProfile(ctx context.Context, profileID string) error {
	t.sql.Erases()
	if err := t.exec(ctx, "forget profile's reminders", `DELETE FROM reminders WHERE profile_id = $1`, profileID); err != nil {
		return err
	}
	return t.SaveProfile(ctx, profileID, "")
}

func (t *tx) ProfileAccount(ctx context.Context, profileID string) (string, bool, error) {
	id, err := queryOne(ctx, t.sql.SQL, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, `SELECT account_id FROM profiles WHERE profile_id = $1`, profileID)
	if errors.Is(err, domain.ErrNotFound) {
		return "", false, nil
	}
	return id, err == nil, err
}

func (t *tx) Mission(ctx context.Context, id string) (domain.Mission, bool, error) {
	if err := t.sql.Lock(ctx, "mission", id); err != nil {
		return domain.Mission{}, false, err
	}
	m, err := queryOne(ctx, t.sql.SQL, func(s scanner) (domain.Mission, error) {
		var m domain.Mission
		return m, s.Scan(&m.ID, &m.FirmID, &m.Title, &m.StaffedProfileID, &m.Shortlist, &m.ShortlistRevision)
	}, `SELECT id, firm_id, title, staffed_profile_id, shortlist, shortlist_revision FROM missions WHERE id = $1`, id)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Mission{ID: id}, false, nil
	}
	return m, err == nil, err
}

func (t *tx) SaveMission(ctx context.Context, m domain.Mission) error {
	return t.exec(ctx, "save mission", `INSERT INTO missions (id, firm_id, title, staffed_profile_id, shortlist,
		shortlist_revision) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET firm_id = excluded.firm_id,
		title = excluded.title, staffed_profile_id = excluded.staffed_profile_id, shortlist = excluded.shortlist,
		shortlist_revision = excluded.shortlist_revision`,
		m.ID, m.FirmID, m.Title, m.StaffedProfileID, m.Shortlist, m.ShortlistRevision)
}

func (t *tx) AddNotification(ctx context.Context, n domain.Notification) (bool, error) {
	facts, err := json.Marshal(n.Facts)
	if err != nil {
		return false, err
	}
	res, err := t.sql.SQL.ExecContext(ctx, `INSERT INTO notifications
		(id, account_id, type, event_id, mission_id, offer_id, facts, created_at, read_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event_id, account_id) DO NOTHING`,
		n.ID, n.AccountID, string(n.Type), n.EventID, n.MissionID, n.OfferID, string(facts),
		sqlstore.FormatTime(n.CreatedAt), formatOptional(n.ReadAt))
	if err != nil {
		return false, fmt.Errorf("add notification: %w", err)
	}
	added, err := res.RowsAffected()
	return added == 1, err
}

func (t *tx) Notification(ctx context.Context, id string) (domain.Notification, error) {
	return queryOne(ctx, t.sql.SQL, scanNotification, selectNotification+` WHERE id = $1`, id)
}

func (t *tx) MarkRead(ctx context.Context, id string, at time.Time) error {
	return t.exec(ctx, "mark read", `UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at = ''`,
		sqlstore.FormatTime(at), id)
}

func (t *tx) CreateWebhook(ctx context.Context, w domain.Webhook) error {
	events := make([]string, len(w.Events))
	for i, e := range w.Events {
		events[i] = string(e)
	}
	return t.exec(ctx, "create webhook", `INSERT INTO webhooks (id, account_id, url, events, signing_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, w.ID, w.AccountID, w.URL, strings.Join(events, ","),
		base64.StdEncoding.EncodeToString(w.Key), sqlstore.FormatTime(w.CreatedAt))
}

func (t *tx) DeleteWebhook(ctx context.Context, accountID, id string) (bool, error) {
	res, err := t.sql.SQL.ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1 AND account_id = $2`, id, accountID)
	if err != nil {
		return false, fmt.Errorf("delete webhook: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if err := t.exec(ctx, "delete webhook attempts", `DELETE FROM delivery_attempts WHERE delivery_id IN
		(SELECT id FROM deliveries WHERE channel = 'webhook' AND target = $1)`, id); err != nil {
		return false, err
	}
	return true, t.exec(ctx, "delete webhook deliveries", `DELETE FROM deliveries WHERE channel = 'webhook' AND target = $1`, id)
}

func (t *tx) Webhooks(ctx context.Context, accountID string) ([]domain.Webhook, error) {
	return webhooksOf(ctx, t.sql.SQL, accountID)
}

func (t *tx) Webhook(ctx context.Context, id string) (domain.Webhook, error) {
	return queryOne(ctx, t.sql.SQL, scanWebhook, selectWebhook+` WHERE id = $1`, id)
}

func (t *tx) AddDelivery(ctx context.Context, d domain.Delivery) error {
	return t.exec(ctx, "add delivery", `INSERT INTO deliveries (id, notification_id, channel, target, account_id, type,
		status, created_at, next_attempt_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (notification_id, channel, target) DO NOTHING`,
		d.ID, d.NotificationID, string(d.Channel), d.Target, d.AccountID, string(d.Type), string(d.Status),
		sqlstore.FormatTime(d.CreatedAt), formatOptional(d.NextAttemptAt), d.Attempts)
}

func (t *tx) HastenWaitingEmails(ctx context.Context, accountID string, now time.Time) error {
	return t.exec(ctx, "hasten emails", `UPDATE deliveries SET next_attempt_at = $1
		WHERE account_id = $2 AND channel = 'email' AND status = $3 AND next_attempt_at > $1`,
		sqlstore.FormatTime(now), accountID, string(domain.DeliveryPending))
}

func (t *tx) DueDeliveries(ctx context.Context, channel domain.Channel, now time.Time, limit int) ([]domain.Delivery, error) {
	return dueDeliveries(ctx, t.sql.SQL, channel, now, limit)
}

func (t *tx) Delivery(ctx context.Context, id string) (domain.Delivery, error) {
	if err := t.sql.Lock(ctx, "delivery", id); err != nil {
		return domain.Delivery{}, err
	}
	return queryOne(ctx, t.sql.SQL, scanDelivery, selectDelivery+` WHERE id = $1`, id)
}

func (t *tx) SaveDelivery(ctx context.Context, d domain.Delivery) error {
	return t.exec(ctx, "save delivery", `UPDATE deliveries SET status = $1, next_attempt_at = $2, attempts = $3 WHERE id = $4`,
		string(d.Status), formatOptional(d.NextAttemptAt), d.Attempts, d.ID)
}

func (t *tx) AddAttempt(ctx context.Context, a domain.Attempt) error {
	return t.exec(ctx, "add attempt", `INSERT INTO delivery_attempts (delivery_id, attempted_at, status_code, duration_ms, error)
		VALUES ($1, $2, $3, $4, $5)`, a.DeliveryID, sqlstore.FormatTime(a.AttemptedAt), a.StatusCode,
		a.Duration.Milliseconds(), a.Error)
}

func (t *tx) SaveReminder(ctx context.Context, r domain.Reminder) error {
	facts, err := json.Marshal(r.Facts)
	if err != nil {
		return err
	}
	return t.exec(ctx, "save reminder", `INSERT INTO reminders (offer_id, mission_id, profile_id, facts, expires_at, due_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (offer_id) DO UPDATE SET expires_at = excluded.expires_at,
		due_at = excluded.due_at`, r.OfferID, r.MissionID, r.ProfileID, string(facts),
		sqlstore.FormatTime(r.ExpiresAt), sqlstore.FormatTime(r.DueAt()))
}

func (t *tx) DropReminder(ctx context.Context, offerID string) error {
	return t.exec(ctx, "drop reminder", `DELETE FROM reminders WHERE offer_id = $1`, offerID)
}

func (t *tx) Reminder(ctx context.Context, offerID string) (domain.Reminder, bool, error) {
	if err := t.sql.Lock(ctx, "reminder", offerID); err != nil {
		return domain.Reminder{}, false, err
	}
	r, err := queryOne(ctx, t.sql.SQL, scanReminder, selectReminder+` WHERE offer_id = $1`, offerID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Reminder{}, false, nil
	}
	return r, err == nil, err
}

// factsTable is a table whose rows keep facts naming a firm: the statements that find the rows
// about the firm's missions ($1 the firm) and rewrite the facts of one ($1 the facts, $2 the row).
type factsTable struct{ name, find, rewrite string }

var firmFacts = []factsTable{
	{
		name: "notifications",
		find: `SELECT id, facts FROM notifications
			WHERE mission_id IN (SELECT id FROM missions WHERE firm_id = $1) AND facts LIKE '%"firmName"%'`,
		rewrite: `UPDATE notifications SET facts = $1 WHERE id = $2`,
	},
	{
		name: "reminders",
		find: `SELECT offer_id, facts FROM reminders
			WHERE mission_id IN (SELECT id FROM missions WHERE firm_id = $1) AND facts LIKE '%"firmName"%'`,
		rewrite: `UPDATE reminders SET facts = $1 WHERE offer_id = $2`,
	},
}

// forgetFirmName removes the firm's name from the facts of the table's rows about its missions.
func (t *tx) forgetFirmName(ctx context.Context, table factsTable, firmID string) error {
	type row struct{ id, facts string }
	found, err := queryRows(ctx, t.sql.SQL, func(s scanner) (row, error) {
		var r row
		err := s.Scan(&r.id, &r.facts)
		return r, err
	}, table.find, firmID)
	if err != nil {
		return fmt.Errorf("forget firm name in %s: %w", table.name, err)
	}
	for _, r := range found {
		var facts domain.Facts
		if err := json.Unmarshal([]byte(r.facts), &facts); err != nil {
			return fmt.Errorf("forget firm name in %s: %w", table.name, err)
		}
		facts.FirmName = ""
		b, err := json.Marshal(facts)
		if err != nil {
			return err
		}
		if err := t.exec(ctx, "forget firm name in "+table.name, table.rewrite, string(b), r.id); err != nil {
			return err
		}
	}
	return nil
}
