package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListOffers lists the calling consultant's offers, or every offer for an operator, newest
// first. The next page token is empty on the last page.
func (a *Application) ListOffers(ctx context.Context, caller identity.Caller, pageSize int, pageToken string) ([]domain.Offer, string, error) {
	consultantID := ""
	switch caller.Role {
	case identity.RoleConsultant:
		consultantID = caller.AccountID
	case identity.RoleOperator:
	default:
		return nil, "", fault.PermissionDenied(ReasonRoleNotAllowed, "only consultants and operators list offers")
	}
	size, after, err := CheckPage(pageSize, pageToken)
	if err != nil {
		return nil, "", err
	}
	offers, err := a.repo.ListOffers(ctx, consultantID, after, size+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(offers) > size {
		offers = offers[:size]
		last := offers[size-1]
		next = EncodePageToken(Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	return offers, next, nil
}
