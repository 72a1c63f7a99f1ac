// Package grpcapi is the matching service's gRPC port: it translates messages to use-case calls
// and nothing more.
package grpcapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/explain"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/pkg/scoring/scoringpb"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
)

type Server struct {
	matchingv1.UnimplementedMatchingServiceServer
	app *app.Application
}

func NewServer(a *app.Application) *Server { return &Server{app: a} }

func (s *Server) GetShortlist(ctx context.Context, req *matchingv1.GetShortlistRequest) (*matchingv1.GetShortlistResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (app.ShortlistView, error) {
		return s.app.GetShortlist(ctx, c, req.GetMissionId())
	}, func(v app.ShortlistView) *matchingv1.GetShortlistResponse {
		return shortlistResponse(v, explain.In(locale.FromContext(ctx)))
	})
}

func shortlistResponse(v app.ShortlistView, w *explain.Writer) *matchingv1.GetShortlistResponse {
	resp := &matchingv1.GetShortlistResponse{
		MissionId: v.MissionID, Status: ShortlistStatus(v.Status),
		Candidates: eventapi.Candidates(v.Shortlist.Candidates, w), Diagnostics: Diagnostics(v.Diagnostics),
	}
	if v.Shortlist.Revision > 0 {
		resp.ScoringVersion = v.Shortlist.ScoringVersion
		resp.Revision = v.Shortlist.Revision
		resp.ProposedAt = timestamppb.New(v.Shortlist.ProposedAt)
		resp.EligibleCount = int32(v.Shortlist.EligibleCount)
	}
	return resp
}

func (s *Server) CheckProfileVisibility(ctx context.Context, req *matchingv1.CheckProfileVisibilityRequest) (*matchingv1.CheckProfileVisibilityResponse, error) {
	return rpc.ForCaller(ctx, func(identity.Caller) (bool, error) {
		return s.app.CheckProfileVisibility(ctx, canonicalID(req.GetProfileId()), req.GetFirmId())
	}, func(visible bool) *matchingv1.CheckProfileVisibilityResponse {
		return &matchingv1.CheckProfileVisibilityResponse{Visible: visible}
	})
}

func (s *Server) ListProposalsForProfile(ctx context.Context, req *matchingv1.ListProposalsForProfileRequest) (*matchingv1.ListProposalsForProfileResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (app.ProfileProposals, error) {
		return s.app.ListProposalsForProfile(ctx, c, canonicalID(req.GetProfileId()), int(req.GetLimit()))
	}, func(p app.ProfileProposals) *matchingv1.ListProposalsForProfileResponse {
		w := explain.In(locale.FromContext(ctx))
		resp := &matchingv1.ListProposalsForProfileResponse{Proposals: []*matchingv1.Proposal{}, Truncated: p.Truncated}
		for _, s := range p.Proposals {
			resp.Proposals = append(resp.Proposals, &matchingv1.Proposal{MissionId: s.MissionID, Revision: s.Revision,
				ProposedAt: timestamppb.New(s.ProposedAt), ScoringVersion: s.ScoringVersion, EligibleCount: int32(s.EligibleCount),
				Candidate: eventapi.Candidates(s.Candidates, w)[0]})
		}
		return resp
	})
}

func (s *Server) ExplainCandidate(ctx context.Context, req *matchingv1.ExplainCandidateRequest) (*matchingv1.ExplainCandidateResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (app.CandidateExplanation, error) {
		return s.app.ExplainCandidate(ctx, c, req.GetMissionId(), canonicalID(req.GetProfileId()))
	}, func(e app.CandidateExplanation) *matchingv1.ExplainCandidateResponse {
		return explanationResponse(e, explain.In(locale.FromContext(ctx)))
	})
}

func explanationResponse(e app.CandidateExplanation, w *explain.Writer) *matchingv1.ExplainCandidateResponse {
	ev := e.Evaluation
	resp := &matchingv1.ExplainCandidateResponse{
		MissionId: e.MissionID, ProfileId: e.ProfileID, Eligible: ev.Eligible, Score: ev.Score,
		ScoringVersion: e.ScoringVersion, Components: scoringpb.Components(ev.Explanation.Components, w),
		MatchedSkills: ev.Explanation.MatchedSkills, MissingSkills: ev.Explanation.MissingSkills,
		Shortlisted: e.Shortlisted, Rank: int32(e.Rank), EligibleCount: int32(e.EligibleCount),
		ExposureCapped: e.ExposureCapped, ShortlistRevision: e.ShortlistRevision, Excluded: e.Excluded,
		FailedRules: []*matchingv1.FailedRule{},
	}
	for _, f := range ev.FailedRules {
		resp.FailedRules = append(resp.FailedRules, scoringpb.FailedRule(string(f.Rule), f.Facts, w))
	}
	return resp
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
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.StaffingPlan, error) {
		return s.app.CreateStaffingPlan(ctx, c, req.GetMissionIds())
	}, func(p domain.StaffingPlan) *matchingv1.CreateStaffingPlanResponse {
		return &matchingv1.CreateStaffingPlanResponse{Plan: StaffingPlan(p)}
	})
}

func (s *Server) GetStaffingPlan(ctx context.Context, req *matchingv1.GetStaffingPlanRequest) (*matchingv1.GetStaffingPlanResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.StaffingPlan, error) {
		return s.app.GetStaffingPlan(ctx, c, req.GetId())
	}, func(p domain.StaffingPlan) *matchingv1.GetStaffingPlanResponse {
		return &matchingv1.GetStaffingPlanResponse{Plan: StaffingPlan(p)}
	})
}
