// Package outbox stores events in the same transaction as the state change that caused them,
// and relays them to JetStream afterwards: nothing is published that was not committed, and
// nothing committed is lost.
package outbox

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the outbox table, to pass to sqlstore.Migrate.
func Migrations() sqlstore.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return sqlstore.MigrationSet{Name: "outbox", FS: sub}
}

// Add stores ev in tx. The caller's trace context is kept with it so that the publish, which
// happens later on the relay's goroutine, still belongs to the request's trace.
func Add(ctx context.Context, tx *sql.Tx, ev eventbus.Event) error {
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	traceHeader, err := json.Marshal(carrier)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (event_id, subject, data, trace_header, created_at)
		VALUES ($1, $2, $3, $4, $5)`,
		ev.Envelope.GetEventId(), ev.Subject, ev.Data, string(traceHeader), sqlstore.FormatTime(time.Now()))
	if err != nil {
		return fmt.Errorf("outbox add %s: %w", ev.Envelope.GetType(), err)
	}
	return nil
}

// Forget deletes, in tx, every outbox row of one aggregate, sent or not: an erasure calls it
// before adding its own event, so that the outbox keeps nothing about the person but that
// event. Rows not yet sent are never published: the erasure supersedes them.
func Forget(ctx context.Context, tx *sql.Tx, producer, aggregateID string) (int64, error) {
	prefix := "caiomatch." + producer + ".v1."
	suffix := "." + aggregateID
	// Compared as strings, not with LIKE, so that no character of an id is a pattern.
	res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE substr(subject, 1, $1) = $2
		AND substr(subject, length(subject) - $3 + 1) = $4 AND length(subject) > $5`,
		len(prefix), prefix, len(suffix), suffix, len(prefix)+len(suffix))
	if err != nil {
		return 0, fmt.Errorf("outbox forget: %w", err)
	}
	return res.RowsAffected()
}
