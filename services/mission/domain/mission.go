// Package domain holds the mission rules. It knows nothing of gRPC, SQL, NATS or protobuf.
package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// MissionType is what the firm needs the transition CAIO for. Values match the public enum.
type MissionType int

const (
	MissionTypeUnspecified MissionType = iota
	MissionTypeAIStrategy
	MissionTypeTransformationLaunch
	MissionTypeChangeManagement
	MissionTypeRiskAndCompliance
)

// WorkMode is where the work happens. Values match the public enum.
type WorkMode int

const (
	WorkModeUnspecified WorkMode = iota
	WorkModeOnSite
	WorkModeHybrid
	WorkModeRemote
)

type Location struct {
	Country string
	City    string
}

// SkillRequirement is a minimum level for one of the mission's required skills.
type SkillRequirement struct {
	ID       string
	MinLevel int
}

// Request is everything a firm states about the mission it needs staffed.
type Request struct {
	Title              string
	Sector             string
	MissionType        MissionType
	RequiredSkills     []string
	NiceToHaveSkills   []string
	StartDate          time.Time
	DurationMonths     int
	MaxDailyRateEUR    int
	Languages          []string
	Location           Location
	WorkMode           WorkMode
	MinYearsExperience int
	// RequiredSkillLevels gives a minimum level to some of RequiredSkills, in the client's
	// order; a required skill without one may be at any level.
	RequiredSkillLevels []SkillRequirement
}

// EndDate is the last day of the mission window.
func (r Request) EndDate() time.Time { return dates.MissionEnd(r.StartDate, r.DurationMonths) }

// RequestInput is a Request as a client sends it, before any check.
type RequestInput struct {
	Request
	StartDate string
}

// Limits that keep a mission sane; they are documented in docs/API.md.
const (
	MaxTitleRunes      = 200
	MaxRequiredSkills  = 20
	MaxNiceToHave      = 20
	MinDurationMonths  = 6
	MaxDurationMonths  = 18
	MaxDailyRateEUR    = 20000
	MaxYearsExperience = 60
	MinSkillLevel      = 1
	MaxSkillLevel      = 5
)

// NewRequest checks every field and reports all violations at once. now is the caller's clock:
// the start date may not be before today (UTC).
func NewRequest(in RequestInput, now time.Time) (Request, error) {
	var v fault.Violations
	r := in.Request
	r.Title = strings.TrimSpace(r.Title)
	r.Location.City = strings.TrimSpace(r.Location.City)

	switch {
	case r.Title == "":
		v.Add("title", "is required")
	case utf8.RuneCountInString(r.Title) > MaxTitleRunes:
		v.Add("title", "must be at most %d characters", MaxTitleRunes)
	}
	if r.Sector == "" {
		v.Add("sector", "is required: a NACE Rev. 2.1 section or division id")
	} else if _, ok := taxonomy.SectorByID(r.Sector); !ok {
		v.Add("sector", "unknown sector %q (see GET /v1/taxonomy/sectors)", r.Sector)
	}
	if r.MissionType < MissionTypeAIStrategy || r.MissionType > MissionTypeRiskAndCompliance {
		v.Add("missionType", "is required: MISSION_TYPE_AI_STRATEGY, MISSION_TYPE_TRANSFORMATION_LAUNCH, "+
			"MISSION_TYPE_CHANGE_MANAGEMENT or MISSION_TYPE_RISK_AND_COMPLIANCE")
	}
	required := checkSkills(&v, "requiredSkills", r.RequiredSkills, 1, MaxRequiredSkills, nil)
	checkSkills(&v, "niceToHaveSkills", r.NiceToHaveSkills, 0, MaxNiceToHave, required)
	checkSkillLevels(&v, "requiredSkillLevels", r.RequiredSkillLevels, r.RequiredSkills)
	if in.StartDate == "" {
		v.Add("startDate", "is required")
	} else if t, err := dates.Parse(in.StartDate); err != nil {
		v.Add("startDate", "%s", err.Error())
	} else if today := dates.Today(now); t.Before(today) {
		v.Add("startDate", "must not be before today (%s)", dates.Format(today))
	} else {
		r.StartDate = t
	}
	if r.DurationMonths < MinDurationMonths || r.DurationMonths > MaxDurationMonths {
		v.Add("durationMonths", "must be between %d and %d", MinDurationMonths, MaxDurationMonths)
	}
	if r.MaxDailyRateEUR <= 0 || r.MaxDailyRateEUR > MaxDailyRateEUR {
		v.Add("maxDailyRateEur", "must be a whole number of euros between 1 and %d", MaxDailyRateEUR)
	}
	taxonomy.CheckLanguages(&v, "languages", r.Languages)
	taxonomy.CheckLocation(&v, "location", r.Location.Country, r.Location.City)
	if r.WorkMode < WorkModeOnSite || r.WorkMode > WorkModeRemote {
		v.Add("workMode", "is required: WORK_MODE_ON_SITE, WORK_MODE_HYBRID or WORK_MODE_REMOTE")
	}
	if r.MinYearsExperience < 0 || r.MinYearsExperience > MaxYearsExperience {
		v.Add("minYearsExperience", "must be between 0 and %d", MaxYearsExperience)
	}
	if err := v.Err(); err != nil {
		return Request{}, err
	}
	return r, nil
}

