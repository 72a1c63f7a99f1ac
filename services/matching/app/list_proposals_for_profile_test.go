package app_test

import (
	"testing"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
)

// TestListProposalsForProfileRoles: firms never list a profile's proposals; the consultant (the
// gateway's export) and operators may; a missing profile id or a limit out of bounds is invalid.
func TestListProposalsForProfileRoles(t *testing.T) {
	h := newHarness(t, config(0, 0))
	ctx := t.Context()
	const profile = "0190a000-0000-7000-8000-000000000001"
	if _, err := h.app.ListProposalsForProfile(ctx, identity.Caller{AccountID: "firm-1", Role: identity.RoleFirm}, profile, 0); fault.KindOf(err) != fault.KindPermissionDenied {
		t.Errorf("a firm: %v", err)
	}
	for _, c := range []identity.Caller{{AccountID: "c-1", Role: identity.RoleConsultant}, {AccountID: "operator", Role: identity.RoleOperator}} {
		got, err := h.app.ListProposalsForProfile(ctx, c, profile, 0)
		if err != nil || len(got.Proposals) != 0 || got.Truncated {
			t.Errorf("%s: %+v, %v", c.Role, got, err)
		}
	}
	consultant := identity.Caller{AccountID: "c-1", Role: identity.RoleConsultant}
	for _, bad := range []struct {
		id    string
		limit int
	}{{"", 0}, {profile, -1}, {profile, 1001}} {
		if _, err := h.app.ListProposalsForProfile(ctx, consultant, bad.id, bad.limit); fault.KindOf(err) != fault.KindInvalid {
			t.Errorf("%q limit %d: %v", bad.id, bad.limit, err)
		}
	}
}
