package domain

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// OfferStatus is where an offer stands. Values match the public enum.
type OfferStatus int

const (
	OfferStatusUnspecified OfferStatus = iota
	OfferStatusPending
	OfferStatusAccepted
	OfferStatusDeclined
	// OfferStatusExpired: the consultant did not answer in time.
	OfferStatusExpired
	// OfferStatusWithdrawn: the platform took the offer back before the consultant answered
	// (the mission was cancelled, or the profile erased).
	OfferStatusWithdrawn
)

var offerStatusNames = names[OfferStatus]{
	OfferStatusPending:   "PENDING",
	OfferStatusAccepted:  "ACCEPTED",
	OfferStatusDeclined:  "DECLINED",
	OfferStatusExpired:   "EXPIRED",
	OfferStatusWithdrawn: "WITHDRAWN",
}

func (s OfferStatus) String() string { return offerStatusNames.of(s) }

// ParseOfferStatus reads a name String returns.
func ParseOfferStatus(name string) (OfferStatus, bool) { return offerStatusNames.parse(name) }

// Reasons of the refusals of an answer to an offer, stable for clients.
const (
	// ReasonOfferNotPending: the offer was already answered, or withdrawn.
	ReasonOfferNotPending = "OFFER_NOT_PENDING"
	// ReasonOfferExpired: the offer was not answered in time.
	ReasonOfferExpired = "OFFER_EXPIRED"
	// ReasonConsultantAlreadyBooked: the consultant accepted another mission whose window
	// overlaps this one.
	ReasonConsultantAlreadyBooked = "CONSULTANT_ALREADY_BOOKED"
)

// Offer is a firm's offer of a mission to one consultant of its shortlist.
type Offer struct {
	ID        string
	MissionID string
	FirmID    string
	ProfileID string
	// ConsultantID is the account that owns the profile: the only one who may answer, and
	// whose bookings an acceptance is checked against.
	ConsultantID string
	Status       OfferStatus
	// StartDate and EndDate are the mission window (inclusive) an acceptance books.
	StartDate time.Time
	EndDate   time.Time
	CreatedAt time.Time
	// ExpiresAt is when a pending offer expires: from that instant on it may not be answered.
	ExpiresAt time.Time
	// AnsweredAt is when the consultant accepted or declined; zero otherwise.
	AnsweredAt time.Time
	// DeclineReason is what the consultant wrote when declining. It stays in the mission
	// service: OfferDeclined does not carry it.
	DeclineReason string
}

// Overlaps reports whether the two offers' windows share at least one day.
func (o Offer) Overlaps(other Offer) bool {
	return !o.StartDate.After(other.EndDate) && !other.StartDate.After(o.EndDate)
}

// Due reports whether a pending offer has reached its expiry at now.
func (o Offer) Due(now time.Time) bool {
	return o.Status == OfferStatusPending && !now.Before(o.ExpiresAt)
}

// checkAnswerable refuses an answer to an offer that is no longer pending or has expired,
// whether or not the expiry has been recorded yet.
func (o Offer) checkAnswerable(now time.Time) error {
	switch {
	case o.Status == OfferStatusExpired || o.Due(now):
		return fault.FailedPrecondition(ReasonOfferExpired, "offer %s expired at %s", o.ID, o.ExpiresAt.UTC().Format(time.RFC3339))
	case o.Status != OfferStatusPending:
		return fault.FailedPrecondition(ReasonOfferNotPending, "offer %s is %s", o.ID, o.Status)
	}
	return nil
}

func (o *Offer) withdraw() { o.Status = OfferStatusWithdrawn }

// AcceptOffer is the consultant's yes: the offer is accepted and its mission m staffed. bookings
// are the offers the consultant already accepted for missions still staffed; none may overlap
// the mission window. Refused, nothing changes.
func AcceptOffer(o *Offer, m *Mission, bookings []Offer, by Actor, now time.Time) (Outcome, error) {
	if err := o.checkAnswerable(now); err != nil {
		return Outcome{}, err
	}
	if m.ID != o.MissionID || m.Status != StatusOffered {
		return Outcome{}, fault.FailedPrecondition(ReasonOfferNotPending, "offer %s is no longer open: mission %s is %s", o.ID, m.ID, m.Status)
	}
	for _, b := range bookings {
		if b.ID != o.ID && b.ConsultantID == o.ConsultantID && b.Status == OfferStatusAccepted && o.Overlaps(b) {
			return Outcome{}, fault.FailedPrecondition(ReasonConsultantAlreadyBooked,
				"the consultant is already booked from %s to %s, which overlaps this mission (%s to %s)",
				dates.Format(b.StartDate), dates.Format(b.EndDate), dates.Format(o.StartDate), dates.Format(o.EndDate))
		}
	}
	now = now.UTC()
	o.Status = OfferStatusAccepted
	o.AnsweredAt = now
	m.Status = StatusStaffed
	m.UpdatedAt = now
	return Outcome{
		Events: []Event{OfferAccepted{Offer: *o}, MissionUpdated{MissionID: m.ID, Status: m.Status}},
		Decisions: []Decision{
			{MissionID: m.ID, At: now, Kind: DecisionOfferAccepted, Actor: by, OfferID: o.ID, ProfileID: o.ProfileID},
			{MissionID: m.ID, At: now, Kind: DecisionMissionStaffed, Actor: by, OfferID: o.ID, ProfileID: o.ProfileID},
		},
	}, nil
}

// DeclineOffer is the consultant's no, with a reason (see CheckDeclineReason). The mission is
// SHORTLISTED again without them, so that the firm may offer it to someone else while matching
// proposes a fresh shortlist.
func DeclineOffer(o *Offer, m *Mission, reason string, by Actor, now time.Time) (Outcome, error) {
	reason, err := missionrules.CheckDeclineReason(reason)
	if err != nil {
		return Outcome{}, err
	}
	if err := o.checkAnswerable(now); err != nil {
		return Outcome{}, err
	}
	now = now.UTC()
	o.Status = OfferStatusDeclined
	o.AnsweredAt = now
	o.DeclineReason = reason
	published := *o
	published.DeclineReason = ""
	out := Outcome{
		Events: []Event{OfferDeclined{Offer: published}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionOfferDeclined, Actor: by,
			OfferID: o.ID, ProfileID: o.ProfileID, Reason: reason}},
	}
	out.Events = append(out.Events, m.releaseOffer(o.ProfileID, now)...)
	return out, nil
}

// ExpireOffer records that a pending offer was not answered in time: the offer is EXPIRED and
// the mission SHORTLISTED again without that consultant. It reports false, changing nothing,
// when the offer is not due at now.
func ExpireOffer(o *Offer, m *Mission, now time.Time) (Outcome, bool) {
	if !o.Due(now) {
		return Outcome{}, false
	}
	now = now.UTC()
	o.Status = OfferStatusExpired
	out := Outcome{
		Events: []Event{OfferExpired{Offer: *o}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionOfferExpired, Actor: SystemActor(),
			OfferID: o.ID, ProfileID: o.ProfileID}},
	}
	out.Events = append(out.Events, m.releaseOffer(o.ProfileID, now)...)
	return out, true
}
