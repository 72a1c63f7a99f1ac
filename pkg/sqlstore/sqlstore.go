// Package sqlstore opens a service's SQL database, SQLite or PostgreSQL, and applies its
// embedded migrations.
//
// Services write their SQL in the subset both engines share: $n parameters, ON CONFLICT,
// RETURNING, TEXT timestamps in a fixed-width UTC layout. Transactions differ in one way that
// matters: on SQLite every transaction takes the write lock at BEGIN (see OpenSQLite), so writers
// run one after the other; on PostgreSQL they run at READ COMMITTED, side by side, and a use
// case that must not interleave with another one (read-modify-write) first writes, and so
// locks, the rows it depends on: an UPDATE of the row, or an INSERT … ON CONFLICT DO UPDATE of
// a lock row, both portable; PostgreSQL keeps the lock until commit.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"           // registers the pure-Go "sqlite" driver
)

// Backend names a database engine.
type Backend string

const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Open opens a service's database: PostgreSQL when databaseURL is set (a postgres:// or
// postgresql:// URL), otherwise SQLite at sqlitePath, created if needed.
func Open(ctx context.Context, databaseURL, sqlitePath string) (*sql.DB, Backend, error) {
	if databaseURL == "" {
		if sqlitePath == "" {
			return nil, "", errors.New("open database: neither a database URL nor a SQLite path")
		}
		db, err := OpenSQLite(ctx, sqlitePath)
		return db, SQLite, err
	}
	db, err := OpenPostgres(ctx, databaseURL)
	return db, Postgres, err
}

// BackendOf tells which engine db talks to.
func BackendOf(db *sql.DB) Backend {
	if db.Driver() == stdlib.GetDefaultDriver() {
		return Postgres
	}
	return SQLite
}

// OpenSQLite opens (creating if needed) a SQLite database in WAL mode. synchronous=FULL makes a
// committed transaction survive power loss, not only a process crash; _txlock=immediate takes
// the write lock at BEGIN so two writers wait on each other instead of failing mid-transaction.
// secure_delete overwrites what a delete or an update frees, so that an erased person's data
// does not linger in free pages of the file (Scrub clears the write-ahead log).
func OpenSQLite(ctx context.Context, path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// The databases hold personal data: create them readable by this user only (SQLite gives
	// its -wal and -shm files the same mode).
	if f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600); err == nil {
		f.Close()
	}
	// The path goes into a URI: escape what a URI would read as syntax.
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return db, nil
}

// Pool settings of a PostgreSQL database: enough connections for a service's concurrent
// requests and consumers without crowding the server's max_connections (100 by default) when
// several services and replicas share it.
const (
	postgresMaxOpenConns    = 16
	postgresMaxIdleConns    = 8
	postgresConnMaxIdleTime = 5 * time.Minute
	postgresConnMaxLifetime = 30 * time.Minute
	postgresConnectTimeout  = 10 * time.Second
)

// OpenPostgres opens a pool to the PostgreSQL database at databaseURL, a postgres:// or
// postgresql:// URL (its parameters are libpq's and pgx's, e.g. sslmode, connect_timeout, and
// any server setting such as search_path), and checks that the server answers. Errors name the
// server as RedactURL shows it, never the password.
func OpenPostgres(ctx context.Context, databaseURL string) (*sql.DB, error) {
	where := RedactURL(databaseURL)
	if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
		return nil, fmt.Errorf("open database %s: want a postgres:// or postgresql:// URL", where)
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres %s: %w", where, err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = postgresConnectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(postgresMaxOpenConns)
	db.SetMaxIdleConns(postgresMaxIdleConns)
	db.SetConnMaxIdleTime(postgresConnMaxIdleTime)
	db.SetConnMaxLifetime(postgresConnMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres %s: %w", where, err)
	}
	return db, nil
}

// RedactURL shows where a database URL points, for logs and errors: scheme, user, host and
// database, without the password or any parameter (a password may hide there too).
func RedactURL(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" && u.Path == "" {
		return "(unparsable database URL)"
	}
	out := u.Scheme + "://"
	if u.User != nil && u.User.Username() != "" {
		out += u.User.Username() + "@"
	}
	return out + u.Host + u.Path
}

// InTx runs fn in a transaction, committing when it returns nil. On SQLite the transaction
// holds the database's write lock from its start; on PostgreSQL it runs at the server's default
// isolation, READ COMMITTED, and takes row locks as it writes (see the package comment).
func InTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
				err = errors.Join(err, rbErr)
			}
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Scrub makes sure data deleted before it was called is gone from the database's files, not
// only from its tables. On SQLite (with secure_delete, see OpenSQLite) the freed pages are
// already zeroed, but older versions of them remain in the write-ahead log until it is
// overwritten: Scrub checkpoints the log and truncates it. It retries while readers hold the
// log, up to ctx. On PostgreSQL it does nothing: deleted rows stay in the heap until VACUUM,
// which autovacuum runs (see docs/SECURITY.md).
func Scrub(ctx context.Context, db *sql.DB) error {
	if BackendOf(db) != SQLite {
		return nil
	}
	for {
		var busy, logFrames, checkpointed int
		if err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &checkpointed); err != nil {
			return fmt.Errorf("scrub: %w", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("scrub: the write-ahead log stayed busy: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
