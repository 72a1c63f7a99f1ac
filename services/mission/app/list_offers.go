package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ListOffers lists the calling consultant's offers, or every offer for an operator, newest
// first. The next page token is empty on the last page.
func (a *Application) ListOffers(ctx context.Context, caller identity.Caller, pageSize int, pageToken string) ([]domain.Offer, string, error) {
	consultantID, err := listedFor(caller, identity.RoleConsultant, "only consultants and operators list offers")
	if err != nil {
		return nil, "", err
	}
	return page(pageSize, pageToken, func(after *missionrules.Cursor, limit int) ([]domain.Offer, error) {
		return a.repo.ListOffers(ctx, consultantID, after, limit)
	}, func(o domain.Offer) missionrules.Cursor { return missionrules.Cursor{CreatedAt: o.CreatedAt, ID: o.ID} })
}
