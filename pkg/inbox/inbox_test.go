package inbox

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// eachBackend runs fn once per backend, each with a fresh database holding the inbox.
func eachBackend(t *testing.T, fn func(t *testing.T, db *sql.DB)) {
	t.Helper()
	sqltest.Run(t, fn, Migrations())
}

func claimTx(t *testing.T, db *sql.DB, consumer, eventID string) bool {
	t.Helper()
	var claimed bool
	err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
		var err error
		claimed, err = Claim(context.Background(), tx, consumer, eventID)
		return err
	})
	if err != nil {
		t.Fatalf("Claim(%s): %v", eventID, err)
	}
	return claimed
}

func TestMigrationsSet(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		if Migrations().Name != "inbox" {
			t.Errorf("set name = %q", Migrations().Name)
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE set_name = 'inbox'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("inbox migrations recorded: %d, %v", n, err)
		}
		// Applying again is harmless.
		if err := sqlstore.Migrate(context.Background(), db, Migrations()); err != nil {
			t.Errorf("second Migrate: %v", err)
		}
	})
}

func TestClaimTrueThenFalse(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		before := time.Now().UTC()
		if !claimTx(t, db, "mission.shortlists", "ev-1") {
			t.Fatal("first claim of ev-1 = false, want true")
		}
		if claimTx(t, db, "mission.shortlists", "ev-1") {
			t.Fatal("second claim of ev-1 = true, want false")
		}
		if !claimTx(t, db, "mission.shortlists", "ev-2") {
			t.Fatal("first claim of ev-2 = false, want true")
		}

		var consumer, at string
		if err := db.QueryRow(`SELECT consumer, processed_at FROM processed_events WHERE event_id = 'ev-1'`).
			Scan(&consumer, &at); err != nil {
			t.Fatal(err)
		}
		if consumer != "mission.shortlists" {
			t.Errorf("consumer = %q", consumer)
		}
		ts, err := time.Parse(time.RFC3339Nano, at)
		if err != nil || ts.Before(before.Add(-time.Second)) || ts.After(time.Now().Add(time.Second)) {
			t.Errorf("processed_at = %q (%v)", at, err)
		}
	})
}

// Claims are per consumer: two consumers in one service database may both handle the same event.
func TestClaimIsPerConsumer(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		if !claimTx(t, db, "matching.profiles", "ev-1") {
			t.Fatal("first consumer's claim = false")
		}
		if !claimTx(t, db, "matching.missions", "ev-1") {
			t.Fatal("second consumer's claim of the same event = false: it would skip an event it never handled")
		}
		if claimTx(t, db, "matching.profiles", "ev-1") || claimTx(t, db, "matching.missions", "ev-1") {
			t.Fatal("a consumer claimed the same event twice")
		}
	})
}

func TestClaimTwiceInOneTx(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
			first, err := Claim(context.Background(), tx, "c", "ev-1")
			if err != nil {
				return err
			}
			second, err := Claim(context.Background(), tx, "c", "ev-1")
			if err != nil {
				return err
			}
			if !first || second {
				t.Errorf("claims in one tx = %v, %v; want true, false", first, second)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestClaimInRolledBackTxDoesNotStick(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		handlerFailed := errors.New("handler failed after claiming")
		err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
			claimed, err := Claim(context.Background(), tx, "c", "ev-1")
			if err != nil {
				return err
			}
			if !claimed {
				t.Error("claim in the first tx = false")
			}
			return handlerFailed
		})
		if !errors.Is(err, handlerFailed) {
			t.Fatalf("InTx = %v", err)
		}
		// The redelivered event is claimed again, and its effect applied this time.
		if !claimTx(t, db, "c", "ev-1") {
			t.Fatal("claim after a rolled-back claim = false: the event would be skipped forever")
		}
		if claimTx(t, db, "c", "ev-1") {
			t.Fatal("claim after a committed claim = true")
		}
	})
}

func TestConcurrentClaimsExactlyOneWins(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
					claimed, err := Claim(context.Background(), tx, "c", "ev-race")
					if claimed {
						wins.Add(1)
					}
					return err
				})
				if err != nil {
					t.Errorf("InTx: %v", err)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d concurrent claims won, want exactly 1", n)
		}
	})
}

func TestClaimReportsDatabaseErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if claimed, err := Claim(context.Background(), tx, "c", "ev-1"); err == nil || claimed {
			t.Errorf("Claim on a finished tx = %v, %v; want an error", claimed, err)
		}
	})
}
