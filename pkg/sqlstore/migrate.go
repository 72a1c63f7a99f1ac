package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// MigrationSet is a named, ordered series of SQL files "NNNN_description.sql", applied on every
// backend. A migration that cannot be written in the SQL both engines share comes as a pair
// instead, "NNNN_description.sqlite.sql" and "NNNN_description.postgres.sql", each applied only
// on its own backend; a version has either one portable file or both of the pair.
type MigrationSet struct {
	Name string
	FS   fs.FS
}

// migration is one version of a set, as it applies to one backend.
type migration struct {
	version int
	file    string
}

// dialectSuffixes are the endings of backend-specific migration files.
var dialectSuffixes = map[Backend]string{SQLite: ".sqlite.sql", Postgres: ".postgres.sql"}

// migrationsFor lists the set's migrations for backend, in version order. It checks the whole
// set whatever the backend, so that a SQLite-only test run already rejects a version that
// PostgreSQL would lack.
func (set MigrationSet) migrationsFor(backend Backend) ([]migration, error) {
	names, err := fs.Glob(set.FS, "*.sql")
	if err != nil {
		return nil, err
	}
	type files struct{ portable, sqlite, postgres string }
	byVersion := map[int]*files{}
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil || version < 0 {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		f := byVersion[version]
		if f == nil {
			f = &files{}
			byVersion[version] = f
		}
		slot := &f.portable
		switch {
		case strings.HasSuffix(name, dialectSuffixes[SQLite]):
			slot = &f.sqlite
		case strings.HasSuffix(name, dialectSuffixes[Postgres]):
			slot = &f.postgres
		}
		if *slot != "" {
			return nil, fmt.Errorf("migrations %s and %s have the same version %d", *slot, name, version)
		}
		*slot = name
	}
	var out []migration
	for version, f := range byVersion {
		switch {
		case f.portable != "" && (f.sqlite != "" || f.postgres != ""):
			return nil, fmt.Errorf("migration version %d has both a portable file (%s) and a backend-specific one", version, f.portable)
		case f.portable == "" && (f.sqlite == "" || f.postgres == ""):
			return nil, fmt.Errorf("migration version %d needs both %s and %s files (has %s%s)",
				version, dialectSuffixes[SQLite], dialectSuffixes[Postgres], f.sqlite, f.postgres)
		}
		file := f.portable
		if file == "" {
			file = f.sqlite
			if backend == Postgres {
				file = f.postgres
			}
		}
		out = append(out, migration{version: version, file: file})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	return out, nil
}

// Migrate applies every migration not yet recorded, each in its own transaction with its
// record in schema_migrations, so a migration is applied entirely or not at all. Several
// processes may migrate one database at once (replicas starting together): on SQLite their
// transactions take turns anyway; on PostgreSQL each transaction first takes an advisory lock
// of the schema's migrations, so they take turns too, and each sees what the others applied.
func Migrate(ctx context.Context, db *sql.DB, sets ...MigrationSet) error {
	backend := BackendOf(db)
	plans := make([][]migration, len(sets))
	for i, set := range sets {
		var err error
		if plans[i], err = set.migrationsFor(backend); err != nil {
			return fmt.Errorf("migrate %s: %w", set.Name, err)
		}
	}
	err := InTx(ctx, db, func(tx *sql.Tx) error {
		if err := lockMigrations(ctx, tx, backend); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			set_name TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (set_name, version))`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for i, set := range sets {
		for _, m := range plans[i] {
			if err := apply(ctx, db, backend, set, m); err != nil {
				return fmt.Errorf("migrate %s: %w", set.Name, err)
			}
		}
	}
	return nil
}

func apply(ctx context.Context, db *sql.DB, backend Backend, set MigrationSet, m migration) error {
	body, err := fs.ReadFile(set.FS, m.file)
	if err != nil {
		return err
	}
	return InTx(ctx, db, func(tx *sql.Tx) error {
		if err := lockMigrations(ctx, tx, backend); err != nil {
			return err
		}
		var applied int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE set_name = $1 AND version = $2`,
			set.Name, m.version).Scan(&applied); err != nil {
			return err
		}
		if applied > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("%s: %w", m.file, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (set_name, version) VALUES ($1, $2)`, set.Name, m.version)
		return err
	})
}

// lockMigrations makes PostgreSQL migrators of one schema take turns until tx ends. The lock is
// taken before anything is read, so the READ COMMITTED statements after it see every migration
// the previous holder committed. SQLite needs nothing: the transaction already holds the
// database's write lock.
func lockMigrations(ctx context.Context, tx *sql.Tx, backend Backend) error {
	if backend != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('caiomatch.sqlstore.Migrate'),
		hashtext(coalesce(current_schema(), '')))`); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	return nil
}
