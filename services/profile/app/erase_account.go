package app

import (
	"context"
	"fmt"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// EraseAccountProfiles takes in an account's erasure exactly once: every profile the account
// still has is erased (ProfileErased, as DeleteProfile). The gateway erases the profiles it
// finds before it erases the account; this catches one made meanwhile, or left by a crash
// between the two, so that no profile outlives its account. It returns how many it erased.
func (a *Application) EraseAccountProfiles(ctx context.Context, d txn.Delivery, accountID string) (int, error) {
	if accountID == "" {
		return 0, fmt.Errorf("account erasure without an account id")
	}
	profiles, err := a.profiles.OfAccount(ctx, accountID)
	if err != nil {
		return 0, err
	}
	erased := 0
	_, err = a.tx.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		erased = 0
		for _, listed := range profiles {
			p, err := lockedProfile(ctx, tx, listed.ID)
			if fault.KindOf(err) == fault.KindNotFound {
				continue // erased meanwhile
			}
			if err != nil {
				return err
			}
			if err := tx.Delete(ctx, p.ID); err != nil {
				return err
			}
			if err := tx.Publish(ctx, domain.ProfileErased{ProfileID: p.ID, AccountID: accountID}); err != nil {
				return err
			}
			erased++
		}
		return nil
	})
	return erased, err
}
