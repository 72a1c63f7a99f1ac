package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// AcceptCounter is the firm's yes to a counter: the mission is staffed at the counter rate,
// decided exactly as an acceptance is (the consultant locked, then the mission; an overlapping
// booking refuses it). Consultants and operators may never; another firm is told the offer
// does not exist.
func (a *Application) AcceptCounter(ctx context.Context, caller identity.Caller, id string) (domain.Offer, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Offer{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm accepts a counter")
	}
	if err := missionrules.CheckOfferID(id); err != nil {
		return domain.Offer{}, err
	}
	return a.decideOffer(ctx, caller, id, owns, true, func(ctx context.Context, tx Tx, o *domain.Offer, m *domain.Mission) (domain.Outcome, error) {
		bookings, err := tx.Bookings(ctx, o.ConsultantID)
		if err != nil {
			return domain.Outcome{}, err
		}
		return domain.AcceptCounter(o, m, bookings, actorOf(caller), a.now())
	})
}
