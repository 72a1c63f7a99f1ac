package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// ReplaceProfile replaces every detail of the caller's own profile. Bookings the platform made
// for the missions it staffed stay: the consultant replaces only the bookings they declared.
func (a *Application) ReplaceProfile(ctx context.Context, caller identity.Caller, id string, in domain.DetailsInput) (domain.Profile, error) {
	if caller.Role != identity.RoleConsultant {
		return domain.Profile{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the consultant who owns a profile replaces it")
	}
	details, err := domain.NewDetails(in, a.now())
	if err != nil {
		return domain.Profile{}, err
	}
	var p domain.Profile
	err = a.tx.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		if p, err = lockedProfile(ctx, tx, id); err != nil {
			return err
		}
		if p.AccountID != caller.AccountID {
			return ErrNotFound(id)
		}
		p.ReplaceDetails(details, a.now())
		return saveAndPublish(ctx, tx, p, domain.ProfileUpdated{Profile: p})
	})
	if err != nil {
		return domain.Profile{}, err
	}
	return p, nil
}
