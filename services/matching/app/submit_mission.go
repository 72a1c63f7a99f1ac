package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// SubmitMission applies a submitted mission and ranks it. Its first shortlist is proposed even
// without candidates, so that the mission service learns there is no match. A mission already
// closed (its cancellation arrived first) is stored but never reopened nor ranked.
func (a *Application) SubmitMission(ctx context.Context, d Delivery, m domain.Mission) error {
	var proposed proposals
	applied, err := a.store.Apply(ctx, d, func(ctx context.Context, rm ReadModel) error {
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
		current, err := currentShortlist(ctx, rm, m.ID)
		if err != nil {
			return err
		}
		profiles, err := rm.Profiles(ctx)
		if err != nil {
			return err
		}
		return a.rerank(ctx, rm, m, current, profiles, &proposed)
	})
	if err != nil {
		return err
	}
	a.logApplied(ctx, d, applied, proposed)
	return nil
}
