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
	var cancelled domain.Mission
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		m, err := tx.Mission(ctx, id)
		if err != nil {
			return err
		}
		if !caller.IsOperator() && m.FirmID != caller.AccountID {
			return ErrNotFound(id)
		}
		pending, hasPending, err := tx.PendingOffer(ctx, id)
		if err != nil {
			return err
		}
		var offer *domain.Offer
		if hasPending {
			offer = &pending
		}
		now := a.now()
		out, err := m.Cancel(actorOf(caller), offer, now)
		if err != nil {
			return err
		}
		// A staffed mission's pending extension goes with it.
		ext, hasExt, err := tx.PendingExtension(ctx, id)
		if err != nil {
			return err
		}
		if hasExt {
			domain.WithdrawExtension(&ext, now)
			if err := tx.SaveExtension(ctx, ext); err != nil {
				return err
			}
		}
		if hasPending {
			if err := tx.SaveOffer(ctx, pending); err != nil {
				return err
			}
		}
		cancelled = m
		return saveMission(ctx, tx, m, out)
	})
	if err != nil {
		return domain.Mission{}, err
	}
	return cancelled, nil
}
