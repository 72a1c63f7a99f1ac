package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/services/notification/adapters/store"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

var t0 = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)

func run(t *testing.T, fn func(t *testing.T, ctx context.Context, repo *store.Repository)) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB) { fn(t, context.Background(), store.NewRepository(db)) }, store.Migrations()...)
}

func inTx(t *testing.T, repo *store.Repository, fn func(ctx context.Context, tx app.Tx) error) {
	t.Helper()
	if err := repo.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func notification(i int, account string) domain.Notification {
	return domain.Notification{ID: fmt.Sprintf("n%02d", i), AccountID: account, Type: domain.TypeOfferMade,
		EventID: fmt.Sprintf("e%02d", i), MissionID: "m1", OfferID: "o1",
		Facts:     domain.Facts{MissionTitle: "CAIO", DailyRateEUR: 1200, ExpiresAt: t0.Add(72 * time.Hour)},
		CreatedAt: t0.Add(time.Duration(i) * time.Second)}
}

func TestNotificationsOncePerEventAndAccountPagedNewestFirst(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, repo *store.Repository) {
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			for i := range 5 {
				if added, err := tx.AddNotification(ctx, notification(i, "acc-1")); err != nil || !added {
					return fmt.Errorf("add %d: %v %v", i, added, err)
				}
			}
			again := notification(2, "acc-1")
			again.ID = "other-id"
			if added, err := tx.AddNotification(ctx, again); err != nil || added {
				return fmt.Errorf("the same event for the same account was added again: %v %v", added, err)
			}
			other := notification(2, "acc-2")
			other.ID = "n-acc-2"
			if added, err := tx.AddNotification(ctx, other); err != nil || !added {
				return fmt.Errorf("the same event for another account: %v %v", added, err)
			}
			return tx.MarkRead(ctx, "n04", t0.Add(time.Hour))
		})
		page, err := repo.Notifications(ctx, "acc-1", false, nil, 3)
		if err != nil || len(page) != 3 || page[0].ID != "n04" || page[2].ID != "n02" {
			t.Fatalf("first page = %v, %v", ids(page), err)
		}
		if page[0].ReadAt != t0.Add(time.Hour) || page[1].Facts.ExpiresAt != t0.Add(72*time.Hour) || page[1].Facts.MissionTitle != "CAIO" {
			t.Errorf("read back: %+v", page[:2])
		}
		rest, err := repo.Notifications(ctx, "acc-1", false, &missionrules.Cursor{CreatedAt: page[2].CreatedAt, ID: page[2].ID}, 3)
		if err != nil || len(rest) != 2 || rest[0].ID != "n01" {
			t.Fatalf("second page = %v, %v", ids(rest), err)
		}
		unread, err := repo.Notifications(ctx, "acc-1", true, nil, 10)
		if err != nil || len(unread) != 4 {
			t.Fatalf("unread = %v, %v", ids(unread), err)
		}
		since, err := repo.NotificationsSince(ctx, "", t0.Add(2*time.Second), 10)
		if err != nil || len(since) != 4 || since[0].ID != "n-acc-2" || since[1].ID != "n02" { // same time: id order
			t.Fatalf("since = %v, %v", ids(since), err)
		}
		since, err = repo.NotificationsSince(ctx, "acc-1", t0.Add(3*time.Second), 10)
		if err != nil || len(since) != 2 || since[0].ID != "n03" {
			t.Fatalf("since of acc-1 = %v, %v", ids(since), err)
		}
	})
}

func ids(ns []domain.Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID)
	}
	return out
}

