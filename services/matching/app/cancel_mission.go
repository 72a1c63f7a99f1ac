package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// CancelMission closes a mission: it is never re-ranked again, its shortlist no longer makes
// profiles visible to the firm, and its candidates no longer count against the exposure cap.
// A cancellation of a mission not heard of yet leaves a closed tombstone, so that a late
// submission does not reopen it.
func (a *Application) CancelMission(ctx context.Context, d Delivery, missionID, firmID string) error {
	return a.closeMission(ctx, d, missionID, firmID)
}

// StaffMission closes a mission a consultant accepted: like a cancellation for ranking, it is
// never re-ranked again and its candidates no longer count against the exposure cap.
func (a *Application) StaffMission(ctx context.Context, d Delivery, missionID string) error {
	return a.closeMission(ctx, d, missionID, "")
}

func (a *Application) closeMission(ctx context.Context, d Delivery, missionID, firmID string) error {
	return a.applyEvent(ctx, d, eventHandler{change: func(ctx context.Context, tx Tx, st *step) error {
		m, found, err := tx.Mission(ctx, missionID)
		if err != nil {
			return err
		}
		if !found {
			m = domain.ClosedMission(missionID, firmID)
		}
		m.Status = domain.MissionClosed
		if err := tx.PutMission(ctx, m); err != nil {
			return err
		}
		if om, ok := a.open[missionID]; ok {
			a.index.AddExposure(candidateIDs(om.current), -1)
			delete(a.open, missionID)
			st.onUndo(func() {
				a.open[missionID] = om
				a.index.AddExposure(candidateIDs(om.current), +1)
			})
		}
		return nil
	}})
}
