package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "data", "nested", "test.db"))
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eachBackend runs fn once per backend, each with a fresh, empty database.
func eachBackend(t *testing.T, fn func(t *testing.T, db *sql.DB)) {
	t.Helper()
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.Open(t)) })
	}
}

func queryString(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string) string {
	t.Helper()
	var s string
	if err := q.QueryRowContext(context.Background(), query).Scan(&s); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return s
}

func TestOpenSQLiteWALAndPerConnectionPragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	path := filepath.Join(dir, "svc.db")
	db, err := sqlstore.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	defer db.Close()
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("data directory not created: %v", err)
	} else if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("data directory mode %o, want no group/other access", perm)
	}

	// Hold several connections at once so each pragma is checked on distinct connections, not
	// only the first one the pool opened.
	ctx := context.Background()
	var conns []*sql.Conn
	for range 4 {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("Conn: %v", err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		if got := queryString(t, c, "PRAGMA journal_mode"); got != "wal" {
			t.Errorf("conn %d: journal_mode = %q, want wal", i, got)
		}
		if got := queryString(t, c, "PRAGMA foreign_keys"); got != "1" {
			t.Errorf("conn %d: foreign_keys = %q, want 1", i, got)
		}
		if got := queryString(t, c, "PRAGMA synchronous"); got != "2" {
			t.Errorf("conn %d: synchronous = %q, want 2 (FULL)", i, got)
		}
		if got := queryString(t, c, "PRAGMA busy_timeout"); got != "10000" {
			t.Errorf("conn %d: busy_timeout = %q, want 10000", i, got)
		}
	}
	for _, c := range conns {
		c.Close()
	}

	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log next to the database: %v", err)
	}
}

func TestOpenSQLiteReportsUnusablePath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// The "directory" is a regular file: neither MkdirAll nor the open can succeed.
	if db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(file, "x.db")); err == nil {
		db.Close()
		t.Fatal("OpenSQLite under a regular file succeeded")
	}
}

func TestOpenWithoutURLIsSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "svc.db")
	db, backend, err := sqlstore.Open(context.Background(), "", path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if backend != sqlstore.SQLite || sqlstore.BackendOf(db) != sqlstore.SQLite {
		t.Errorf("backend = %q, BackendOf = %q; want sqlite", backend, sqlstore.BackendOf(db))
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("no database file at the SQLite path: %v", err)
	}
	if _, _, err := sqlstore.Open(context.Background(), "", ""); err == nil {
		t.Error("Open with neither a URL nor a path succeeded")
	}
}

func TestOpenRejectsOtherURLs(t *testing.T) {
	for _, u := range []string{"mysql://u:hunter2@db:3306/x", "host=db user=u password=hunter2", "sqlite:///tmp/x.db"} {
		db, _, err := sqlstore.Open(context.Background(), u, filepath.Join(t.TempDir(), "x.db"))
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q) error shows the password: %v", u, err)
		}
	}
}

