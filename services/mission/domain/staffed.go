package domain

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// Reasons of the refusals after staffing, stable for clients.
const (
	// ReasonMissionNotStaffed: extensions and early ends are for a staffed mission.
	ReasonMissionNotStaffed = "MISSION_NOT_STAFFED"
	// ReasonExtensionAlreadyPending: the mission already waits for the answer to an extension.
	ReasonExtensionAlreadyPending = "EXTENSION_ALREADY_PENDING"
	// ReasonExtensionNotPending: the extension was already answered, or withdrawn.
	ReasonExtensionNotPending = "EXTENSION_NOT_PENDING"
	// ReasonFeedbackNotOpen: feedback is given once the mission ended early or completed.
	ReasonFeedbackNotOpen = "FEEDBACK_NOT_OPEN"
	// ReasonFeedbackAlreadyGiven: each party gives one feedback per mission.
	ReasonFeedbackAlreadyGiven = "FEEDBACK_ALREADY_GIVEN"
)

// ExtensionStatus is where an extension stands. Values match the public enum.
type ExtensionStatus int

const (
	ExtensionStatusUnspecified ExtensionStatus = iota
	ExtensionStatusPending
	ExtensionStatusAccepted
	ExtensionStatusDeclined
	// ExtensionStatusWithdrawn: the mission ended before the consultant answered.
	ExtensionStatusWithdrawn
)

var extensionStatusNames = names[ExtensionStatus]{
	ExtensionStatusPending:   "PENDING",
	ExtensionStatusAccepted:  "ACCEPTED",
	ExtensionStatusDeclined:  "DECLINED",
	ExtensionStatusWithdrawn: "WITHDRAWN",
}

func (s ExtensionStatus) String() string { return extensionStatusNames.of(s) }

// ParseExtensionStatus reads a name String returns.
func ParseExtensionStatus(name string) (ExtensionStatus, bool) {
	return extensionStatusNames.parse(name)
}

// Extension is a firm's proposal to move a staffed mission's end date later.
type Extension struct {
	ID        string
	MissionID string
	Status    ExtensionStatus
	// ProfileID and ConsultantID are the staffed consultant's: the one who answers.
	ProfileID       string
	ConsultantID    string
	NewEndDate      time.Time
	PreviousEndDate time.Time
	Message         string
	DeclineReason   string
	CreatedAt       time.Time
	AnsweredAt      time.Time
}

func (m *Mission) checkStaffed() error {
	if m.Status != StatusStaffed {
		return fault.FailedPrecondition(ReasonMissionNotStaffed, "mission %s is %s, not staffed", m.ID, m.Status)
	}
	return nil
}

// RequestExtension proposes newEnd as the staffed mission's end date: after the current end,
// the whole mission at most 18 months, one pending extension at a time (pending tells whether
// there is one).
func (m *Mission) RequestExtension(id string, newEnd time.Time, message string, pending bool, by Actor, now time.Time) (Extension, Outcome, error) {
	if err := m.checkStaffed(); err != nil {
		return Extension{}, Outcome{}, err
	}
	if err := missionrules.CheckExtensionDates(m.StartDate, m.EndDate(), newEnd); err != nil {
		return Extension{}, Outcome{}, err
	}
	if pending {
		return Extension{}, Outcome{}, fault.FailedPrecondition(ReasonExtensionAlreadyPending,
			"mission %s already waits for the answer to an extension", m.ID)
	}
	now = now.UTC()
	e := Extension{ID: id, MissionID: m.ID, Status: ExtensionStatusPending, ProfileID: m.StaffedProfileID,
		ConsultantID: m.StaffedConsultantID, NewEndDate: newEnd, PreviousEndDate: m.EndDate(), Message: message, CreatedAt: now}
	return e, Outcome{
		Events: []Event{ExtensionRequested{Extension: e}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionExtensionRequested, Actor: by,
			ProfileID: e.ProfileID, OfferID: m.StaffedOfferID, ExtensionID: e.ID, EndDate: newEnd}},
	}, nil
}

func (e *Extension) checkPending(m *Mission) error {
	if e.Status != ExtensionStatusPending {
		return fault.FailedPrecondition(ReasonExtensionNotPending, "extension %s is %s", e.ID, e.Status)
	}
	return m.checkStaffed()
}

// AcceptExtension is the staffed consultant's yes: the mission's end date and the booking (the
// accepted offer o) move to the new end date. bookings are the consultant's; none but this
// mission's may overlap the new window.
func AcceptExtension(e *Extension, m *Mission, o *Offer, bookings []Offer, by Actor, now time.Time) (Outcome, error) {
	if err := e.checkPending(m); err != nil {
		return Outcome{}, err
	}
	if err := checkBookings(o.ConsultantID, o.ID, m.StartDate, e.NewEndDate, bookings); err != nil {
		return Outcome{}, err
	}
	now = now.UTC()
	e.Status = ExtensionStatusAccepted
	e.AnsweredAt = now
	m.EndOverride = e.NewEndDate
	m.UpdatedAt = now
	o.EndDate = e.NewEndDate
	return Outcome{
		Events: []Event{ExtensionAccepted{Extension: *e},
			StaffingDatesChanged{MissionID: m.ID, ProfileID: m.StaffedProfileID, Start: m.StartDate, End: e.NewEndDate}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionExtensionAccepted, Actor: by,
			ProfileID: e.ProfileID, OfferID: o.ID, ExtensionID: e.ID, EndDate: e.NewEndDate}},
	}, nil
}

