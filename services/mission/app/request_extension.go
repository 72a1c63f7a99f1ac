package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// RequestExtension proposes a later end date for the calling firm's staffed mission (see
// domain.Mission.RequestExtension). Consultants and operators may never; another firm is told
// the mission does not exist.
func (a *Application) RequestExtension(ctx context.Context, caller identity.Caller, missionID, newEndDate, message string) (domain.Extension, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Extension{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm requests an extension")
	}
	newEnd, message, err := missionrules.CheckExtensionRequest(missionID, newEndDate, message)
	if err != nil {
		return domain.Extension{}, err
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Extension, error) {
		m, err := holdMission(ctx, tx, caller, missionID, ownsMission)
		if err != nil {
			return domain.Extension{}, err
		}
		_, pending, err := tx.PendingExtension(ctx, missionID)
		if err != nil {
			return domain.Extension{}, err
		}
		e, out, err := m.RequestExtension(a.newID(), newEnd, message, pending, actorOf(caller), a.now())
		if err != nil {
			return domain.Extension{}, err
		}
		return e, create(ctx, tx, tx.CreateExtension, e, out)
	})
}
