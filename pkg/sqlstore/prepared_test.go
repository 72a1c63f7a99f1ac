package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

// A prepared query answers what the text would, sees later writes (nothing is cached but the
// plan), and falls back to the text beyond its bound; on both backends.
func TestPreparedAnswersLikeTheText(t *testing.T) {
	eachBackend(t, func(t *testing.T, db *sql.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE prepared_items (id TEXT PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		insert := func(id, name string) {
			if _, err := db.ExecContext(ctx, `INSERT INTO prepared_items (id, name) VALUES ($1, $2)`, id, name); err != nil {
				t.Fatal(err)
			}
		}
		p := sqlstore.NewPrepared(db)
		t.Cleanup(func() {
			if err := p.Close(); err != nil {
				t.Error(err)
			}
		})
		const byID = `SELECT name FROM prepared_items WHERE id = $1`
		nameOf := func(id string) (string, error) {
			var name string
			err := p.QueryRowContext(ctx, byID, id).Scan(&name)
			return name, err
		}
		if _, err := nameOf("a"); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("before the insert: %v, want sql.ErrNoRows", err)
		}
		insert("a", "first")
		if name, err := nameOf("a"); err != nil || name != "first" {
			t.Fatalf("after the insert: %q, %v", name, err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE prepared_items SET name = 'second' WHERE id = 'a'`); err != nil {
			t.Fatal(err)
		}
		if name, err := nameOf("a"); err != nil || name != "second" {
			t.Fatalf("after the update: %q, %v", name, err)
		}
		insert("b", "other")
		ids, err := idsOf(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids) != "[a b]" {
			t.Fatalf("QueryContext = %v", ids)
		}
		// Past the bound, built texts still answer, unprepared.
		for i := range 200 {
			var n int
			if err := p.QueryRowContext(ctx, fmt.Sprintf(`SELECT %d`, i)).Scan(&n); err != nil || n != i {
				t.Fatalf("query %d: %d, %v", i, n, err)
			}
		}
		// A query that cannot be prepared reports its error like the text would.
		var x int
		if err := p.QueryRowContext(ctx, `SELECT nothing FROM no_such_table`).Scan(&x); err == nil {
			t.Fatal("a query on a missing table succeeded")
		}
	})
}

func idsOf(ctx context.Context, p *sqlstore.Prepared) ([]string, error) {
	rows, err := p.QueryContext(ctx, `SELECT id FROM prepared_items ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
