// Package domain holds what the notification service decides: which account each event
// concerns, what a notification says in the reader's language, how webhooks are signed and
// retried, and which addresses a webhook may reach. It does no I/O.
package domain

import (
	"errors"
	"slices"
	"time"
)

// Type is what happened, as notifications, webhooks and subscriptions name it.
type Type string

const (
	TypeShortlistReady     Type = "shortlist.ready"
	TypeMissionNoMatch     Type = "mission.no_match"
	TypeOfferMade          Type = "offer.made"
	TypeOfferCountered     Type = "offer.countered"
	TypeOfferAccepted      Type = "offer.accepted"
	TypeOfferDeclined      Type = "offer.declined"
	TypeOfferExpiring      Type = "offer.expiring"
	TypeOfferExpired       Type = "offer.expired"
	TypeOfferWithdrawn     Type = "offer.withdrawn"
	TypeExtensionRequested Type = "extension.requested"
	TypeExtensionAnswered  Type = "extension.answered"
	TypeMissionEnded       Type = "mission.ended"
)

// Types are every notification type, in the order the API lists them.
var Types = []Type{TypeShortlistReady, TypeMissionNoMatch, TypeOfferMade, TypeOfferCountered, TypeOfferAccepted,
	TypeOfferDeclined, TypeOfferExpiring, TypeOfferExpired, TypeOfferWithdrawn, TypeExtensionRequested,
	TypeExtensionAnswered, TypeMissionEnded}

// ParseType accepts exactly the names of Types.
func ParseType(s string) (Type, bool) {
	t := Type(s)
	return t, slices.Contains(Types, t)
}

// Facts are what a notification's texts and a webhook's body are written from: ids and the
// mission's summary, nothing typed by anyone but the receiver's own side.
type Facts struct {
	MissionTitle string `json:"missionTitle,omitempty"`
	// FirmName is shown to consultants only (the firm making them an offer).
	FirmName       string    `json:"firmName,omitempty"`
	ProfileID      string    `json:"profileId,omitempty"`
	DailyRateEUR   int       `json:"dailyRateEur,omitempty"`
	CounterRateEUR int       `json:"counterRateEur,omitempty"`
	ExpiresAt      time.Time `json:"expiresAt,omitzero"`
	StartDate      string    `json:"startDate,omitempty"`
	EndDate        string    `json:"endDate,omitempty"`
	// Accepted tells, for extension.answered, whether the consultant accepted.
	Accepted bool `json:"accepted,omitempty"`
	// Revision and Candidates describe a shortlist.
	Revision   int64 `json:"revision,omitempty"`
	Candidates int   `json:"candidates,omitempty"`
	// Completed tells, for mission.ended, that the mission ran to its end date.
	Completed bool `json:"completed,omitempty"`
}

// Notification is one event as one account is told of it. The pair (EventID, AccountID) is
// unique: an event reaches each account once.
type Notification struct {
	ID        string
	AccountID string
	Type      Type
	// EventID is the event the notification comes from (an offer's reminder has its own).
	EventID   string
	MissionID string
	OfferID   string
	Facts     Facts
	CreatedAt time.Time
	// ReadAt is zero while unread.
	ReadAt time.Time
}

// Read marks the notification read at now; reading it again keeps the first time.
func (n *Notification) Read(now time.Time) {
	if n.ReadAt.IsZero() {
		n.ReadAt = now
	}
}

// ErrNotFound is an unknown notification, webhook or delivery, or someone else's.
var ErrNotFound = errors.New("not found")

// Party is a side of a mission: the firm that owns it, or the consultant an offer or a
// staffing concerns.
type Party int

const (
	Firm Party = iota + 1
	Consultant
)

// audience says who is told of each type (docs/API.md, "Notifications").
var audience = map[Type][]Party{
	TypeShortlistReady: {Firm}, TypeMissionNoMatch: {Firm}, TypeOfferMade: {Consultant},
	TypeOfferCountered: {Firm}, TypeOfferAccepted: {Firm}, TypeOfferDeclined: {Firm},
	TypeOfferExpiring: {Consultant}, TypeOfferExpired: {Firm, Consultant}, TypeOfferWithdrawn: {Consultant},
	TypeExtensionRequested: {Consultant}, TypeExtensionAnswered: {Firm}, TypeMissionEnded: {Firm, Consultant},
}

// Audience is who is told of an event of type t.
func Audience(t Type) []Party { return audience[t] }

// ForParty is the facts as party may see them: a firm is never told a firm name (its own), and
// nothing else differs today, since facts hold no personal data of a consultant.
func (f Facts) ForParty(p Party) Facts {
	if p == Firm {
		f.FirmName = ""
	}
	return f
}
