package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// WithdrawOffer is the firm taking back its pending or countered offer: the mission is
// SHORTLISTED again, offerable to another candidate. Consultants and operators may never;
// another firm is told the offer does not exist.
func (a *Application) WithdrawOffer(ctx context.Context, caller identity.Caller, id string) (domain.Offer, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Offer{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm withdraws an offer")
	}
	if err := missionrules.CheckOfferID(id); err != nil {
		return domain.Offer{}, err
	}
	return a.decideOffer(ctx, caller, id, owns, false, func(_ context.Context, _ Tx, o *domain.Offer, m *domain.Mission) (domain.Outcome, error) {
		return domain.FirmWithdrawOffer(o, m, actorOf(caller), a.now())
	})
}