func TestDeliveriesOncePerTargetDueAndAttempted(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, repo *store.Repository) {
		hook := domain.Webhook{ID: "w1", AccountID: "acc-1", URL: "https://hooks.example.com", Key: []byte("0123456789abcdef0123456789abcdef"),
			Events: []domain.Type{domain.TypeOfferMade, domain.TypeOfferExpiring}, CreatedAt: t0}
		d := domain.Delivery{ID: "d1", NotificationID: "n1", Channel: domain.ChannelWebhook, Target: "w1", AccountID: "acc-1",
			Type: domain.TypeOfferMade, Status: domain.DeliveryPending, CreatedAt: t0, NextAttemptAt: t0}
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			if err := tx.CreateWebhook(ctx, hook); err != nil {
				return err
			}
			if err := tx.AddDelivery(ctx, d); err != nil {
				return err
			}
			again := d
			again.ID = "d1-again"
			return tx.AddDelivery(ctx, again)
		})
		got, err := repo.Webhook(ctx, "w1")
		if err != nil || string(got.Key) != string(hook.Key) || !got.Wants(domain.TypeOfferExpiring) || got.Wants(domain.TypeOfferExpired) {
			t.Fatalf("webhook = %+v, %v", got, err)
		}
		due, err := dueDeliveries(t, repo, domain.ChannelWebhook, t0, 10)
		if err != nil || len(due) != 1 || due[0].ID != "d1" {
			t.Fatalf("due = %+v, %v", due, err)
		}
		if due, _ := dueDeliveries(t, repo, domain.ChannelEmail, t0, 10); len(due) != 0 {
			t.Errorf("an email is due: %+v", due)
		}
		attempt := domain.Attempt{DeliveryID: "d1", AttemptedAt: t0, StatusCode: 500, Duration: 120 * time.Millisecond, Error: "status 500"}
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			current, err := tx.Delivery(ctx, "d1")
			if err != nil {
				return err
			}
			current.Record(attempt)
			if err := tx.AddAttempt(ctx, attempt); err != nil {
				return err
			}
			return tx.SaveDelivery(ctx, current)
		})
		if due, _ := dueDeliveries(t, repo, domain.ChannelWebhook, t0.Add(time.Second), 10); len(due) != 0 {
			t.Errorf("due again before its retry: %+v", due)
		}
		due, _ = dueDeliveries(t, repo, domain.ChannelWebhook, t0.Add(time.Minute), 10)
		if len(due) != 1 || due[0].Attempts != 1 {
			t.Fatalf("due at its retry = %+v", due)
		}
		logs, err := repo.Deliveries(ctx, "w1", nil, 10)
		attempts, err2 := repo.Attempts(ctx, []string{"d1"})
		if err != nil || err2 != nil || len(logs) != 1 || len(attempts["d1"]) != 1 || attempts["d1"][0] != attempt {
			t.Fatalf("log = %+v %+v (%v, %v)", logs, attempts, err, err2)
		}
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			if deleted, err := tx.DeleteWebhook(ctx, "acc-2", "w1"); err != nil || deleted {
				return fmt.Errorf("another account deleted the webhook: %v %v", deleted, err)
			}
			_, err := tx.DeleteWebhook(ctx, "acc-1", "w1")
			return err
		})
		if _, err := repo.Webhook(ctx, "w1"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleted webhook read: %v", err)
		}
		if logs, _ := repo.Deliveries(ctx, "w1", nil, 10); len(logs) != 0 {
			t.Errorf("deliveries outlive their webhook: %+v", logs)
		}
	})
}

func TestReadModelRemindersAndErasure(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, repo *store.Repository) {
		acc := domain.Account{ID: "acc-1", Role: "CONSULTANT", Status: domain.AccountActive, Email: "c@example.com",
			Language: "fr", EmailNotifications: true}
		r := domain.Reminder{OfferID: "o1", MissionID: "m1", ProfileID: "p1", Facts: domain.Facts{MissionTitle: "CAIO"}, ExpiresAt: t0.Add(72 * time.Hour)}
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			for _, err := range []error{tx.SaveAccount(ctx, acc), tx.SaveProfile(ctx, "p1", "acc-1"),
				tx.SaveMission(ctx, domain.Mission{ID: "m1", FirmID: "firm-1", Title: "CAIO"}), tx.SaveReminder(ctx, r)} {
				if err != nil {
					return err
				}
			}
			_, err := tx.AddNotification(ctx, notification(1, "acc-1"))
			return err
		})
		if got, ok, err := repo.Account(ctx, "acc-1"); err != nil || !ok || got != acc {
			t.Fatalf("account = %+v %v %v", got, ok, err)
		}
		if due, _ := repo.DueReminders(ctx, t0.Add(47*time.Hour), 10); len(due) != 0 {
			t.Errorf("reminder due 25 h before expiry: %+v", due)
		}
		due, err := repo.DueReminders(ctx, t0.Add(48*time.Hour), 10)
		if err != nil || len(due) != 1 || due[0].ExpiresAt != r.ExpiresAt || due[0].Facts.MissionTitle != "CAIO" {
			t.Fatalf("due reminders = %+v, %v", due, err)
		}
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			m, known, err := tx.Mission(ctx, "m1")
			if err != nil || !known || m.FirmID != "firm-1" {
				return fmt.Errorf("mission = %+v %v %v", m, known, err)
			}
			if id, ok, err := tx.ProfileAccount(ctx, "p1"); err != nil || !ok || id != "acc-1" {
				return fmt.Errorf("profile account = %s %v %v", id, ok, err)
			}
			return tx.EraseAccount(ctx, "acc-1")
		})
		// A tombstone stays: the id alone, which no later change supersedes.
		if a, ok, _ := repo.Account(ctx, "acc-1"); !ok || a.Status != domain.AccountErased || a.Email != "" || a.Name != "" || a.Emailable() {
			t.Errorf("erased account: %+v %v, want its tombstone", a, ok)
		} else if (domain.Account{ID: "acc-1", Email: "back@example.org", Version: 99}).Supersedes(a) {
			t.Error("a late change supersedes the tombstone")
		}
		if ns, _ := repo.Notifications(ctx, "acc-1", false, nil, 10); len(ns) != 0 {
			t.Errorf("erased account's notifications kept: %v", ids(ns))
		}
	})
}

