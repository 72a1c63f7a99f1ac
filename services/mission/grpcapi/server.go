// Package grpcapi is the mission service's gRPC port: it translates messages to use-case calls
// and nothing more. The gateway checks requests at the edge with pkg/edgecheck, which applies
// the same rules (pkg/missionrules).
package grpcapi

import (
	"context"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules/rulespb"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

type Server struct {
	missionv1.UnimplementedMissionServiceServer
	app *app.Application
}

func NewServer(a *app.Application) *Server { return &Server{app: a} }

func same[R any](r R) R { return r }

// forms is the public form of each item.
func forms[T, P any](items []T, form func(T) P) []P {
	out := make([]P, len(items))
	for i, v := range items {
		out[i] = form(v)
	}
	return out
}

func (s *Server) CreateMission(ctx context.Context, req *missionv1.CreateMissionRequest) (*missionv1.CreateMissionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Mission, error) {
		return s.app.CreateMission(ctx, c, rulespb.RequestInput(req))
	}, func(m domain.Mission) *missionv1.CreateMissionResponse {
		return &missionv1.CreateMissionResponse{Mission: Mission(m)}
	})
}

func (s *Server) GetMission(ctx context.Context, req *missionv1.GetMissionRequest) (*missionv1.GetMissionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Mission, error) {
		return s.app.GetMission(ctx, c, req.GetId())
	}, func(m domain.Mission) *missionv1.GetMissionResponse {
		return &missionv1.GetMissionResponse{Mission: Mission(m)}
	})
}

func (s *Server) ListMissions(ctx context.Context, req *missionv1.ListMissionsRequest) (*missionv1.ListMissionsResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*missionv1.ListMissionsResponse, error) {
		missions, next, err := s.app.ListMissions(ctx, c, int(req.GetPageSize()), req.GetPageToken())
		return &missionv1.ListMissionsResponse{Missions: forms(missions, Mission), NextPageToken: next}, err
	}, same)
}

func (s *Server) CancelMission(ctx context.Context, req *missionv1.CancelMissionRequest) (*missionv1.CancelMissionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Mission, error) {
		return s.app.CancelMission(ctx, c, req.GetId())
	}, func(m domain.Mission) *missionv1.CancelMissionResponse {
		return &missionv1.CancelMissionResponse{Mission: Mission(m)}
	})
}

func (s *Server) MakeOffer(ctx context.Context, req *missionv1.MakeOfferRequest) (*missionv1.MakeOfferResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Offer, error) {
		return s.app.MakeOffer(ctx, c, req.GetMissionId(), req.GetProfileId())
	}, func(o domain.Offer) *missionv1.MakeOfferResponse {
		return &missionv1.MakeOfferResponse{Offer: Offer(o)}
	})
}

func (s *Server) ListOffers(ctx context.Context, req *missionv1.ListOffersRequest) (*missionv1.ListOffersResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*missionv1.ListOffersResponse, error) {
		offers, next, err := s.app.ListOffers(ctx, c, int(req.GetPageSize()), req.GetPageToken())
		return &missionv1.ListOffersResponse{Offers: forms(offers, Offer), NextPageToken: next}, err
	}, same)
}

func (s *Server) AcceptOffer(ctx context.Context, req *missionv1.AcceptOfferRequest) (*missionv1.AcceptOfferResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Offer, error) {
		return s.app.AcceptOffer(ctx, c, req.GetId())
	}, func(o domain.Offer) *missionv1.AcceptOfferResponse {
		return &missionv1.AcceptOfferResponse{Offer: Offer(o)}
	})
}

func (s *Server) DeclineOffer(ctx context.Context, req *missionv1.DeclineOfferRequest) (*missionv1.DeclineOfferResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Offer, error) {
		return s.app.DeclineOffer(ctx, c, req.GetId(), req.GetReason())
	}, func(o domain.Offer) *missionv1.DeclineOfferResponse {
		return &missionv1.DeclineOfferResponse{Offer: Offer(o)}
	})
}

func (s *Server) ListDecisions(ctx context.Context, req *missionv1.ListDecisionsRequest) (*missionv1.ListDecisionsResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) ([]domain.Decision, error) {
		return s.app.ListDecisions(ctx, c, req.GetMissionId())
	}, func(ds []domain.Decision) *missionv1.ListDecisionsResponse {
		return &missionv1.ListDecisionsResponse{MissionId: req.GetMissionId(), Decisions: forms(ds, Decision)}
	})
}
