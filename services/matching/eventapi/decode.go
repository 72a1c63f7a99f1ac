package eventapi

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// The decoding of the events matching consumes: profiles' matching facts and missions.

// Profile reads a profile's matching facts. Past missions are folded in: their sectors join
// the profile's, their months add up by mission type. The place keeps only ids the gazetteer
// knows (a city with its own region), so that the index interns a bounded set of places.
func Profile(f *profilev1.MatchingFacts) (domain.Profile, error) {
	id, err := ProfileID(f.GetProfileId())
	if err != nil {
		return domain.Profile{}, err
	}
	from, err := dates.Parse(f.GetAvailableFrom())
	if err != nil {
		return domain.Profile{}, fmt.Errorf("profile %s availableFrom: %w", f.GetProfileId(), err)
	}
	p := domain.Profile{
		ID: id, Sectors: slices.Clone(f.GetSectors()),
		YearsExperience: int(f.GetYearsExperience()), Languages: f.GetLanguages(), Country: f.GetCountry(),
		MobilityCountries: f.GetMobilityCountries(), WorkMode: domain.WorkMode(f.GetWorkMode()),
		DailyRateEUR: int(f.GetDailyRateEur()), AvailableFrom: from, NoticePeriodDays: int(f.GetNoticePeriodDays()),
		ProfilingOptOut: f.GetProfilingOptOut(),
	}
	if place, ok := gazetteer.Known(gazetteer.Place{City: f.GetPlaceCity(), Region: f.GetPlaceRegion()}); ok {
		p.PlaceCity, p.PlaceRegion = place.City, place.Region
	}
	for _, s := range f.GetSkills() {
		p.Skills = append(p.Skills, domain.SkillLevel{ID: s.GetId(), Level: int(s.GetLevel())})
	}
	for _, pm := range f.GetPastMissions() {
		if pm.GetSector() != "" && !slices.Contains(p.Sectors, pm.GetSector()) {
			p.Sectors = append(p.Sectors, pm.GetSector())
		}
		if t := int(pm.GetMissionType()); t > 0 && t < domain.MissionTypeCount {
			p.MonthsByMissionType[t] += int(pm.GetMonths())
		}
	}
	for i, b := range f.GetBookings() {
		start, err := dates.Parse(b.GetStartDate())
		if err != nil {
			return domain.Profile{}, fmt.Errorf("profile %s bookings[%d].startDate: %w", f.GetProfileId(), i, err)
		}
		end, err := dates.Parse(b.GetEndDate())
		if err != nil {
			return domain.Profile{}, fmt.Errorf("profile %s bookings[%d].endDate: %w", f.GetProfileId(), i, err)
		}
		p.Bookings = append(p.Bookings, domain.Period{Start: start, End: end})
	}
	return p, nil
}

// Mission reads a submitted mission; its status is left for the use case to decide. Its city is
// resolved with the gazetteer in its country (a firm's mission is not personal data); an
// unknown city leaves the place empty, and location then counts at country level.
func Mission(m *missionv1.Mission) (domain.Mission, error) {
	if m.GetId() == "" || m.GetFirmId() == "" {
		return domain.Mission{}, fmt.Errorf("mission without an id or a firm id")
	}
	start, err := dates.Parse(m.GetStartDate())
	if err != nil {
		return domain.Mission{}, fmt.Errorf("mission %s startDate: %w", m.GetId(), err)
	}
	place, _ := gazetteer.Resolve(m.GetLocation().GetCountry(), m.GetLocation().GetCity())
	return domain.Mission{
		ID: m.GetId(), FirmID: m.GetFirmId(), Sector: m.GetSector(),
		MissionType: domain.MissionType(m.GetMissionType()), RequiredSkills: unique(m.GetRequiredSkills()),
		MinSkillLevels:   minLevels(m.GetRequiredSkillLevels()),
		NiceToHaveSkills: niceToHave(m.GetNiceToHaveSkills(), m.GetRequiredSkills()), StartDate: start, DurationMonths: int(m.GetDurationMonths()),
		MaxDailyRateEUR: int(m.GetMaxDailyRateEur()), Languages: m.GetLanguages(),
		Country: m.GetLocation().GetCountry(), WorkMode: domain.WorkMode(m.GetWorkMode()),
		MinYearsExperience: int(m.GetMinYearsExperience()), PlaceCity: place.City, PlaceRegion: place.Region,
	}, nil
}

// ProfileID reads a profile id: a UUID, returned in its canonical lower-case form so that every
// comparison, in memory and in SQL, sees one spelling.
func ProfileID(raw string) (string, error) {
	u, err := uuid.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("profile id %q is not a UUID", raw)
	}
	return u.String(), nil
}

// unique drops repeated ids, which the mission service rejects anyway, so that each skill
// counts once as the index counts it.
func unique(ids []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// niceToHave drops repeated ids and those already required.
func niceToHave(ids, required []string) []string {
	var out []string
	for _, id := range unique(ids) {
		if !slices.Contains(required, id) {
			out = append(out, id)
		}
	}
	return out
}

func minLevels(rs []*missionv1.SkillRequirement) []domain.SkillRequirement {
	var out []domain.SkillRequirement
	for _, r := range rs {
		out = append(out, domain.SkillRequirement{ID: r.GetId(), MinLevel: int(r.GetMinLevel())})
	}
	return out
}
