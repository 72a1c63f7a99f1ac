package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// DeclineExtension is the staffed consultant's no, with a reason that is not published.
func (a *Application) DeclineExtension(ctx context.Context, caller identity.Caller, id, reason string) (domain.Extension, error) {
	reason, err := missionrules.CheckDeclineExtension(id, reason)
	if err != nil {
		return domain.Extension{}, err
	}
	return a.answerExtension(ctx, caller, id, false, func(_ context.Context, _ Tx, e *domain.Extension, m *domain.Mission) (domain.Outcome, error) {
		return domain.DeclineExtension(e, m, reason, actorOf(caller), a.now())
	})
}

func (a *Application) answerExtension(ctx context.Context, caller identity.Caller, id string, lockConsultant bool,
	decide func(context.Context, Tx, *domain.Extension, *domain.Mission) (domain.Outcome, error)) (domain.Extension, error) {
	if caller.Role != identity.RoleConsultant {
		return domain.Extension{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the staffed consultant answers an extension")
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Extension, error) {
		e, err := tx.Extension(ctx, id)
		if err != nil {
			return domain.Extension{}, err
		}
		if e.ConsultantID != caller.AccountID {
			return domain.Extension{}, ErrExtensionNotFound(id)
		}
		if lockConsultant {
			if err := tx.LockConsultant(ctx, e.ConsultantID); err != nil {
				return domain.Extension{}, err
			}
		}
		m, err := tx.Mission(ctx, e.MissionID)
		if err != nil {
			return domain.Extension{}, err
		}
		// Read again now that the mission is held.
		if e, err = tx.Extension(ctx, id); err != nil {
			return domain.Extension{}, err
		}
		out, err := decide(ctx, tx, &e, &m)
		if err != nil {
			return domain.Extension{}, err
		}
		if err := tx.SaveExtension(ctx, e); err != nil {
			return domain.Extension{}, err
		}
		return e, saveMission(ctx, tx, m, out)
	})
}
