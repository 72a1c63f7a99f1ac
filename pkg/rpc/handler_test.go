package rpc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/rpc"
)

func TestForCallerNeedsACallerAndFormsTheResult(t *testing.T) {
	use := func(c identity.Caller) (string, error) { return c.AccountID, nil }
	form := func(s string) int { return len(s) }
	if _, err := rpc.ForCaller(context.Background(), use, form); fault.KindOf(err) != fault.KindUnauthenticated {
		t.Fatalf("no caller: %v, want UNAUTHENTICATED", err)
	}
	ctx := identity.WithCaller(context.Background(), identity.Caller{AccountID: "acc-12", Role: identity.RoleFirm})
	if got, err := rpc.ForCaller(ctx, use, form); err != nil || got != 6 {
		t.Fatalf("got %d, %v; want 6", got, err)
	}
	boom := errors.New("boom")
	if _, err := rpc.ForCaller(ctx, func(identity.Caller) (string, error) { return "", boom }, form); !errors.Is(err, boom) {
		t.Fatalf("use case error: %v", err)
	}
}
