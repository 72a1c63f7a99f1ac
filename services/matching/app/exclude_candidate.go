package app

import (
	"context"
	"slices"

	"github.com/caiomatch/caiomatch/services/matching/index"
)

// Exclusion reasons, as stored.
const (
	ExclusionDeclined = "declined"
	ExclusionExpired  = "expired"
)

// ExcludeCandidate applies a declined or expired offer: the consultant is never ranked for the
// mission again, and the open mission is re-ranked without them, which proposes a fresh
// shortlist when they were on it.
func (a *Application) ExcludeCandidate(ctx context.Context, d Delivery, missionID, profileID, reason string) error {
	profileID, err := index.CanonicalID(profileID)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var proposed proposals
	var u undo
	var version uint64
	applied, err := a.store.Apply(ctx, d, a.inStep(d, &version, func(ctx context.Context, rm ReadModel) error {
		if err := rm.Exclude(ctx, missionID, profileID, reason); err != nil {
			return err
		}
		om, open := a.open[missionID]
		if !open || slices.Contains(om.excluded, profileID) {
			return nil
		}
		previous := om.excluded
		om.excluded = append(slices.Clone(previous), profileID)
		u = append(u, func() { om.excluded = previous })
		return a.rerank(ctx, rm, a.settings(), om, &u, &proposed)
	}))
	// A decline changes who is eligible nowhere else: the staffing plan's generation stays.
	a.settle(applied, version, u, err)
	if err != nil {
		return err
	}
	a.logApplied(ctx, d, applied, proposed)
	if applied {
		a.declineInPlan(missionID, profileID)
	}
	return nil
}
