package accounts

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/mail"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

func TestCreateAccountWithEmail(t *testing.T) {
	b := sqltest.Backends()[0]
	svc := NewService(openStore(t, b.Open(t)), NewPostman(mail.NewMailbox("", 10), slog.New(slog.DiscardHandler), 10), "http://gateway.test")
	ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "operator", Role: identity.RoleOperator})

	resp, err := svc.CreateAccount(ctx, &accountv1.CreateAccountRequest{Role: "FIRM", Name: "Acme", Email: " staffing@acme.example "})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetAccount().GetEmail() != "staffing@acme.example" {
		t.Errorf("email = %q", resp.GetAccount().GetEmail())
	}
	got, err := svc.GetAccount(ctx, &accountv1.GetAccountRequest{Id: resp.GetAccount().GetId()})
	if err != nil || got.GetAccount().GetEmail() != "staffing@acme.example" {
		t.Fatalf("GetAccount = %v, %v", got, err)
	}
	if resp, err := svc.CreateAccount(ctx, &accountv1.CreateAccountRequest{Role: "CONSULTANT", Name: "Claire"}); err != nil ||
		resp.GetAccount().GetEmail() != "" {
		t.Fatalf("an account without email: %v, %v", resp, err)
	}

	for _, bad := range []string{"no-at-sign", "two@@example.com", "a b@example.com", "Claire <c@example.com>",
		"c@example.com\x00", "@example.com", "c@.example.com", strings.Repeat("x", 250) + "@example.com"} {
		_, err := svc.CreateAccount(ctx, &accountv1.CreateAccountRequest{Role: "FIRM", Name: "Acme", Email: bad})
		if status.Code(err) != codes.InvalidArgument || !slices.Equal(rpc.ViolatedFields(err), []string{"email"}) {
			t.Errorf("email %q: %v (fields %v)", bad, err, rpc.ViolatedFields(err))
		}
	}
	_, err = svc.CreateAccount(ctx, &accountv1.CreateAccountRequest{Role: "FIRM", Name: "Ac\x00me"})
	if !slices.Equal(rpc.ViolatedFields(err), []string{"name"}) {
		t.Errorf("a name with NUL: %v", err)
	}
}
