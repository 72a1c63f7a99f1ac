package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// GiveFeedback records the caller's feedback on a mission that ended early or completed: its
// firm or its staffed consultant, once each (FEEDBACK_ALREADY_GIVEN). Operators may never;
// anyone else is told the mission does not exist.
func (a *Application) GiveFeedback(ctx context.Context, caller identity.Caller, missionID string, rating int, comment string, wouldStaffAgain bool) (domain.Feedback, error) {
	if caller.Role != identity.RoleFirm && caller.Role != identity.RoleConsultant {
		return domain.Feedback{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the mission's firm or its staffed consultant gives feedback")
	}
	comment, err := missionrules.CheckFeedback(missionID, rating, comment)
	if err != nil {
		return domain.Feedback{}, err
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Feedback, error) {
		m, err := holdMission(ctx, tx, caller, missionID, party)
		if err != nil {
			return domain.Feedback{}, err
		}
		by := actorOf(caller)
		already, err := tx.FeedbackGiven(ctx, missionID, by.Role)
		if err != nil {
			return domain.Feedback{}, err
		}
		f, out, err := domain.GiveFeedback(&m, by, rating, comment, wouldStaffAgain, already, a.now())
		if err != nil {
			return domain.Feedback{}, err
		}
		return f, create(ctx, tx, tx.CreateFeedback, f, out)
	})
}
