package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// PutProfile applies a registered or updated profile, then re-ranks every open mission whose
// shortlist it could change: those it is eligible for, and those whose shortlist holds it.
// A new shortlist is proposed only where the candidates change.
func (a *Application) PutProfile(ctx context.Context, d Delivery, p domain.Profile, asOf time.Time) error {
	var proposed proposals
	applied, err := a.store.Apply(ctx, d, func(ctx context.Context, rm ReadModel) error {
		stored, err := rm.PutProfile(ctx, p, asOf)
		if err != nil || !stored {
			return err
		}
		missions, err := rm.OpenMissions(ctx)
		if err != nil {
			return err
		}
		var profiles []domain.Profile
		for _, m := range missions {
			current, err := currentShortlist(ctx, rm, m.ID)
			if err != nil {
				return err
			}
			if current != nil && !current.Holds(p.ID) && !domain.Evaluate(m, p).Eligible {
				continue
			}
			if profiles == nil {
				if profiles, err = rm.Profiles(ctx); err != nil {
					return err
				}
			}
			if err := a.rerank(ctx, rm, m, current, profiles, &proposed); err != nil {
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
