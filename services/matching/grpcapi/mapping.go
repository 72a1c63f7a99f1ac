package grpcapi

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// ShortlistStatus writes a shortlist status.
func ShortlistStatus(s domain.ShortlistStatus) matchingv1.ShortlistStatus {
	switch s {
	case domain.ShortlistPending:
		return matchingv1.ShortlistStatus_SHORTLIST_STATUS_PENDING
	case domain.ShortlistReady:
		return matchingv1.ShortlistStatus_SHORTLIST_STATUS_READY
	case domain.ShortlistNoMatch:
		return matchingv1.ShortlistStatus_SHORTLIST_STATUS_NO_MATCH
	case domain.ShortlistPaused:
		return matchingv1.ShortlistStatus_SHORTLIST_STATUS_PAUSED
	}
	return matchingv1.ShortlistStatus_SHORTLIST_STATUS_UNSPECIFIED
}

// StaffingPlan writes a staffing plan.
func StaffingPlan(p domain.StaffingPlan) *matchingv1.StaffingPlan {
	out := &matchingv1.StaffingPlan{
		Id: p.ID, CreatedAt: timestamppb.New(p.CreatedAt), ScoringVersion: p.ScoringVersion,
		StaffedCount: int32(p.StaffedCount()), TotalScore: p.TotalScore(), UnstaffedMissionIds: p.Unstaffed,
		CandidateEdges: p.CandidateEdges, SolveMs: p.SolveMillis,
		Assignments: make([]*matchingv1.StaffingAssignment, 0, len(p.Assignments)),
	}
	if out.UnstaffedMissionIds == nil {
		out.UnstaffedMissionIds = []string{}
	}
	for _, a := range p.Assignments {
		as := &matchingv1.StaffingAssignment{MissionId: a.MissionID, ProfileId: a.ProfileID, Score: a.Score,
			Alternates: []*matchingv1.StaffingAlternate{}}
		for _, alt := range a.Alternates {
			as.Alternates = append(as.Alternates, &matchingv1.StaffingAlternate{ProfileId: alt.ProfileID, Score: alt.Score})
		}
		out.Assignments = append(out.Assignments, as)
	}
	return out
}

// Diagnostics writes a shortlist's diagnostics; nil stays nil.
func Diagnostics(d *domain.Diagnostics) *matchingv1.Diagnostics {
	if d == nil {
		return nil
	}
	out := &matchingv1.Diagnostics{EligibleCount: int32(d.EligibleCount), HeldByExposureCap: int32(d.HeldByExposureCap),
		ExcludedByRule: make([]*matchingv1.RuleCount, 0, len(d.ExcludedByRule)),
		Widen:          make([]*matchingv1.Widening, 0, len(d.Widen))}
	for _, r := range d.ExcludedByRule {
		out.ExcludedByRule = append(out.ExcludedByRule, &matchingv1.RuleCount{Rule: string(r.Rule), Count: int32(r.Count)})
	}
	for _, w := range d.Widen {
		out.Widen = append(out.Widen, &matchingv1.Widening{Field: w.Field, Value: w.Value,
			AdditionalEligible: int32(w.AdditionalEligible)})
	}
	return out
}
