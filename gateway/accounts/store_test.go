package accounts

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// eachBackend runs fn once per backend (SQLite, and PostgreSQL when it is reachable), each with
// a store over a fresh database: the same contract on both.
func eachBackend(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, openStore(t, b.Open(t))) })
	}
}

func openStore(t *testing.T, db *sql.DB) *Store {
	t.Helper()
	n := 0
	s, err := Open(context.Background(), db, func() string { n++; return fmt.Sprintf("acc-%d", n) })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreateAndAuthenticate(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		acc, token, err := s.Create(ctx, identity.RoleFirm, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Authenticate(ctx, token)
		if err != nil || got.ID != acc.ID || got.Role != identity.RoleFirm {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		if _, err := s.Authenticate(ctx, token+"x"); fault.KindOf(err) != fault.KindUnauthenticated {
			t.Errorf("a wrong token: %v", err)
		}
		var stored string
		if err := s.db.QueryRowContext(ctx, `SELECT token_hash FROM accounts WHERE id = $1`, acc.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == token || stored != HashToken(token) {
			t.Error("the token is not stored as its hash only")
		}
	})
}

func TestEnsureOperatorReplacesTheOldToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.EnsureOperator(ctx, "first"); err != nil {
			t.Fatal(err)
		}
		if acc, err := s.Authenticate(ctx, "first"); err != nil || acc.Role != identity.RoleOperator {
			t.Fatalf("operator: %+v %v", acc, err)
		}
		if err := s.EnsureOperator(ctx, "second"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "first"); err == nil {
			t.Error("the replaced operator token still works")
		}
		if _, err := s.Authenticate(ctx, "second"); err != nil {
			t.Errorf("the new operator token is refused: %v", err)
		}
	})
}

// Replicas of the gateway share one database: each sees the accounts the others create, they
// may bootstrap the operator at the same moment, and a token one of them replaces stops working
// on all of them.
func TestReplicasShareOneDatabase(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			databaseURL, sqlitePath := b.NewDatabase(t)
			replicas := make([]*Store, 3)
			var wg sync.WaitGroup
			errs := make([]error, len(replicas))
			for i := range replicas {
				db := sqltest.OpenAt(t, databaseURL, sqlitePath)
				wg.Go(func() {
					n := 0
					replicas[i], errs[i] = Open(ctx, db, func() string { n++; return fmt.Sprintf("acc-%d-%d", i, n) })
					if errs[i] == nil {
						errs[i] = replicas[i].EnsureOperator(ctx, "first")
					}
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("replica %d: %v", i, err)
				}
			}
			a, other := replicas[0], replicas[1]

			acc, token, err := a.Create(ctx, identity.RoleConsultant, "Claire Martin")
			if err != nil {
				t.Fatal(err)
			}
			got, err := other.Get(ctx, acc.ID)
			if err != nil || got.ID != acc.ID || got.Role != identity.RoleConsultant || got.Name != "Claire Martin" ||
				!got.CreatedAt.Equal(acc.CreatedAt) {
				t.Fatalf("Get on another replica = %+v, %v; want %+v", got, err, acc)
			}
			if got, err := other.Authenticate(ctx, token); err != nil || got.ID != acc.ID {
				t.Fatalf("Authenticate on another replica = %+v, %v", got, err)
			}
			if _, err := other.Get(ctx, "absent"); fault.KindOf(err) != fault.KindNotFound {
				t.Errorf("Get(absent) = %v", err)
			}

			// Every replica has authenticated the operator; one of them replaces its token.
			for i, r := range replicas {
				if acc, err := r.Authenticate(ctx, "first"); err != nil || acc.Role != identity.RoleOperator {
					t.Fatalf("replica %d: operator %+v, %v", i, acc, err)
				}
			}
			if err := a.EnsureOperator(ctx, "second"); err != nil {
				t.Fatal(err)
			}
			for i, r := range replicas {
				if _, err := r.Authenticate(ctx, "first"); fault.KindOf(err) != fault.KindUnauthenticated {
					t.Errorf("replica %d still accepts the replaced operator token (%v)", i, err)
				}
				if _, err := r.Authenticate(ctx, "second"); err != nil {
					t.Errorf("replica %d refuses the new operator token: %v", i, err)
				}
			}
		})
	}
}

// The gateway's database is PostgreSQL when a URL is given, otherwise gateway.db in the data
// directory; the log says which, never with the password.
func TestOpenDatabase(t *testing.T) {
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			databaseURL, _ := b.NewDatabase(t)
			password := ""
			if databaseURL != "" {
				// The test server trusts local connections: a password in the URL is never asked.
				u, err := url.Parse(databaseURL)
				if err != nil {
					t.Fatal(err)
				}
				if u.User != nil && u.User.Username() != "" {
					var ok bool
					if password, ok = u.User.Password(); !ok {
						password = "never-in-the-logs-7d1f"
						u.User = url.UserPassword(u.User.Username(), password)
						databaseURL = u.String()
					}
				}
			}
			dataDir := t.TempDir()
			var logs bytes.Buffer
			db, err := OpenDatabase(context.Background(), databaseURL, dataDir, slog.New(slog.NewJSONHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if got := sqlstore.BackendOf(db); got != b.Kind {
				t.Errorf("backend %s, want %s", got, b.Kind)
			}
			if _, err := openStore(t, db).Get(context.Background(), "absent"); fault.KindOf(err) != fault.KindNotFound {
				t.Errorf("Get(absent) = %v", err)
			}
			where := filepath.Join(dataDir, "gateway.db")
			_, statErr := os.Stat(where)
			if b.Kind == sqlstore.Postgres {
				where = sqlstore.RedactURL(databaseURL)
				if statErr == nil {
					t.Error("gateway.db was created although the database is PostgreSQL")
				}
			} else if statErr != nil {
				t.Errorf("no gateway.db: %v", statErr)
			}
			if want := `"backend":"` + string(b.Kind) + `","database":"` + where + `"`; !strings.Contains(logs.String(), want) {
				t.Errorf("logs %s\ndo not contain %s", logs.String(), want)
			}
			if password != "" && strings.Contains(logs.String(), password) {
				t.Errorf("logs leak the password: %s", logs.String())
			}
		})
	}
}
