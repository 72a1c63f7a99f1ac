package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
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
	if err := missionrules.CheckOfferID(id); err != nil {
		return domain.Offer{}, err
	}
	return a.answer(ctx, caller, id, true, func(ctx context.Context, tx Tx, o *domain.Offer, m *domain.Mission) (domain.Outcome, error) {
		bookings, err := tx.Bookings(ctx, o.ConsultantID)
		if err != nil {
			return domain.Outcome{}, err
		}
		return domain.AcceptOffer(o, m, bookings, actorOf(caller), a.now())
	})
}
