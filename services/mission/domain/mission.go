// Package domain holds the mission rules. It knows nothing of gRPC, SQL, NATS or protobuf.
package domain

import (
	"fmt"
	"slices"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// Status is where a mission is in its lifecycle. Values match the public enum.
type Status int

const (
	StatusUnspecified Status = iota
	StatusSubmitted
	StatusShortlisted
	StatusOffered
	StatusStaffed
	StatusCancelled
	StatusNoMatch
	// StatusEndedEarly: the staffed mission was ended before its end date.
	StatusEndedEarly
	// StatusCompleted: the staffed mission ran to its end date.
	StatusCompleted
)

var statusNames = names[Status]{
	StatusSubmitted:   "SUBMITTED",
	StatusShortlisted: "SHORTLISTED",
	StatusOffered:     "OFFERED",
	StatusStaffed:     "STAFFED",
	StatusCancelled:   "CANCELLED",
	StatusNoMatch:     "NO_MATCH",
	StatusEndedEarly:  "ENDED_EARLY",
	StatusCompleted:   "COMPLETED",
}

func (s Status) String() string { return statusNames.of(s) }

// ParseStatus reads a name String returns.
func ParseStatus(name string) (Status, bool) { return statusNames.parse(name) }

// Reasons of the mission lifecycle's refusals, stable for clients.
const (
	// ReasonMissionNotCancellable: the mission is already cancelled, or has ended.
	ReasonMissionNotCancellable = "MISSION_NOT_CANCELLABLE"
	// ReasonMissionNotOfferable: the mission holds no shortlist to offer from (submitted, no
	// match, staffed or cancelled).
	ReasonMissionNotOfferable = "MISSION_NOT_OFFERABLE"
	// ReasonOfferAlreadyPending: the mission already waits for a consultant's answer.
	ReasonOfferAlreadyPending = "OFFER_ALREADY_PENDING"
	// ReasonNotOnShortlist: the profile is not a candidate of the mission's current shortlist.
	ReasonNotOnShortlist = "NOT_ON_SHORTLIST"
)

// Mission is a firm's request for a transition CAIO, and where it stands.
type Mission struct {
	ID     string
	FirmID string
	missionrules.Request
	Status Status
	// ShortlistRevision is the revision of the newest shortlist applied to the mission; older or
	// repeated shortlists are ignored.
	ShortlistRevision int64
	// Candidates are the profile ids of the current shortlist, best first, less those who
	// declined or let an offer expire since.
	Candidates []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// FirmName and FirmEmail are the owning firm's account name and contact email as they were
	// when it submitted the mission; either may be empty. The email is shown only to the
	// consultant who accepted (Offer.ContactEmail).
	FirmName  string
	FirmEmail string
	// Once staffed: the accepted offer, its consultant (profile and account) and the agreed rate.
	StaffedOfferID      string
	StaffedProfileID    string
	StaffedConsultantID string
	AgreedDailyRateEUR  int
	// EndOverride is the end date once an extension or an early end moved it; zero while the
	// end date is derived from the start date and the duration.
	EndOverride time.Time
}

// EndDate is the last day of the mission: moved by an extension or an early end, else derived
// from the start date and the duration.
func (m Mission) EndDate() time.Time {
	if !m.EndOverride.IsZero() {
		return m.EndOverride
	}
	return m.Request.EndDate()
}

// NewMission checks a firm's request and opens a submitted mission. It returns what the
// submission causes: MissionSubmitted and the first entry of the decisions trail.
func NewMission(id, firmID string, in missionrules.RequestInput, now time.Time) (Mission, Outcome, error) {
	return NewMissionOf(id, Firm{ID: firmID}, in, now)
}

// Firm is the account that submits a mission, as the mission keeps it.
type Firm struct{ ID, Name, Email string }

// NewMissionOf is NewMission with the firm's name and contact email.
func NewMissionOf(id string, firm Firm, in missionrules.RequestInput, now time.Time) (Mission, Outcome, error) {
	firmID := firm.ID
	r, err := missionrules.NewRequest(in, now)
	if err != nil {
		return Mission{}, Outcome{}, err
	}
	now = now.UTC()
	m := Mission{ID: id, FirmID: firmID, Request: r, Status: StatusSubmitted, CreatedAt: now, UpdatedAt: now,
		FirmName: firm.Name, FirmEmail: firm.Email}
	return m, Outcome{
		Events:    []Event{MissionSubmitted{Mission: m}},
		Decisions: []Decision{{MissionID: id, At: now, Kind: DecisionMissionSubmitted, Actor: Actor{Role: ActorFirm, AccountID: firmID}}},
	}, nil
}

// Cancellable reports whether the mission may still be cancelled: until it is cancelled, or
// has ended (early or completed): its booking then stands as it ran.
func (m *Mission) Cancellable() bool {
	switch m.Status {
	case StatusCancelled, StatusUnspecified, StatusEndedEarly, StatusCompleted:
		return false
	}
	return true
}

// Cancel closes the mission at the request of by (the owning firm or an operator). pending is
// the mission's pending offer, nil when there is none: it is withdrawn. A staffed mission may be
// cancelled too; MissionCancelled then frees its consultant.
func (m *Mission) Cancel(by Actor, pending *Offer, now time.Time) (Outcome, error) {
	if !m.Cancellable() {
		return Outcome{}, fault.FailedPrecondition(ReasonMissionNotCancellable, "mission %s is %s and cannot be cancelled", m.ID, m.Status)
	}
	now = now.UTC()
	m.Status = StatusCancelled
	m.UpdatedAt = now
	out := Outcome{
		Events: []Event{
			MissionCancelled{MissionID: m.ID, FirmID: m.FirmID},
			MissionUpdated{MissionID: m.ID, Status: m.Status},
		},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionMissionCancelled, Actor: by}},
	}
	if pending != nil && pending.Open() {
		pending.withdraw()
		out.Decisions = append(out.Decisions, Decision{MissionID: m.ID, At: now, Kind: DecisionOfferWithdrawn,
			Actor: SystemActor(), OfferID: pending.ID, ProfileID: pending.ProfileID})
	}
	return out, nil
}

