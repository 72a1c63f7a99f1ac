package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// AcceptExtension is the staffed consultant's yes: the mission's end date and their booking
// move. Decided like an acceptance: the consultant locked, then the mission, so that an
// extension over another booking of theirs is refused (CONSULTANT_ALREADY_BOOKED) however the
// two race. Firms and operators may never; another consultant is told it does not exist.
func (a *Application) AcceptExtension(ctx context.Context, caller identity.Caller, id string) (domain.Extension, error) {
	if err := missionrules.CheckExtensionID(id); err != nil {
		return domain.Extension{}, err
	}
	return a.answerExtension(ctx, caller, id, true, func(ctx context.Context, tx Tx, e *domain.Extension, m *domain.Mission) (domain.Outcome, error) {
		o, err := tx.Offer(ctx, m.StaffedOfferID)
		if err != nil {
			return domain.Outcome{}, err
		}
		bookings, err := tx.Bookings(ctx, e.ConsultantID)
		if err != nil {
			return domain.Outcome{}, err
		}
		out, err := domain.AcceptExtension(e, m, &o, bookings, actorOf(caller), a.now())
		if err != nil {
			return out, err
		}
		return out, tx.SaveOffer(ctx, o)
	})
}
