package sqlstore_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// TestScrubLeavesNoTraceOfDeletedRowsInTheFiles: a deleted row's text is in neither the
// database file nor its write-ahead log once Scrub returned, while the rows kept are intact.
func TestScrubLeavesNoTraceOfDeletedRowsInTheFiles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "scrub.db")
	db, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const canary = "CANARY-e7f1c2-erased-person"
	if _, err := db.ExecContext(ctx, `CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		name := "kept-" + strings.Repeat("x", i%50)
		if i == 100 {
			name = canary
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO people (id, name) VALUES ($1, $2)`, i, name); err != nil {
			t.Fatal(err)
		}
	}
	if !filesContain(t, path, canary) {
		t.Fatal("the canary was never written: the test would prove nothing")
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM people WHERE name = $1`, canary); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Scrub(ctx, db); err != nil {
		t.Fatal(err)
	}
	if filesContain(t, path, canary) {
		t.Error("a deleted row's text is still in the database files after Scrub")
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM people`).Scan(&n); err != nil || n != 199 {
		t.Errorf("%d rows left (err %v), want 199", n, err)
	}
}

func filesContain(t *testing.T, path, text string) bool {
	t.Helper()
	for _, f := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(text)) {
			return true
		}
	}
	return false
}
