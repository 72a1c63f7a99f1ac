package eventapi_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/caiomatch/caiomatch/pkg/explain"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/eventapi"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestProfileFoldsPastMissionsIn(t *testing.T) {
	id := uuid.NewString()
	f := &profilev1.MatchingFacts{
		ProfileId: id, AccountId: "acct-1", Sectors: []string{"C21"},
		Skills:          []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 5}, {Id: "mlops", Level: 2}},
		YearsExperience: 18, Languages: []string{"fr", "en"}, Country: "FR", MobilityCountries: []string{"BE"},
		WorkMode: taxonomyv1.WorkMode_WORK_MODE_REMOTE, DailyRateEur: 1400, AvailableFrom: "2027-01-04",
		NoticePeriodDays: 30, ProfilingOptOut: true, PlaceCity: "fr-lyon", PlaceRegion: "fr-ara",
		PastMissions: []*profilev1.PastMission{
			{Sector: "C21", MissionType: missionv1.MissionType_MISSION_TYPE_AI_STRATEGY, Months: 10},
			{Sector: "L64", MissionType: missionv1.MissionType_MISSION_TYPE_AI_STRATEGY, Months: 8},
			{Sector: "L64", MissionType: missionv1.MissionType_MISSION_TYPE_RISK_AND_COMPLIANCE, Months: 6},
			{MissionType: missionv1.MissionType_MISSION_TYPE_UNSPECIFIED, Months: 99},
		},
		Bookings: []*profilev1.Booking{{StartDate: "2027-03-01", EndDate: "2027-03-31", MissionId: "m-9"}},
	}
	got, err := eventapi.Profile(f)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Profile{
		ID: id, Sectors: []string{"C21", "L64"},
		Skills:          []domain.SkillLevel{{ID: "ai-strategy", Level: 5}, {ID: "mlops", Level: 2}},
		YearsExperience: 18, Languages: []string{"fr", "en"}, Country: "FR", MobilityCountries: []string{"BE"},
		WorkMode: taxonomy.WorkModeRemote, DailyRateEUR: 1400, AvailableFrom: day("2027-01-04"), NoticePeriodDays: 30,
		Bookings:        []domain.Period{{Start: day("2027-03-01"), End: day("2027-03-31")}},
		ProfilingOptOut: true, PlaceCity: "fr-lyon", PlaceRegion: "fr-ara",
	}
	want.MonthsByMissionType[taxonomy.MissionTypeAIStrategy] = 18
	want.MonthsByMissionType[taxonomy.MissionTypeRiskAndCompliance] = 6
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Profile =\n  %+v\nwant\n  %+v", got, want)
	}
	// The event's own sectors are not changed by the folding.
	if len(f.GetSectors()) != 1 {
		t.Fatalf("the event's sectors became %v", f.GetSectors())
	}
}

