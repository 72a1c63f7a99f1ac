package accounts

import (
	"context"
	"database/sql"
	"fmt"
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

// eachBackendReplicas runs fn once per backend with n stores over one fresh database, as n
// gateway replicas see it.
func eachBackendReplicas(t *testing.T, n int, fn func(t *testing.T, replicas []*Store)) {
	t.Helper()
	for _, b := range sqltest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			databaseURL, sqlitePath := b.NewDatabase(t)
			replicas := make([]*Store, n)
			for i := range replicas {
				replicas[i] = openStore(t, sqltest.OpenAt(t, databaseURL, sqlitePath))
			}
			fn(t, replicas)
		})
	}
}

func openStore(t testing.TB, db *sql.DB) *Store {
	t.Helper()
	n := 0
	if err := sqlstore.Migrate(context.Background(), db, Migrations()...); err != nil {
		t.Fatal(err)
	}
	return New(db, func() string { n++; return fmt.Sprintf("acc-%d", n) })
}

func TestCreateAndAuthenticate(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		acc, token, err := s.Create(ctx, identity.RoleFirm, "Acme Énergie", "staffing@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := s.Authenticate(ctx, token)
		if err != nil || got.ID != acc.ID || got.Role != identity.RoleFirm || got.Name != "Acme Énergie" ||
			got.Email != "staffing@acme.example" {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		if got, err := s.Get(ctx, acc.ID); err != nil || got.Email != "staffing@acme.example" {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		noEmail, _, err := s.Create(ctx, identity.RoleConsultant, "Claire", "")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get(ctx, noEmail.ID); err != nil || got.Email != "" {
			t.Fatalf("Get without email = %+v, %v", got, err)
		}
		if _, _, err := s.Authenticate(ctx, token+"x"); fault.KindOf(err) != fault.KindUnauthenticated {
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
		if acc, _, err := s.Authenticate(ctx, "first"); err != nil || acc.Role != identity.RoleOperator {
			t.Fatalf("operator: %+v %v", acc, err)
		}
		if err := s.EnsureOperator(ctx, "second"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Authenticate(ctx, "first"); err == nil {
			t.Error("the replaced operator token still works")
		}
		if _, _, err := s.Authenticate(ctx, "second"); err != nil {
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
					// Replicas start together: each migrates, then bootstraps the operator.
					errs[i] = sqlstore.Migrate(ctx, db, Migrations()...)
					replicas[i] = New(db, func() string { n++; return fmt.Sprintf("acc-%d-%d", i, n) })
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

			acc, token, err := a.Create(ctx, identity.RoleConsultant, "Claire Martin", "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := other.Get(ctx, acc.ID)
			if err != nil || got.ID != acc.ID || got.Role != identity.RoleConsultant || got.Name != "Claire Martin" ||
				!got.CreatedAt.Equal(acc.CreatedAt) {
				t.Fatalf("Get on another replica = %+v, %v; want %+v", got, err, acc)
			}
			if got, _, err := other.Authenticate(ctx, token); err != nil || got.ID != acc.ID {
				t.Fatalf("Authenticate on another replica = %+v, %v", got, err)
			}
			if _, err := other.Get(ctx, "absent"); fault.KindOf(err) != fault.KindNotFound {
				t.Errorf("Get(absent) = %v", err)
			}

			// Every replica has authenticated the operator; one of them replaces its token.
			for i, r := range replicas {
				if acc, _, err := r.Authenticate(ctx, "first"); err != nil || acc.Role != identity.RoleOperator {
					t.Fatalf("replica %d: operator %+v, %v", i, acc, err)
				}
			}
			if err := a.EnsureOperator(ctx, "second"); err != nil {
				t.Fatal(err)
			}
			for i, r := range replicas {
				if _, _, err := r.Authenticate(ctx, "first"); fault.KindOf(err) != fault.KindUnauthenticated {
					t.Errorf("replica %d still accepts the replaced operator token (%v)", i, err)
				}
				if _, _, err := r.Authenticate(ctx, "second"); err != nil {
					t.Errorf("replica %d refuses the new operator token: %v", i, err)
				}
			}
		})
	}
}