// TestErasingAFirmForgetsItsNameInTheFactsOfItsMissions: the notifications and reminders about the
// erased firm's missions lose its name and keep the rest; another firm's keep its name.
func TestErasingAFirmForgetsItsNameInTheFactsOfItsMissions(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, repo *store.Repository) {
		about := func(i int, mission, firm string) (domain.Notification, domain.Reminder) {
			n := notification(i, "acc-1")
			n.MissionID, n.OfferID, n.Facts.FirmName = mission, "o-"+mission, firm
			return n, domain.Reminder{OfferID: n.OfferID, MissionID: mission, ProfileID: "p1", Facts: n.Facts, ExpiresAt: t0.Add(72 * time.Hour)}
		}
		erasedN, erasedR := about(1, "m1", "Acme")
		keptN, keptR := about(2, "m2", "Globex")
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			for _, err := range []error{
				tx.SaveMission(ctx, domain.Mission{ID: "m1", FirmID: "firm-1", Title: "CAIO"}),
				tx.SaveMission(ctx, domain.Mission{ID: "m2", FirmID: "firm-2", Title: "CAIO"}),
				tx.SaveReminder(ctx, erasedR), tx.SaveReminder(ctx, keptR),
			} {
				if err != nil {
					return err
				}
			}
			for _, n := range []domain.Notification{erasedN, keptN} {
				if _, err := tx.AddNotification(ctx, n); err != nil {
					return err
				}
			}
			return tx.EraseAccount(ctx, "firm-1")
		})
		for _, want := range []domain.Notification{erasedN, keptN} {
			if want.MissionID == "m1" {
				want.Facts.FirmName = ""
			}
			got, err := repo.Notification(ctx, want.ID)
			if err != nil || got.Facts != want.Facts {
				t.Errorf("notification about %s: facts %+v (%v), want %+v", want.MissionID, got.Facts, err, want.Facts)
			}
		}
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			for _, want := range []domain.Reminder{erasedR, keptR} {
				if want.MissionID == "m1" {
					want.Facts.FirmName = ""
				}
				got, ok, err := tx.Reminder(ctx, want.OfferID)
				if err != nil || !ok || got.Facts != want.Facts {
					t.Errorf("reminder about %s: facts %+v (%v %v), want %+v", want.MissionID, got.Facts, ok, err, want.Facts)
				}
			}
			return nil
		})
	})
}

func dueDeliveries(t *testing.T, repo *store.Repository, channel domain.Channel, now time.Time, limit int) ([]domain.Delivery, error) {
	var due []domain.Delivery
	err := repo.InTx(context.Background(), func(ctx context.Context, tx app.Tx) error {
		var err error
		due, err = tx.DueDeliveries(ctx, channel, now, limit)
		return err
	})
	return due, err
}

// TestPurgeDeletesOldNotificationsWithTheirDeliveriesAndAttempts: what is older than the
// limit goes, deliveries and attempts with it; the rest stays.
func TestPurgeDeletesOldNotificationsWithTheirDeliveriesAndAttempts(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, repo *store.Repository) {
		deliveries := make([]string, 5)
		inTx(t, repo, func(ctx context.Context, tx app.Tx) error {
			for i := range deliveries {
				n := notification(i, "acc-1")
				deliveries[i] = "d-" + n.ID
				if _, err := tx.AddNotification(ctx, n); err != nil {
					return err
				}
				if err := tx.AddDelivery(ctx, domain.Delivery{ID: deliveries[i], NotificationID: n.ID, Channel: domain.ChannelWebhook,
					Target: "w1", AccountID: "acc-1", Type: n.Type, Status: domain.DeliveryDelivered, CreatedAt: n.CreatedAt}); err != nil {
					return err
				}
				if err := tx.AddAttempt(ctx, domain.Attempt{DeliveryID: deliveries[i], AttemptedAt: n.CreatedAt, StatusCode: 204}); err != nil {
					return err
				}
			}
			return nil
		})
		if purged, err := repo.PurgeBefore(ctx, t0.Add(3*time.Second)); err != nil || purged != 3 {
			t.Fatalf("purged %d, %v; want the 3 created before", purged, err)
		}
		left, err := repo.Notifications(ctx, "acc-1", false, nil, 10)
		if err != nil || fmt.Sprint(ids(left)) != "[n04 n03]" {
			t.Errorf("notifications left: %v, %v", ids(left), err)
		}
		logs, err := repo.Deliveries(ctx, "w1", nil, 10)
		if err != nil || len(logs) != 2 || logs[0].ID != "d-n04" || logs[1].ID != "d-n03" {
			t.Errorf("deliveries left: %+v, %v", logs, err)
		}
		attempts, err := repo.Attempts(ctx, deliveries)
		if err != nil || len(attempts) != 2 || len(attempts["d-n03"]) != 1 {
			t.Errorf("attempts left: %v, %v", attempts, err)
		}
	})
}
