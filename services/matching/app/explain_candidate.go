package app

import (
	"context"
	"slices"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/visibility"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// Reasons of ExplainCandidate.
const (
	ReasonProfileNotFound  = "PROFILE_NOT_FOUND"
	ReasonMissionNotRanked = "MISSION_NOT_RANKED_YET"
)

// CandidateExplanation is where one consultant stands for a mission, judged now.
type CandidateExplanation struct {
	MissionID, ProfileID string
	Evaluation           domain.Evaluation
	ScoringVersion       string
	Shortlisted          bool
	Rank, EligibleCount  int
	ExposureCapped       bool
	// Excluded: the consultant declined the mission or let its offer expire.
	Excluded          bool
	ShortlistRevision int64
}

// ExplainCandidate answers "why" and "why not" for one consultant and one mission: the score
// breakdown of an eligible consultant with their place among the eligible, or every hard rule
// that excludes them. Operators may ask about anyone; the owning firm only about whom
// pkg/visibility's rule lets it see through the mission: the candidates of the current shortlist
// while the mission is being staffed, nobody once it is closed (cancelled or staffed), so a
// firm learns nothing about other consultants and nothing live after the fact.
func (a *Application) ExplainCandidate(ctx context.Context, caller identity.Caller, missionID, profileID string) (CandidateExplanation, error) {
	if caller.Role != identity.RoleFirm && !caller.IsOperator() {
		return CandidateExplanation{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm and operators see explanations")
	}
	var v fault.Violations
	if missionID == "" {
		v.Add("missionId", "is required")
	}
	if profileID == "" {
		v.Add("profileId", "is required")
	}
	if err := v.Err(); err != nil {
		return CandidateExplanation{}, err
	}
	if id, err := index.CanonicalID(profileID); err == nil {
		profileID = id
	}
	// The exposure counts and the index must be in step with other replicas' work.
	a.mu.Lock()
	err := a.refresh(ctx)
	a.mu.Unlock()
	if err != nil {
		return CandidateExplanation{}, err
	}
	m, found, err := a.ownedMission(ctx, caller, missionID)
	if err != nil {
		return CandidateExplanation{}, err
	}
	if !found {
		return CandidateExplanation{}, fault.FailedPrecondition(ReasonMissionNotRanked,
			"mission %s has not been ranked yet; try again in a moment", missionID)
	}
	s, ranked, err := a.store.CurrentShortlist(ctx, missionID)
	if err != nil {
		return CandidateExplanation{}, err
	}
	var current *domain.Shortlist
	if ranked {
		current = &s
	}
	shortlisted := current != nil && current.Holds(profileID)
	if !caller.IsOperator() && visibility.FirmAccess(shortlistLink(m.Status, shortlisted), a.now()) == visibility.None {
		return CandidateExplanation{}, errProfileNotFound(profileID)
	}
	settings := a.settings()
	excluded, err := a.store.Exclusions(ctx, missionID)
	if err != nil {
		return CandidateExplanation{}, err
	}
	st := a.index.Standing(a.query(settings, m, current, excluded), profileID)
	if !st.Known {
		return CandidateExplanation{}, errProfileNotFound(profileID)
	}
	out := CandidateExplanation{MissionID: missionID, ProfileID: profileID, Evaluation: st.Evaluation,
		ScoringVersion: settings.Scoring.Version, Shortlisted: shortlisted, Rank: st.Rank,
		EligibleCount: st.EligibleCount, ExposureCapped: st.ExposureCapped && !shortlisted,
		Excluded: slices.Contains(excluded, profileID)}
	if current != nil {
		out.ShortlistRevision = current.Revision
	}
	return out, nil
}

func errProfileNotFound(id string) error {
	return fault.NotFound(ReasonProfileNotFound, "profile %s not found", id)
}
