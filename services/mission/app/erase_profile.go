package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ErasureOutcome tells what handling an erasure did, for logs and tests.
type ErasureOutcome struct {
	// Duplicate is true when the event was already processed; nothing else happened then.
	Duplicate bool
	// Withdrawn counts the pending offers taken back; Offers, Missions and Decisions count the
	// records whose profile id was replaced.
	Withdrawn, Offers, Missions, Decisions int
}

// EraseProfile takes in a ProfileErased event exactly once (once per delivery d). The person's pending offers are
// withdrawn (their missions are SHORTLISTED again without them), then their profile id is
// replaced by its pseudonym in offers, current candidates and the decisions trail, where the
// explanations of their candidacies are dropped; scores and ranks stay, so proposals still
// read as matching made them.
//
// The lookups hold every mission naming the person before reading (see Tx), so a concurrent
// change to one of those missions or offers waits for the erasure instead of being overwritten
// by it, and an offer made meanwhile is made, or refused, after it.
func (a *Application) EraseProfile(ctx context.Context, d txn.Delivery, profileID string) (ErasureOutcome, error) {
	pseudonym := domain.Pseudonym(a.cfg.PseudonymKey, profileID)
	var out ErasureOutcome
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		out = ErasureOutcome{}
		offers, err := tx.OffersOfProfile(ctx, profileID)
		if err != nil {
			return err
		}
		for _, o := range offers {
			if o.Status == domain.OfferStatusPending {
				if err := a.withdraw(ctx, tx, o); err != nil {
					return err
				}
				out.Withdrawn++
			}
		}
		// Read again: withdrawals changed some of them.
		if offers, err = tx.OffersOfProfile(ctx, profileID); err != nil {
			return err
		}
		for _, o := range offers {
			if o.Pseudonymise(profileID, pseudonym) {
				if err := tx.SaveOffer(ctx, o); err != nil {
					return err
				}
				out.Offers++
			}
		}
		missions, err := tx.MissionsWithCandidate(ctx, profileID)
		if err != nil {
			return err
		}
		for _, m := range missions {
			if m.Pseudonymise(profileID, pseudonym) {
				if err := tx.SaveMission(ctx, m); err != nil {
					return err
				}
				out.Missions++
			}
		}
		decisions, err := tx.DecisionsAbout(ctx, profileID)
		if err != nil {
			return err
		}
		for _, dec := range decisions {
			if dec.Pseudonymise(profileID, pseudonym) {
				if err := tx.RewriteDecision(ctx, dec); err != nil {
					return err
				}
				out.Decisions++
			}
		}
		return nil
	})
	if err != nil {
		return ErasureOutcome{}, err
	}
	out.Duplicate = !claimed
	return out, nil
}

func (a *Application) withdraw(ctx context.Context, tx Tx, o domain.Offer) error {
	_, _, err := a.changeOffer(ctx, tx, o.MissionID, o.ID, func(o *domain.Offer, m *domain.Mission) (domain.Outcome, bool, error) {
		out, ok := domain.WithdrawOffer(o, m, a.now())
		return out, ok, nil
	})
	return err
}
