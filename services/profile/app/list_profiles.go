package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/profilerules"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// ListProfiles lists profiles newest first (created at, then id), each in full as GetProfile
// shows it to its owner. A consultant gets all of their own at once, with no next page (the
// account filter, when it names another account, leaves nothing: someone else's profiles are
// indistinguishable from none). An operator gets every profile, or accountID's only, a page
// at a time (profilerules.CheckList: the mission lists' paging rules and tokens, 50 a page by
// default). Firms are refused.
func (a *Application) ListProfiles(ctx context.Context, caller identity.Caller, accountID string, pageSize int, pageToken string) ([]domain.Profile, string, error) {
	if caller.Role != identity.RoleConsultant && !caller.IsOperator() {
		return nil, "", fault.PermissionDenied(ReasonRoleNotAllowed, "only consultants and operators list profiles")
	}
	size, after, err := profilerules.CheckList(pageSize, pageToken, accountID)
	if err != nil {
		return nil, "", err
	}
	if caller.Role == identity.RoleConsultant {
		if accountID != "" && accountID != caller.AccountID {
			return nil, "", nil
		}
		profiles, err := a.profiles.OfAccount(ctx, caller.AccountID)
		return profiles, "", err
	}
	// One profile more than the page holds: its presence tells there is a next page, whose
	// token is the position of the page's last profile.
	profiles, err := a.profiles.List(ctx, accountID, after, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(profiles) > size {
		profiles = profiles[:size]
		last := profiles[size-1]
		next = missionrules.EncodePageToken(missionrules.Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return profiles, next, nil
}
