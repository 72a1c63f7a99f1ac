package domain

import (
	"slices"
	"time"

	"github.com/caiomatch/caiomatch/pkg/scoring"
)

// DecisionKind is what an entry of the decisions trail records. Values match the public enum.
type DecisionKind int

const (
	DecisionKindUnspecified DecisionKind = iota
	DecisionMissionSubmitted
	DecisionShortlistProposed
	DecisionOfferMade
	DecisionOfferAccepted
	DecisionOfferDeclined
	DecisionOfferExpired
	DecisionOfferWithdrawn
	DecisionMissionCancelled
	DecisionMissionStaffed
	DecisionMissionEdited
	DecisionOfferCountered
	DecisionCounterAccepted
	DecisionExtensionRequested
	DecisionExtensionAccepted
	DecisionExtensionDeclined
	DecisionMissionEndedEarly
	DecisionMissionCompleted
	DecisionFeedbackGiven
	// DecisionMatchingPaused: an operator's pause of automated matching held the mission's
	// proposal; DecisionMatchingResumed: the resume released it.
	DecisionMatchingPaused
	DecisionMatchingResumed
)

var decisionKindNames = names[DecisionKind]{
	DecisionMissionSubmitted:   "MISSION_SUBMITTED",
	DecisionShortlistProposed:  "SHORTLIST_PROPOSED",
	DecisionOfferMade:          "OFFER_MADE",
	DecisionOfferAccepted:      "OFFER_ACCEPTED",
	DecisionOfferDeclined:      "OFFER_DECLINED",
	DecisionOfferExpired:       "OFFER_EXPIRED",
	DecisionOfferWithdrawn:     "OFFER_WITHDRAWN",
	DecisionMissionCancelled:   "MISSION_CANCELLED",
	DecisionMissionStaffed:     "MISSION_STAFFED",
	DecisionMissionEdited:      "MISSION_EDITED",
	DecisionOfferCountered:     "OFFER_COUNTERED",
	DecisionCounterAccepted:    "COUNTER_ACCEPTED",
	DecisionExtensionRequested: "EXTENSION_REQUESTED",
	DecisionExtensionAccepted:  "EXTENSION_ACCEPTED",
	DecisionExtensionDeclined:  "EXTENSION_DECLINED",
	DecisionMissionEndedEarly:  "MISSION_ENDED_EARLY",
	DecisionMissionCompleted:   "MISSION_COMPLETED",
	DecisionFeedbackGiven:      "FEEDBACK_GIVEN",
	DecisionMatchingPaused:     "MATCHING_PAUSED",
	DecisionMatchingResumed:    "MATCHING_RESUMED",
}

func (k DecisionKind) String() string { return decisionKindNames.of(k) }

// ParseDecisionKind reads a name String returns.
func ParseDecisionKind(name string) (DecisionKind, bool) { return decisionKindNames.parse(name) }

// Actor roles of the decisions trail: the account roles, and SYSTEM for what the platform did
// by itself.
const (
	ActorFirm       = "FIRM"
	ActorConsultant = "CONSULTANT"
	ActorOperator   = "OPERATOR"
	ActorSystem     = "SYSTEM"
)

// Actor is who made a decision.
type Actor struct {
	Role string
	// AccountID is the acting account; empty for SYSTEM.
	AccountID string
}

// SystemActor is the platform itself: matching's proposals, expiries, withdrawals.
func SystemActor() Actor { return Actor{Role: ActorSystem} }

// Decision is one entry of a mission's decisions trail: an automated proposal or a human
// decision. The trail only grows; the one rewrite is the pseudonymisation of an erased profile.
type Decision struct {
	MissionID string
	// Sequence orders the mission's trail from 1; the store assigns it.
	Sequence  int64
	At        time.Time
	Kind      DecisionKind
	Actor     Actor
	OfferID   string
	ProfileID string
	// Reason is the consultant's decline reason, or the operator's reason for a MATCHING_PAUSED.
	Reason string
	// Proposal is matching's shortlist, for SHORTLIST_PROPOSED.
	Proposal Proposal
	// ChangedFields are the JSON names of the fields a MISSION_EDITED changed.
	ChangedFields []string
	// DailyRateEUR is the rate of an offer, a counter or a staffing.
	DailyRateEUR int
	// EndDate is the (new) end date of an extension, an early end or a completion.
	EndDate     time.Time
	ExtensionID string
	// Rating is a FEEDBACK_GIVEN's (the comment stays in the feedback).
	Rating int
}

// Proposal is a shortlist as matching proposed it, with every candidate's score breakdown.
type Proposal struct {
	Revision       int64
	ScoringVersion string
	EligibleCount  int
	Candidates     []Candidate
}

// Candidate is one consultant of a proposal.
type Candidate struct {
	ProfileID string
	Rank      int
	Score     float64
	// Explanation is nil when there is none, or once the consultant erased their profile.
	Explanation *Explanation
}

// Explanation is why matching ranked a candidate where it did, and ScoreComponent one weighted
// part of a score: the platform's (pkg/scoring).
type (
	Explanation    = scoring.Explanation
	ScoreComponent = scoring.Component
)

func (p Proposal) clone() Proposal {
	p.Candidates = slices.Clone(p.Candidates)
	for i, c := range p.Candidates {
		if c.Explanation != nil {
			e := *c.Explanation
			e.Components = slices.Clone(e.Components)
			e.MatchedSkills = slices.Clone(e.MatchedSkills)
			e.MissingSkills = slices.Clone(e.MissingSkills)
			p.Candidates[i].Explanation = &e
		}
	}
	return p
}

// Oversight is an operator's pause or resume of automated matching, as it touched one mission:
// matching held the mission's proposal, or released it.
type Oversight struct {
	// Resumed is false for the pause, true for the resume.
	Resumed    bool
	OperatorID string
	// Reason is the operator's reason for pausing; empty for the resume.
	Reason string
}

// OversightDecision is the trail entry of an operator's pause or resume for mission missionID.
// It changes nothing else: the mission waits for matching as it did.
func OversightDecision(missionID string, o Oversight, now time.Time) Decision {
	d := Decision{MissionID: missionID, At: now.UTC(), Kind: DecisionMatchingPaused,
		Actor: Actor{Role: ActorOperator, AccountID: o.OperatorID}, Reason: o.Reason}
	if o.Resumed {
		d.Kind, d.Reason = DecisionMatchingResumed, ""
	}
	return d
}
