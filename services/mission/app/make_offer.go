package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// MakeOffer offers the calling firm's mission to a candidate of its current shortlist. The
// offer names the consultant's account, which the profile service tells on behalf of the firm;
// it expires after the configured time to live. The mission becomes OFFERED.
func (a *Application) MakeOffer(ctx context.Context, caller identity.Caller, missionID, profileID string) (domain.Offer, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Offer{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm makes an offer")
	}
	if err := missionrules.CheckMakeOffer(missionID, profileID); err != nil {
		return domain.Offer{}, err
	}
	// Checked first without holding anything, so that a refused offer asks nobody; checked
	// again below, in the transaction that decides.
	m, err := a.repo.Get(ctx, missionID)
	if err != nil {
		return domain.Offer{}, err
	}
	if m.FirmID != caller.AccountID {
		return domain.Offer{}, ErrNotFound(missionID)
	}
	if err := m.CheckOfferable(profileID); err != nil {
		return domain.Offer{}, err
	}
	consultantID, err := a.profiles.ConsultantAccount(identity.WithCaller(ctx, caller), profileID)
	if err != nil {
		return domain.Offer{}, err
	}

	var offer domain.Offer
	err = a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		m, err := tx.Mission(ctx, missionID)
		if err != nil {
			return err
		}
		o, out, err := m.MakeOffer(a.newID(), profileID, consultantID, actorOf(caller), a.now(), a.cfg.OfferTTL)
		if err != nil {
			return err
		}
		if err := tx.CreateOffer(ctx, o); err != nil {
			return err
		}
		offer = o
		return saveMission(ctx, tx, m, out)
	})
	if err != nil {
		return domain.Offer{}, err
	}
	return offer, nil
}
