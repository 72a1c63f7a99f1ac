package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/txn"
)

// MapProfile keeps which account owns a profile, so that offers to the profile reach the
// account.
func (a *Application) MapProfile(ctx context.Context, d txn.Delivery, profileID, accountID string) (bool, error) {
	return a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error { return tx.SaveProfile(ctx, profileID, accountID) })
}

// ForgetProfile drops an erased profile's owner.
func (a *Application) ForgetProfile(ctx context.Context, d txn.Delivery, profileID string) (bool, error) {
	return a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error { return tx.ForgetProfile(ctx, profileID) })
}
