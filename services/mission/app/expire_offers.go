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
	return drain(ctx, now, expiryBatch, a.repo.DueOffers, a.expireOffer, func(o domain.Offer) string { return "expire offer " + o.ID })
}

func (a *Application) expireOffer(ctx context.Context, due domain.Offer, now time.Time) (bool, error) {
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (bool, error) {
		_, expired, err := a.changeOffer(ctx, tx, due.MissionID, due.ID, func(o *domain.Offer, m *domain.Mission) (domain.Outcome, bool, error) {
			out, ok := domain.ExpireOffer(o, m, now)
			return out, ok, nil
		})
		return expired, err
	})
}

// drain handles every record due at now, read batch records at a time, each in its own
// transaction (handle tells whether it changed anything), and returns how many it changed. When
// some could not be handled, it goes on with the others and reports their errors together,
// each prefixed by what names the record.
func drain[T any](ctx context.Context, now time.Time, batch int, due func(context.Context, time.Time, int) ([]T, error),
	handle func(context.Context, T, time.Time) (bool, error), what func(T) string) (int, error) {
	changed := 0
	var errs []error
	for {
		records, err := due(ctx, now, batch)
		if err != nil {
			return changed, errors.Join(append(errs, err)...)
		}
		progress := 0
		for _, r := range records {
			done, err := handle(ctx, r, now)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", what(r), err))
				continue
			}
			if done {
				progress++
			}
		}
		changed += progress
		// A full batch may hide more; stop when nothing moved, so a failing record cannot loop.
		if len(records) < batch || progress == 0 {
			return changed, errors.Join(errs...)
		}
	}
}
