package domain

import (
	"slices"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// Reasons of the refusals of negotiation and editing, stable for clients.
const (
	// ReasonOfferAlreadyCountered: the consultant already countered this offer (once per offer).
	ReasonOfferAlreadyCountered = "OFFER_ALREADY_COUNTERED"
	// ReasonOfferNotCountered: the firm accepts a counter only while the offer is countered.
	ReasonOfferNotCountered = "OFFER_NOT_COUNTERED"
	// ReasonMissionNotEditable: a mission is edited only while SUBMITTED, SHORTLISTED or NO_MATCH.
	ReasonMissionNotEditable = "MISSION_NOT_EDITABLE"
)

// CounterOffer is the consultant's counter-proposal (rate and message already checked): once
// per offer, while it is pending and not due. The offer is COUNTERED and the firm has a fresh
// ttl to answer; a countered offer expires like a pending one.
func CounterOffer(o *Offer, m *Mission, rate int, message string, by Actor, now time.Time, ttl time.Duration) (Outcome, error) {
	if o.Status == OfferStatusCountered && !o.Due(now) {
		return Outcome{}, fault.FailedPrecondition(ReasonOfferAlreadyCountered, "offer %s was already countered", o.ID)
	}
	if err := o.checkAnswerable(now); err != nil {
		return Outcome{}, err
	}
	now = now.UTC()
	o.Status = OfferStatusCountered
	o.CounterRateEUR = rate
	o.CounterMessage = message
	o.ExpiresAt = now.Add(ttl)
	return Outcome{
		Events: []Event{OfferCountered{Offer: *o}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionOfferCountered, Actor: by,
			OfferID: o.ID, ProfileID: o.ProfileID, DailyRateEUR: rate}},
	}, nil
}

// AcceptCounter is the firm's yes to a counter: the mission is staffed at the counter rate,
// under the rules of an acceptance (bookings are the consultant's, see AcceptOffer).
func AcceptCounter(o *Offer, m *Mission, bookings []Offer, by Actor, now time.Time) (Outcome, error) {
	switch {
	case o.Status == OfferStatusExpired || o.Due(now):
		return Outcome{}, fault.FailedPrecondition(ReasonOfferExpired, "offer %s expired at %s", o.ID, o.ExpiresAt.UTC().Format(time.RFC3339))
	case o.Status == OfferStatusPending:
		return Outcome{}, fault.FailedPrecondition(ReasonOfferNotCountered, "offer %s has not been countered", o.ID)
	case o.Status != OfferStatusCountered:
		return Outcome{}, fault.FailedPrecondition(ReasonOfferNotPending, "offer %s is %s", o.ID, o.Status)
	}
	if m.ID != o.MissionID || m.Status != StatusOffered {
		return Outcome{}, fault.FailedPrecondition(ReasonOfferNotPending, "offer %s is no longer open: mission %s is %s", o.ID, m.ID, m.Status)
	}
	if err := checkBookings(o.ConsultantID, o.ID, o.StartDate, o.EndDate, bookings); err != nil {
		return Outcome{}, err
	}
	return staff(o, m, o.CounterRateEUR, by, now, DecisionCounterAccepted), nil
}

// FirmWithdrawOffer is the firm taking back its pending or countered offer: the offer is
// WITHDRAWN and the mission SHORTLISTED again without that consultant, offerable again.
func FirmWithdrawOffer(o *Offer, m *Mission, by Actor, now time.Time) (Outcome, error) {
	switch {
	case o.Status == OfferStatusExpired || o.Due(now):
		return Outcome{}, fault.FailedPrecondition(ReasonOfferExpired, "offer %s expired at %s", o.ID, o.ExpiresAt.UTC().Format(time.RFC3339))
	case !o.Open():
		return Outcome{}, fault.FailedPrecondition(ReasonOfferNotPending, "offer %s is %s", o.ID, o.Status)
	}
	now = now.UTC()
	o.withdraw()
	out := Outcome{
		Events: []Event{OfferWithdrawn{Offer: *o}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionOfferWithdrawn, Actor: by,
			OfferID: o.ID, ProfileID: o.ProfileID}},
	}
	out.Events = append(out.Events, m.releaseOffer(o.ProfileID, now)...)
	return out, nil
}

// Editable reports whether the firm may still edit the mission: before it is offered.
func (m *Mission) Editable() bool {
	switch m.Status {
	case StatusSubmitted, StatusShortlisted, StatusNoMatch:
		return true
	}
	return false
}

// Edit replaces the mission's request with r (already checked like a create). It reports the
// changed fields; nothing changed, nothing happens. A change publishes MissionEdited, so that
// matching ranks the mission again, and records MISSION_EDITED with the changed fields.
func (m *Mission) Edit(r missionrules.Request, by Actor, now time.Time) (Outcome, []string, error) {
	if !m.Editable() {
		return Outcome{}, nil, fault.FailedPrecondition(ReasonMissionNotEditable,
			"mission %s is %s: it is edited only while submitted, shortlisted or without a match", m.ID, m.Status)
	}
	changed := missionrules.ChangedFields(m.Request, r)
	if len(changed) == 0 {
		return Outcome{}, nil, nil
	}
	now = now.UTC()
	m.Request = r
	m.UpdatedAt = now
	return Outcome{
		Events: []Event{MissionEdited{Mission: *m, ChangedFields: slices.Clone(changed)}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionMissionEdited, Actor: by,
			ChangedFields: slices.Clone(changed)}},
	}, changed, nil
}

// ForConsultant is the mission as a consultant holding an offer on it sees it: without the
// budget, the candidates, or anything about another consultant's staffing.
func (m Mission) ForConsultant(consultantID string) Mission {
	m.MaxDailyRateEUR = 0
	m.Candidates = nil
	m.ShortlistRevision = 0
	m.FirmEmail = ""
	if m.StaffedConsultantID != consultantID {
		m.StaffedOfferID, m.StaffedProfileID, m.StaffedConsultantID, m.AgreedDailyRateEUR = "", "", "", 0
	}
	return m
}
