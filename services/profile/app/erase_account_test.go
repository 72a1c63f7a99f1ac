package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/profile/app"
)

// TestAnErasedAccountsProfilesGoWithIt: the profile an account still has when its erasure
// arrives is erased (ProfileErased with the account id); another account's stays; the same
// event again does nothing.
func TestAnErasedAccountsProfilesGoWithIt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mine := f.create(t, cons1, input())
	theirs := f.create(t, cons2, input())
	n, err := f.app.EraseAccountProfiles(ctx, delivery("acc-erased-1"), cons1.AccountID)
	if err != nil || n != 1 {
		t.Fatalf("erased %d (%v), want 1", n, err)
	}
	_, err = f.app.GetProfile(ctx, operator, mine.ID)
	wantFault(t, err, fault.KindNotFound, app.ReasonProfileNotFound)
	if _, err := f.app.GetProfile(ctx, operator, theirs.ID); err != nil {
		t.Fatalf("another account's profile: %v", err)
	}
	if n, err := f.app.EraseAccountProfiles(ctx, delivery("acc-erased-1"), cons1.AccountID); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	if ev := strings.Join(f.events(t), ","); !strings.Contains(ev, "ProfileErased "+mine.ID) || strings.Contains(ev, "ProfileErased "+theirs.ID) {
		t.Fatalf("events %s", ev)
	}
}
