package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListOffers lists the calling consultant's offers, a firm's offers on its missions, or every
// offer for an operator, newest first, keeping only the offers in status (unspecified: all). The
// next page token is empty on the last page.
func (a *Application) ListOffers(ctx context.Context, caller identity.Caller, filter OfferFilter, pageSize int, pageToken string) ([]domain.Offer, string, error) {
	if _, _, err := missionrules.CheckOfferList(pageSize, pageToken, filter.MissionID); err != nil {
		return nil, "", err
	}
	filter.ConsultantID, filter.FirmID = "", ""
	switch caller.Role {
	case identity.RoleConsultant:
		filter.ConsultantID = caller.AccountID
	case identity.RoleFirm:
		filter.FirmID = caller.AccountID
	case identity.RoleOperator:
	default:
		return nil, "", fault.PermissionDenied(ReasonRoleNotAllowed, "only consultants, firms and operators list offers")
	}
	offers, next, err := page(pageSize, pageToken, func(after *missionrules.Cursor, limit int) ([]domain.Offer, error) {
		return a.repo.ListOffers(ctx, filter, after, limit)
	}, func(o domain.Offer) missionrules.Cursor { return missionrules.Cursor{CreatedAt: o.CreatedAt, ID: o.ID} })
	for i := range offers {
		offers[i] = present(caller, offers[i])
	}
	return offers, next, err
}

// present is an offer as the caller sees it: the firm's contact email only for the consultant
// of an accepted offer.
func present(caller identity.Caller, o domain.Offer) domain.Offer {
	if !(caller.Role == identity.RoleConsultant && caller.AccountID == o.ConsultantID && o.Status == domain.OfferStatusAccepted) {
		o.ContactEmail = ""
	}
	return o
}