func TestProfileRejectsUnreadableFacts(t *testing.T) {
	valid := func() *profilev1.MatchingFacts {
		return &profilev1.MatchingFacts{ProfileId: uuid.NewString(), AvailableFrom: "2027-01-04"}
	}
	noID := valid()
	noID.ProfileId = ""
	badFrom := valid()
	badFrom.AvailableFrom = "04/01/2027"
	badStart := valid()
	badStart.Bookings = []*profilev1.Booking{{StartDate: "soon", EndDate: "2027-03-31"}}
	badEnd := valid()
	badEnd.Bookings = []*profilev1.Booking{{StartDate: "2027-03-01"}}
	for name, f := range map[string]*profilev1.MatchingFacts{
		"no profile id": noID, "availableFrom": badFrom, "booking start": badStart, "booking end": badEnd,
	} {
		if _, err := eventapi.Profile(f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := eventapi.Profile(valid()); err != nil {
		t.Fatalf("valid facts: %v", err)
	}
}

func TestMission(t *testing.T) {
	m := &missionv1.Mission{
		Id: "m1", FirmId: "firm-1", Sector: "C21", MissionType: missionv1.MissionType_MISSION_TYPE_CHANGE_MANAGEMENT,
		RequiredSkills:      []string{"ai-strategy", "mlops", "ai-strategy"},
		RequiredSkillLevels: []*missionv1.SkillRequirement{{Id: "ai-strategy", MinLevel: 4}},
		NiceToHaveSkills:    []string{"gdpr", "mlops", "gdpr", "nlp"},
		StartDate:           "2027-02-01", DurationMonths: 12, MaxDailyRateEur: 1500, Languages: []string{"fr"},
		Location: &taxonomyv1.Location{Country: "FR", City: "Lyon"}, WorkMode: taxonomyv1.WorkMode_WORK_MODE_ON_SITE,
		MinYearsExperience: 10,
	}
	got, err := eventapi.Mission(m)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Mission{
		ID: "m1", FirmID: "firm-1", Sector: "C21", MissionType: taxonomy.MissionTypeChangeManagement,
		RequiredSkills:   []string{"ai-strategy", "mlops"},
		MinSkillLevels:   []domain.SkillRequirement{{ID: "ai-strategy", MinLevel: 4}},
		NiceToHaveSkills: []string{"gdpr", "nlp"},
		StartDate:        day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500, Languages: []string{"fr"},
		Country: "FR", WorkMode: taxonomy.WorkModeOnSite, MinYearsExperience: 10,
		PlaceCity: "fr-lyon", PlaceRegion: "fr-ara",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Mission =\n  %+v\nwant\n  %+v", got, want)
	}
	if got.MinLevel("ai-strategy") != 4 || got.MinLevel("mlops") != 1 {
		t.Fatalf("MinLevel = %d, %d; want 4, 1", got.MinLevel("ai-strategy"), got.MinLevel("mlops"))
	}
	for name, bad := range map[string]*missionv1.Mission{
		"no id":      {FirmId: "firm-1", StartDate: "2027-02-01"},
		"no firm":    {Id: "m1", StartDate: "2027-02-01"},
		"start date": {Id: "m1", FirmId: "firm-1", StartDate: "tomorrow"},
	} {
		if _, err := eventapi.Mission(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestProfilePlaceKeepsKnownIDsOnly(t *testing.T) {
	cases := []struct {
		city, region         string
		wantCity, wantRegion string
	}{
		{"fr-lyon", "fr-ara", "fr-lyon", "fr-ara"},
		{"fr-lyon", "fr-bre", "fr-lyon", "fr-ara"}, // the gazetteer's region of the city
		{"", "fr-bre", "", "fr-bre"},
		{"fr-atlantis", "fr-bre", "", "fr-bre"},
		{"Lyon", "", "", ""}, // a name, not an id: an older or foreign producer
		{"", "", "", ""},     // an event from before places: country level
	}
	for _, c := range cases {
		f := &profilev1.MatchingFacts{ProfileId: uuid.NewString(), AvailableFrom: "2027-01-04", Country: "FR",
			PlaceCity: c.city, PlaceRegion: c.region}
		got, err := eventapi.Profile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got.PlaceCity != c.wantCity || got.PlaceRegion != c.wantRegion {
			t.Errorf("place (%q, %q) read as (%q, %q), want (%q, %q)", c.city, c.region, got.PlaceCity,
				got.PlaceRegion, c.wantCity, c.wantRegion)
		}
	}
}

func TestMissionPlaceResolvedInItsCountry(t *testing.T) {
	cases := []struct {
		country, city        string
		wantCity, wantRegion string
	}{
		{"FR", "Saint-Étienne", "fr-saint-etienne", "fr-ara"},
		{"DE", "Munich", "de-munchen", "de-by"},
		{"FR", "Île-de-France", "", "fr-idf"},
		{"FR", "Munich", "", ""}, // not a French city
		{"FR", "Somewhere", "", ""},
		{"FR", "", "", ""},
	}
	for _, c := range cases {
		m := &missionv1.Mission{Id: "m1", FirmId: "firm-1", StartDate: "2027-02-01",
			Location: &taxonomyv1.Location{Country: c.country, City: c.city}}
		got, err := eventapi.Mission(m)
		if err != nil {
			t.Fatal(err)
		}
		if got.PlaceCity != c.wantCity || got.PlaceRegion != c.wantRegion {
			t.Errorf("%s %q resolved to (%q, %q), want (%q, %q)", c.country, c.city, got.PlaceCity, got.PlaceRegion,
				c.wantCity, c.wantRegion)
		}
	}
}

func TestShortlistProposed(t *testing.T) {
	s := domain.Shortlist{
		MissionID: "m1", FirmID: "firm-1", Revision: 3, ScoringVersion: domain.ScoringVersion, EligibleCount: 7,
		ProposedAt: time.Date(2026, 11, 20, 9, 0, 0, 5, time.UTC),
		Candidates: []domain.Candidate{{ProfileID: uuid.NewString(), Rank: 1, Score: 0.75,
			Explanation: domain.Explanation{
				Components:    []domain.Component{{Name: domain.ComponentSkills, Weight: 0.35, Value: 0.8, Detail: "d"}},
				MatchedSkills: []string{"ai-strategy"}, MissingSkills: []string{"mlops"},
			}}},
	}
	ev := eventapi.ShortlistProposed(s)
	c := ev.GetCandidates()[0]
	if ev.GetMissionId() != "m1" || ev.GetFirmId() != "firm-1" || ev.GetRevision() != 3 || ev.GetEligibleCount() != 7 ||
		ev.GetScoringVersion() != domain.ScoringVersion || !ev.GetProposedAt().AsTime().Equal(s.ProposedAt) ||
		c.GetProfileId() != s.Candidates[0].ProfileID || c.GetRank() != 1 || c.GetScore() != 0.75 ||
		c.GetExplanation().GetComponents()[0].GetWeight() != 0.35 || c.GetExplanation().GetMissingSkills()[0] != "mlops" {
		t.Fatalf("ShortlistProposed = %v", ev)
	}
	// An erased candidate's stripped explanation goes out empty, not missing.
	s.Candidates[0].Explanation = domain.Explanation{}
	if got := eventapi.Candidates(s.Candidates, explain.In(locale.French))[0].GetExplanation(); got == nil || len(got.GetComponents()) != 0 {
		t.Fatalf("stripped explanation = %v", got)
	}
}
