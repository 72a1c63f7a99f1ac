// Package grpcapi is the profile service's gRPC port: it translates messages to use-case calls
// and nothing more. The gateway also uses its Validate function to check requests at the edge.
package grpcapi

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/identity"
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
	p, err := s.app.CreateProfile(ctx, caller, req.GetAccountId(), detailsInput(req))
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
	p, err := s.app.ReplaceProfile(ctx, caller, req.GetId(), detailsInput(req))
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

// detailsRequest is what create and replace requests have in common.
type detailsRequest interface {
	GetDisplayName() string
	GetEmail() string
	GetHeadline() string
	GetSectors() []string
	GetSkills() []*profilev1.SkillLevel
	GetYearsExperience() int32
	GetLanguages() []string
	GetLocation() *taxonomyv1.Location
	GetWorkMode() taxonomyv1.WorkMode
	GetDailyRateEur() int32
	GetAvailableFrom() string
	GetPastMissions() []*profilev1.PastMission
	GetCertifications() []string
	GetNoticePeriodDays() int32
	GetMobilityCountries() []string
	GetBookings() []*profilev1.Booking
	GetProfilingOptOut() bool
}

func detailsInput(r detailsRequest) domain.DetailsInput {
	in := domain.DetailsInput{
		Details: domain.Details{
			DisplayName: r.GetDisplayName(), Email: r.GetEmail(), Headline: r.GetHeadline(),
			Sectors: r.GetSectors(), YearsExperience: int(r.GetYearsExperience()), Languages: r.GetLanguages(),
			Location:       domain.Location{Country: r.GetLocation().GetCountry(), City: r.GetLocation().GetCity()},
			WorkMode:       domain.WorkMode(r.GetWorkMode()),
			DailyRateEUR:   int(r.GetDailyRateEur()),
			Certifications: r.GetCertifications(), NoticePeriodDays: int(r.GetNoticePeriodDays()),
			MobilityCountries: r.GetMobilityCountries(), ProfilingOptOut: r.GetProfilingOptOut(),
		},
		AvailableFrom: r.GetAvailableFrom(),
	}
	for _, s := range r.GetSkills() {
		in.Skills = append(in.Skills, domain.Skill{ID: s.GetId(), Level: int(s.GetLevel()), Years: int(s.GetYears())})
	}
	for _, m := range r.GetPastMissions() {
		in.PastMissions = append(in.PastMissions, domain.PastMission{
			Sector: m.GetSector(), MissionType: domain.MissionType(m.GetMissionType()),
			Months: int(m.GetMonths()), Year: int(m.GetYear()),
		})
	}
	for _, b := range r.GetBookings() {
		in.Bookings = append(in.Bookings, domain.BookingInput{
			StartDate: b.GetStartDate(), EndDate: b.GetEndDate(), MissionID: b.GetMissionId(),
		})
	}
	return in
}

func toProto(p domain.Profile) *profilev1.Profile {
	out := &profilev1.Profile{
		Id: p.ID, AccountId: p.AccountID, DisplayName: p.DisplayName, Email: p.Email, Headline: p.Headline,
		Sectors: p.Sectors, YearsExperience: int32(p.YearsExperience), Languages: p.Languages,
		Location:     &taxonomyv1.Location{Country: p.Location.Country, City: p.Location.City},
		WorkMode:     taxonomyv1.WorkMode(p.WorkMode),
		DailyRateEur: int32(p.DailyRateEUR), AvailableFrom: dates.Format(p.AvailableFrom),
		CreatedAt: timestamppb.New(p.CreatedAt), UpdatedAt: timestamppb.New(p.UpdatedAt),
		Certifications: p.Certifications, NoticePeriodDays: int32(p.NoticePeriodDays),
		MobilityCountries: p.MobilityCountries, ProfilingOptOut: p.ProfilingOptOut,
	}
	for _, s := range p.Skills {
		out.Skills = append(out.Skills, &profilev1.SkillLevel{Id: s.ID, Level: int32(s.Level), Years: int32(s.Years)})
	}
	for _, m := range p.PastMissions {
		out.PastMissions = append(out.PastMissions, &profilev1.PastMission{
			Sector: m.Sector, MissionType: missionv1.MissionType(m.MissionType), Months: int32(m.Months), Year: int32(m.Year),
		})
	}
	for _, b := range p.Bookings {
		out.Bookings = append(out.Bookings, &profilev1.Booking{
			StartDate: dates.Format(b.Start), EndDate: dates.Format(b.End), MissionId: b.MissionID,
		})
	}
	return out
}

// Validate checks a request's fields with the same rules the service applies, so the gateway
// can refuse bad input before it travels. Messages it does not know pass.
func Validate(msg proto.Message) error {
	switch r := msg.(type) {
	case *profilev1.CreateProfileRequest:
		_, err := domain.NewDetails(detailsInput(r), time.Now())
		return err
	case *profilev1.ReplaceProfileRequest:
		_, err := domain.NewDetails(detailsInput(r), time.Now())
		return err
	}
	return nil
}
