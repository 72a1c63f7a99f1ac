package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// AcceptOffer is the offered consultant's yes: the offer is accepted, the mission staffed and
// the consultant booked for its window. Anyone else is told the offer does not exist.
//
// Two acceptances that would book the same consultant twice are decided once: the check of
// the consultant's bookings and the acceptance happen in one transaction that holds the
// consultant (Tx.LockConsultant) and the mission, so of two concurrent acceptances of
// overlapping missions the second sees the first one's booking and is refused.
func (a *Application) AcceptOffer(ctx context.Context, caller identity.Caller, id string) (domain.Offer, error) {
	if err := CheckOfferID(id); err != nil {
		return domain.Offer{}, err
	}
	var accepted domain.Offer
	err := a.repo.Atomically(ctx, func(tx Tx) error {
		o, err := a.offerFor(tx, caller, id)
		if err != nil {
			return err
		}
		if err := tx.LockConsultant(o.ConsultantID); err != nil {
			return err
		}
		m, err := tx.Mission(o.MissionID)
		if err != nil {
			return err
		}
		// Read again now that the consultant and the mission are held: what was read before
		// may have changed meanwhile (not with SQLite, whose writers take turns, but with a
		// store whose transactions overlap).
		if o, err = tx.Offer(id); err != nil {
			return err
		}
		bookings, err := tx.Bookings(o.ConsultantID)
		if err != nil {
			return err
		}
		out, err := domain.AcceptOffer(&o, &m, bookings, actorOf(caller), a.now())
		if err != nil {
			return err
		}
		if err := tx.SaveOffer(o); err != nil {
			return err
		}
		if err := tx.SaveMission(m); err != nil {
			return err
		}
		accepted = o
		return apply(tx, out)
	})
	if err != nil {
		return domain.Offer{}, err
	}
	return accepted, nil
}

// offerFor reads an offer the caller may answer: only the consultant it was made to.
func (a *Application) offerFor(tx Tx, caller identity.Caller, id string) (domain.Offer, error) {
	o, err := tx.Offer(id)
	if fault.KindOf(err) == fault.KindNotFound || (err == nil && !answers(caller, o)) {
		return domain.Offer{}, ErrOfferNotFound(id)
	}
	return o, err
}

func answers(caller identity.Caller, o domain.Offer) bool {
	return caller.Role == identity.RoleConsultant && caller.AccountID == o.ConsultantID
}
