package sqltest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// recorder is a testing.TB that only records how the test would have ended.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                      {}
func (r *recorder) Skipf(f string, args ...any)  { r.skipped = fmt.Sprintf(f, args...) }
func (r *recorder) Fatalf(f string, args ...any) { r.failed = fmt.Sprintf(f, args...) }

func TestUnreachableServerSkipsButFailsOnCI(t *testing.T) {
	s := &testServer{url: "postgres://svc:hunter2@db.example:5432/test", err: errors.New("connection refused")}
	for _, ci := range []bool{false, true} {
		r := &recorder{TB: t}
		unavailable(r, s, ci)
		msg := r.skipped + r.failed
		if ci && (r.failed == "" || r.skipped != "") || !ci && (r.skipped == "" || r.failed != "") {
			t.Errorf("CI=%v: skipped %q, failed %q; want a failure on CI, a skip elsewhere", ci, r.skipped, r.failed)
		}
		for _, want := range []string{"postgres://svc@db.example:5432/test", "connection refused", EnvPostgresURL} {
			if !strings.Contains(msg, want) {
				t.Errorf("CI=%v: message %q lacks %q", ci, msg, want)
			}
		}
		if strings.Contains(msg, "hunter2") {
			t.Errorf("CI=%v: message %q shows the password", ci, msg)
		}
	}
}

func schemaExists(t *testing.T, name string) bool {
	t.Helper()
	var n int
	if err := server().admin.QueryRow(`SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// Each PostgreSQL database is a schema of its own, reached through the URL's search_path, and
// dropped with its tables once the test ends.
func TestPostgresURLGivesAFreshSchemaDroppedAtCleanup(t *testing.T) {
	var schema string
	t.Run("inner", func(t *testing.T) {
		u := PostgresURL(t)
		db := OpenAt(t, u, "")
		if err := db.QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		if !schemaName.MatchString(schema) || !strings.Contains(u, "search_path="+schema) {
			t.Fatalf("schema %q, URL %s", schema, sqlstore.RedactURL(u))
		}
		if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		// Another handle on the same URL sees the same schema: replicas of one service.
		var n int
		if err := OpenAt(t, u, "").QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("second handle: %d rows, %v", n, err)
		}
		if !schemaExists(t, schema) {
			t.Fatal("schema not found from the admin connection")
		}
	})
	if schema == "" {
		t.Skip("PostgreSQL variant skipped")
	}
	if schemaExists(t, schema) {
		t.Errorf("schema %s still exists after its test ended", schema)
	}
}

func TestStaleSchemasAreDropped(t *testing.T) {
	if PostgresURL(t) == "" {
		return
	}
	admin := server().admin
	old, fresh := newSchemaName(time.Now().Add(-25*time.Hour)), newSchemaName(time.Now().Add(-time.Hour))
	for _, s := range []string{old, fresh} {
		if _, err := admin.Exec(`CREATE SCHEMA ` + s); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = admin.Exec(`DROP SCHEMA IF EXISTS ` + fresh + ` CASCADE`) })
	dropStaleSchemas(admin)
	if schemaExists(t, old) {
		t.Error("a day-old test schema survived")
	}
	if !schemaExists(t, fresh) {
		t.Error("an hour-old test schema was dropped: its run may still be going on")
	}
}

func TestRunGivesEachBackendAMigratedDatabase(t *testing.T) {
	var seen []sqlstore.Backend
	Run(t, func(t *testing.T, db *sql.DB) {
		seen = append(seen, sqlstore.BackendOf(db))
		var n int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatalf("schema_migrations: %v", err)
		}
	})
	if len(seen) == 0 || seen[0] != sqlstore.SQLite {
		t.Errorf("backends run: %v, want sqlite first", seen)
	}
}
