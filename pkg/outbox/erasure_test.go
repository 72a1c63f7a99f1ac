package outbox_test

import (
	"bytes"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// TestAnErasureLeavesOnlyItselfInTheOutboxAndTheStream: a person's earlier events, sent or not,
// leave the outbox in the erasure's transaction, and the stream once the erasure is published,
// down to the bytes of the stream's files; another person's events stay.
func TestAnErasureLeavesOnlyItselfInTheOutboxAndTheStream(t *testing.T) {
	const canary = "CANARY-3b9d-person-name"
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		ctx := testCtx(t)
		bus := eventbustest.Start(t)
		accountEvent := func(id, text string) eventbus.Event {
			ev, err := eventbus.NewEvent(eventbus.ProducerAccount, id, wrapperspb.String(text), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		// Sent events of the person and of someone else, then one of the person not sent yet.
		add(t, ctx, db, false, accountEvent("acc-1", canary+" first"), accountEvent("acc-2", "kept"), accountEvent("acc-1", canary+" second"))
		relay := newRelay(db, bus.JS, nil)
		stop := runRelay(t, relay)
		eventbustest.Eventually(t, 5*time.Second, "the first events sent", func() bool { return unsent(t, db) == 0 })
		stop()
		add(t, ctx, db, false, accountEvent("acc-1", canary+" unsent"))
		if got := eventbustest.Read(t, bus.JS, "ACCOUNT", eventbus.AggregateSubjects(eventbus.ProducerAccount, "acc-1")); len(got) != 2 {
			t.Fatalf("%d events of the person before erasure, want 2", len(got))
		}

		erasure, err := eventbus.NewEvent(eventbus.ProducerAccount, "acc-1", &accountv1.AccountErased{AccountId: "acc-1"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error {
			n, err := outbox.Forget(ctx, tx, eventbus.ProducerAccount, "acc-1")
			if err != nil {
				return err
			}
			if n != 3 {
				t.Errorf("Forget removed %d rows, want 3", n)
			}
			return outbox.Add(ctx, tx, erasure)
		}); err != nil {
			t.Fatal(err)
		}
		relayAllOf(t, newRelay(db, bus.JS, nil), db)

		person := eventbustest.Read(t, bus.JS, "ACCOUNT", eventbus.AggregateSubjects(eventbus.ProducerAccount, "acc-1"))
		if len(person) != 1 || person[0].Envelope.GetType() != "AccountErased" {
			t.Fatalf("the person's events after erasure: %d, want only AccountErased", len(person))
		}
		if other := eventbustest.Read(t, bus.JS, "ACCOUNT", eventbus.AggregateSubjects(eventbus.ProducerAccount, "acc-2")); len(other) != 1 {
			t.Errorf("another person's events: %d, want 1", len(other))
		}
		var rows int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE subject LIKE '%.acc-1'`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("%d outbox rows of the person (err %v), want the erasure alone", rows, err)
		}
		if dir := natsStoreHolding(t, bus, canary); dir != "" {
			t.Errorf("the NATS store still holds the person's data in %s", dir)
		}
	}, outbox.Migrations())
}

// TestErasingAgainFindsNothing: a re-published erasure (after a crash before its row was marked
// sent) erases nothing more and fails nothing.
func TestErasingAgainFindsNothing(t *testing.T) {
	ctx := testCtx(t)
	bus := eventbustest.Start(t)
	for _, text := range []string{"a", "b"} {
		ev, _ := eventbus.NewEvent(eventbus.ProducerAccount, "acc-9", wrapperspb.String(text), time.Now())
		if _, err := bus.JS.Publish(ctx, ev.Subject, ev.Data); err != nil {
			t.Fatal(err)
		}
	}
	erasure, _ := eventbus.NewEvent(eventbus.ProducerAccount, "acc-9", &accountv1.AccountErased{AccountId: "acc-9"}, time.Now())
	ack, err := bus.JS.Publish(ctx, erasure.Subject, erasure.Data)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{2, 0} {
		n, err := eventbus.EraseAggregate(ctx, bus.JS, eventbus.ProducerAccount, "acc-9", ack.Sequence)
		if err != nil || n != want {
			t.Errorf("erasure %d: erased %d (err %v), want %d", i+1, n, err, want)
		}
	}
	if got := eventbustest.Read(t, bus.JS, "ACCOUNT", ""); len(got) != 1 {
		t.Errorf("%d events left, want the erasure", len(got))
	}
}

func relayAllOf(t *testing.T, r *outbox.Relay, db *sql.DB) {
	t.Helper()
	runRelay(t, r)
	eventbustest.Eventually(t, 5*time.Second, "every row sent", func() bool { return unsent(t, db) == 0 })
}

// natsStoreHolding returns a file of the bus's store that contains text, or "". A file the server
// removes during the walk (a block compacted away) holds nothing any more; any other failure to
// read the store fails the test, which would otherwise pass without having looked.
func natsStoreHolding(t *testing.T, bus *eventbustest.Bus, text string) string {
	t.Helper()
	found, read := "", 0
	err := filepath.WalkDir(bus.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != bus.Dir {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		read++
		if bytes.Contains(b, []byte(text)) {
			found = path
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the NATS store: %v", err)
	}
	if read == 0 {
		t.Fatalf("the NATS store in %s holds no file: nothing was looked at", bus.Dir)
	}
	return found
}

// TestSentRowsArePrunedAfterTheirRetention: rows sent before the cut go, unsent ones and recent
// ones stay.
func TestSentRowsArePrunedAfterTheirRetention(t *testing.T) {
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		ctx := testCtx(t)
		add(t, ctx, db, false, newEvent(t, "m-1", "old"), newEvent(t, "m-1", "recent"), newEvent(t, "m-1", "unsent"))
		old, recent := time.Now().Add(-10*24*time.Hour), time.Now().Add(-time.Hour)
		for seq, at := range map[int]time.Time{1: old, 2: recent} {
			if _, err := db.ExecContext(ctx, `UPDATE outbox SET sent_at = $1 WHERE seq = (SELECT seq FROM outbox ORDER BY seq LIMIT 1 OFFSET $2)`,
				sqlstore.FormatTime(at), seq-1); err != nil {
				t.Fatal(err)
			}
		}
		r := newRelay(db, js, nil)
		n, err := r.PruneSent(ctx, time.Now().Add(-outbox.DefaultSentRetention))
		if err != nil || n != 1 {
			t.Fatalf("pruned %d (%v), want 1", n, err)
		}
		var left int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&left); err != nil || left != 2 {
			t.Fatalf("%d rows left (%v), want the recent and the unsent", left, err)
		}
	})
}
