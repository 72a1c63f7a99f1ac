package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// SubmitMission applies a submitted mission and ranks it. Its first shortlist is proposed even
// without candidates, so that the mission service learns there is no match. A mission already
// closed (its cancellation arrived first) is stored but never reopened nor ranked.
func (a *Application) SubmitMission(ctx context.Context, d Delivery, m domain.Mission) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var proposed proposals
	var u undo
	var version uint64
	applied, err := a.store.Apply(ctx, d, a.inStep(d, &version, func(ctx context.Context, rm ReadModel) error {
		known, found, err := rm.Mission(ctx, m.ID)
		if err != nil {
			return err
		}
		m.Status = domain.MissionOpen
		if found && !known.IsOpen() {
			m.Status = domain.MissionClosed
		}
		if err := rm.PutMission(ctx, m); err != nil {
			return err
		}
		if !m.IsOpen() {
			return nil
		}
		om, cached := a.open[m.ID]
		if !cached {
			om = &openMission{}
			a.open[m.ID] = om
			u = append(u, func() { delete(a.open, m.ID) })
		}
		previous := om.mission
		om.mission = m
		u = append(u, func() { om.mission = previous })
		return a.rerank(ctx, rm, a.settings(), om, &u, &proposed)
	}))
	a.settle(applied, version, u, err)
	if err != nil {
		return err
	}
	if applied {
		a.generation++
	}
	a.logApplied(ctx, d, applied, proposed)
	return nil
}
