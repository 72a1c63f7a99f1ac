package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/txn/sqltx"
	"github.com/caiomatch/caiomatch/services/profile/adapters/store"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

func profileIDs(ps []domain.Profile) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return strings.Join(out, " ")
}

// pages reads the whole list of accountID's profiles (every account's for "") limit at a time,
// each page after the last profile of the previous one, as ListProfiles' tokens do.
func pages(t *testing.T, s *store.Store, accountID string, limit int) []string {
	t.Helper()
	var out []string
	var after *missionrules.Cursor
	for range 100 {
		page, err := s.List(context.Background(), accountID, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, profileIDs(page))
		last := page[len(page)-1]
		after = &missionrules.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	t.Fatal("the list does not end")
	return nil
}

// Profiles list newest first, ties on the creation time broken by id (both descending); a
// page starts strictly after the cursor; an account's profiles are found alone, and read
// whole.
func TestListProfilesNewestFirstByPages(t *testing.T) {
	eachRepo(t, func(t *testing.T, db *sql.DB, repo repo, _ *int) {
		ctx := context.Background()
		at := func(id, account string, offset time.Duration) domain.Profile {
			p := newProfile(id, account)
			p.CreatedAt = t0.Add(offset)
			p.UpdatedAt = p.CreatedAt
			return repo.mustCreate(t, p)
		}
		// p-b and p-c were created in the same nanosecond; p-e a nanosecond before p-d; p-z
		// first, a whole second before the others.
		pa := at("p-a", "acc-a", 3*time.Second)
		at("p-b", "acc-b", 2*time.Second)
		at("p-c", "acc-c", 2*time.Second)
		at("p-d", "acc-d", time.Second+time.Nanosecond)
		at("p-e", "acc-e", time.Second)
		at("p-z", "acc-z", 0)

		all, err := repo.List(ctx, "", nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got := profileIDs(all); got != "p-a p-c p-b p-d p-e p-z" {
			t.Fatalf("order %s", got)
		}
		if fmt.Sprintf("%+v", all[0]) != fmt.Sprintf("%+v", pa) {
			t.Errorf("listed\n %+v\nwant %+v", all[0], pa)
		}
		for _, limit := range []int{1, 2, 4, 6} {
			got := pages(t, repo.Store, "", limit)
			if strings.Join(got, " ") != "p-a p-c p-b p-d p-e p-z" {
				t.Errorf("limit %d: pages %q", limit, got)
			}
			if want := (6 + limit - 1) / limit; len(got) != want {
				t.Errorf("limit %d: %d pages, want %d", limit, len(got), want)
			}
		}
		// After a cursor between two stored profiles: strictly older.
		page, err := repo.List(ctx, "", &missionrules.Cursor{CreatedAt: t0.Add(2 * time.Second), ID: "p-bb"}, 10)
		if err != nil || profileIDs(page) != "p-b p-d p-e p-z" {
			t.Errorf("after (2s, p-bb): %s, %v", profileIDs(page), err)
		}

		// One account's, paged and not.
		if got := pages(t, repo.Store, "acc-c", 1); fmt.Sprint(got) != "[p-c]" {
			t.Errorf("acc-c pages %q", got)
		}
		if got := pages(t, repo.Store, "nobody", 1); len(got) != 0 {
			t.Errorf("nobody's pages %q", got)
		}
		own, err := repo.OfAccount(ctx, "acc-a")
		if err != nil || len(own) != 1 || fmt.Sprintf("%+v", own[0]) != fmt.Sprintf("%+v", pa) {
			t.Fatalf("acc-a's profiles %+v, %v", own, err)
		}
		if none, err := repo.OfAccount(ctx, "nobody"); err != nil || len(none) != 0 {
			t.Errorf("nobody's profiles %+v, %v", none, err)
		}

		// An erased profile is listed no more.
		if err := repo.Delete(ctx, "p-a", domain.ProfileErased{ProfileID: "p-a"}); err != nil {
			t.Fatal(err)
		}
		if got := pages(t, repo.Store, "", 10); fmt.Sprint(got) != "[p-c p-b p-d p-e p-z]" {
			t.Errorf("after erasure: %q", got)
		}
		if own, err := repo.OfAccount(ctx, "acc-a"); err != nil || len(own) != 0 {
			t.Errorf("acc-a's profiles after erasure %+v, %v", own, err)
		}

		// A row that does not read fails the list instead of being skipped.
		if _, err := db.Exec(`INSERT INTO profiles (id, account_id, details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			"p-bad", "acc-bad", `{"displayName":"x","availableFrom":"2027-02-30"}`, sqlstore.FormatTime(t0), sqlstore.FormatTime(t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.List(ctx, "", nil, 10); err == nil {
			t.Error("a corrupt row listed without an error")
		}
		if _, err := repo.OfAccount(ctx, "acc-bad"); err == nil {
			t.Error("a corrupt row read without an error")
		}
	})
}

// migrationsUpTo is the profile store's migrations up to version (inclusive), as a store that
// old applied them.
func migrationsUpTo(t *testing.T, version int) []sqlstore.MigrationSet {
	t.Helper()
	names, err := fs.Glob(os.DirFS("migrations"), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{}
	for _, name := range names {
		var v int
		if _, err := fmt.Sscanf(name, "%04d_", &v); err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		if v > version {
			continue
		}
		body, err := os.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		older["migrations/"+name] = &fstest.MapFile{Data: body}
	}
	return sqltx.Migrations("profile", older)
}

// Rows written before the store kept times in sqlstore.TimeLayout (RFC 3339, the fraction's
// trailing zeros dropped) are rewritten to it by migration 0004, the same instants, so that
// their text sorts as their times and the pages of the list neither skip nor repeat them.
func TestMigrationMakesOldCreationTimesSortable(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			if err := sqlstore.Migrate(ctx, db, migrationsUpTo(t, 3)...); err != nil {
				t.Fatal(err)
			}
			// Newest first once sorted by time; as old text, "…:00Z" sorted after "…:00.5Z"
			// and "…:00.5Z" after "…:00.50001Z".
			times := map[string]time.Time{
				"p-1": t0.Add(time.Second),
				"p-2": t0.Add(500010 * time.Microsecond),
				"p-3": t0.Add(500 * time.Millisecond),
				"p-4": t0.Add(123456789),
				"p-5": t0,
				"p-6": t0.Add(-time.Second),
			}
			details := `{"displayName":"x","sectors":["C21"],"availableFrom":"2027-02-01"}`
			for id, at := range times {
				created := at.Format(time.RFC3339Nano)
				if id == "p-6" { // already in the fixed layout
					created = sqlstore.FormatTime(at)
				}
				if _, err := db.Exec(`INSERT INTO profiles (id, account_id, details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)`,
					id, "acc-"+id, details, created, at.Format(time.RFC3339Nano)); err != nil {
					t.Fatal(err)
				}
			}
			if err := sqlstore.Migrate(ctx, db, store.Migrations()...); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Query(`SELECT id, created_at FROM profiles`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id, created string
				if err := rows.Scan(&id, &created); err != nil {
					t.Fatal(err)
				}
				if want := sqlstore.FormatTime(times[id]); created != want {
					t.Errorf("%s created_at %q, want %q", id, created, want)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			s := store.New(db, nil)
			if got := pages(t, s, "", 2); fmt.Sprint(got) != "[p-1 p-2 p-3 p-4 p-5 p-6]" {
				t.Errorf("pages %q", got)
			}
			for id, at := range times {
				p, err := s.Get(ctx, id)
				if err != nil || !p.CreatedAt.Equal(at) {
					t.Errorf("%s created %v, %v; want %v", id, p.CreatedAt, err, at)
				}
			}
		})
	}
}
