package accounts

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
)

func openStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "gateway.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	n := 0
	s, err := Open(ctx, db, func() string { n++; return fmt.Sprintf("acc-%d", n) })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreateAndAuthenticate(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
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
}

func TestEnsureOperatorReplacesTheOldToken(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
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
}
