package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// OfferChange is an offer event: what it tells, and the offer's expiry.
type OfferChange struct {
	Happening
	ExpiresAt time.Time
}

// ChangeOffer tells the parties of an offer event. A new offer also gets its expiry reminder;
// an answered, expired or withdrawn one loses it; an accepted one staffs its mission.
func (a *Application) ChangeOffer(ctx context.Context, d txn.Delivery, c OfferChange) (Outcome, error) {
	c.EventID = d.EventID
	var n int
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		if c.Facts.FirmName == "" && c.FirmID != "" {
			firm, known, err := tx.Account(ctx, c.FirmID)
			if err != nil {
				return err
			}
			if known {
				c.Facts.FirmName = firm.Name
			}
		}
		var err error
		if n, err = a.notify(ctx, tx, c.Happening); err != nil {
			return err
		}
		switch c.Type {
		case domain.TypeOfferMade:
			if c.ExpiresAt.IsZero() {
				return nil
			}
			return tx.SaveReminder(ctx, domain.Reminder{OfferID: c.OfferID, MissionID: c.MissionID, ProfileID: c.ProfileID,
				Facts: c.Facts, ExpiresAt: c.ExpiresAt})
		case domain.TypeOfferCountered:
			return nil
		case domain.TypeOfferAccepted:
			m, _, err := tx.Mission(ctx, c.MissionID)
			if err != nil {
				return err
			}
			m.ID, m.StaffedProfileID = c.MissionID, c.ProfileID
			if m.FirmID == "" {
				m.FirmID = c.FirmID
			}
			if err := tx.SaveMission(ctx, m); err != nil {
				return err
			}
		}
		return tx.DropReminder(ctx, c.OfferID)
	})
	return a.told(claimed, n, err)
}
