package app

import (
	"context"
	"errors"

	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// RemindOffers sends the offer.expiring reminders that are due, each once, and returns how many
// went out. A reminder is one transaction: its notification, its deliveries and its removal.
func (a *Application) RemindOffers(ctx context.Context) (int, error) {
	now := a.now()
	due, err := a.repo.DueReminders(ctx, now, 100)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, r := range due {
		var n int
		err := a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
			current, ok, err := tx.Reminder(ctx, r.OfferID)
			if err != nil || !ok {
				return err
			}
			if current.Worth(now) {
				if n, err = a.notify(ctx, tx, Happening{Type: domain.TypeOfferExpiring,
					EventID: domain.ReminderEventID(current.OfferID), MissionID: current.MissionID, OfferID: current.OfferID,
					ProfileID: current.ProfileID, Facts: current.Facts}); err != nil {
					return err
				}
			}
			return tx.DropReminder(ctx, current.OfferID)
		})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sent += n
	}
	if sent > 0 {
		a.cfg.Observer.Notified(sent)
		a.created()
	}
	return sent, errors.Join(errs...)
}
