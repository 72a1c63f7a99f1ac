package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// CreateProfile registers the caller's profile; an operator may create one for a consultant
// account by naming it.
func (a *Application) CreateProfile(ctx context.Context, caller identity.Caller, forAccountID string, in domain.DetailsInput) (domain.Profile, error) {
	accountID := caller.AccountID
	switch caller.Role {
	case identity.RoleConsultant:
		if forAccountID != "" && forAccountID != caller.AccountID {
			return domain.Profile{}, fault.Invalid(fault.ReasonInvalidArgument,
				fault.Violation{Field: "accountId", Description: "only operators may create a profile for another account"})
		}
	case identity.RoleOperator:
		if forAccountID == "" {
			return domain.Profile{}, fault.Invalid(fault.ReasonInvalidArgument,
				fault.Violation{Field: "accountId", Description: "is required when an operator creates a profile"})
		}
		accountID = forAccountID
	default:
		return domain.Profile{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only consultants and operators create profiles")
	}
	now := a.now().UTC()
	details, err := domain.NewDetails(in, now)
	if err != nil {
		return domain.Profile{}, err
	}
	p := domain.Profile{ID: a.newID(), AccountID: accountID, Details: details, CreatedAt: now, UpdatedAt: now}
	err = a.tx.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if err := tx.Create(ctx, p); err != nil {
			return err
		}
		return tx.Publish(ctx, domain.ProfileRegistered{Profile: p})
	})
	if err != nil {
		return domain.Profile{}, err
	}
	return p, nil
}
