// Package inbox makes event handlers idempotent: an event id is claimed in the same
// transaction as the handler's effect, so a redelivered event changes nothing.
package inbox

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the processed_events table, to pass to sqlstore.Migrate.
func Migrations() sqlstore.MigrationSet {
	sub, _ := fsSub(migrations)
	return sqlstore.MigrationSet{Name: "inbox", FS: sub}
}

// Claim records eventID as processed by consumer; it reports false when it already was, in
// which case the caller must roll back and do nothing.
func Claim(ctx context.Context, tx *sql.Tx, consumer, eventID string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO processed_events (event_id, consumer, processed_at)
		VALUES ($1, $2, $3) ON CONFLICT (consumer, event_id) DO NOTHING`, eventID, consumer, sqlstore.FormatTime(time.Now()))
	if err != nil {
		return false, fmt.Errorf("claim event %s: %w", eventID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}
