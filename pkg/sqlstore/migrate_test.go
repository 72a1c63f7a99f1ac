package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

func file(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }

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

func tableExists(t *testing.T, db *sql.DB, name string) bool {
	t.Helper()
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if sqlstore.BackendOf(db) == sqlstore.Postgres {
		query = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.QueryRow(query, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestMigrateAppliesEachSetOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		alpha := fstest.MapFS{
			"0001_items.sql":     file(`CREATE TABLE alpha_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`),
			"0002_seed.sql":      file(`INSERT INTO alpha_items (id, name) VALUES (1, 'one'); INSERT INTO alpha_items (id, name) VALUES (2, 'two');`),
			"0010_add_col.sql":   file(`ALTER TABLE alpha_items ADD COLUMN extra TEXT;`),
			"README.md":          file(`not a migration`),
			"notes/0003_foo.sql": file(`this is in a sub-directory and must be ignored`),
		}
		beta := fstest.MapFS{
			// Same version numbers as alpha: versions are per set.
			"0001_things.sql": file(`CREATE TABLE beta_things (id INTEGER PRIMARY KEY);`),
			"0002_seed.sql":   file(`INSERT INTO beta_things (id) VALUES (7);`),
		}
		sets := []sqlstore.MigrationSet{{Name: "alpha", FS: alpha}, {Name: "beta", FS: beta}}

		if err := sqlstore.Migrate(ctx, db, sets...); err != nil {
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
			if err := sqlstore.Migrate(ctx, db, sets...); err != nil {
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
		alpha["0011_more.sql"] = file(`INSERT INTO alpha_items (id, name, extra) VALUES (3, 'three', 'x');`)
		if err := sqlstore.Migrate(ctx, db, sets...); err != nil {
			t.Fatalf("Migrate with a new file: %v", err)
		}
		if n := countRows(t, db, "alpha_items"); n != 3 {
			t.Errorf("alpha_items has %d rows, want 3", n)
		}
		want["alpha"] = []int{1, 2, 10, 11}
		if got := appliedVersions(t, db); !reflect.DeepEqual(got, want) {
			t.Errorf("applied versions = %v, want %v", got, want)
		}
	})
}

func TestMigrateFailureRollsBackThatMigration(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		set := fstest.MapFS{
			"0001_ok.sql": file(`CREATE TABLE ok_table (id INTEGER PRIMARY KEY);`),
			// The first statements succeed, the last fails: the whole file must be undone.
			"0002_broken.sql": file(`CREATE TABLE half_done (id INTEGER PRIMARY KEY);
				INSERT INTO ok_table (id) VALUES (1);
				INSERT INTO no_such_table (id) VALUES (1);`),
			"0003_after.sql": file(`CREATE TABLE after_broken (id INTEGER PRIMARY KEY);`),
		}
		err := sqlstore.Migrate(ctx, db, sqlstore.MigrationSet{Name: "svc", FS: set})
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
		if err := sqlstore.Migrate(ctx, db, sqlstore.MigrationSet{Name: "svc", FS: set}); err != nil {
			t.Fatalf("Migrate after the fix: %v", err)
		}
		if !tableExists(t, db, "half_done") || !tableExists(t, db, "after_broken") {
			t.Error("fixed migrations not applied")
		}
		if got, want := appliedVersions(t, db), map[string][]int{"svc": {1, 2, 3}}; !reflect.DeepEqual(got, want) {
			t.Errorf("applied versions = %v, want %v", got, want)
		}
	})
}

// Each backend applies its own file of a backend-specific pair, and the portable files around
// it, in version order.
func TestMigrateBackendSpecificPair(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		set := fstest.MapFS{
			"0001_base.sql":            file(`CREATE TABLE base (id INTEGER PRIMARY KEY);`),
			"0002_engine.sqlite.sql":   file(`CREATE TABLE engine (name TEXT NOT NULL); INSERT INTO engine VALUES ('sqlite');`),
			"0002_engine.postgres.sql": file(`CREATE TABLE engine (name TEXT NOT NULL); INSERT INTO engine VALUES ('postgres');`),
			"0003_after.sql":           file(`INSERT INTO base (id) SELECT COUNT(*) FROM engine;`),
		}
		for range 2 {
			if err := sqlstore.Migrate(context.Background(), db, sqlstore.MigrationSet{Name: "svc", FS: set}); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
		}
		if got, want := queryString(t, db, `SELECT name FROM engine`), string(sqlstore.BackendOf(db)); got != want {
			t.Errorf("engine = %q, want %q", got, want)
		}
		if n := countRows(t, db, "base"); n != 1 {
			t.Errorf("base has %d rows, want 1", n)
		}
		if got, want := appliedVersions(t, db), map[string][]int{"svc": {1, 2, 3}}; !reflect.DeepEqual(got, want) {
			t.Errorf("applied versions = %v, want %v", got, want)
		}
	})
}

