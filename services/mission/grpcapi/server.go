// Package grpcapi is the mission service's gRPC port: it translates messages to use-case calls
// and nothing more. The gateway checks requests at the edge with pkg/edgecheck, which applies
// the same rules (pkg/missionrules).
package grpcapi

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules/rulespb"
	"github.com/caiomatch/caiomatch/services/mission/app"
)

type Server struct {
	missionv1.UnimplementedMissionServiceServer
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

func (s *Server) CreateMission(ctx context.Context, req *missionv1.CreateMissionRequest) (*missionv1.CreateMissionResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.app.CreateMission(ctx, caller, rulespb.RequestInput(req))
	if err != nil {
		return nil, err
	}
	return &missionv1.CreateMissionResponse{Mission: Mission(m)}, nil
}

func (s *Server) GetMission(ctx context.Context, req *missionv1.GetMissionRequest) (*missionv1.GetMissionResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.app.GetMission(ctx, caller, req.GetId())
	if err != nil {
		return nil, err
	}
	return &missionv1.GetMissionResponse{Mission: Mission(m)}, nil
}

func (s *Server) ListMissions(ctx context.Context, req *missionv1.ListMissionsRequest) (*missionv1.ListMissionsResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	missions, next, err := s.app.ListMissions(ctx, caller, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &missionv1.ListMissionsResponse{NextPageToken: next}
	for _, m := range missions {
		resp.Missions = append(resp.Missions, Mission(m))
	}
	return resp, nil
}

func (s *Server) CancelMission(ctx context.Context, req *missionv1.CancelMissionRequest) (*missionv1.CancelMissionResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	m, err := s.app.CancelMission(ctx, caller, req.GetId())
	if err != nil {
		return nil, err
	}
	return &missionv1.CancelMissionResponse{Mission: Mission(m)}, nil
}

func (s *Server) MakeOffer(ctx context.Context, req *missionv1.MakeOfferRequest) (*missionv1.MakeOfferResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.app.MakeOffer(ctx, caller, req.GetMissionId(), req.GetProfileId())
	if err != nil {
		return nil, err
	}
	return &missionv1.MakeOfferResponse{Offer: Offer(o)}, nil
}

func (s *Server) ListOffers(ctx context.Context, req *missionv1.ListOffersRequest) (*missionv1.ListOffersResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	offers, next, err := s.app.ListOffers(ctx, caller, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, err
	}
	resp := &missionv1.ListOffersResponse{NextPageToken: next}
	for _, o := range offers {
		resp.Offers = append(resp.Offers, Offer(o))
	}
	return resp, nil
}

func (s *Server) AcceptOffer(ctx context.Context, req *missionv1.AcceptOfferRequest) (*missionv1.AcceptOfferResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.app.AcceptOffer(ctx, caller, req.GetId())
	if err != nil {
		return nil, err
	}
	return &missionv1.AcceptOfferResponse{Offer: Offer(o)}, nil
}

func (s *Server) DeclineOffer(ctx context.Context, req *missionv1.DeclineOfferRequest) (*missionv1.DeclineOfferResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.app.DeclineOffer(ctx, caller, req.GetId(), req.GetReason())
	if err != nil {
		return nil, err
	}
	return &missionv1.DeclineOfferResponse{Offer: Offer(o)}, nil
}

func (s *Server) ListDecisions(ctx context.Context, req *missionv1.ListDecisionsRequest) (*missionv1.ListDecisionsResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	decisions, err := s.app.ListDecisions(ctx, caller, req.GetMissionId())
	if err != nil {
		return nil, err
	}
	resp := &missionv1.ListDecisionsResponse{MissionId: req.GetMissionId(), Decisions: []*missionv1.Decision{}}
	for _, d := range decisions {
		resp.Decisions = append(resp.Decisions, Decision(d))
	}
	return resp, nil
}
