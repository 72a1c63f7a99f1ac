// Package sqltest gives contract tests a fresh database on every backend: SQLite always, and
// PostgreSQL when it is reachable.
//
// The PostgreSQL server is CAIOMATCH_TEST_POSTGRES_URL, by default the local one CI starts
// (postgres://postgres@127.0.0.1:5432/test?sslmode=disable, trust authentication). Each fresh
// database is a schema of its own, t_<unix seconds>_<random>, in that database: connections
// reach it through their search_path, and it is dropped when the test ends, so runs and tests
// never see each other's tables. When the server cannot be reached the PostgreSQL variants are
// skipped, except under CI=true, where they fail: CI must not pass by skipping them.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// EnvPostgresURL names the variable holding the PostgreSQL server tests use.
const EnvPostgresURL = "CAIOMATCH_TEST_POSTGRES_URL"

// DefaultPostgresURL is the server tried when EnvPostgresURL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// maxOpenConns bounds each test database's pool: tests run side by side in several packages
// and must stay under the server's max_connections (100 by default).
const maxOpenConns = 8

// Backend is one engine a contract test runs against.
type Backend struct {
	// Name is the subtest name: "sqlite" or "postgres".
	Name string
	Kind sqlstore.Backend
}

// Backends are every engine, SQLite first. A PostgreSQL variant skips itself when the server
// is unreachable (fails under CI=true) as it opens its database.
func Backends() []Backend {
	return []Backend{{Name: "sqlite", Kind: sqlstore.SQLite}, {Name: "postgres", Kind: sqlstore.Postgres}}
}

// Run runs fn as one subtest per backend, each with a fresh database to which sets were
// applied.
func Run(t *testing.T, fn func(t *testing.T, db *sql.DB), sets ...sqlstore.MigrationSet) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			if err := sqlstore.Migrate(context.Background(), db, sets...); err != nil {
				t.Fatalf("Migrate on %s: %v", b.Name, err)
			}
			fn(t, db)
		})
	}
}

// Open returns a handle to a fresh, empty database, closed (and on PostgreSQL dropped) when t
// ends.
func (b Backend) Open(t testing.TB) *sql.DB {
	t.Helper()
	databaseURL, sqlitePath := b.NewDatabase(t)
	return OpenAt(t, databaseURL, sqlitePath)
}

// NewDatabase creates a fresh, empty database and returns what sqlstore.Open takes to reach it:
// a database URL on PostgreSQL, a file path on SQLite. Use it to open several handles to one
// database (replicas) or to configure a service under test. The database goes when t ends.
func (b Backend) NewDatabase(t testing.TB) (databaseURL, sqlitePath string) {
	t.Helper()
	if b.Kind == sqlstore.Postgres {
		return PostgresURL(t), ""
	}
	return "", filepath.Join(t.TempDir(), "test.db")
}

// OpenAt opens one more handle to a database NewDatabase made, closed when t ends.
func OpenAt(t testing.TB, databaseURL, sqlitePath string) *sql.DB {
	t.Helper()
	db, _, err := sqlstore.Open(context.Background(), databaseURL, sqlitePath)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	if databaseURL != "" {
		db.SetMaxOpenConns(maxOpenConns)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres returns a handle to a fresh schema of the test server; see PostgresURL.
func Postgres(t testing.TB) *sql.DB {
	t.Helper()
	return Backend{Name: "postgres", Kind: sqlstore.Postgres}.Open(t)
}

// PostgresURL creates a fresh schema on the test server and returns a URL whose connections
// use it (search_path). The schema is dropped, with everything in it, when t ends, after the
// cleanups registered later (such as closing the handles opened on it). It skips t when the
// server is unreachable, or fails it when CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	s := server()
	if s.err != nil {
		unavailable(t, s, os.Getenv("CI") == "true")
		return ""
	}
	schema := newSchemaName(time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create test schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := s.admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE`); err != nil {
			t.Errorf("drop test schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatalf("test server URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// unavailable skips t, or fails it on CI, where skipping would let CI pass without PostgreSQL.
func unavailable(t testing.TB, s *testServer, ci bool) {
	t.Helper()
	if ci {
		t.Fatalf("PostgreSQL is required when CI=true, but %s is unreachable: %v (start it, or set %s)",
			sqlstore.RedactURL(s.url), s.err, EnvPostgresURL)
		return
	}
	t.Skipf("skipping the PostgreSQL variant: %s is unreachable (%v); start PostgreSQL or set %s to run it",
		sqlstore.RedactURL(s.url), s.err, EnvPostgresURL)
}

// testServer is the process's one connection to the test server, shared by every test.
type testServer struct {
	url   string
	admin *sql.DB // creates and drops schemas
	err   error   // why the server is unusable
}

var (
	serverOnce sync.Once
	theServer  testServer
)

func server() *testServer {
	serverOnce.Do(func() { theServer = connect() })
	return &theServer
}

// connect reaches the configured server; with no configuration it tries the default URL, then
// the same server as the current OS user (some machines have no "postgres" role).
func connect() testServer {
	candidates := []string{os.Getenv(EnvPostgresURL)}
	if candidates[0] == "" {
		candidates = []string{DefaultPostgresURL, "postgres://127.0.0.1:5432/test?sslmode=disable"}
	}
	first := testServer{url: candidates[0]}
	for i, u := range candidates {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		db, err := sqlstore.OpenPostgres(ctx, u)
		cancel()
		if err != nil {
			if i == 0 {
				first.err = err
			}
			continue
		}
		db.SetMaxOpenConns(2)
		dropStaleSchemas(db)
		return testServer{url: u, admin: db}
	}
	return first
}

var schemaName = regexp.MustCompile(`^t_([0-9]+)_[0-9a-f]+$`)

func newSchemaName(now time.Time) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("t_%d_%s", now.Unix(), hex.EncodeToString(b))
}

// staleSchemas lists the test schemas a day old or more, as far as it can read them: a
// schema it misses is dropped by a later run.
func staleSchemas(ctx context.Context, admin *sql.DB) []string {
	rows, err := admin.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\_%'`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var stale []string
	for rows.Next() {
		var name string
		if rows.Scan(&name) != nil {
			break
		}
		m := schemaName.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		if created, err := strconv.ParseInt(m[1], 10, 64); err == nil && time.Since(time.Unix(created, 0)) > 24*time.Hour {
			stale = append(stale, name)
		}
	}
	if rows.Err() != nil {
		return nil
	}
	return stale
}

// dropStaleSchemas drops test schemas a day old or more: those of test processes killed before
// their cleanups ran. Younger ones may belong to a run still going on.
func dropStaleSchemas(admin *sql.DB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range staleSchemas(ctx, admin) {
		_, _ = admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+name+` CASCADE`)
	}
}
