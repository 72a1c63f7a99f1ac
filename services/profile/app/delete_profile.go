package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// DeleteProfile erases a profile (GDPR art. 17). Every other service drops the person when it
// receives ProfileErased.
func (a *Application) DeleteProfile(ctx context.Context, caller identity.Caller, id string) error {
	if caller.Role != identity.RoleConsultant && !caller.IsOperator() {
		return fault.PermissionDenied(ReasonRoleNotAllowed, "only the owner or an operator erases a profile")
	}
	return a.tx.InTx(ctx, func(ctx context.Context, tx Tx) error {
		p, err := lockedProfile(ctx, tx, id)
		if err != nil {
			return err
		}
		if !caller.IsOperator() && p.AccountID != caller.AccountID {
			return ErrNotFound(id)
		}
		if err := tx.Delete(ctx, id); err != nil {
			return err
		}
		return tx.Publish(ctx, domain.ProfileErased{ProfileID: id, AccountID: p.AccountID})
	})
}
