package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// EndMission ends a staffed mission early, at the request of its firm or its staffed
// consultant: ENDED_EARLY, the booking cut at endDate (StaffingDatesChanged), a pending
// extension withdrawn. Operators may never; anyone else is told the mission does not exist.
func (a *Application) EndMission(ctx context.Context, caller identity.Caller, id, endDate, reason string) (domain.Mission, error) {
	if caller.Role != identity.RoleFirm && caller.Role != identity.RoleConsultant {
		return domain.Mission{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the mission's firm or its staffed consultant ends it")
	}
	end, reason, err := missionrules.CheckEndMission(id, endDate, reason)
	if err != nil {
		return domain.Mission{}, err
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Mission, error) {
		m, err := holdMission(ctx, tx, caller, id, party)
		if err != nil {
			return domain.Mission{}, err
		}
		if m.Status != domain.StatusStaffed {
			_, err := domain.EndEarly(&m, nil, nil, end, reason, actorOf(caller), a.now())
			return domain.Mission{}, err
		}
		o, err := tx.Offer(ctx, m.StaffedOfferID)
		if err != nil {
			return domain.Mission{}, err
		}
		pending, err := pendingExtension(ctx, tx, id)
		if err != nil {
			return domain.Mission{}, err
		}
		out, err := domain.EndEarly(&m, &o, pending, end, reason, actorOf(caller), a.now())
		if err != nil {
			return domain.Mission{}, err
		}
		if err := tx.SaveOffer(ctx, o); err != nil {
			return domain.Mission{}, err
		}
		if err := saveExtension(ctx, tx, pending); err != nil {
			return domain.Mission{}, err
		}
		return m, saveMission(ctx, tx, m, out)
	})
}

// pendingExtension reads the mission's pending extension in tx; nil when there is none.
func pendingExtension(ctx context.Context, tx Tx, missionID string) (*domain.Extension, error) {
	e, ok, err := tx.PendingExtension(ctx, missionID)
	if err != nil || !ok {
		return nil, err
	}
	return &e, nil
}

// saveExtension stores e, when there is one.
func saveExtension(ctx context.Context, tx Tx, e *domain.Extension) error {
	if e == nil {
		return nil
	}
	return tx.SaveExtension(ctx, *e)
}

// completionBatch bounds how many due missions are read at once.
