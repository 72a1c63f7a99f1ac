package domain

import "time"

// ReminderLead is how long before an offer expires its consultant is reminded.
const ReminderLead = 24 * time.Hour

// Reminder is the offer.expiring notification an open offer will get, stored with its due time
// so that a restart keeps it.
type Reminder struct {
	OfferID   string
	MissionID string
	ProfileID string
	Facts     Facts
	ExpiresAt time.Time
}

// DueAt is when the reminder is sent: ReminderLead before expiry (at once for an offer made
// with less time left).
func (r Reminder) DueAt() time.Time { return r.ExpiresAt.Add(-ReminderLead) }

// Worth tells whether a reminder at now still comes before the expiry.
func (r Reminder) Worth(now time.Time) bool { return now.Before(r.ExpiresAt) }

// ReminderEventID is the event id of an offer's reminder: one per offer, whatever happens.
func ReminderEventID(offerID string) string { return "offer-expiring/" + offerID }
