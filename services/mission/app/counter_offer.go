package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// CounterOffer is the offered consultant's counter-proposal: once per offer, while it is
// pending; the firm then accepts the counter or withdraws. Firms and operators may never
// counter; another consultant is told the offer does not exist.
func (a *Application) CounterOffer(ctx context.Context, caller identity.Caller, id string, rate int, message string) (domain.Offer, error) {
	if caller.Role != identity.RoleConsultant {
		return domain.Offer{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the consultant offered counters an offer")
	}
	message, err := missionrules.CheckCounter(id, rate, message)
	if err != nil {
		return domain.Offer{}, err
	}
	return a.answer(ctx, caller, id, false, func(_ context.Context, _ Tx, o *domain.Offer, m *domain.Mission) (domain.Outcome, error) {
		return domain.CounterOffer(o, m, rate, message, actorOf(caller), a.now(), a.cfg.OfferTTL)
	})
}
