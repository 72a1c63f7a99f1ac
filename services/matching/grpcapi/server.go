// Package grpcapi is the matching service's gRPC port: it translates messages to use-case calls
// and nothing more.
package grpcapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/fault"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
)

type Server struct {
	matchingv1.UnimplementedMatchingServiceServer
	app *app.Application
}

func NewServer(a *app.Application) *Server { return &Server{app: a} }

func callerOf(ctx context.Context) (identity.Caller, error) {
	c, ok := identity.FromContext(ctx)
	if !ok {
		return identity.Caller{}, fault.Unauthenticated("UNAUTHENTICATED", "no caller")
	}
	return c, nil
}

func (s *Server) GetShortlist(ctx context.Context, req *matchingv1.GetShortlistRequest) (*matchingv1.GetShortlistResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.app.GetShortlist(ctx, caller, req.GetMissionId())
	if err != nil {
		return nil, err
	}
	resp := &matchingv1.GetShortlistResponse{
		MissionId: v.MissionID, Status: ShortlistStatus(v.Status),
		Candidates: eventapi.Candidates(v.Shortlist.Candidates),
	}
	if v.Shortlist.Revision > 0 {
		resp.ScoringVersion = v.Shortlist.ScoringVersion
		resp.Revision = v.Shortlist.Revision
		resp.ProposedAt = timestamppb.New(v.Shortlist.ProposedAt)
		resp.EligibleCount = int32(v.Shortlist.EligibleCount)
	}
	return resp, nil
}

func (s *Server) CheckProfileVisibility(ctx context.Context, req *matchingv1.CheckProfileVisibilityRequest) (*matchingv1.CheckProfileVisibilityResponse, error) {
	if _, err := callerOf(ctx); err != nil {
		return nil, err
	}
	visible, err := s.app.CheckProfileVisibility(ctx, canonicalID(req.GetProfileId()), req.GetFirmId())
	if err != nil {
		return nil, err
	}
	return &matchingv1.CheckProfileVisibilityResponse{Visible: visible}, nil
}

func (s *Server) ExplainCandidate(ctx context.Context, req *matchingv1.ExplainCandidateRequest) (*matchingv1.ExplainCandidateResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	e, err := s.app.ExplainCandidate(ctx, caller, req.GetMissionId(), canonicalID(req.GetProfileId()))
	if err != nil {
		return nil, err
	}
	ev := e.Evaluation
	resp := &matchingv1.ExplainCandidateResponse{
		MissionId: e.MissionID, ProfileId: e.ProfileID, Eligible: ev.Eligible, Score: ev.Score,
		ScoringVersion: e.ScoringVersion, Components: eventapi.Components(ev.Explanation.Components),
		MatchedSkills: ev.Explanation.MatchedSkills, MissingSkills: ev.Explanation.MissingSkills,
		Shortlisted: e.Shortlisted, Rank: int32(e.Rank), EligibleCount: int32(e.EligibleCount),
		ExposureCapped: e.ExposureCapped, ShortlistRevision: e.ShortlistRevision, Excluded: e.Excluded,
		FailedRules: []*matchingv1.FailedRule{},
	}
	for _, f := range ev.FailedRules {
		resp.FailedRules = append(resp.FailedRules, &matchingv1.FailedRule{Rule: string(f.Rule), Detail: f.Detail})
	}
	return resp, nil
}

// canonicalID is a profile id in the one spelling matching stores; anything that is not a
// UUID is left as is and matches nothing.
func canonicalID(raw string) string {
	if id, err := eventapi.ProfileID(raw); err == nil {
		return id
	}
	return raw
}

func (s *Server) CreateStaffingPlan(ctx context.Context, req *matchingv1.CreateStaffingPlanRequest) (*matchingv1.CreateStaffingPlanResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.CreateStaffingPlan(ctx, caller, req.GetMissionIds())
	if err != nil {
		return nil, err
	}
	return &matchingv1.CreateStaffingPlanResponse{Plan: StaffingPlan(p)}, nil
}

func (s *Server) GetStaffingPlan(ctx context.Context, req *matchingv1.GetStaffingPlanRequest) (*matchingv1.GetStaffingPlanResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.GetStaffingPlan(ctx, caller, req.GetId())
	if err != nil {
		return nil, err
	}
	return &matchingv1.GetStaffingPlanResponse{Plan: StaffingPlan(p)}, nil
}