// DeclineExtension is the staffed consultant's no, with a reason (already checked) that is not
// published.
func DeclineExtension(e *Extension, m *Mission, reason string, by Actor, now time.Time) (Outcome, error) {
	if err := e.checkPending(m); err != nil {
		return Outcome{}, err
	}
	now = now.UTC()
	published := e.decline(reason, now)
	return Outcome{
		Events: []Event{ExtensionDeclined{Extension: published}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionExtensionDeclined, Actor: by,
			ProfileID: e.ProfileID, ExtensionID: e.ID, EndDate: e.NewEndDate, Reason: reason}},
	}, nil
}

// WithdrawExtension takes back a pending extension when its mission is cancelled.
func WithdrawExtension(e *Extension, now time.Time) { e.withdrawExtension(now.UTC()) }

// decline records the consultant's no at now. It returns the extension as published: without
// the reason, which stays in the mission service.
func (e *Extension) decline(reason string, now time.Time) (published Extension) {
	e.Status, e.AnsweredAt, e.DeclineReason = ExtensionStatusDeclined, now, reason
	published = *e
	published.DeclineReason = ""
	return published
}

// withdrawExtension takes back a pending extension when the mission ends.
func (e *Extension) withdrawExtension(now time.Time) {
	if e != nil && e.Status == ExtensionStatusPending {
		e.Status = ExtensionStatusWithdrawn
		e.AnsweredAt = now
	}
}

// EndEarly ends the staffed mission at end (from the start date to before the current end):
// ENDED_EARLY, the booking (the accepted offer o) cut at that date, a pending extension
// withdrawn.
func EndEarly(m *Mission, o *Offer, pending *Extension, end time.Time, reason string, by Actor, now time.Time) (Outcome, error) {
	if err := m.checkStaffed(); err != nil {
		return Outcome{}, err
	}
	if err := missionrules.CheckEarlyEndDate(m.StartDate, m.EndDate(), end); err != nil {
		return Outcome{}, err
	}
	now = now.UTC()
	m.Status = StatusEndedEarly
	m.EndOverride = end
	m.UpdatedAt = now
	o.EndDate = end
	pending.withdrawExtension(now)
	return Outcome{
		Events: []Event{StaffingDatesChanged{MissionID: m.ID, ProfileID: m.StaffedProfileID, Start: m.StartDate, End: end},
			MissionUpdated{MissionID: m.ID, Status: m.Status}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionMissionEndedEarly, Actor: by,
			ProfileID: m.StaffedProfileID, OfferID: o.ID, EndDate: end, Reason: reason}},
	}, nil
}

// Complete records that a staffed mission ran to its end: from the day after its end date
// (UTC) it is COMPLETED and a pending extension is withdrawn. It reports false, changing
// nothing, before then or when the mission is not staffed.
func Complete(m *Mission, pending *Extension, now time.Time) (Outcome, bool) {
	if m.Status != StatusStaffed || !dates.Today(now).After(m.EndDate()) {
		return Outcome{}, false
	}
	now = now.UTC()
	m.Status = StatusCompleted
	m.UpdatedAt = now
	pending.withdrawExtension(now)
	return Outcome{
		Events: []Event{MissionUpdated{MissionID: m.ID, Status: m.Status}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionMissionCompleted, Actor: SystemActor(),
			ProfileID: m.StaffedProfileID, OfferID: m.StaffedOfferID, EndDate: m.EndDate()}},
	}, true
}

// Feedback is one party's word on how a mission went.
type Feedback struct {
	MissionID       string
	AuthorRole      string // ActorFirm or ActorConsultant
	AuthorAccountID string
	// ProfileID is the staffed consultant's profile, whoever the author.
	ProfileID       string
	Rating          int
	Comment         string
	WouldStaffAgain bool
	CreatedAt       time.Time
}

// GiveFeedback records by's feedback (rating and comment already checked) once the mission
// ended early or completed; given tells whether by's side already gave theirs. Only the firm's
// would-staff-again counts.
func GiveFeedback(m *Mission, by Actor, rating int, comment string, wouldStaffAgain, given bool, now time.Time) (Feedback, Outcome, error) {
	if m.Status != StatusEndedEarly && m.Status != StatusCompleted {
		return Feedback{}, Outcome{}, fault.FailedPrecondition(ReasonFeedbackNotOpen,
			"mission %s is %s: feedback is given once it ended", m.ID, m.Status)
	}
	if given {
		return Feedback{}, Outcome{}, fault.AlreadyExists(ReasonFeedbackAlreadyGiven, "feedback on mission %s was already given", m.ID)
	}
	if by.Role != ActorFirm {
		wouldStaffAgain = false
	}
	now = now.UTC()
	f := Feedback{MissionID: m.ID, AuthorRole: by.Role, AuthorAccountID: by.AccountID, ProfileID: m.StaffedProfileID,
		Rating: rating, Comment: comment, WouldStaffAgain: wouldStaffAgain, CreatedAt: now}
	return f, Outcome{
		Events: []Event{FeedbackGiven{MissionID: m.ID, ProfileID: f.ProfileID, AuthorRole: f.AuthorRole, Rating: rating,
			WouldStaffAgain: wouldStaffAgain}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionFeedbackGiven, Actor: by,
			ProfileID: f.ProfileID, Rating: rating}},
	}, nil
}

// Pseudonymise replaces the extension's profile id; it reports whether it did.
func (e *Extension) Pseudonymise(profileID, pseudonym string) bool {
	if e.ProfileID != profileID {
		return false
	}
	e.ProfileID = pseudonym
	return true
}

// Pseudonymise replaces the feedback's profile id; it reports whether it did.
func (f *Feedback) Pseudonymise(profileID, pseudonym string) bool {
	if f.ProfileID != profileID {
		return false
	}
	f.ProfileID = pseudonym
	return true
}
