package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/profilerules"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// createFor has an operator create a profile for a consultant account.
func (f *fixture) createFor(t *testing.T, accountID string) domain.Profile {
	t.Helper()
	p, err := f.app.CreateProfile(context.Background(), operator, accountID, input())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// list lists profiles as caller and fails the test on an error.
func (f *fixture) list(t *testing.T, caller identity.Caller, accountID string, pageSize int, pageToken string) ([]domain.Profile, string) {
	t.Helper()
	got, next, err := f.app.ListProfiles(context.Background(), caller, accountID, pageSize, pageToken)
	if err != nil {
		t.Fatal(err)
	}
	return got, next
}

func ids(ps []domain.Profile) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return strings.Join(out, " ")
}

// A consultant lists their own profile, in full as GetProfile shows it to them, and nobody
// else's: naming another account gives nothing, as if it had no profile.
func TestConsultantListsOnlyOwnProfiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if got, next := f.list(t, cons1, "", 0, ""); len(got) != 0 || next != "" {
		t.Fatalf("before creating: %v, next %q", ids(got), next)
	}
	own := f.create(t, cons1, input())
	f.create(t, cons2, input())
	f.createFor(t, "cons-3")

	got, next := f.list(t, cons1, "", 0, "")
	whole, err := f.app.GetProfile(ctx, cons1, own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || next != "" || fmt.Sprintf("%+v", got[0]) != fmt.Sprintf("%+v", whole) {
		t.Fatalf("consultant lists %+v (next %q), want only %+v", got, next, whole)
	}
	if got[0].Email == "" || len(got[0].Skills) == 0 {
		t.Errorf("own profile not in full: %+v", got[0])
	}
	if got, _ := f.list(t, cons1, "cons-1", 1, ""); ids(got) != own.ID {
		t.Errorf("filtered on own account: %v", ids(got))
	}
	for _, other := range []string{"cons-2", "cons-3", "nobody"} {
		if got, next := f.list(t, cons1, other, 0, ""); len(got) != 0 || next != "" {
			t.Errorf("consultant filtering on %s sees %v, next %q", other, ids(got), next)
		}
	}
	// Paging arguments are checked for everyone, though a consultant's list is never cut.
	_, _, err = f.app.ListProfiles(ctx, cons1, "", -1, "")
	wantInvalidField(t, err, "pageSize")
	_, _, err = f.app.ListProfiles(ctx, cons1, "", 0, "not-a-token")
	wantInvalidField(t, err, "pageToken")
}

func TestFirmMayNotListProfiles(t *testing.T) {
	f := newFixture(t)
	p := f.create(t, cons1, input())
	f.shortlists.shortlist(p.ID, firm1.AccountID) // seeing one profile is no right to the list
	for _, caller := range []identity.Caller{firm1, {AccountID: "x", Role: identity.Role("STRANGER")}} {
		got, next, err := f.app.ListProfiles(context.Background(), caller, "", 0, "")
		wantFault(t, err, fault.KindPermissionDenied, app.ReasonRoleNotAllowed)
		if got != nil || next != "" {
			t.Errorf("%s refused with %v, %q", caller.Role, got, next)
		}
	}
	if q := f.shortlists.questions(); len(q) != 0 {
		t.Errorf("matching asked %v", q)
	}
}

// An operator pages through every profile newest first, each page's token leading to the
// next and the last page having none; accountId keeps one account's.
func TestOperatorPagesThroughProfiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var all []domain.Profile // newest first
	for i := range 5 {
		all = append([]domain.Profile{f.createFor(t, fmt.Sprint("acc-", i))}, all...)
	}
	var pages []string
	token := ""
	for {
		got, next := f.list(t, operator, "", 2, token)
		pages = append(pages, ids(got))
		if next == "" {
			break
		}
		token = next
	}
	want := []string{ids(all[0:2]), ids(all[2:4]), ids(all[4:5])}
	if fmt.Sprint(pages) != fmt.Sprint(want) {
		t.Fatalf("pages %q, want %q", pages, want)
	}
	if got, next := f.list(t, operator, "", 5, ""); ids(got) != ids(all) || next != "" {
		t.Errorf("an exact page: %v, next %q", ids(got), next)
	}
	if got, next := f.list(t, operator, "", 1000, ""); ids(got) != ids(all) || next != "" {
		t.Errorf("a page over the cap: %v, next %q", ids(got), next)
	}

	// Each profile in full, as its owner sees it.
	got, _ := f.list(t, operator, "", 0, "")
	for i, p := range got {
		if fmt.Sprintf("%+v", p) != fmt.Sprintf("%+v", all[i]) {
			t.Errorf("listed %+v, want %+v", p, all[i])
		}
	}

	// The account filter, alone and with paging.
	if got, next := f.list(t, operator, "acc-3", 1, ""); ids(got) != all[1].ID || next != "" {
		t.Errorf("acc-3: %v, next %q", ids(got), next)
	}
	if got, next := f.list(t, operator, "nobody", 0, ""); len(got) != 0 || next != "" {
		t.Errorf("nobody: %v, next %q", ids(got), next)
	}
	_, first := f.list(t, operator, "", 1, "")
	if got, _ := f.list(t, operator, "acc-0", 1, first); ids(got) != all[4].ID {
		t.Errorf("acc-0 after the first page: %v", ids(got))
	}

	// A deleted profile leaves the list.
	if err := f.app.DeleteProfile(ctx, operator, all[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.list(t, operator, "", 0, ""); ids(got) != ids(all[1:]) {
		t.Errorf("after deletion: %v", ids(got))
	}

	for _, bad := range []struct {
		accountID, token, field string
		size                    int
	}{
		{size: -1, field: "pageSize"},
		{token: "not-a-token", field: "pageToken"},
		{token: first + "x", field: "pageToken"},
		{accountID: "acc\x00", field: "accountId"},
		{accountID: "\xff", field: "accountId"},
		{accountID: strings.Repeat("a", 201), field: "accountId"},
	} {
		_, _, err := f.app.ListProfiles(ctx, operator, bad.accountID, bad.size, bad.token)
		wantInvalidField(t, err, bad.field)
	}
}

// Without pageSize an operator's page holds 50 profiles.
func TestOperatorDefaultPageSize(t *testing.T) {
	f := newFixture(t)
	for i := range profilerules.DefaultListPageSize + 1 {
		f.createFor(t, fmt.Sprint("acc-", i))
	}
	got, next := f.list(t, operator, "", 0, "")
	if len(got) != profilerules.DefaultListPageSize || next == "" {
		t.Fatalf("first page: %d profiles, next %q", len(got), next)
	}
	rest, next := f.list(t, operator, "", 0, next)
	if len(rest) != 1 || next != "" || rest[0].AccountID != "acc-0" {
		t.Fatalf("second page: %v, next %q", ids(rest), next)
	}
}
