// Package grpcapi is the profile service's gRPC port: it translates messages to use-case calls
// and nothing more. The field rules it relies on are domain.NewDetails', which the gateway
// applies at the edge too (pkg/edgecheck).
package grpcapi

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/profilerules/rulespb"
	"github.com/caiomatch/caiomatch/pkg/rpc"
	"github.com/caiomatch/caiomatch/services/profile/app"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

type Server struct {
	profilev1.UnimplementedProfileServiceServer
	app *app.Application
}

func NewServer(a *app.Application) *Server { return &Server{app: a} }

func (s *Server) CreateProfile(ctx context.Context, req *profilev1.CreateProfileRequest) (*profilev1.CreateProfileResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Profile, error) {
		return s.app.CreateProfile(ctx, c, req.GetAccountId(), rulespb.DetailsInput(req))
	}, func(p domain.Profile) *profilev1.CreateProfileResponse {
		return &profilev1.CreateProfileResponse{Profile: toProto(p)}
	})
}

func (s *Server) GetProfile(ctx context.Context, req *profilev1.GetProfileRequest) (*profilev1.GetProfileResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Profile, error) {
		return s.app.GetProfile(ctx, c, req.GetId())
	}, func(p domain.Profile) *profilev1.GetProfileResponse {
		return &profilev1.GetProfileResponse{Profile: toProto(p)}
	})
}

func (s *Server) ReplaceProfile(ctx context.Context, req *profilev1.ReplaceProfileRequest) (*profilev1.ReplaceProfileResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (domain.Profile, error) {
		return s.app.ReplaceProfile(ctx, c, req.GetId(), rulespb.DetailsInput(req))
	}, func(p domain.Profile) *profilev1.ReplaceProfileResponse {
		return &profilev1.ReplaceProfileResponse{Profile: toProto(p)}
	})
}

func (s *Server) DeleteProfile(ctx context.Context, req *profilev1.DeleteProfileRequest) (*profilev1.DeleteProfileResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (struct{}, error) {
		return struct{}{}, s.app.DeleteProfile(ctx, c, req.GetId())
	}, rpc.Done[profilev1.DeleteProfileResponse])
}

func (s *Server) ListProfiles(ctx context.Context, req *profilev1.ListProfilesRequest) (*profilev1.ListProfilesResponse, error) {
	return rpc.ForCaller(ctx, func(c identity.Caller) (*profilev1.ListProfilesResponse, error) {
		profiles, next, err := s.app.ListProfiles(ctx, c, req.GetAccountId(), int(req.GetPageSize()), req.GetPageToken())
		return &profilev1.ListProfilesResponse{Profiles: rpc.Each(profiles, toProto), NextPageToken: next}, err
	}, rpc.AsIs)
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
