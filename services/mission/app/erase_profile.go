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
	// Withdrawn counts the pending (or countered) offers taken back; Offers, Missions (as a
	// candidate or the staffed consultant), Extensions, Feedback and Decisions count the records
	// whose profile id was replaced.
	Withdrawn, Offers, Missions, Extensions, Feedback, Decisions int
}

// EraseProfile takes in a ProfileErased event exactly once (once per delivery d). The person's
// pending offers are withdrawn (their missions are SHORTLISTED again without them), then their
// profile id is replaced by its pseudonym in offers, current candidates and the decisions
// trail, where the explanations of their candidacies are dropped; scores and ranks stay, so
// proposals still read as matching made them.
//
// The lookups hold every mission naming the person before reading (see Tx), so a concurrent
// change to one of those missions or offers waits for the erasure instead of being overwritten
// by it, and an offer made meanwhile is made, or refused, after it.
//
// What the consultant wrote (decline reasons, counters, feedback) is removed, and their account
// id, accountID (empty in erasures published before it was carried), becomes its pseudonym
// wherever it is kept with the profile's.
func (a *Application) EraseProfile(ctx context.Context, d txn.Delivery, profileID, accountID string) (ErasureOutcome, error) {
	pseudonym := domain.Pseudonym(a.cfg.PseudonymKey, profileID)
	accountPseudonym := domain.Pseudonym(a.cfg.PseudonymKey, accountID)
	var out ErasureOutcome
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		out = ErasureOutcome{}
		tx.Erasing()
		if err := tx.RecordErasedProfile(ctx, pseudonym); err != nil {
			return err
		}
		offers, err := tx.OffersOfProfile(ctx, profileID)
		if err != nil {
			return err
		}
		for _, o := range offers {
			if o.Open() {
				if err := a.withdraw(ctx, tx, o); err != nil {
					return err
				}
				out.Withdrawn++
			}
		}
		// Read again: withdrawals changed some of them.
		if out.Offers, err = pseudonymise(ctx, profileID, tx.OffersOfProfile, tx.SaveOffer,
			func(o *domain.Offer) bool {
				renamed := o.Pseudonymise(profileID, pseudonym)
				return o.ForgetConsultant(accountID, accountPseudonym) || renamed
			}); err != nil {
			return err
		}
		if out.Missions, err = pseudonymise(ctx, profileID, tx.MissionsWithCandidate, tx.SaveMission,
			func(m *domain.Mission) bool {
				renamed := m.Pseudonymise(profileID, pseudonym)
				return m.ForgetConsultant(accountID, accountPseudonym) || renamed
			}); err != nil {
			return err
		}
		// A pending extension can no longer be answered by anyone: it is withdrawn.
		if out.Extensions, err = pseudonymise(ctx, profileID, tx.ExtensionsOfProfile, tx.SaveExtension,
			func(e *domain.Extension) bool {
				if e.ProfileID == profileID && e.Status == domain.ExtensionStatusPending {
					domain.WithdrawExtension(e, a.now())
				}
				renamed := e.Pseudonymise(profileID, pseudonym)
				return e.ForgetConsultant(accountID, accountPseudonym) || renamed
			}); err != nil {
			return err
		}
		if out.Feedback, err = pseudonymise(ctx, profileID, tx.FeedbackOfProfile, tx.RewriteFeedback,
			func(f *domain.Feedback) bool {
				renamed := f.Pseudonymise(profileID, pseudonym)
				return f.ForgetConsultant(accountID, accountPseudonym) || renamed
			}); err != nil {
			return err
		}
		out.Decisions, err = pseudonymise(ctx, profileID, tx.DecisionsAbout, tx.RewriteDecision,
			func(d *domain.Decision) bool {
				renamed := d.Pseudonymise(profileID, pseudonym)
				return d.ForgetConsultant(accountID, accountPseudonym) || renamed
			})
		return err
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

// pseudonymise reads the records naming profileID, replaces it in those where rename does, and
// saves them; it returns how many it saved.
func pseudonymise[T any](ctx context.Context, profileID string, read func(context.Context, string) ([]T, error),
	save func(context.Context, T) error, rename func(*T) bool) (int, error) {
	records, err := read(ctx, profileID)
	if err != nil {
		return 0, err
	}
	saved := 0
	for _, r := range records {
		if rename(&r) {
			if err := save(ctx, r); err != nil {
				return saved, err
			}
			saved++
		}
	}
	return saved, nil
}
