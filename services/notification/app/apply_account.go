package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// ApplyAccount keeps what an AccountChanged says: where and in which language to write, and
// whether the account is suspended. A change older than the one kept is ignored (events of
// one account may arrive out of order).
//
// The account's first event sends at once the emails that waited for it (events of other
// streams may be handled before it).
func (a *Application) ApplyAccount(ctx context.Context, d txn.Delivery, acc domain.Account) (bool, error) {
	first := false
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		stored, known, err := tx.Account(ctx, acc.ID)
		if err != nil {
			return err
		}
		if known {
			if !acc.Supersedes(stored) {
				return nil
			}
			acc.Version = max(acc.Version, stored.Version)
		}
		if err := tx.SaveAccount(ctx, acc); err != nil || known {
			return err
		}
		first = true
		return tx.HastenWaitingEmails(ctx, acc.ID, a.now())
	})
	if err == nil && first {
		a.created()
	}
	return claimed, err
}

// EraseAccount forgets an erased account: its address, notifications, webhooks, deliveries.
func (a *Application) EraseAccount(ctx context.Context, d txn.Delivery, accountID string) (bool, error) {
	return a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error { return tx.EraseAccount(ctx, accountID) })
}
