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
	return a.repo.Update(ctx, id, func(p *domain.Profile) (domain.Event, error) {
		if p.AccountID != caller.AccountID {
			return nil, errNotFound(id)
		}
		p.ReplaceDetails(details, a.now())
		return domain.ProfileUpdated{Profile: *p}, nil
	})
}
