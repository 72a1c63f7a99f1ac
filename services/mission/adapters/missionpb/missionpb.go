// Package missionpb translates between the mission domain and its protobuf messages, for the
// gRPC port and the published events alike.
package missionpb

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Mission is the public form of a mission.
func Mission(m domain.Mission) *missionv1.Mission {
	return &missionv1.Mission{
		Id:                  m.ID,
		FirmId:              m.FirmID,
		Title:               m.Title,
		Sector:              m.Sector,
		MissionType:         missionv1.MissionType(m.MissionType),
		RequiredSkills:      m.RequiredSkills,
		NiceToHaveSkills:    m.NiceToHaveSkills,
		StartDate:           dates.Format(m.StartDate),
		DurationMonths:      int32(m.DurationMonths),
		MaxDailyRateEur:     int32(m.MaxDailyRateEUR),
		Languages:           m.Languages,
		Location:            &taxonomyv1.Location{Country: m.Location.Country, City: m.Location.City},
		WorkMode:            taxonomyv1.WorkMode(m.WorkMode),
		MinYearsExperience:  int32(m.MinYearsExperience),
		Status:              Status(m.Status),
		EndDate:             dates.Format(m.EndDate()),
		CreatedAt:           timestamppb.New(m.CreatedAt),
		UpdatedAt:           timestamppb.New(m.UpdatedAt),
		RequiredSkillLevels: skillLevels(m.RequiredSkillLevels),
	}
}

func skillLevels(levels []domain.SkillRequirement) []*missionv1.SkillRequirement {
	if levels == nil {
		return nil
	}
	out := make([]*missionv1.SkillRequirement, len(levels))
	for i, l := range levels {
		out[i] = &missionv1.SkillRequirement{Id: l.ID, MinLevel: int32(l.MinLevel)}
	}
	return out
}

// Status is the public form of a status; the domain values are the enum's numbers.
func Status(s domain.Status) missionv1.MissionStatus { return missionv1.MissionStatus(s) }

// CreateRequest is the unchecked domain input of a create request.
func CreateRequest(r *missionv1.CreateMissionRequest) domain.RequestInput {
	return domain.RequestInput{
		Request: domain.Request{
			Title:               r.GetTitle(),
			Sector:              r.GetSector(),
			MissionType:         domain.MissionType(r.GetMissionType()),
			RequiredSkills:      r.GetRequiredSkills(),
			NiceToHaveSkills:    r.GetNiceToHaveSkills(),
			DurationMonths:      int(r.GetDurationMonths()),
			MaxDailyRateEUR:     int(r.GetMaxDailyRateEur()),
			Languages:           r.GetLanguages(),
			Location:            domain.Location{Country: r.GetLocation().GetCountry(), City: r.GetLocation().GetCity()},
			WorkMode:            domain.WorkMode(r.GetWorkMode()),
			MinYearsExperience:  int(r.GetMinYearsExperience()),
			RequiredSkillLevels: requiredSkillLevels(r.GetRequiredSkillLevels()),
		},
		StartDate: r.GetStartDate(),
	}
}

func requiredSkillLevels(levels []*missionv1.SkillRequirement) []domain.SkillRequirement {
	if levels == nil {
		return nil
	}
	out := make([]domain.SkillRequirement, len(levels))
	for i, l := range levels {
		out[i] = domain.SkillRequirement{ID: l.GetId(), MinLevel: int(l.GetMinLevel())}
	}
	return out
}
