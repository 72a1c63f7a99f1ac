package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// MakeOffer is MakeOfferWithTerms at the consultant's own rate, without a message.
func (a *Application) MakeOffer(ctx context.Context, caller identity.Caller, missionID, profileID string) (domain.Offer, error) {
	return a.MakeOfferWithTerms(ctx, caller, missionID, profileID, 0, "")
}

// MakeOfferWithTerms offers the calling firm's mission to a candidate of its current shortlist
// at rate (1 to the mission's budget; 0 is the consultant's own rate, which must then be within
// the budget) with a message. The offer names the consultant's account, which the profile
// service tells on behalf of the firm; it expires after the configured time to live. The
// mission becomes OFFERED.
func (a *Application) MakeOfferWithTerms(ctx context.Context, caller identity.Caller, missionID, profileID string, rate int, message string) (domain.Offer, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Offer{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm makes an offer")
	}
	message, err := missionrules.CheckOfferTerms(missionID, profileID, rate, message)
	if err != nil {
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
	if rate != 0 {
		if err := missionrules.CheckRateWithinBudget(rate, m.MaxDailyRateEUR); err != nil {
			return domain.Offer{}, err
		}
	}
	consultant, err := a.profiles.Consultant(identity.WithCaller(ctx, caller), profileID)
	if err != nil {
		return domain.Offer{}, err
	}
	if rate == 0 {
		if consultant.DailyRateEUR <= 0 || consultant.DailyRateEUR > m.MaxDailyRateEUR {
			return domain.Offer{}, fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "dailyRateEur",
				Description: "is required: the consultant's own rate is unknown or over the mission's maxDailyRateEur"})
		}
		rate = consultant.DailyRateEUR
	}

	offer, err := inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Offer, error) {
		m, err := tx.Mission(ctx, missionID)
		if err != nil {
			return domain.Offer{}, err
		}
		// The budget may have changed since it was read (an edit).
		if err := missionrules.CheckRateWithinBudget(rate, m.MaxDailyRateEUR); err != nil {
			return domain.Offer{}, err
		}
		o, out, err := m.MakeOfferWithTerms(a.newID(), profileID, consultant.AccountID,
			domain.Terms{DailyRateEUR: rate, Message: message}, actorOf(caller), a.now(), a.cfg.OfferTTL)
		if err != nil {
			return domain.Offer{}, err
		}
		if err := tx.CreateOffer(ctx, o); err != nil {
			return domain.Offer{}, err
		}
		return o, saveMission(ctx, tx, m, out)
	})
	if err != nil {
		return domain.Offer{}, err
	}
	return present(caller, offer), nil
}
