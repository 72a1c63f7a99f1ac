package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// GetMission shows a mission to the firm that owns it and to operators; anyone else is told it
// does not exist.
func (a *Application) GetMission(ctx context.Context, caller identity.Caller, id string) (domain.Mission, error) {
	if !caller.IsOperator() && caller.Role != identity.RoleFirm {
		return domain.Mission{}, ErrNotFound(id)
	}
	m, err := a.repo.Get(ctx, id)
	if err != nil {
		return domain.Mission{}, err
	}
	if !caller.IsOperator() && m.FirmID != caller.AccountID {
		return domain.Mission{}, ErrNotFound(id)
	}
	return m, nil
}
