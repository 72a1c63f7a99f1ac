package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// CancelMission closes a mission for the firm that owns it; an operator may cancel any mission.
// A pending offer is withdrawn; a staffed mission's consultant is freed by MissionCancelled.
func (a *Application) CancelMission(ctx context.Context, caller identity.Caller, id string) (domain.Mission, error) {
	if caller.Role != identity.RoleFirm && !caller.IsOperator() {
		return domain.Mission{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm or an operator cancels a mission")
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Mission, error) {
		m, err := holdMission(ctx, tx, caller, id, runs)
		if err != nil {
			return domain.Mission{}, err
		}
		err = a.cancelHeld(ctx, tx, &m, actorOf(caller))
		return m, err
	})
}

// cancelHeld cancels m, which tx holds, by by: its pending offer is withdrawn, and a staffed
// mission's pending extension with it.
func (a *Application) cancelHeld(ctx context.Context, tx Tx, m *domain.Mission, by domain.Actor) error {
	pending, hasPending, err := tx.PendingOffer(ctx, m.ID)
	if err != nil {
		return err
	}
	var offer *domain.Offer
	if hasPending {
		offer = &pending
	}
	now := a.now()
	out, err := m.Cancel(by, offer, now)
	if err != nil {
		return err
	}
	ext, err := pendingExtension(ctx, tx, m.ID)
	if err != nil {
		return err
	}
	if ext != nil {
		domain.WithdrawExtension(ext, now)
		if err := tx.SaveExtension(ctx, *ext); err != nil {
			return err
		}
	}
	if hasPending {
		if err := tx.SaveOffer(ctx, pending); err != nil {
			return err
		}
	}
	return saveMission(ctx, tx, *m, out)
}
