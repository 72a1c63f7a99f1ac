package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// GetProfile shows a profile to its owner and operators in full, and to a firm while the
// profile is on one of the firm's shortlists, without the email or the missions its bookings
// are for (see domain.Profile.SeenByFirm).
func (a *Application) GetProfile(ctx context.Context, caller identity.Caller, id string) (domain.Profile, error) {
	p, err := a.profiles.Get(ctx, id)
	if err != nil {
		return domain.Profile{}, err
	}
	switch {
	case caller.IsOperator(), caller.Role == identity.RoleConsultant && p.AccountID == caller.AccountID:
		return p, nil
	case caller.Role == identity.RoleFirm:
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
