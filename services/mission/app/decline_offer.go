package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// DeclineOffer is the offered consultant's no, with a reason that stays in the mission
// service. The mission is SHORTLISTED again without them; matching, on OfferDeclined, proposes
// a fresh shortlist without them. Anyone else is told the offer does not exist.
func (a *Application) DeclineOffer(ctx context.Context, caller identity.Caller, id, reason string) (domain.Offer, error) {
	if err := CheckDecline(id, reason); err != nil {
		return domain.Offer{}, err
	}
	var declined domain.Offer
	err := a.repo.Atomically(ctx, func(tx Tx) error {
		o, err := a.offerFor(tx, caller, id)
		if err != nil {
			return err
		}
		m, err := tx.Mission(o.MissionID)
		if err != nil {
			return err
		}
		if o, err = tx.Offer(id); err != nil { // again, now that the mission is held
			return err
		}
		out, err := domain.DeclineOffer(&o, &m, reason, actorOf(caller), a.now())
		if err != nil {
			return err
		}
		if err := tx.SaveOffer(o); err != nil {
			return err
		}
		if err := tx.SaveMission(m); err != nil {
			return err
		}
		declined = o
		return apply(tx, out)
	})
	if err != nil {
		return domain.Offer{}, err
	}
	return declined, nil
}