// A set whose files do not say unambiguously what each backend applies is refused before
// anything is applied, on either backend.
func TestMigrateRejectsAmbiguousSets(t *testing.T) {
	for name, tc := range map[string]struct {
		files fstest.MapFS
		want  string
	}{
		"unnumbered":          {fstest.MapFS{"init.sql": file(`CREATE TABLE x (id INTEGER);`)}, "init.sql"},
		"same version":        {fstest.MapFS{"0001_a.sql": file(`CREATE TABLE x (id INTEGER);`), "0001_b.sql": file(`SELECT 1;`)}, "same version 1"},
		"only sqlite twin":    {fstest.MapFS{"0001_x.sqlite.sql": file(`CREATE TABLE x (id INTEGER);`)}, "needs both"},
		"only postgres twin":  {fstest.MapFS{"0001_x.postgres.sql": file(`CREATE TABLE x (id INTEGER);`)}, "needs both"},
		"portable and a twin": {fstest.MapFS{"0001_x.sql": file(`CREATE TABLE x (id INTEGER);`), "0001_x.postgres.sql": file(`SELECT 1;`)}, "both a portable file"},
	} {
		t.Run(name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, db *sql.DB) {
				err := sqlstore.Migrate(context.Background(), db, sqlstore.MigrationSet{Name: "svc", FS: tc.files})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Migrate = %v, want an error containing %q", err, tc.want)
				}
				if tableExists(t, db, "x") {
					t.Error("a migration of a refused set was applied")
				}
			})
		})
	}
}

// Replicas starting together migrate one database at once: every migration is applied once,
// and no migrator fails.
func TestConcurrentMigrators(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			databaseURL, sqlitePath := b.NewDatabase(t)
			set := fstest.MapFS{
				"0001_items.sql": file(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);`),
				// Neither is idempotent: applied twice, the seed fails on its key, the ALTER on
				// its column.
				"0002_seed.sql":  file(`INSERT INTO items (id, name) VALUES (1, 'one'), (2, 'two');`),
				"0003_alter.sql": file(`ALTER TABLE items ADD COLUMN extra TEXT;`),
				"0004_more.sql":  file(`CREATE TABLE more_items (id INTEGER PRIMARY KEY); INSERT INTO more_items (id) SELECT id FROM items;`),
			}
			const replicas = 6
			dbs := make([]*sql.DB, replicas)
			for i := range dbs {
				dbs[i] = sqltest.OpenAt(t, databaseURL, sqlitePath)
			}
			start := make(chan struct{})
			errs := make([]error, replicas)
			var wg sync.WaitGroup
			for i, db := range dbs {
				wg.Go(func() {
					<-start
					// Two sets, so that migrators also interleave between sets.
					errs[i] = sqlstore.Migrate(context.Background(), db,
						sqlstore.MigrationSet{Name: "svc", FS: set},
						sqlstore.MigrationSet{Name: "other", FS: fstest.MapFS{"0001_other.sql": file(`CREATE TABLE other (id INTEGER);`)}})
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("migrator %d: %v", i, err)
				}
			}
			db := dbs[0]
			if got, want := appliedVersions(t, db), map[string][]int{"svc": {1, 2, 3, 4}, "other": {1}}; !reflect.DeepEqual(got, want) {
				t.Errorf("applied versions = %v, want %v", got, want)
			}
			if n := countRows(t, db, "more_items"); n != 2 {
				t.Errorf("more_items has %d rows, want 2", n)
			}
		})
	}
}

// Test schemas are independent: the same table names in two of them do not meet, and
// migrations are recorded per schema.
func TestPostgresSchemasAreIndependent(t *testing.T) {
	a, b := sqltest.Postgres(t), sqltest.Postgres(t)
	set := sqlstore.MigrationSet{Name: "svc", FS: fstest.MapFS{"0001_t.sql": file(`CREATE TABLE t (id INTEGER PRIMARY KEY);`)}}
	for i, db := range []*sql.DB{a, b} {
		if err := sqlstore.Migrate(context.Background(), db, set); err != nil {
			t.Fatalf("Migrate %d: %v", i, err)
		}
		if _, err := db.Exec(fmt.Sprintf(`INSERT INTO t (id) VALUES (%d)`, i)); err != nil {
			t.Fatal(err)
		}
	}
	if queryString(t, a, `SELECT current_schema()`) == queryString(t, b, `SELECT current_schema()`) {
		t.Fatal("two test databases share a schema")
	}
	if countRows(t, a, "t") != 1 || countRows(t, b, "t") != 1 {
		t.Error("rows leaked from one test schema to the other")
	}
}
