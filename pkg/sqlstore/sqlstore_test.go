package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

func openTestDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "data", "nested", "test.db"))
	if err != nil {
		t.Fatalf("OpenSQLite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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
	db, err := OpenSQLite(context.Background(), path)
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
	if db, err := OpenSQLite(context.Background(), filepath.Join(file, "x.db")); err == nil {
		db.Close()
		t.Fatal("OpenSQLite under a regular file succeeded")
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	db := openTestDB(t)
	if _, err := db.Exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
		CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id))`); err != nil {
		t.Fatal(err)
	}
	// Several inserts, so that more than one pooled connection is likely to be used.
	for i := range 5 {
		if _, err := db.Exec(`INSERT INTO child (id, parent_id) VALUES (?, 42)`, i); err == nil {
			t.Fatalf("insert %d with a dangling foreign key succeeded", i)
		}
	}
}

func appliedVersions(t *testing.T, db *sql.DB) map[string][]int {
	t.Helper()
	rows, err := db.Query(`SELECT set_name, version FROM schema_migrations ORDER BY set_name, version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]int{}
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		out[name] = append(out[name], v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func file(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }

func TestMigrateAppliesEachSetOnce(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	alpha := fstest.MapFS{
		"0001_items.sql":     file(`CREATE TABLE alpha_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`),
		"0002_seed.sql":      file(`INSERT INTO alpha_items (name) VALUES ('one'); INSERT INTO alpha_items (name) VALUES ('two');`),
		"0010_add_col.sql":   file(`ALTER TABLE alpha_items ADD COLUMN extra TEXT;`),
		"README.md":          file(`not a migration`),
		"notes/0003_foo.sql": file(`this is in a sub-directory and must be ignored`),
	}
	beta := fstest.MapFS{
		// Same version numbers as alpha: versions are per set.
		"0001_things.sql": file(`CREATE TABLE beta_things (id INTEGER PRIMARY KEY);`),
		"0002_seed.sql":   file(`INSERT INTO beta_things (id) VALUES (7);`),
	}
	sets := []MigrationSet{{Name: "alpha", FS: alpha}, {Name: "beta", FS: beta}}

	if err := Migrate(ctx, db, sets...); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	want := map[string][]int{"alpha": {1, 2, 10}, "beta": {1, 2}}
	if got := appliedVersions(t, db); !reflect.DeepEqual(got, want) {
		t.Fatalf("applied versions = %v, want %v", got, want)
	}
	if n := countRows(t, db, "alpha_items"); n != 2 {
		t.Fatalf("alpha_items has %d rows, want 2", n)
	}

	// Running again is a no-op: the seed would duplicate rows, the ALTER would fail.
	for range 2 {
		if err := Migrate(ctx, db, sets...); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
	}
	if n := countRows(t, db, "alpha_items"); n != 2 {
		t.Errorf("alpha_items has %d rows after re-running, want 2", n)
	}
	if n := countRows(t, db, "beta_things"); n != 1 {
		t.Errorf("beta_things has %d rows after re-running, want 1", n)
	}

	// A later release adds a migration: only that one runs.
	alpha["0011_more.sql"] = file(`INSERT INTO alpha_items (name, extra) VALUES ('three', 'x');`)
	if err := Migrate(ctx, db, sets...); err != nil {
		t.Fatalf("Migrate with a new file: %v", err)
	}
	if n := countRows(t, db, "alpha_items"); n != 3 {
		t.Errorf("alpha_items has %d rows, want 3", n)
	}
	want["alpha"] = []int{1, 2, 10, 11}
	if got := appliedVersions(t, db); !reflect.DeepEqual(got, want) {
		t.Errorf("applied versions = %v, want %v", got, want)
	}
}

func TestMigrateFailureRollsBackThatMigration(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	set := fstest.MapFS{
		"0001_ok.sql": file(`CREATE TABLE ok_table (id INTEGER PRIMARY KEY);`),
		// The first statement succeeds, the second fails: the whole file must be undone.
		"0002_broken.sql": file(`CREATE TABLE half_done (id INTEGER PRIMARY KEY);
			INSERT INTO ok_table (id) VALUES (1);
			INSERT INTO no_such_table (id) VALUES (1);`),
		"0003_after.sql": file(`CREATE TABLE after_broken (id INTEGER PRIMARY KEY);`),
	}
	err := Migrate(ctx, db, MigrationSet{Name: "svc", FS: set})
	if err == nil {
		t.Fatal("Migrate with a broken migration returned nil")
	}
	if !strings.Contains(err.Error(), "svc") || !strings.Contains(err.Error(), "0002_broken.sql") {
		t.Errorf("error %q should name the set and the file", err)
	}
	if tableExists(t, db, "half_done") {
		t.Error("the broken migration's first statement was not rolled back")
	}
	if n := countRows(t, db, "ok_table"); n != 0 {
		t.Errorf("the broken migration's insert was not rolled back (%d rows)", n)
	}
	if tableExists(t, db, "after_broken") {
		t.Error("a migration after the broken one was applied")
	}
	if got, want := appliedVersions(t, db), map[string][]int{"svc": {1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("applied versions = %v, want %v", got, want)
	}

	// Once fixed, the rest applies.
	set["0002_broken.sql"] = file(`CREATE TABLE half_done (id INTEGER PRIMARY KEY);`)
	if err := Migrate(ctx, db, MigrationSet{Name: "svc", FS: set}); err != nil {
		t.Fatalf("Migrate after the fix: %v", err)
	}
	if !tableExists(t, db, "half_done") || !tableExists(t, db, "after_broken") {
		t.Error("fixed migrations not applied")
	}
	if got, want := appliedVersions(t, db), map[string][]int{"svc": {1, 2, 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("applied versions = %v, want %v", got, want)
	}
}

func TestMigrateRejectsUnnumberedFile(t *testing.T) {
	db := openTestDB(t)
	err := Migrate(context.Background(), db, MigrationSet{Name: "svc", FS: fstest.MapFS{
		"init.sql": file(`CREATE TABLE x (id INTEGER);`),
	}})
	if err == nil || !strings.Contains(err.Error(), "init.sql") {
		t.Fatalf("Migrate = %v, want an error naming init.sql", err)
	}
	if tableExists(t, db, "x") {
		t.Error("an unnumbered migration was applied")
	}
}

func TestInTxCommitsOnNil(t *testing.T) {
	db := openTestDB(t)
	if _, err := db.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	err := InTx(context.Background(), db, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO kv VALUES ('a', '1'), ('b', '2')`)
		return err
	})
	if err != nil {
		t.Fatalf("InTx: %v", err)
	}
	if n := countRows(t, db, "kv"); n != 2 {
		t.Errorf("kv has %d rows after a committed tx, want 2", n)
	}
}

func TestInTxRollsBackOnError(t *testing.T) {
	db := openTestDB(t)
	if _, err := db.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := InTx(context.Background(), db, func(tx *sql.Tx) error {
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
	err = InTx(context.Background(), db, func(tx *sql.Tx) error {
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

	// The write lock was released: a new transaction can write at once.
	if err := InTx(context.Background(), db, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO kv VALUES ('c', '3')`)
		return err
	}); err != nil {
		t.Fatalf("InTx after a rollback: %v", err)
	}
}

func TestInTxBeginFailsOnCancelledContext(t *testing.T) {
	db := openTestDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := InTx(ctx, db, func(*sql.Tx) error { called = true; return nil })
	if err == nil || called {
		t.Fatalf("InTx on a cancelled ctx = %v (fn called: %v)", err, called)
	}
}

// Read-modify-write transactions from many goroutines must serialise instead of failing with
// SQLITE_BUSY when a read lock is upgraded (this is what _txlock=immediate is for).
func TestInTxConcurrentWritersSerialise(t *testing.T) {
	db := openTestDB(t)
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
				errs <- InTx(context.Background(), db, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(`UPDATE counter SET n = ? WHERE id = 1`, n+1)
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
	var n int
	if err := db.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != workers*perWorker {
		t.Errorf("counter = %d, want %d (lost updates)", n, workers*perWorker)
	}
}