// An unreachable server is reported at open, naming where it was looked for but not the
// password.
func TestOpenPostgresReportsUnreachableServerWithoutPassword(t *testing.T) {
	for _, u := range []string{
		"postgres://svc:hunter2@127.0.0.1:1/caiomatch?sslmode=disable&connect_timeout=2",
		"postgresql://svc@127.0.0.1:1/caiomatch?sslmode=disable&password=hunter2",
	} {
		db, backend, err := sqlstore.Open(context.Background(), u, "")
		if err == nil {
			db.Close()
			t.Fatalf("Open(%q) succeeded", u)
		}
		if backend != sqlstore.Postgres {
			t.Errorf("backend = %q, want postgres", backend)
		}
		if msg := err.Error(); strings.Contains(msg, "hunter2") || !strings.Contains(msg, "127.0.0.1:1") || !strings.Contains(msg, "svc@") {
			t.Errorf("error %q should name svc@127.0.0.1:1 and hide the password", msg)
		}
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://svc:hunter2@db.internal:5432/caiomatch?sslmode=require": "postgres://svc@db.internal:5432/caiomatch",
		"postgresql://db/x?password=hunter2":                                "postgresql://db/x",
		"postgres://:hunter2@db/x":                                          "postgres://db/x",
		"host=db password=hunter2":                                          "(unparsable database URL)",
	} {
		if got := sqlstore.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		if _, err := db.Exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
			CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id))`); err != nil {
			t.Fatal(err)
		}
		// Several inserts, so that more than one pooled connection is likely to be used.
		for i := range 5 {
			if _, err := db.Exec(`INSERT INTO child (id, parent_id) VALUES ($1, 42)`, i); err == nil {
				t.Fatalf("insert %d with a dangling foreign key succeeded", i)
			}
		}
	})
}

func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestInTxCommitsOnNil(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		if _, err := db.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`); err != nil {
			t.Fatal(err)
		}
		err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO kv VALUES ('a', '1'), ('b', '2')`)
			return err
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		if n := countRows(t, db, "kv"); n != 2 {
			t.Errorf("kv has %d rows after a committed tx, want 2", n)
		}
	})
}

func TestInTxRollsBackOnError(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		if _, err := db.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO kv VALUES ('a', '1')`); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want the fn's error", err)
		}
		if n := countRows(t, db, "kv"); n != 0 {
			t.Errorf("kv has %d rows after a failed tx, want 0", n)
		}

		// A statement error inside fn rolls back the statements before it too.
		err = sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO kv VALUES ('b', '1')`); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO kv VALUES ('b', 'duplicate key')`)
			return err
		})
		if err == nil {
			t.Fatal("InTx with a failing statement returned nil")
		}
		if n := countRows(t, db, "kv"); n != 0 {
			t.Errorf("kv has %d rows after a failed tx, want 0", n)
		}

		// The locks were released: a new transaction can write at once.
		if err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO kv VALUES ('b', '3')`)
			return err
		}); err != nil {
			t.Fatalf("InTx after a rollback: %v", err)
		}
	})
}

func TestInTxBeginFailsOnCancelledContext(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		called := false
		err := sqlstore.InTx(ctx, db, func(*sql.Tx) error { called = true; return nil })
		if err == nil || called {
			t.Fatalf("InTx on a cancelled ctx = %v (fn called: %v)", err, called)
		}
	})
}

// Read-modify-write transactions from many goroutines must serialise instead of failing with
// SQLITE_BUSY when a read lock is upgraded (this is what _txlock=immediate is for).
func TestInTxConcurrentWritersSerialiseOnSQLite(t *testing.T) {
	db := openSQLite(t)
	concurrentIncrements(t, db, `SELECT n FROM counter WHERE id = 1`)
}

// On PostgreSQL transactions run side by side at READ COMMITTED: a read-modify-write holds the
// row it depends on by writing it first, after which the read sees the latest committed value.
func TestInTxOnPostgresIsReadCommittedAndRowLocksSerialise(t *testing.T) {
	db := sqltest.Postgres(t)
	err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
		var level string
		if err := tx.QueryRow(`SHOW transaction_isolation`).Scan(&level); err != nil {
			return err
		}
		if level != "read committed" {
			t.Errorf("transaction_isolation = %q, want read committed", level)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	concurrentIncrements(t, db, `UPDATE counter SET n = n WHERE id = 1 RETURNING n`)
}

// concurrentIncrements has goroutines increment a counter in read-modify-write transactions
// that read it with read, and checks no increment was lost.
func concurrentIncrements(t *testing.T, db *sql.DB, read string) {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
		INSERT INTO counter VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 8, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				errs <- sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRow(read).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(`UPDATE counter SET n = $1 WHERE id = 1`, n+1)
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent InTx: %v", err)
		}
	}
	if n := countRows(t, db, "counter"); n != 1 {
		t.Fatalf("counter has %d rows", n)
	}
	var n int
	if err := db.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != workers*perWorker {
		t.Errorf("counter = %d, want %d (lost updates)", n, workers*perWorker)
	}
}

func TestStoredTimesSortAsTimesAndReadBack(t *testing.T) {
	a := time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	b := a.Add(time.Nanosecond * 10)
	fa, fb := sqlstore.FormatTime(a), sqlstore.FormatTime(b)
	if len(fa) != len(fb) || !(fa < fb) {
		t.Fatalf("stored times %q and %q do not sort as the times", fa, fb)
	}
	for _, s := range []string{fa, "2026-03-01T08:00:00Z", "2026-03-01T09:00:00.5+01:00"} {
		got, err := sqlstore.ParseTime(s)
		if err != nil {
			t.Fatalf("ParseTime(%q): %v", s, err)
		}
		if got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) is in %v, want UTC", s, got.Location())
		}
	}
	if got, _ := sqlstore.ParseTime(fa); !got.Equal(a) {
		t.Errorf("round trip: %v, want %v", got, a)
	}
	if _, err := sqlstore.ParseTime("yesterday"); err == nil {
		t.Error("ParseTime accepted a malformed time")
	}
}
