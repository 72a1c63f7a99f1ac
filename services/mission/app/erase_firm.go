package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// FirmErasure tells what handling a firm's account erasure did, for logs and tests.
type FirmErasure struct {
	Duplicate bool
	// Cancelled counts the firm's missions closed by the erasure (those not yet staffed).
	Cancelled int
}

// eraseFirmPage is how many of the firm's missions are read at a time.
const eraseFirmPage = 200

// EraseFirm takes in the erasure of an account exactly once (once per delivery d). For a firm's
// account, the missions it had not staffed yet are cancelled (no consultant should be offered a
// mission nobody will answer for; their pending offers are withdrawn), staffed ones run on, and
// what the firm wrote and who it was are removed (Tx.ForgetFirm). Any other account has nothing
// here: a consultant's erasure reaches this service as their profile's.
func (a *Application) EraseFirm(ctx context.Context, d txn.Delivery, accountID string) (FirmErasure, error) {
	var ids []string
	var after *missionrules.Cursor
	for {
		page, err := a.repo.List(ctx, accountID, domain.StatusUnspecified, after, eraseFirmPage)
		if err != nil {
			return FirmErasure{}, err
		}
		for _, m := range page {
			ids = append(ids, m.ID)
		}
		if len(page) < eraseFirmPage {
			break
		}
		last := page[len(page)-1]
		after = &missionrules.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	var out FirmErasure
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		out = FirmErasure{}
		tx.Erasing()
		for _, id := range ids {
			m, err := tx.Mission(ctx, id)
			if err != nil {
				return err
			}
			if !m.Cancellable() || m.Status == domain.StatusStaffed {
				continue
			}
			if err := a.cancelHeld(ctx, tx, &m, domain.SystemActor()); err != nil {
				return err
			}
			out.Cancelled++
		}
		return tx.ForgetFirm(ctx, accountID, domain.Pseudonym(a.cfg.PseudonymKey, accountID))
	})
	if err != nil {
		return FirmErasure{}, err
	}
	out.Duplicate = !claimed
	return out, nil
}
