package index_test

import (
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
)

// seedMission turns a generated request into the submitted mission matching receives.
func seedMission(id string, req *missionv1.CreateMissionRequest) *missionv1.Mission {
	return &missionv1.Mission{
		Id: id, FirmId: "firm", Title: req.GetTitle(), Sector: req.GetSector(), MissionType: req.GetMissionType(),
		RequiredSkills: req.GetRequiredSkills(), RequiredSkillLevels: req.GetRequiredSkillLevels(),
		NiceToHaveSkills: req.GetNiceToHaveSkills(), StartDate: req.GetStartDate(),
		DurationMonths: req.GetDurationMonths(), MaxDailyRateEur: req.GetMaxDailyRateEur(),
		Languages: req.GetLanguages(), Location: req.GetLocation(), WorkMode: req.GetWorkMode(),
		MinYearsExperience: req.GetMinYearsExperience(),
	}
}
