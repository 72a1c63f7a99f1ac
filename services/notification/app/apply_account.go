package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// ApplyAccount keeps what an AccountChanged says: where and in which language to write.
func (a *Application) ApplyAccount(ctx context.Context, d txn.Delivery, acc domain.Account) (bool, error) {
	return a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error { return tx.SaveAccount(ctx, acc) })
}

// EraseAccount forgets an erased account: its address, notifications, webhooks, deliveries.
func (a *Application) EraseAccount(ctx context.Context, d txn.Delivery, accountID string) (bool, error) {
	return a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error { return tx.EraseAccount(ctx, accountID) })
}