// ApplyShortlist takes in a shortlist matching proposed. Only a revision newer than the last
// one applied counts, and only while the mission is neither cancelled nor staffed. The
// shortlist's candidates become the mission's; its status changes only while the mission waits
// for or holds a shortlist: SHORTLISTED when there is at least one candidate, NO_MATCH
// otherwise (an OFFERED mission stays OFFERED). An applied shortlist is recorded in the
// decisions trail, with MissionUpdated when the status changed. It reports whether the
// shortlist was applied.
func (m *Mission) ApplyShortlist(p Proposal, now time.Time) (Outcome, bool) {
	if p.Revision <= m.ShortlistRevision {
		return Outcome{}, false
	}
	switch m.Status {
	case StatusSubmitted, StatusShortlisted, StatusNoMatch, StatusOffered:
	default:
		return Outcome{}, false
	}
	now = now.UTC()
	m.ShortlistRevision = p.Revision
	m.Candidates = make([]string, len(p.Candidates))
	for i, c := range p.Candidates {
		m.Candidates[i] = c.ProfileID
	}
	out := Outcome{Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionShortlistProposed,
		Actor: SystemActor(), Proposal: p.clone()}}}
	if m.Status == StatusOffered {
		return out, true
	}
	next := StatusNoMatch
	if len(p.Candidates) > 0 {
		next = StatusShortlisted
	}
	if next == m.Status {
		return out, true
	}
	m.Status = next
	m.UpdatedAt = now
	out.Events = []Event{MissionUpdated{MissionID: m.ID, Status: next}}
	return out, true
}

// CheckOfferable tells whether the firm may now offer the mission to profileID: the mission
// holds a shortlist, no offer is pending, and the profile is one of the current candidates.
func (m *Mission) CheckOfferable(profileID string) error {
	switch m.Status {
	case StatusShortlisted:
	case StatusOffered:
		return fault.FailedPrecondition(ReasonOfferAlreadyPending,
			"mission %s already waits for the answer to an offer", m.ID)
	default:
		return fault.FailedPrecondition(ReasonMissionNotOfferable, "mission %s is %s: there is no shortlist to offer from", m.ID, m.Status)
	}
	if !slices.Contains(m.Candidates, profileID) {
		return fault.FailedPrecondition(ReasonNotOnShortlist, "profile %s is not on the current shortlist of mission %s", profileID, m.ID)
	}
	return nil
}

// MakeOffer offers the mission to a candidate of its current shortlist, for ttl: consultantID
// is the account that owns the profile, the only one who may answer. The mission becomes
// OFFERED.
func (m *Mission) MakeOffer(offerID, profileID, consultantID string, by Actor, now time.Time, ttl time.Duration) (Offer, Outcome, error) {
	return m.MakeOfferWithTerms(offerID, profileID, consultantID, Terms{}, by, now, ttl)
}

// Terms are what a firm offers: a rate (already checked against the budget) and a message.
type Terms struct {
	DailyRateEUR int
	Message      string
}

// MakeOfferWithTerms is MakeOffer at the given terms.
func (m *Mission) MakeOfferWithTerms(offerID, profileID, consultantID string, terms Terms, by Actor, now time.Time, ttl time.Duration) (Offer, Outcome, error) {
	if err := m.CheckOfferable(profileID); err != nil {
		return Offer{}, Outcome{}, err
	}
	if ttl <= 0 {
		return Offer{}, Outcome{}, fmt.Errorf("offer time to live must be positive, got %s", ttl)
	}
	now = now.UTC()
	o := Offer{
		ID: offerID, MissionID: m.ID, FirmID: m.FirmID, ProfileID: profileID, ConsultantID: consultantID,
		Status: OfferStatusPending, StartDate: m.StartDate, EndDate: m.EndDate(),
		CreatedAt: now, ExpiresAt: now.Add(ttl), DailyRateEUR: terms.DailyRateEUR, Message: terms.Message,
		Mission: m.Summary(), ContactEmail: m.FirmEmail,
	}
	m.Status = StatusOffered
	m.UpdatedAt = now
	return o, Outcome{
		Events: []Event{OfferMade{Offer: o}, MissionUpdated{MissionID: m.ID, Status: m.Status}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionOfferMade, Actor: by,
			OfferID: o.ID, ProfileID: profileID, DailyRateEUR: terms.DailyRateEUR}},
	}, nil
}

// releaseOffer takes the mission back from an offer that ended unanswered or declined: the
// consultant leaves the candidates and an OFFERED mission is SHORTLISTED again, so that the firm
// may offer it to another candidate.
func (m *Mission) releaseOffer(profileID string, now time.Time) []Event {
	m.removeCandidate(profileID)
	if m.Status != StatusOffered {
		return nil
	}
	m.Status = StatusShortlisted
	m.UpdatedAt = now
	return []Event{MissionUpdated{MissionID: m.ID, Status: m.Status}}
}

func (m *Mission) removeCandidate(profileID string) {
	m.Candidates = slices.DeleteFunc(slices.Clone(m.Candidates), func(id string) bool { return id == profileID })
}
