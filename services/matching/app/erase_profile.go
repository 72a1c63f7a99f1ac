package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/index"
)

// EraseProfile drops an erased consultant everywhere (GDPR art. 17): from the index for good,
// from past explanations, and from every open mission's current shortlist, which is re-ranked
// without them.
func (a *Application) EraseProfile(ctx context.Context, d Delivery, profileID string) error {
	profileID, err := index.CanonicalID(profileID)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	// Exposure counts are dropped with the profile; the holding missions are re-ranked below.
	if _, err := a.index.Erase(profileID); err != nil {
		return err
	}
	var proposed proposals
	var u undo
	var version uint64
	applied, err := a.store.Apply(ctx, d, a.inStep(d, &version, func(ctx context.Context, rm ReadModel) error {
		if err := rm.EraseProfile(ctx, profileID); err != nil {
			return err
		}
		s := a.settings()
		for _, om := range a.openInOrder() {
			if om.current == nil || !om.current.Holds(profileID) {
				continue
			}
			if err := a.rerank(ctx, rm, s, om, &u, &proposed); err != nil {
				return err
			}
		}
		return nil
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
