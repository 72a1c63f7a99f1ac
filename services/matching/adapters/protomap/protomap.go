// Package protomap translates between the matching domain and the protobuf messages it reads
// (profile and mission events) and writes (shortlists, over gRPC and in events). Every adapter
// that speaks protobuf uses it, so each translation exists once.
package protomap

import (
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/caiomatch/caiomatch/pkg/dates"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// Profile reads a profile's matching facts.
func Profile(f *profilev1.MatchingFacts) (domain.Profile, error) {
	if f.GetProfileId() == "" {
		return domain.Profile{}, fmt.Errorf("matching facts without a profile id")
	}
	from, err := dates.Parse(f.GetAvailableFrom())
	if err != nil {
		return domain.Profile{}, fmt.Errorf("profile %s availableFrom: %w", f.GetProfileId(), err)
	}
	p := domain.Profile{
		ID: f.GetProfileId(), AccountID: f.GetAccountId(), Sectors: f.GetSectors(),
		YearsExperience: int(f.GetYearsExperience()), Languages: f.GetLanguages(), Country: f.GetCountry(),
		WorkMode: domain.WorkMode(f.GetWorkMode()), DailyRateEUR: int(f.GetDailyRateEur()), AvailableFrom: from,
	}
	for _, s := range f.GetSkills() {
		p.Skills = append(p.Skills, domain.SkillLevel{ID: s.GetId(), Level: int(s.GetLevel())})
	}
	return p, nil
}

// Mission reads a submitted mission; its status is left for the use case to decide.
func Mission(m *missionv1.Mission) (domain.Mission, error) {
	if m.GetId() == "" || m.GetFirmId() == "" {
		return domain.Mission{}, fmt.Errorf("mission without an id or a firm id")
	}
	start, err := dates.Parse(m.GetStartDate())
	if err != nil {
		return domain.Mission{}, fmt.Errorf("mission %s startDate: %w", m.GetId(), err)
	}
	return domain.Mission{
		ID: m.GetId(), FirmID: m.GetFirmId(), Sector: m.GetSector(),
		MissionType: domain.MissionType(m.GetMissionType()), RequiredSkills: m.GetRequiredSkills(),
		NiceToHaveSkills: m.GetNiceToHaveSkills(), StartDate: start, DurationMonths: int(m.GetDurationMonths()),
		MaxDailyRateEUR: int(m.GetMaxDailyRateEur()), Languages: m.GetLanguages(),
		Country: m.GetLocation().GetCountry(), WorkMode: domain.WorkMode(m.GetWorkMode()),
		MinYearsExperience: int(m.GetMinYearsExperience()),
	}, nil
}

// Candidates writes ranked candidates with their explanations.
func Candidates(cs []domain.Candidate) []*matchingv1.Candidate {
	out := make([]*matchingv1.Candidate, 0, len(cs))
	for _, c := range cs {
		exp := &matchingv1.Explanation{MatchedSkills: c.Explanation.MatchedSkills, MissingSkills: c.Explanation.MissingSkills}
		for _, comp := range c.Explanation.Components {
			exp.Components = append(exp.Components, &matchingv1.ScoreComponent{
				Name: comp.Name, Weight: comp.Weight, Value: comp.Value, Detail: comp.Detail,
			})
		}
		out = append(out, &matchingv1.Candidate{ProfileId: c.ProfileID, Rank: int32(c.Rank), Score: c.Score, Explanation: exp})
	}
	return out
}

// ShortlistProposed is the event published for a stored shortlist.
func ShortlistProposed(s domain.Shortlist) *matchingv1.ShortlistProposed {
	return &matchingv1.ShortlistProposed{
		MissionId: s.MissionID, FirmId: s.FirmID, Revision: s.Revision, ScoringVersion: s.ScoringVersion,
		Candidates: Candidates(s.Candidates), ProposedAt: timestamppb.New(s.ProposedAt),
		EligibleCount: int32(s.EligibleCount),
	}
}

// ShortlistStatus writes a shortlist status.
func ShortlistStatus(s domain.ShortlistStatus) matchingv1.ShortlistStatus {
	switch s {
	case domain.ShortlistPending:
		return matchingv1.ShortlistStatus_SHORTLIST_STATUS_PENDING
	case domain.ShortlistReady:
		return matchingv1.ShortlistStatus_SHORTLIST_STATUS_READY
	case domain.ShortlistNoMatch:
		return matchingv1.ShortlistStatus_SHORTLIST_STATUS_NO_MATCH
	}
	return matchingv1.ShortlistStatus_SHORTLIST_STATUS_UNSPECIFIED
}
