package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListExtensions lists a mission's extensions, oldest first, to its parties (the firm, the
// staffed consultant) and operators; anyone else is told the mission does not exist.
func (a *Application) ListExtensions(ctx context.Context, caller identity.Caller, missionID string) ([]domain.Extension, error) {
	if _, err := a.partyMission(ctx, caller, missionID, true); err != nil {
		return nil, err
	}
	return a.repo.Extensions(ctx, missionID)
}

// partyMission reads a mission for one of its parties, or an operator when operators is true.
func (a *Application) partyMission(ctx context.Context, caller identity.Caller, id string, operators bool) (domain.Mission, error) {
	if err := missionrules.CheckMissionID(id); err != nil {
		return domain.Mission{}, err
	}
	m, err := a.repo.Get(ctx, id)
	if err != nil {
		return domain.Mission{}, err
	}
	if (operators && caller.IsOperator()) || party(caller, m) {
		return m, nil
	}
	return domain.Mission{}, ErrNotFound(id)
}
