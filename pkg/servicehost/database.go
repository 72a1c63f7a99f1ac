package servicehost

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// OpenDatabase opens a component's database, the one place that does: PostgreSQL when
// databaseURL is set, otherwise SQLite at <dataDir>/<name>.db. It logs which backend and where
// (never a password) and applies the migration sets before returning.
func OpenDatabase(ctx context.Context, name, dataDir, databaseURL string, logger *slog.Logger, sets ...sqlstore.MigrationSet) (*sql.DB, error) {
	sqlitePath := filepath.Join(dataDir, name+".db")
	db, backend, err := sqlstore.Open(ctx, databaseURL, sqlitePath)
	if err != nil {
		return nil, err
	}
	where := sqlitePath
	if backend == sqlstore.Postgres {
		where = sqlstore.RedactURL(databaseURL)
	}
	logger.Info("database opened", "backend", string(backend), "database", where)
	if err := sqlstore.Migrate(ctx, db, sets...); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// OpenDatabase opens the service's database (see the function of the same name).
func (h Host) OpenDatabase(ctx context.Context, databaseURL string, sets ...sqlstore.MigrationSet) (*sql.DB, error) {
	return OpenDatabase(ctx, h.Name, h.DataDir, databaseURL, h.Logger, sets...)
}
