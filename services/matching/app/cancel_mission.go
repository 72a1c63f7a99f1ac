package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// CancelMission closes a mission: it is never re-ranked again and its shortlist no longer
// makes profiles visible to the firm. A cancellation of a mission not heard of yet leaves a
// closed tombstone, so that a late submission does not reopen it.
func (a *Application) CancelMission(ctx context.Context, d Delivery, missionID, firmID string) error {
	applied, err := a.store.Apply(ctx, d, func(ctx context.Context, rm ReadModel) error {
		m, found, err := rm.Mission(ctx, missionID)
		if err != nil {
			return err
		}
		if !found {
			return rm.PutMission(ctx, domain.ClosedMission(missionID, firmID))
		}
		m.Status = domain.MissionClosed
		return rm.PutMission(ctx, m)
	})
	if err != nil {
		return err
	}
	a.logApplied(ctx, d, applied, nil)
	return nil
}
