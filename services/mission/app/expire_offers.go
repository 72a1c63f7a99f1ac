package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// expiryBatch bounds how many due offers are read at once.
const expiryBatch = 100

// ExpireOffers expires every pending offer due at now, each in its own transaction: the offer
// becomes EXPIRED and its mission SHORTLISTED again without that consultant. An offer answered
// in the meantime is left alone. It returns how many offers it expired; when some could not be,
// it goes on with the others and reports their errors together.
func (a *Application) ExpireOffers(ctx context.Context, now time.Time) (int, error) {
	expired := 0
	var errs []error
	for {
		due, err := a.repo.DueOffers(ctx, now, expiryBatch)
		if err != nil {
			return expired, errors.Join(append(errs, err)...)
		}
		progress := 0
		for _, d := range due {
			done, err := a.expireOffer(ctx, d, now)
			if err != nil {
				errs = append(errs, fmt.Errorf("expire offer %s: %w", d.ID, err))
				continue
			}
			if done {
				progress++
			}
		}
		expired += progress
		// A full batch may hide more; stop when nothing moved, so a failing offer cannot loop.
		if len(due) < expiryBatch || progress == 0 {
			return expired, errors.Join(errs...)
		}
	}
}

func (a *Application) expireOffer(ctx context.Context, due domain.Offer, now time.Time) (bool, error) {
	var expired bool
	err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		var err error
		_, expired, err = a.changeOffer(ctx, tx, due.MissionID, due.ID, func(o *domain.Offer, m *domain.Mission) (domain.Outcome, bool, error) {
			out, ok := domain.ExpireOffer(o, m, now)
			return out, ok, nil
		})
		return err
	})
	return expired, err
}
