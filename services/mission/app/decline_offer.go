package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// DeclineOffer is the offered consultant's no, with a reason that stays in the mission
// service. The mission is SHORTLISTED again without them; matching, on OfferDeclined, proposes
// a fresh shortlist without them. Anyone else is told the offer does not exist.
func (a *Application) DeclineOffer(ctx context.Context, caller identity.Caller, id, reason string) (domain.Offer, error) {
	if err := missionrules.CheckDecline(id, reason); err != nil {
		return domain.Offer{}, err
	}
	return a.answer(ctx, caller, id, false, func(_ context.Context, _ Tx, o *domain.Offer, m *domain.Mission) (domain.Outcome, error) {
		return domain.DeclineOffer(o, m, reason, actorOf(caller), a.now())
	})
}
