// Package grpcapi is the mission service's gRPC port: it translates messages to use-case calls
// and nothing more. The gateway checks requests at the edge with pkg/edgecheck, which applies
// the same rules (pkg/missionrules).
package grpcapi

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/explain"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/locale"
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
		missions, next, err := s.app.ListMissions(ctx, c, domain.Status(req.GetStatus()), int(req.GetPageSize()), req.GetPageToken())
		return &missionv1.ListMissionsResponse{Missions: rpc.Each(missions, Mission), NextPageToken: next}, err
	}, rpc.AsIs)
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
		return s.app.MakeOfferWithTerms(ctx, c, req.GetMissionId(), req.GetProfileId(), int(req.GetDailyRateEur()), req.GetMessage())
	}, func(o domain.Offer) *missionv1.MakeOfferResponse {
		return &missionv1.MakeOfferResponse{Offer: Offer(o)}
	})
}

func (s *Server) ListOffers(ctx context.Context, req *missionv1.ListOffersRequest) (*missionv1.ListOffersResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*missionv1.ListOffersResponse, error) {
		filter := app.OfferFilter{MissionID: req.GetMissionId(), Status: domain.OfferStatus(req.GetStatus())}
		offers, next, err := s.app.ListOffers(ctx, c, filter, int(req.GetPageSize()), req.GetPageToken())
		return &missionv1.ListOffersResponse{Offers: rpc.Each(offers, Offer), NextPageToken: next}, err
	}, rpc.AsIs)
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
		return &missionv1.ListDecisionsResponse{MissionId: req.GetMissionId(), Decisions: rpc.Each(ds, func(d domain.Decision) *missionv1.Decision {
			return Decision(d, explain.In(locale.FromContext(ctx)))
		})}
	})
}

func (s *Server) UpdateMission(ctx context.Context, req *missionv1.UpdateMissionRequest) (*missionv1.UpdateMissionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Mission, error) {
		patch := req.GetMission()
		if patch == nil {
			patch = &missionv1.CreateMissionRequest{}
		}
		return s.app.UpdateMission(ctx, c, req.GetId(), rulespb.RequestInput(patch), req.GetUpdateMask().GetPaths())
	}, func(m domain.Mission) *missionv1.UpdateMissionResponse {
		return &missionv1.UpdateMissionResponse{Mission: Mission(m)}
	})
}

func (s *Server) CounterOffer(ctx context.Context, req *missionv1.CounterOfferRequest) (*missionv1.CounterOfferResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Offer, error) {
		return s.app.CounterOffer(ctx, c, req.GetId(), int(req.GetDailyRateEur()), req.GetMessage())
	}, func(o domain.Offer) *missionv1.CounterOfferResponse {
		return &missionv1.CounterOfferResponse{Offer: Offer(o)}
	})
}

func (s *Server) AcceptCounter(ctx context.Context, req *missionv1.AcceptCounterRequest) (*missionv1.AcceptCounterResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Offer, error) {
		return s.app.AcceptCounter(ctx, c, req.GetId())
	}, func(o domain.Offer) *missionv1.AcceptCounterResponse {
		return &missionv1.AcceptCounterResponse{Offer: Offer(o)}
	})
}

func (s *Server) WithdrawOffer(ctx context.Context, req *missionv1.WithdrawOfferRequest) (*missionv1.WithdrawOfferResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Offer, error) {
		return s.app.WithdrawOffer(ctx, c, req.GetId())
	}, func(o domain.Offer) *missionv1.WithdrawOfferResponse {
		return &missionv1.WithdrawOfferResponse{Offer: Offer(o)}
	})
}

func (s *Server) RequestExtension(ctx context.Context, req *missionv1.RequestExtensionRequest) (*missionv1.RequestExtensionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Extension, error) {
		return s.app.RequestExtension(ctx, c, req.GetMissionId(), req.GetNewEndDate(), req.GetMessage())
	}, func(e domain.Extension) *missionv1.RequestExtensionResponse {
		return &missionv1.RequestExtensionResponse{Extension: Extension(e)}
	})
}

func (s *Server) AcceptExtension(ctx context.Context, req *missionv1.AcceptExtensionRequest) (*missionv1.AcceptExtensionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Extension, error) {
		return s.app.AcceptExtension(ctx, c, req.GetId())
	}, func(e domain.Extension) *missionv1.AcceptExtensionResponse {
		return &missionv1.AcceptExtensionResponse{Extension: Extension(e)}
	})
}

func (s *Server) DeclineExtension(ctx context.Context, req *missionv1.DeclineExtensionRequest) (*missionv1.DeclineExtensionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Extension, error) {
		return s.app.DeclineExtension(ctx, c, req.GetId(), req.GetReason())
	}, func(e domain.Extension) *missionv1.DeclineExtensionResponse {
		return &missionv1.DeclineExtensionResponse{Extension: Extension(e)}
	})
}

func (s *Server) ListExtensions(ctx context.Context, req *missionv1.ListExtensionsRequest) (*missionv1.ListExtensionsResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) ([]domain.Extension, error) {
		return s.app.ListExtensions(ctx, c, req.GetMissionId())
	}, func(es []domain.Extension) *missionv1.ListExtensionsResponse {
		return &missionv1.ListExtensionsResponse{Extensions: rpc.Each(es, Extension)}
	})
}

func (s *Server) EndMission(ctx context.Context, req *missionv1.EndMissionRequest) (*missionv1.EndMissionResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Mission, error) {
		m, err := s.app.EndMission(ctx, c, req.GetId(), req.GetEndDate(), req.GetReason())
		if err == nil && c.Role == identity.RoleConsultant {
			m = m.ForConsultant(c.AccountID)
		}
		return m, err
	}, func(m domain.Mission) *missionv1.EndMissionResponse {
		return &missionv1.EndMissionResponse{Mission: Mission(m)}
	})
}

func (s *Server) GiveFeedback(ctx context.Context, req *missionv1.GiveFeedbackRequest) (*missionv1.GiveFeedbackResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Feedback, error) {
		return s.app.GiveFeedback(ctx, c, req.GetMissionId(), int(req.GetRating()), req.GetComment(), req.GetWouldStaffAgain())
	}, func(f domain.Feedback) *missionv1.GiveFeedbackResponse {
		return &missionv1.GiveFeedbackResponse{Feedback: Feedback(f)}
	})
}

func (s *Server) ListFeedback(ctx context.Context, req *missionv1.ListFeedbackRequest) (*missionv1.ListFeedbackResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) ([]domain.Feedback, error) {
		return s.app.ListFeedback(ctx, c, req.GetMissionId())
	}, func(fs []domain.Feedback) *missionv1.ListFeedbackResponse {
		return &missionv1.ListFeedbackResponse{Feedback: rpc.Each(fs, Feedback)}
	})
}
