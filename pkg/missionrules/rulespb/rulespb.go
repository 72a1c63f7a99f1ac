// Package rulespb reads the mission requests' protobuf messages into the inputs of the rules in
// pkg/missionrules, for the mission service's gRPC port and the gateway's edge checks alike.
package rulespb

import (
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
)

// RequestInput is the unchecked input of a create request, for missionrules.NewRequest.
func RequestInput(r *missionv1.CreateMissionRequest) missionrules.RequestInput {
	return missionrules.RequestInput{
		Request: missionrules.Request{
			Title:               r.GetTitle(),
			Sector:              r.GetSector(),
			MissionType:         missionrules.MissionType(r.GetMissionType()),
			RequiredSkills:      r.GetRequiredSkills(),
			NiceToHaveSkills:    r.GetNiceToHaveSkills(),
			DurationMonths:      int(r.GetDurationMonths()),
			MaxDailyRateEUR:     int(r.GetMaxDailyRateEur()),
			Languages:           r.GetLanguages(),
			Location:            missionrules.Location{Country: r.GetLocation().GetCountry(), City: r.GetLocation().GetCity()},
			WorkMode:            missionrules.WorkMode(r.GetWorkMode()),
			MinYearsExperience:  int(r.GetMinYearsExperience()),
			RequiredSkillLevels: requiredSkillLevels(r.GetRequiredSkillLevels()),
		},
		StartDate: r.GetStartDate(),
	}
}

func requiredSkillLevels(levels []*missionv1.SkillRequirement) []missionrules.SkillRequirement {
	if levels == nil {
		return nil
	}
	out := make([]missionrules.SkillRequirement, len(levels))
	for i, l := range levels {
		out[i] = missionrules.SkillRequirement{ID: l.GetId(), MinLevel: int(l.GetMinLevel())}
	}
	return out
}
