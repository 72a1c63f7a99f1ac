// Package grpcapi is the profile service's gRPC port: it translates messages to use-case calls
// and nothing more. The field rules it relies on are domain.NewDetails', which the gateway
// applies at the edge too (pkg/edgecheck).
package grpcapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/profilerules/rulespb"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

type Server struct {
	profilev1.UnimplementedProfileServiceServer
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

func (s *Server) CreateProfile(ctx context.Context, req *profilev1.CreateProfileRequest) (*profilev1.CreateProfileResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.CreateProfile(ctx, caller, req.GetAccountId(), rulespb.DetailsInput(req))
	if err != nil {
		return nil, err
	}
	return &profilev1.CreateProfileResponse{Profile: toProto(p)}, nil
}

func (s *Server) GetProfile(ctx context.Context, req *profilev1.GetProfileRequest) (*profilev1.GetProfileResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.GetProfile(ctx, caller, req.GetId())
	if err != nil {
		return nil, err
	}
	return &profilev1.GetProfileResponse{Profile: toProto(p)}, nil
}

func (s *Server) ReplaceProfile(ctx context.Context, req *profilev1.ReplaceProfileRequest) (*profilev1.ReplaceProfileResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	p, err := s.app.ReplaceProfile(ctx, caller, req.GetId(), rulespb.DetailsInput(req))
	if err != nil {
		return nil, err
	}
	return &profilev1.ReplaceProfileResponse{Profile: toProto(p)}, nil
}

func (s *Server) DeleteProfile(ctx context.Context, req *profilev1.DeleteProfileRequest) (*profilev1.DeleteProfileResponse, error) {
	caller, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.app.DeleteProfile(ctx, caller, req.GetId()); err != nil {
		return nil, err
	}
	return &profilev1.DeleteProfileResponse{}, nil
}

func toProto(p domain.Profile) *profilev1.Profile {
	return &profilev1.Profile{
		Id: p.ID, AccountId: p.AccountID, DisplayName: p.DisplayName, Email: p.Email, Headline: p.Headline,
		Sectors: p.Sectors, Skills: rulespb.Skills(p.Skills), YearsExperience: int32(p.YearsExperience), Languages: p.Languages,
		Location:     &taxonomyv1.Location{Country: p.Location.Country, City: p.Location.City},
		WorkMode:     taxonomyv1.WorkMode(p.WorkMode),
		DailyRateEur: int32(p.DailyRateEUR), AvailableFrom: dates.Format(p.AvailableFrom),
		CreatedAt: timestamppb.New(p.CreatedAt), UpdatedAt: timestamppb.New(p.UpdatedAt),
		Certifications: p.Certifications, NoticePeriodDays: int32(p.NoticePeriodDays),
		MobilityCountries: p.MobilityCountries, ProfilingOptOut: p.ProfilingOptOut,
		PastMissions: rulespb.PastMissions(p.PastMissions), Bookings: rulespb.Bookings(p.Bookings),
	}
}
