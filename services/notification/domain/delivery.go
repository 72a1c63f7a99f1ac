package domain

import "time"

// Channel is how a notification leaves the platform besides the in-app feed.
type Channel string

const (
	ChannelEmail   Channel = "email"
	ChannelWebhook Channel = "webhook"
)

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "PENDING"
	DeliveryDelivered DeliveryStatus = "DELIVERED"
	DeliveryFailed    DeliveryStatus = "FAILED"
	// DeliverySkipped: an email to an account without an email address or with emails off.
	DeliverySkipped DeliveryStatus = "SKIPPED"
)

// Delivery is one notification sent over one channel to one target (an endpoint, or the
// account's email address). The triple (notification, channel, target) is unique, and its ID is
// what the receiver sees on every attempt (webhook-id, Message-ID), so a repeat is recognisable.
type Delivery struct {
	ID             string
	NotificationID string
	Channel        Channel
	// Target is the webhook's id, or the account's id for an email.
	Target    string
	AccountID string
	Type      Type
	Status    DeliveryStatus
	CreatedAt time.Time
	// NextAttemptAt is when the next attempt is due (pending deliveries only).
	NextAttemptAt time.Time
	Attempts      int
}

// Attempt is one try of a delivery.
type Attempt struct {
	DeliveryID  string
	AttemptedAt time.Time
	// StatusCode is the HTTP status answered (webhooks), 0 without an answer.
	StatusCode int
	Duration   time.Duration
	// Error says why the attempt failed, in words that hold no address or personal data.
	Error string
}

// Succeeded tells whether the attempt delivered.
func (a Attempt) Succeeded() bool {
	return a.Error == "" && (a.StatusCode == 0 || a.StatusCode/100 == 2)
}

// Record applies an attempt's outcome: delivered, due again later, or given up.
func (d *Delivery) Record(a Attempt) {
	d.Attempts++
	if a.Succeeded() {
		d.Status, d.NextAttemptAt = DeliveryDelivered, time.Time{}
		return
	}
	next, ok := NextAttempt(d.CreatedAt, a.AttemptedAt, d.Attempts)
	if !ok {
		d.Status, d.NextAttemptAt = DeliveryFailed, time.Time{}
		return
	}
	d.NextAttemptAt = next
}
