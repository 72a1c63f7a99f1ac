package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// offerChange decides what happens to an offer and its mission; changed false leaves both as
// they were.
type offerChange func(o *domain.Offer, m *domain.Mission) (out domain.Outcome, changed bool, err error)

// changeOffer holds the offer's mission, reads the offer (again, when it was read before: it
// may have changed meanwhile in a store whose transactions overlap), applies change and stores
// the offer, the mission and what the change caused.
func (a *Application) changeOffer(ctx context.Context, tx Tx, missionID, offerID string, change offerChange) (domain.Offer, bool, error) {
	m, err := tx.Mission(ctx, missionID)
	if err != nil {
		return domain.Offer{}, false, err
	}
	o, err := tx.Offer(ctx, offerID)
	if err != nil {
		return domain.Offer{}, false, err
	}
	out, changed, err := change(&o, &m)
	if err != nil || !changed {
		return o, false, err
	}
	if err := tx.SaveOffer(ctx, o); err != nil {
		return domain.Offer{}, false, err
	}
	return o, true, saveMission(ctx, tx, m, out)
}

// answer is the offered consultant's answer, in one transaction. Anyone else is told the
// offer does not exist. An acceptance first locks the consultant (lockConsultant), then the
// mission, so that checking their bookings and booking them is decided once.
func (a *Application) answer(ctx context.Context, caller identity.Caller, id string, lockConsultant bool,
	decide func(ctx context.Context, tx Tx, o *domain.Offer, m *domain.Mission) (domain.Outcome, error)) (domain.Offer, error) {
	return a.decideOffer(ctx, caller, id, answers, lockConsultant, decide)
}

// decideOffer is a party's decision on an offer, in one transaction: may tells who may decide
// (anyone else is told the offer does not exist). With lockConsultant, the offer's consultant is
// locked first, then the mission: every decision that books a consultant takes the two locks in
// that order, so that checking their bookings and booking them is decided once.
func (a *Application) decideOffer(ctx context.Context, caller identity.Caller, id string, may func(identity.Caller, domain.Offer) bool,
	lockConsultant bool, decide func(ctx context.Context, tx Tx, o *domain.Offer, m *domain.Mission) (domain.Outcome, error)) (domain.Offer, error) {
	decided, err := inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Offer, error) {
		o, err := tx.Offer(ctx, id)
		if fault.KindOf(err) == fault.KindNotFound || (err == nil && !may(caller, o)) {
			return domain.Offer{}, ErrOfferNotFound(id)
		}
		if err != nil {
			return domain.Offer{}, err
		}
		if lockConsultant {
			if err := tx.LockConsultant(ctx, o.ConsultantID); err != nil {
				return domain.Offer{}, err
			}
		}
		decided, _, err := a.changeOffer(ctx, tx, o.MissionID, id, func(o *domain.Offer, m *domain.Mission) (domain.Outcome, bool, error) {
			out, err := decide(ctx, tx, o, m)
			return out, true, err
		})
		return decided, err
	})
	if err != nil {
		return domain.Offer{}, err
	}
	return present(caller, decided), nil
}

// answers tells whether the caller may answer the offer: only the consultant it was made to.
func answers(caller identity.Caller, o domain.Offer) bool {
	return caller.Role == identity.RoleConsultant && caller.AccountID == o.ConsultantID
}

// owns tells whether the caller is the firm that made the offer.
func owns(caller identity.Caller, o domain.Offer) bool {
	return caller.Role == identity.RoleFirm && caller.AccountID == o.FirmID
}
