package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// EraseProfile drops an erased consultant everywhere (GDPR art. 17): from the read model, and
// from every open mission's current shortlist, which is re-ranked without them.
func (a *Application) EraseProfile(ctx context.Context, d Delivery, profileID string) error {
	var proposed proposals
	applied, err := a.store.Apply(ctx, d, func(ctx context.Context, rm ReadModel) error {
		missions, err := rm.OpenMissions(ctx)
		if err != nil {
			return err
		}
		type affected struct {
			mission domain.Mission
			current *domain.Shortlist
		}
		var holding []affected
		for _, m := range missions {
			current, err := currentShortlist(ctx, rm, m.ID)
			if err != nil {
				return err
			}
			if current != nil && current.Holds(profileID) {
				holding = append(holding, affected{m, current})
			}
		}
		if err := rm.EraseProfile(ctx, profileID); err != nil {
			return err
		}
		if len(holding) == 0 {
			return nil
		}
		profiles, err := rm.Profiles(ctx)
		if err != nil {
			return err
		}
		for _, h := range holding {
			if err := a.rerank(ctx, rm, h.mission, h.current, profiles, &proposed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.logApplied(ctx, d, applied, proposed)
	return nil
}
