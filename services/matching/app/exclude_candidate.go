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
	return a.applyEvent(ctx, d, eventHandler{change: func(ctx context.Context, tx Tx, st *step) error {
		// A decline changes who is eligible nowhere else: the staffing plan's generation stays,
		// and the plan is re-optimised without the pair.
		st.keepsPlan = true
		st.onCommit(func() { a.declineInPlan(missionID, profileID) })
		if err := tx.Exclude(ctx, missionID, profileID, reason); err != nil {
			return err
		}
		om, open := a.open[missionID]
		if !open || slices.Contains(om.excluded, profileID) {
			return nil
		}
		previous := om.excluded
		om.excluded = append(slices.Clone(previous), profileID)
		st.onUndo(func() { om.excluded = previous })
		return a.rerank(ctx, tx, a.settings(), om, st)
	}})
}