// checkSkills checks a list of skill ids and returns the set of those it holds. A skill that is
// also in exclude is a violation.
func checkSkills(v *fault.Violations, field string, ids []string, minCount, maxCount int, exclude map[string]bool) map[string]bool {
	seen := map[string]bool{}
	if len(ids) < minCount {
		v.Add(field, "needs at least %d skill", minCount)
		return seen
	}
	if len(ids) > maxCount {
		v.Add(field, "must hold at most %d skills", maxCount)
		return seen
	}
	for i, id := range ids {
		f := taxonomy.Indexed(field, i)
		switch _, known := taxonomy.SkillByID(id); {
		case !known:
			v.Add(f, "unknown skill %q (see GET /v1/taxonomy/skills)", id)
		case seen[id]:
			v.Add(f, "skill %q is repeated", id)
		case exclude[id]:
			v.Add(f, "skill %q is already required", id)
		}
		seen[id] = true
	}
	return seen
}

// checkSkillLevels checks the minimum levels given to required skills: each names a skill of
// required (as the client sent it, so that an unknown or repeated required skill is reported
// once, on requiredSkills), at most once, with a level between MinSkillLevel and MaxSkillLevel.
// There are at most as many entries as required skills, and never more than MaxRequiredSkills.
func checkSkillLevels(v *fault.Violations, field string, levels []SkillRequirement, required []string) {
	if maxCount := min(len(required), MaxRequiredSkills); len(levels) > maxCount {
		v.Add(field, "must hold at most %d entries, one per required skill", maxCount)
		return
	}
	isRequired := map[string]bool{}
	for _, id := range required {
		isRequired[id] = true
	}
	seen := map[string]bool{}
	for i, l := range levels {
		f := taxonomy.Indexed(field, i)
		switch {
		case l.ID == "":
			v.Add(f+".id", "is required and must be one of requiredSkills")
		case !isRequired[l.ID]:
			v.Add(f+".id", "skill %q must be one of requiredSkills", l.ID)
		case seen[l.ID]:
			v.Add(f+".id", "skill %q already has a minimum level", l.ID)
		}
		seen[l.ID] = true
		if l.MinLevel < MinSkillLevel || l.MinLevel > MaxSkillLevel {
			v.Add(f+".minLevel", "must be between %d and %d", MinSkillLevel, MaxSkillLevel)
		}
	}
}

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
)

var statusNames = map[Status]string{
	StatusSubmitted:   "SUBMITTED",
	StatusShortlisted: "SHORTLISTED",
	StatusOffered:     "OFFERED",
	StatusStaffed:     "STAFFED",
	StatusCancelled:   "CANCELLED",
	StatusNoMatch:     "NO_MATCH",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "UNSPECIFIED"
}

// ParseStatus reads a name String returns.
func ParseStatus(name string) (Status, bool) {
	for s, n := range statusNames {
		if n == name {
			return s, true
		}
	}
	return StatusUnspecified, false
}

// Reasons of the mission lifecycle's refusals, stable for clients.
const (
	// ReasonMissionNotCancellable: the mission is already cancelled.
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
	Request
	Status Status
	// ShortlistRevision is the revision of the newest shortlist applied to the mission; older or
	// repeated shortlists are ignored.
	ShortlistRevision int64
	// Candidates are the profile ids of the current shortlist, best first, less those who
	// declined or let an offer expire since.
	Candidates []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// NewMission checks a firm's request and opens a submitted mission. It returns what the
// submission causes: MissionSubmitted and the first entry of the decisions trail.
func NewMission(id, firmID string, in RequestInput, now time.Time) (Mission, Outcome, error) {
	r, err := NewRequest(in, now)
	if err != nil {
		return Mission{}, Outcome{}, err
	}
	now = now.UTC()
	m := Mission{ID: id, FirmID: firmID, Request: r, Status: StatusSubmitted, CreatedAt: now, UpdatedAt: now}
	return m, Outcome{
		Events:    []Event{MissionSubmitted{Mission: m}},
		Decisions: []Decision{{MissionID: id, At: now, Kind: DecisionMissionSubmitted, Actor: Actor{Role: ActorFirm, AccountID: firmID}}},
	}, nil
}

// Cancellable reports whether the mission may still be cancelled: always, until it is.
func (m *Mission) Cancellable() bool {
	return m.Status != StatusCancelled && m.Status != StatusUnspecified
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
	if pending != nil && pending.Status == OfferStatusPending {
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
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	m.Status = StatusOffered
	m.UpdatedAt = now
	return o, Outcome{
		Events: []Event{OfferMade{Offer: o}, MissionUpdated{MissionID: m.ID, Status: m.Status}},
		Decisions: []Decision{{MissionID: m.ID, At: now, Kind: DecisionOfferMade, Actor: by,
			OfferID: o.ID, ProfileID: profileID}},
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
