package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// ReplaceProfile replaces every detail of the caller's own profile.
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
		p.Details = details
		p.UpdatedAt = a.now().UTC()
		return domain.ProfileUpdated{Profile: *p}, nil
	})
}
