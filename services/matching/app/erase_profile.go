package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/index"
)

// maxErasedProposals bounds the past proposals one erasure looks through.
const maxErasedProposals = 100_000

// EraseProfile drops an erased consultant everywhere (GDPR art. 17): from the index for good,
// from past explanations, and from every open mission's current shortlist, which is re-ranked
// without them.
func (a *Application) EraseProfile(ctx context.Context, d Delivery, profileID string) error {
	profileID, err := index.CanonicalID(profileID)
	if err != nil {
		return err
	}
	err = a.applyEvent(ctx, d, eventHandler{
		// Exposure counts are dropped with the profile; the holding missions are re-ranked below.
		index: func() error { _, err := a.index.Erase(profileID); return err },
		change: func(ctx context.Context, tx Tx, st *step) error {
			if err := tx.EraseProfile(ctx, profileID, a.cfg.PseudonymKey.Of(profileID)); err != nil {
				return err
			}
			s := a.settings()
			for _, om := range a.openInOrder() {
				if om.current == nil || !om.current.Holds(profileID) {
					continue
				}
				if err := a.rerank(ctx, tx, s, om, st); err != nil {
					return err
				}
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	if a.cfg.Erased != nil {
		a.cfg.Erased()
	}
	// Then the published proposals that named the person, found under the pseudonym the store
	// now holds (so a redelivery, a duplicate for the store, still completes this part): no
	// shortlist naming them can be ranked any more, and the unsent ones left the outbox with the
	// store's change.
	if a.cfg.History == nil {
		return nil
	}
	past, err := a.store.ProposalsForProfile(ctx, a.cfg.PseudonymKey.Of(profileID), maxErasedProposals)
	if err != nil {
		return err
	}
	var missions []string
	seen := map[string]bool{}
	for _, s := range past {
		if !seen[s.MissionID] {
			seen[s.MissionID] = true
			missions = append(missions, s.MissionID)
		}
	}
	_, err = a.cfg.History.ErasePastProposals(ctx, missions, profileID)
	return err
}
