package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListFeedback lists a mission's feedback to its parties and operators; anyone else is told the
// mission does not exist.
func (a *Application) ListFeedback(ctx context.Context, caller identity.Caller, missionID string) ([]domain.Feedback, error) {
	if _, err := a.partyMission(ctx, caller, missionID, true); err != nil {
		return nil, err
	}
	return a.repo.Feedback(ctx, missionID)
}
