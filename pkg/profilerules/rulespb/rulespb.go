// Package rulespb maps the profile details of pkg/profilerules to and from their protobuf
// messages, for every side that holds them: the profile service's gRPC port and published
// events, and the gateway's checks at the edge.
package rulespb

import (
	"github.com/caiomatch/caiomatch/pkg/dates"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/profilerules"
)

// DetailsRequest is what the create and replace requests have in common.
type DetailsRequest interface {
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

var (
	_ DetailsRequest = (*profilev1.CreateProfileRequest)(nil)
	_ DetailsRequest = (*profilev1.ReplaceProfileRequest)(nil)
)

// DetailsInput is what a create or replace request states, before any check.
func DetailsInput(r DetailsRequest) profilerules.DetailsInput {
	in := profilerules.DetailsInput{
		Details: profilerules.Details{
			DisplayName: r.GetDisplayName(), Email: r.GetEmail(), Headline: r.GetHeadline(),
			Sectors: r.GetSectors(), YearsExperience: int(r.GetYearsExperience()), Languages: r.GetLanguages(),
			Location:       profilerules.Location{Country: r.GetLocation().GetCountry(), City: r.GetLocation().GetCity()},
			WorkMode:       profilerules.WorkMode(r.GetWorkMode()),
			DailyRateEUR:   int(r.GetDailyRateEur()),
			Certifications: r.GetCertifications(), NoticePeriodDays: int(r.GetNoticePeriodDays()),
			MobilityCountries: r.GetMobilityCountries(), ProfilingOptOut: r.GetProfilingOptOut(),
		},
		AvailableFrom: r.GetAvailableFrom(),
	}
	for _, s := range r.GetSkills() {
		in.Skills = append(in.Skills, profilerules.Skill{ID: s.GetId(), Level: int(s.GetLevel()), Years: int(s.GetYears())})
	}
	for _, m := range r.GetPastMissions() {
		in.PastMissions = append(in.PastMissions, profilerules.PastMission{
			Sector: m.GetSector(), MissionType: profilerules.MissionType(m.GetMissionType()),
			Months: int(m.GetMonths()), Year: int(m.GetYear()),
		})
	}
	for _, b := range r.GetBookings() {
		in.Bookings = append(in.Bookings, profilerules.BookingInput{
			StartDate: b.GetStartDate(), EndDate: b.GetEndDate(), MissionID: b.GetMissionId(),
		})
	}
	return in
}

// Skills are skills as the protos carry them.
func Skills(skills []profilerules.Skill) []*profilev1.SkillLevel {
	var out []*profilev1.SkillLevel
	for _, s := range skills {
		out = append(out, &profilev1.SkillLevel{Id: s.ID, Level: int32(s.Level), Years: int32(s.Years)})
	}
	return out
}

// PastMissions are past missions as the protos carry them.
func PastMissions(missions []profilerules.PastMission) []*profilev1.PastMission {
	var out []*profilev1.PastMission
	for _, m := range missions {
		out = append(out, &profilev1.PastMission{
			Sector: m.Sector, MissionType: missionv1.MissionType(m.MissionType), Months: int32(m.Months), Year: int32(m.Year),
		})
	}
	return out
}

// Bookings are bookings as the protos carry them, mission ids included: whoever may not see
// them is given bookings without them.
func Bookings(bookings []profilerules.Booking) []*profilev1.Booking {
	var out []*profilev1.Booking
	for _, b := range bookings {
		out = append(out, &profilev1.Booking{
			StartDate: dates.Format(b.Start), EndDate: dates.Format(b.End), MissionId: b.MissionID,
		})
	}
	return out
}
