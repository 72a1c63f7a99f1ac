package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// SubmitMission applies a submitted mission and ranks it. Its first shortlist is proposed even
// without candidates, so that the mission service learns there is no match. A mission already
// closed (its cancellation arrived first) is stored but never reopened nor ranked.
func (a *Application) SubmitMission(ctx context.Context, d Delivery, m domain.Mission) error {
	return a.applyEvent(ctx, d, eventHandler{change: func(ctx context.Context, tx Tx, st *step) error {
		known, found, err := tx.Mission(ctx, m.ID)
		if err != nil {
			return err
		}
		m.Status = domain.MissionOpen
		if found && !known.IsOpen() {
			m.Status = domain.MissionClosed
		}
		if err := tx.PutMission(ctx, m); err != nil {
			return err
		}
		if !m.IsOpen() {
			return nil
		}
		om, cached := a.open[m.ID]
		if !cached {
			om = &openMission{}
			a.open[m.ID] = om
			st.onUndo(func() { delete(a.open, m.ID) })
		}
		previous := om.mission
		om.mission = m
		st.onUndo(func() { om.mission = previous })
		return a.rerank(ctx, tx, a.settings(), om, st)
	}})
}
