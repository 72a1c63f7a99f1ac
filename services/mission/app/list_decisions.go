package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListDecisions returns a mission's decisions trail, in order, to the firm that owns it and to
// operators; anyone else is told the mission does not exist.
func (a *Application) ListDecisions(ctx context.Context, caller identity.Caller, missionID string) ([]domain.Decision, error) {
	if err := missionrules.CheckMissionID(missionID); err != nil {
		return nil, err
	}
	if _, err := a.ownMission(ctx, caller, missionID); err != nil {
		return nil, err
	}
	return a.repo.Decisions(ctx, missionID)
}
