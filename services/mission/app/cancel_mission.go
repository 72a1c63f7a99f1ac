package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// CancelMission closes a mission for the firm that owns it; an operator may cancel any mission.
func (a *Application) CancelMission(ctx context.Context, caller identity.Caller, id string) (domain.Mission, error) {
	if caller.Role != identity.RoleFirm && !caller.IsOperator() {
		return domain.Mission{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm or an operator cancels a mission")
	}
	return a.repo.Update(ctx, id, func(m *domain.Mission) ([]domain.Event, error) {
		if !caller.IsOperator() && m.FirmID != caller.AccountID {
			return nil, ErrNotFound(id)
		}
		return m.Cancel(a.now())
	})
}
