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
	// OfferStatusCountered: the consultant proposed another rate; the firm accepts the counter
	// or withdraws.
	OfferStatusCountered
)

var offerStatusNames = names[OfferStatus]{
	OfferStatusPending:   "PENDING",
	OfferStatusAccepted:  "ACCEPTED",
	OfferStatusDeclined:  "DECLINED",
	OfferStatusExpired:   "EXPIRED",
	OfferStatusWithdrawn: "WITHDRAWN",
	OfferStatusCountered: "COUNTERED",
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
	// DailyRateEUR is the rate on the table: the firm's, or the counter once the firm accepted
	// it. Message is the firm's note.
	DailyRateEUR int
	Message      string
	// CounterRateEUR (0 when none) and CounterMessage are the consultant's counter-proposal.
	CounterRateEUR int
	CounterMessage string
	// Mission is what the consultant decides on, as the mission is now (read with the offer).
	Mission MissionSummary
	// ContactEmail is the firm's contact email, read with the offer; the use cases show it
	// only to the consultant of an accepted offer, and events never carry it.
	ContactEmail string
}

// Open reports whether the offer still waits for an answer: pending or countered.
func (o Offer) Open() bool {
	return o.Status == OfferStatusPending || o.Status == OfferStatusCountered
}

// MissionSummary is what a consultant needs to decide on an offer: never the budget, never
// other candidates.
type MissionSummary struct {
	Title          string
	Sector         string
	MissionType    missionrules.MissionType
	StartDate      time.Time
	EndDate        time.Time
	DurationMonths int
	Location       missionrules.Location
	WorkMode       missionrules.WorkMode
	Languages      []string
	FirmName       string
}

// Summary is the mission as an offer shows it.
func (m Mission) Summary() MissionSummary {
	return MissionSummary{
		Title: m.Title, Sector: m.Sector, MissionType: m.MissionType, StartDate: m.StartDate, EndDate: m.EndDate(),
		DurationMonths: m.DurationMonths, Location: m.Location, WorkMode: m.WorkMode, Languages: m.Languages,
		FirmName: m.FirmName,
	}
}

// Overlaps reports whether the two offers' windows share at least one day.
func (o Offer) Overlaps(other Offer) bool {
	return !o.StartDate.After(other.EndDate) && !other.StartDate.After(o.EndDate)
}

// Due reports whether a pending offer has reached its expiry at now.
func (o Offer) Due(now time.Time) bool {
	return o.Open() && !now.Before(o.ExpiresAt)
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

// decline records the consultant's no at now. It returns the offer as published: without the
// reason, which stays in the mission service.
func (o *Offer) decline(reason string, now time.Time) (published Offer) {
	o.Status, o.AnsweredAt, o.DeclineReason = OfferStatusDeclined, now, reason
	published = *o
	published.DeclineReason = ""
	return published
}

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
	if err := checkBookings(o.ConsultantID, o.ID, o.StartDate, o.EndDate, bookings); err != nil {
		return Outcome{}, err
	}
	return staff(o, m, o.DailyRateEUR, by, now, DecisionOfferAccepted), nil
}

// staff books the offer's consultant for the mission at rate: the offer is accepted, the
// mission staffed; kind is the trail entry of the decision (OFFER_ACCEPTED, COUNTER_ACCEPTED),
// followed by MISSION_STAFFED.
func staff(o *Offer, m *Mission, rate int, by Actor, now time.Time, kind DecisionKind) Outcome {
	now = now.UTC()
	o.Status = OfferStatusAccepted
	o.AnsweredAt = now
	o.DailyRateEUR = rate
	m.Status = StatusStaffed
	m.UpdatedAt = now
	m.StaffedOfferID, m.StaffedProfileID, m.StaffedConsultantID, m.AgreedDailyRateEUR = o.ID, o.ProfileID, o.ConsultantID, rate
	return Outcome{
		Events: []Event{OfferAccepted{Offer: *o}, MissionUpdated{MissionID: m.ID, Status: m.Status}},
		Decisions: []Decision{
			{MissionID: m.ID, At: now, Kind: kind, Actor: by, OfferID: o.ID, ProfileID: o.ProfileID, DailyRateEUR: rate},
			{MissionID: m.ID, At: now, Kind: DecisionMissionStaffed, Actor: by, OfferID: o.ID, ProfileID: o.ProfileID, DailyRateEUR: rate},
		},
	}
}

// checkBookings refuses a window start..end of the consultant that overlaps one of their
// bookings other than the offer skip.
func checkBookings(consultantID, skip string, start, end time.Time, bookings []Offer) error {
	window := Offer{StartDate: start, EndDate: end}
	for _, b := range bookings {
		if b.ID != skip && b.ConsultantID == consultantID && b.Status == OfferStatusAccepted && window.Overlaps(b) {
			return fault.FailedPrecondition(ReasonConsultantAlreadyBooked,
				"the consultant is already booked from %s to %s, which overlaps %s to %s",
				dates.Format(b.StartDate), dates.Format(b.EndDate), dates.Format(start), dates.Format(end))
		}
	}
	return nil
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
	published := o.decline(reason, now)
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
