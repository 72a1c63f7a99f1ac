package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// GetProfile shows a profile to its owner and operators in full. A firm sees it whole, email
// included, while a mission it staffed the consultant on runs and for 90 days after it ends
// (domain.Profile.StaffedBy, SeenByStaffingFirm); otherwise only while the profile is on one of
// the firm's shortlists, without the email (SeenByFirm). Neither ever shows the missions of
// other firms. Anyone else gets the not-found a missing profile gives.
func (a *Application) GetProfile(ctx context.Context, caller identity.Caller, id string) (domain.Profile, error) {
	p, err := a.profiles.Get(ctx, id)
	if err != nil {
		return domain.Profile{}, err
	}
	switch {
	case caller.IsOperator(), caller.Role == identity.RoleConsultant && p.AccountID == caller.AccountID:
		return p, nil
	case caller.Role == identity.RoleFirm:
		if p.StaffedBy(caller.AccountID, a.now()) {
			return p.SeenByStaffingFirm(caller.AccountID), nil
		}
		visible, err := a.shortlists.IsShortlistedForFirm(ctx, id, caller.AccountID)
		if err != nil {
			return domain.Profile{}, err
		}
		if visible {
			return p.SeenByFirm(), nil
		}
	}
	return domain.Profile{}, ErrNotFound(id)
}
