// Package app holds the notification use cases, one per file: keeping what events say about
// accounts, profiles and missions; turning events into notifications and their deliveries;
// delivering them (webhooks, emails) with retries; reminding of expiring offers; and what
// accounts read and manage through the API.
package app

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// Repository stores the service's read model, notifications, webhooks and deliveries. Reads
// outside a transaction see committed data; every change goes through the runner.
type Repository interface {
	txn.Runner[Tx]

	// Notifications returns up to limit of an account's notifications, newest first, strictly
	// after the cursor when there is one.
	Notifications(ctx context.Context, accountID string, unreadOnly bool, after *missionrules.Cursor, limit int) ([]domain.Notification, error)
	// NotificationsSince returns up to limit notifications of an account ("": of every account)
	// created at or after since, oldest first (the live feed).
	NotificationsSince(ctx context.Context, accountID string, since time.Time, limit int) ([]domain.Notification, error)
	Notification(ctx context.Context, id string) (domain.Notification, error)
	Account(ctx context.Context, id string) (domain.Account, bool, error)
	Webhook(ctx context.Context, id string) (domain.Webhook, error)
	Webhooks(ctx context.Context, accountID string) ([]domain.Webhook, error)
	// Deliveries returns up to limit deliveries to a webhook, newest first, after the cursor.
	Deliveries(ctx context.Context, webhookID string, after *missionrules.Cursor, limit int) ([]domain.Delivery, error)
	// Attempts returns the attempts of each delivery, oldest first.
	Attempts(ctx context.Context, deliveryIDs []string) (map[string][]domain.Attempt, error)
	// DueReminders returns up to limit reminders due at now, soonest first.
	DueReminders(ctx context.Context, now time.Time, limit int) ([]domain.Reminder, error)
	// RecordFirstStart records now as the service's first start unless one is recorded, and
	// returns the recorded one.
	RecordFirstStart(ctx context.Context, now time.Time) (time.Time, error)
	// PurgeBefore deletes the notifications created before a time, with their deliveries and
	// attempts, and returns how many notifications went.
	PurgeBefore(ctx context.Context, before time.Time) (int, error)
}

// Tx is what a use case may read and change inside one transaction.
type Tx interface {
	SaveAccount(ctx context.Context, a domain.Account) error
	Account(ctx context.Context, id string) (domain.Account, bool, error)
	// EraseAccount deletes the account and everything kept for it: its notifications, webhooks
	// and their deliveries; its profiles are forgotten (ForgetProfile).
	EraseAccount(ctx context.Context, id string) error

	SaveProfile(ctx context.Context, profileID, accountID string) error
	// ForgetProfile keeps an erased profile's id with no account, so that later events naming
	// it tell nobody on its side instead of waiting for it.
	ForgetProfile(ctx context.Context, profileID string) error
	// ProfileAccount is the account owning a profile ("" once erased); false when no event said
	// yet.
	ProfileAccount(ctx context.Context, profileID string) (string, bool, error)

	// Mission locks the mission's record for the rest of the transaction, then reads it; false
	// when no event named it yet.
	Mission(ctx context.Context, id string) (domain.Mission, bool, error)
	SaveMission(ctx context.Context, m domain.Mission) error

	// AddNotification stores n unless one of the same event for the same account exists;
	// false then.
	AddNotification(ctx context.Context, n domain.Notification) (bool, error)
	Notification(ctx context.Context, id string) (domain.Notification, error)
	MarkRead(ctx context.Context, id string, at time.Time) error

	CreateWebhook(ctx context.Context, w domain.Webhook) error
	// DeleteWebhook deletes an account's webhook and its pending deliveries; false when the
	// account has no such webhook.
	DeleteWebhook(ctx context.Context, accountID, id string) (bool, error)
	Webhooks(ctx context.Context, accountID string) ([]domain.Webhook, error)
	Webhook(ctx context.Context, id string) (domain.Webhook, error)

	// AddDelivery stores d unless the same (notification, channel, target) exists.
	AddDelivery(ctx context.Context, d domain.Delivery) error
	// HastenWaitingEmails makes an account's pending emails due at now: they were waiting for
	// the account's first event.
	HastenWaitingEmails(ctx context.Context, accountID string, now time.Time) error
	// DueDeliveries returns up to limit pending deliveries over channel due at now, soonest first.
	DueDeliveries(ctx context.Context, channel domain.Channel, now time.Time, limit int) ([]domain.Delivery, error)
	// Delivery locks a delivery for the rest of the transaction, then reads it.
	Delivery(ctx context.Context, id string) (domain.Delivery, error)
	SaveDelivery(ctx context.Context, d domain.Delivery) error
	AddAttempt(ctx context.Context, a domain.Attempt) error

	SaveReminder(ctx context.Context, r domain.Reminder) error
	DropReminder(ctx context.Context, offerID string) error
	// Reminder locks and reads an offer's reminder; false when there is none (sent or dropped).
	Reminder(ctx context.Context, offerID string) (domain.Reminder, bool, error)
}

// Poster makes one webhook call: POST body to url with headers, within the call's timeout,
// connecting only to allowed addresses. It returns the answer's status code, or an error
// (a refused address, a timeout) worded without the address.
type Poster interface {
	Post(ctx context.Context, url string, headers map[string]string, body []byte) (int, error)
}

