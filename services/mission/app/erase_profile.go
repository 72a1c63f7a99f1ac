package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ProfilesConsumer names the handler of profile erasures in the processed-events table (and is
// the durable consumer's name on the bus).
const ProfilesConsumer = "mission-profiles"

// ErasureOutcome tells what handling an erasure did, for logs and tests.
type ErasureOutcome struct {
	// Duplicate is true when the event was already processed; nothing else happened then.
	Duplicate bool
	// Withdrawn counts the pending offers taken back; Offers, Missions and Decisions count the
	// records whose profile id was replaced.
	Withdrawn, Offers, Missions, Decisions int
}

// EraseProfile takes in a ProfileErased event exactly once. The person's pending offers are
// withdrawn (their missions are SHORTLISTED again without them), then their profile id is
// replaced by its pseudonym in offers, current candidates and the decisions trail, where the
// explanations of their candidacies are dropped; scores and ranks stay, so proposals still
// read as matching made them.
//
// The lookups hold every mission naming the person before reading (see Tx), so a concurrent
// change to one of those missions or offers waits for the erasure instead of being overwritten
// by it, and an offer made meanwhile is made, or refused, after it.
func (a *Application) EraseProfile(ctx context.Context, eventID, profileID string) (ErasureOutcome, error) {
	pseudonym := domain.Pseudonym(a.cfg.PseudonymKey, profileID)
	var out ErasureOutcome
	claimed, err := a.repo.AtomicallyOnce(ctx, ProfilesConsumer, eventID, func(tx Tx) error {
		out = ErasureOutcome{}
		offers, err := tx.OffersOfProfile(profileID)
		if err != nil {
			return err
		}
		for _, o := range offers {
			if o.Status == domain.OfferStatusPending {
				if err := a.withdraw(tx, o.ID, o.MissionID); err != nil {
					return err
				}
				out.Withdrawn++
			}
		}
		// Read again: withdrawals changed some of them.
		if offers, err = tx.OffersOfProfile(profileID); err != nil {
			return err
		}
		for _, o := range offers {
			if o.Pseudonymise(profileID, pseudonym) {
				if err := tx.SaveOffer(o); err != nil {
					return err
				}
				out.Offers++
			}
		}
		missions, err := tx.MissionsWithCandidate(profileID)
		if err != nil {
			return err
		}
		for _, m := range missions {
			if m.Pseudonymise(profileID, pseudonym) {
				if err := tx.SaveMission(m); err != nil {
					return err
				}
				out.Missions++
			}
		}
		decisions, err := tx.DecisionsAbout(profileID)
		if err != nil {
			return err
		}
		for _, d := range decisions {
			if d.Pseudonymise(profileID, pseudonym) {
				if err := tx.RewriteDecision(d); err != nil {
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

func (a *Application) withdraw(tx Tx, offerID, missionID string) error {
	m, err := tx.Mission(missionID)
	if err != nil {
		return err
	}
	o, err := tx.Offer(offerID)
	if err != nil {
		return err
	}
	out, ok := domain.WithdrawOffer(&o, &m, a.now())
	if !ok {
		return nil
	}
	if err := tx.SaveOffer(o); err != nil {
		return err
	}
	if err := tx.SaveMission(m); err != nil {
		return err
	}
	return apply(tx, out)
}
