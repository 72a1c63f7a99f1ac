package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// Happening is an event that tells someone something: its type, what it is about, and who on
// each side it concerns.
type Happening struct {
	Type      domain.Type
	EventID   string
	MissionID string
	OfferID   string
	// FirmID is the firm's account; "" takes the mission's.
	FirmID string
	// ProfileID is the consultant's profile; "" takes the mission's staffed consultant.
	ProfileID string
	Facts     domain.Facts
	// OccurredAt is when the event happened; zero when unknown.
	OccurredAt time.Time
}

// ErrNotYetKnown is returned when an event names a mission or a profile whose own event has not
// been processed yet: the event is handed back and redelivered later, by when it has.
var ErrNotYetKnown = errors.New("not yet known")

// notify stores one notification per account the happening concerns, and its deliveries: an
// email and one call per subscribed webhook. It is idempotent per (event, account), the
// deliveries per (notification, channel, target).
func (a *Application) notify(ctx context.Context, tx Tx, h Happening) (int, error) {
	if a.isHistory(h.OccurredAt) {
		return 0, nil
	}
	var m domain.Mission
	if h.FirmID == "" || h.ProfileID == "" {
		var (
			known bool
			err   error
		)
		if m, known, err = tx.Mission(ctx, h.MissionID); err != nil {
			return 0, err
		}
		if !known && h.FirmID == "" {
			return 0, fmt.Errorf("mission %s: %w", h.MissionID, ErrNotYetKnown)
		}
	}
	if h.Facts.MissionTitle == "" {
		h.Facts.MissionTitle = m.Title
	}
	created := 0
	for _, party := range domain.Audience(h.Type) {
		accountID, err := a.accountOf(ctx, tx, party, h, m)
		if err != nil {
			return created, err
		}
		if accountID == "" { // nobody on that side (not staffed yet, or erased)
			continue
		}
		n := domain.Notification{
			ID: a.newID(), AccountID: accountID, Type: h.Type, EventID: h.EventID, MissionID: h.MissionID,
			OfferID: h.OfferID, Facts: h.Facts.ForParty(party), CreatedAt: a.now(),
		}
		added, err := tx.AddNotification(ctx, n)
		if err != nil {
			return created, err
		}
		if !added { // this party was told already; the other may not have been
			continue
		}
		created++
		if err := a.addDeliveries(ctx, tx, n); err != nil {
			return created, err
		}
	}
	return created, nil
}

// accountOf is the account of a party of the happening; "" when there is none to tell (a
// mission without a staffed consultant, an erased profile).
func (a *Application) accountOf(ctx context.Context, tx Tx, p domain.Party, h Happening, m domain.Mission) (string, error) {
	if p == domain.Firm {
		if h.FirmID != "" {
			return h.FirmID, nil
		}
		return m.FirmID, nil
	}
	profileID := h.ProfileID
	if profileID == "" {
		profileID = m.StaffedProfileID
	}
	if profileID == "" {
		return "", nil
	}
	accountID, known, err := tx.ProfileAccount(ctx, profileID)
	if err != nil {
		return "", err
	}
	if !known {
		// The profile id stays out of the error: errors are logged.
		return "", fmt.Errorf("the consultant of event %s: %w", h.EventID, ErrNotYetKnown)
	}
	return accountID, nil
}

// addDeliveries queues a notification's email and webhook calls. The email is queued whatever
// the account's settings: they are read when it is sent, so a later change still applies.
func (a *Application) addDeliveries(ctx context.Context, tx Tx, n domain.Notification) error {
	email := domain.Delivery{ID: a.newID(), NotificationID: n.ID, Channel: domain.ChannelEmail, Target: n.AccountID,
		AccountID: n.AccountID, Type: n.Type, Status: domain.DeliveryPending, CreatedAt: n.CreatedAt, NextAttemptAt: n.CreatedAt}
	if err := tx.AddDelivery(ctx, email); err != nil {
		return err
	}
	hooks, err := tx.Webhooks(ctx, n.AccountID)
	if err != nil {
		return err
	}
	for _, w := range hooks {
		if !w.Wants(n.Type) {
			continue
		}
		call := email
		call.ID, call.Channel, call.Target = a.newID(), domain.ChannelWebhook, w.ID
		if err := tx.AddDelivery(ctx, call); err != nil {
			return err
		}
	}
	return nil
}