// Email is one email to send: ID is the same on every retry (the delivery's). HTML is the
// same content as Text.
type Email struct {
	ID, To, Subject, Text, HTML string
}

// Mailer sends emails. An error wrapping ErrUndeliverable will fail again on a retry.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// ErrUndeliverable marks a send that no retry can fix (an address the server refuses).
var ErrUndeliverable = errors.New("undeliverable")

// Config are the service's tunables.
type Config struct {
	// AllowInsecureWebhooks accepts http and loopback endpoints (development).
	AllowInsecureWebhooks bool
	// UnknownAccountWait is how long an email waits for the account's first event before it is
	// skipped.
	UnknownAccountWait time.Duration
	// Lease is how long a claimed delivery is left to its worker before another may retry it.
	Lease time.Duration
	// Retention is how long notifications, their deliveries and attempts are kept; 0 keeps
	// them forever.
	Retention time.Duration
	// PublicURL is where people reach the platform, the base of the links in emails; empty
	// leaves the links out.
	PublicURL string
	// Observer is told what became of notifications and deliveries (metrics); nil tells nobody.
	Observer Observer
}

// Observer is told, once committed, what became of notifications and their deliveries.
type Observer interface {
	// Notified: n notifications were added to accounts' in-app feeds.
	Notified(n int)
	// DeliveryEnded: a delivery over channel reached a final status (DELIVERED, FAILED or
	// SKIPPED).
	DeliveryEnded(channel domain.Channel, status domain.DeliveryStatus)
	// Attempted: a webhook call was made, or an email handed to the mail server, and recorded;
	// status is its delivery's after it (PENDING: it will be tried again).
	Attempted(channel domain.Channel, status domain.DeliveryStatus)
}

// nobody is the Observer of an application given none.
type nobody struct{}

func (nobody) Notified(int)                                        {}
func (nobody) DeliveryEnded(domain.Channel, domain.DeliveryStatus) {}
func (nobody) Attempted(domain.Channel, domain.DeliveryStatus)     {}

// Application is the service's use cases over its repository.
type Application struct {
	repo   Repository
	poster Poster
	mailer Mailer
	cfg    Config
	now    func() time.Time
	newID  func() string
	// created is told that notifications were committed (the live feed and the dispatchers
	// wake up at once instead of at their next poll).
	created func()
	feed    *feed
	// firstStart is the service's first start (unix nanoseconds; 0 until Start): the events
	// that happened before are history.
	firstStart atomic.Int64
}

// New builds the application. mailer may be nil: emails are then skipped. created, told after
// notifications were committed, may be nil.
func New(repo Repository, poster Poster, mailer Mailer, cfg Config, now func() time.Time, newID func() string, created func()) *Application {
	if cfg.UnknownAccountWait == 0 {
		cfg.UnknownAccountWait = 10 * time.Minute
	}
	if cfg.Lease == 0 {
		cfg.Lease = 30 * time.Second // longer than a webhook call (10 s) or an SMTP exchange (15 s)
	}
	if cfg.Observer == nil {
		cfg.Observer = nobody{}
	}
	a := &Application{repo: repo, poster: poster, mailer: mailer, cfg: cfg, now: now, newID: newID, feed: newFeed()}
	a.created = func() {
		a.feed.poke()
		if created != nil {
			created()
		}
	}
	return a
}

// historyMargin: events of the minute before the first start are still news (the platform's
// services start together, and a first action may be faster than this service).
const historyMargin = time.Minute

// Start records the service's first start, unless an earlier one is recorded: the events that
// happened before it are applied to the read model but tell nobody, so that a first start on
// a platform with a history does not announce it all again.
func (a *Application) Start(ctx context.Context) error {
	first, err := a.repo.RecordFirstStart(ctx, a.now())
	if err != nil {
		return err
	}
	a.firstStart.Store(first.Add(-historyMargin).UnixNano())
	return nil
}

// isHistory tells an event that happened before the service's first start.
func (a *Application) isHistory(occurredAt time.Time) bool {
	cutoff := a.firstStart.Load()
	return cutoff != 0 && !occurredAt.IsZero() && occurredAt.UnixNano() < cutoff
}

// Purge deletes what is older than the retention, and returns how many notifications went.
func (a *Application) Purge(ctx context.Context) (int, error) {
	if a.cfg.Retention <= 0 {
		return 0, nil
	}
	return a.repo.PurgeBefore(ctx, a.now().Add(-a.cfg.Retention))
}

// Rendered is a notification with its texts in its account's language.
type Rendered struct {
	domain.Notification
	domain.Text
}

// languageOf is the language an account reads in: its own, or the request's when the service
// has not heard of the account yet.
func (a *Application) languageOf(ctx context.Context, accountID string) (locale.Language, error) {
	acc, ok, err := a.repo.Account(ctx, accountID)
	if err != nil {
		return "", err
	}
	if ok && acc.Language != "" {
		return acc.Language, nil
	}
	return locale.FromContext(ctx), nil
}

func render(n domain.Notification, lang locale.Language) Rendered {
	return Rendered{Notification: n, Text: domain.TextOf(n, lang)}
}
