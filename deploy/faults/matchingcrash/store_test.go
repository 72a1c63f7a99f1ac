package matchingcrash

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the driver matching itself uses

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// database opens matching's database for the test to read.
type database struct {
	name string
	open func(ctx context.Context) (*sql.DB, error)
}

// sqliteAt is matching's SQLite database at path, opened read-only.
func sqliteAt(path string) database {
	return database{name: path, open: func(ctx context.Context) (*sql.DB, error) { return openReadOnly(ctx, path) }}
}

// postgresAt is matching's PostgreSQL database (the replicas share it).
func postgresAt(databaseURL string) database {
	return database{name: sqlstore.RedactURL(databaseURL), open: func(ctx context.Context) (*sql.DB, error) {
		return sqlstore.OpenPostgres(ctx, databaseURL)
	}}
}

// openReadOnly opens matching's SQLite database without ever writing to it.
func openReadOnly(ctx context.Context, path string) (*sql.DB, error) {
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) +
		"?mode=ro&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// storeCounts are what matching's database says about its progress.
type storeCounts struct {
	outboxRows, outboxSent int
	inboxMissions          int
	missions               int
	shortlists             int
}

func countStore(ctx context.Context, d database) (storeCounts, error) {
	db, err := d.open(ctx)
	if err != nil {
		return storeCounts{}, err
	}
	defer db.Close()
	var c storeCounts
	err = db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM outbox),
		(SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL),
		(SELECT COUNT(*) FROM processed_events WHERE consumer = $1),
		(SELECT COUNT(*) FROM missions),
		(SELECT COUNT(*) FROM shortlists)`, missionsConsumer).
		Scan(&c.outboxRows, &c.outboxSent, &c.inboxMissions, &c.missions, &c.shortlists)
	if err != nil {
		return storeCounts{}, fmt.Errorf("count %s: %w", d.name, err)
	}
	return c, nil
}

// finalStore is the state of matching's database once it has stopped.
type finalStore struct {
	missions        map[string]int64 // mission id -> current_revision
	closedMissions  int
	shortlistsOf    map[string]int // mission id -> shortlist rows
	orphanShortlist int            // shortlist rows of an unknown mission
	inbox           map[string]int // event id -> rows, for the missions consumer
	profileInbox    int            // rows of the profiles consumer
	outboxUnsent    int
	outboxEvents    map[string]bool
}

func readFinalStore(ctx context.Context, d database) (finalStore, error) {
	db, err := d.open(ctx)
	if err != nil {
		return finalStore{}, err
	}
	defer db.Close()
	f := finalStore{missions: map[string]int64{}, shortlistsOf: map[string]int{}, inbox: map[string]int{},
		outboxEvents: map[string]bool{}}
	if err := eachRow(ctx, db, `SELECT id, status, current_revision FROM missions`, func(rows *sql.Rows) error {
		var id, status string
		var rev int64
		if err := rows.Scan(&id, &status, &rev); err != nil {
			return err
		}
		f.missions[id] = rev
		if status != "open" {
			f.closedMissions++
		}
		return nil
	}); err != nil {
		return f, err
	}
	if err := eachRow(ctx, db, `SELECT mission_id, COUNT(*) FROM shortlists GROUP BY mission_id`, func(rows *sql.Rows) error {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		if _, known := f.missions[id]; !known {
			f.orphanShortlist += n
		}
		f.shortlistsOf[id] = n
		return nil
	}); err != nil {
		return f, err
	}
	if err := eachRow(ctx, db, `SELECT event_id, COUNT(*) FROM processed_events WHERE consumer = $1 GROUP BY event_id`,
		func(rows *sql.Rows) error {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			f.inbox[id] = n
			return nil
		}, missionsConsumer); err != nil {
		return f, err
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM processed_events WHERE consumer = $1`, profilesConsumer).
		Scan(&f.profileInbox); err != nil {
		return f, err
	}
	if err := eachRow(ctx, db, `SELECT event_id, sent_at IS NULL FROM outbox`, func(rows *sql.Rows) error {
		var id string
		var unsent bool
		if err := rows.Scan(&id, &unsent); err != nil {
			return err
		}
		f.outboxEvents[id] = true
		if unsent {
			f.outboxUnsent++
		}
		return nil
	}); err != nil {
		return f, err
	}
	return f, nil
}

func eachRow(ctx context.Context, db *sql.DB, query string, scan func(*sql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("%s: %w", query, err)
		}
	}
	return rows.Err()
}
