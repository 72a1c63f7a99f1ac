package sqltx_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
)

var counterTable = sqlstore.MigrationSet{Name: "counter", FS: fstest.MapFS{
	"0001_counter.sql": {Data: []byte(`CREATE TABLE counter (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO counter (name, n) VALUES ('c', 0);`)},
}}

// store is a tiny service store: the view of one transaction is *sqltx.Tx itself.
func newRunner(db *sql.DB, wakes *atomic.Int32) *sqltx.Runner[*sqltx.Tx] {
	return sqltx.New(db, func() { wakes.Add(1) }, func(tx *sqltx.Tx) *sqltx.Tx { return tx })
}

func event(t *testing.T, id string) eventbus.Event {
	t.Helper()
	return eventbus.Event{Subject: "caiomatch.test.v1.Tested." + id, Data: []byte("x"),
		Envelope: &eventsv1.Envelope{EventId: id, Type: "Tested"}}
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOnceClaimsEffectAndOutboxTogether(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		var wakes atomic.Int32
		r := newRunner(db, &wakes)
		ctx := context.Background()
		d := txn.Delivery{Consumer: "test-consumer", EventID: "e1"}
		published := 0
		apply := func(ctx context.Context, tx *sqltx.Tx) error {
			if _, err := tx.SQL.ExecContext(ctx, `UPDATE counter SET n = n + 1`); err != nil {
				return err
			}
			published++
			return tx.Publish(ctx, event(t, fmt.Sprintf("out-%d", published)))
		}
		for i, want := range []bool{true, false} {
			claimed, err := r.Once(ctx, d, apply)
			if err != nil || claimed != want {
				t.Fatalf("delivery %d: claimed %v, %v; want %v", i, claimed, err, want)
			}
		}
		if n := count(t, db, `SELECT n FROM counter`); n != 1 {
			t.Errorf("effect applied %d times, want once", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM outbox`); n != 1 {
			t.Errorf("%d outbox rows, want 1", n)
		}
		if wakes.Load() != 1 {
			t.Errorf("relay woken %d times, want once (after the commit that published)", wakes.Load())
		}

		// A failing handler leaves no claim, no effect and no event: the redelivery applies it.
		failing := txn.Delivery{Consumer: "test-consumer", EventID: "e2"}
		boom := errors.New("boom")
		if _, err := r.Once(ctx, failing, func(ctx context.Context, tx *sqltx.Tx) error {
			if err := apply(ctx, tx); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("failing handler: %v, want boom", err)
		}
		if n := count(t, db, `SELECT n FROM counter`); n != 1 {
			t.Errorf("rolled-back effect is visible: n = %d", n)
		}
		if claimed, err := r.Once(ctx, failing, apply); err != nil || !claimed {
			t.Fatalf("redelivery after a failure: claimed %v, %v", claimed, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM outbox`); n != 2 {
			t.Errorf("%d outbox rows, want 2", n)
		}
	}, outbox.Migrations(), inbox.Migrations(), counterTable)
}

func TestInTxWithoutEventsDoesNotWakeTheRelay(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		var wakes atomic.Int32
		r := newRunner(db, &wakes)
		if err := r.InTx(context.Background(), func(ctx context.Context, tx *sqltx.Tx) error {
			_, err := tx.SQL.ExecContext(ctx, `UPDATE counter SET n = 7`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT n FROM counter`); n != 7 || wakes.Load() != 0 {
			t.Errorf("n = %d, wakes = %d; want 7 and 0", n, wakes.Load())
		}
	}, outbox.Migrations(), inbox.Migrations(), counterTable)
}

// TestLockMakesReadModifyWriteTakeTurns runs many read-then-write increments side by side: at
// READ COMMITTED on PostgreSQL they lose updates unless each locks the counter first.
func TestLockMakesReadModifyWriteTakeTurns(t *testing.T) {
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		var wakes atomic.Int32
		r := newRunner(db, &wakes)
		const workers, rounds = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for range workers {
			wg.Go(func() {
				for range rounds {
					errs <- r.InTx(context.Background(), func(ctx context.Context, tx *sqltx.Tx) error {
						if err := tx.Lock(ctx, "counter", "c"); err != nil {
							return err
						}
						if err := tx.Lock(ctx, "counter", "c"); err != nil { // again: free
							return err
						}
						var n int
						if err := tx.SQL.QueryRowContext(ctx, `SELECT n FROM counter WHERE name = 'c'`).Scan(&n); err != nil {
							return err
						}
						time.Sleep(time.Millisecond) // widen the window a lost update needs
						_, err := tx.SQL.ExecContext(ctx, `UPDATE counter SET n = $1 WHERE name = 'c'`, n+1)
						return err
					})
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db, `SELECT n FROM counter`); n != workers*rounds {
			t.Errorf("counter = %d after %d locked increments: updates were lost", n, workers*rounds)
		}
	}, outbox.Migrations(), inbox.Migrations(), counterTable)
}

// TestLocksOfOneSchemaDoNotHoldAnother: advisory locks are per database, but two schemas of one
// database (a test each, or a tenant each) must not wait for each other's names.
func TestLocksOfOneSchemaDoNotHoldAnother(t *testing.T) {
	var wakes atomic.Int32
	first, second := newRunner(sqltest.Postgres(t), &wakes), newRunner(sqltest.Postgres(t), &wakes)
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- first.InTx(context.Background(), func(ctx context.Context, tx *sqltx.Tx) error {
			if err := tx.Lock(ctx, "counter", "c"); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := second.InTx(ctx, func(ctx context.Context, tx *sqltx.Tx) error { return tx.Lock(ctx, "counter", "c") })
	close(release)
	if err != nil {
		t.Fatalf("the same name in another schema waited for the first one: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
