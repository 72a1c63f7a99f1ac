// Package sqltx implements txn.Runner over a service's SQL database, SQLite or PostgreSQL: the
// transaction, the inbox claim, the outbox append and the relay wake-up, written once for every
// service.
//
// # Mutual exclusion
//
// On SQLite every transaction takes the database's write lock at BEGIN (sqlstore.OpenSQLite),
// so transactions run one after the other and nothing more is needed. On PostgreSQL they run
// side by side at READ COMMITTED, where a row read is still as read at commit only if nothing
// else changed it meanwhile. A read-modify-write that must not interleave with another one
// therefore first calls Tx.Lock on the names of what it is about to read (a profile, a mission,
// a consultant): a transaction-scoped advisory lock, released at commit or rollback, that every
// other transaction locking the same name waits for. Because READ COMMITTED takes a new snapshot
// for every statement, what the transaction reads after the lock is what the previous holder
// committed. This is the one locking idiom of the platform: it needs no lock table and no row to
// exist yet, and it states in the code what is being held.
//
// Transactions that hold several names take them in a fixed order (sorted ids) so that two of
// them cannot wait for each other. The 64-bit hash of a name can collide with another name's,
// which only makes two unrelated transactions take turns.
package sqltx

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"time"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/inbox"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/txn"
)

// Tx is one SQL transaction as a store adapter sees it.
type Tx struct {
	// SQL is the transaction itself, for the adapter's statements.
	SQL       *sql.Tx
	backend   sqlstore.Backend
	published int
	locked    map[string]bool
	// erases is set by an erasure: the runner scrubs the database files after the commit.
	erases bool
}

// Erases marks the transaction as an erasure of a person's data: once it commits, the runner
// scrubs the database's files (sqlstore.Scrub) so that what it deleted is gone from the disk
// too. Publishing an erasure event marks it as well.
func (t *Tx) Erases() { t.erases = true }

// Backend tells which engine the transaction runs on.
func (t *Tx) Backend() sqlstore.Backend { return t.backend }

// Lock makes every other transaction that locks the same scope and key wait until this one
// ends (see the package comment). Locking again what this transaction holds costs nothing.
func (t *Tx) Lock(ctx context.Context, scope, key string) error {
	if t.backend != sqlstore.Postgres {
		return nil
	}
	name := scope + "/" + key
	if t.locked[name] {
		return nil
	}
	// The schema is part of the name: advisory locks are per database, and databases shared by
	// several schemas (one per test, or per tenant) must not make each other wait.
	if _, err := t.SQL.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1, 0))`, name); err != nil {
		return fmt.Errorf("lock %s: %w", scope, err)
	}
	t.locked[name] = true
	return nil
}

// Publish stores events in the outbox; the relay publishes them once the transaction commits.
//
// An erasure event (eventbus.ErasureOf) first removes every outbox row of its aggregate, sent or
// not: the outbox then keeps nothing about the person but the erasure.
func (t *Tx) Publish(ctx context.Context, events ...eventbus.Event) error {
	for _, ev := range events {
		if producer, aggregateID, ok := eventbus.ErasureOf(ev.Subject); ok {
			if _, err := outbox.Forget(ctx, t.SQL, producer, aggregateID); err != nil {
				return err
			}
			t.erases = true
		}
		if err := outbox.Add(ctx, t.SQL, ev); err != nil {
			return err
		}
		t.published++
	}
	return nil
}

// Runner is txn.Runner over db, where the store's view of a transaction is T.
type Runner[T any] struct {
	db      *sql.DB
	backend sqlstore.Backend
	view    func(*Tx) T
	wake    func()
}

var _ txn.Runner[struct{}] = (*Runner[struct{}])(nil)

// New builds a runner over db. view gives the store's T over one transaction; wake is called
// after each commit that published events, to wake the outbox relay (nil: nothing to wake).
func New[T any](db *sql.DB, wake func(), view func(*Tx) T) *Runner[T] {
	if wake == nil {
		wake = func() {}
	}
	return &Runner[T]{db: db, backend: sqlstore.BackendOf(db), view: view, wake: wake}
}

// DB is the database the runner opens its transactions on, for the adapter's reads outside one.
func (r *Runner[T]) DB() *sql.DB { return r.db }

// InTx implements txn.Runner.
func (r *Runner[T]) InTx(ctx context.Context, fn func(context.Context, T) error) error {
	_, err := r.run(ctx, nil, fn)
	return err
}

// Once implements txn.Runner.
func (r *Runner[T]) Once(ctx context.Context, d txn.Delivery, fn func(context.Context, T) error) (bool, error) {
	return r.run(ctx, &d, fn)
}

func (r *Runner[T]) run(ctx context.Context, d *txn.Delivery, fn func(context.Context, T) error) (bool, error) {
	claimed := true
	var t *Tx
	err := sqlstore.InTx(ctx, r.db, func(sqlTx *sql.Tx) error {
		if d != nil {
			var err error
			if claimed, err = inbox.Claim(ctx, sqlTx, d.Consumer, d.EventID); err != nil || !claimed {
				return err
			}
		}
		t = &Tx{SQL: sqlTx, backend: r.backend, locked: map[string]bool{}}
		return fn(ctx, r.view(t))
	})
	if err != nil {
		return false, err
	}
	if t != nil && t.published > 0 {
		r.wake()
	}
	if t != nil && t.erases {
		// Best effort and bounded: the erasure is committed; a busy log is truncated by the next
		// erasure's scrub, or overwritten as the log is reused.
		scrubCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = sqlstore.Scrub(scrubCtx, r.db)
		cancel()
	}
	return claimed, nil
}

// Migrations are what a store built on sqltx needs: the outbox and inbox tables, then the
// service's own set, named name, from the migrations directory of fsys (its embedded files).
func Migrations(name string, fsys fs.FS) []sqlstore.MigrationSet {
	own, err := fs.Sub(fsys, "migrations")
	if err != nil {
		panic(fmt.Sprintf("sqltx: %s migrations: %v", name, err)) // an embed pattern out of step with the code
	}
	return []sqlstore.MigrationSet{outbox.Migrations(), inbox.Migrations(), {Name: name, FS: own}}
}
