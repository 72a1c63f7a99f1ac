package edgecheck_test

import (
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/edgecheck"
	"github.com/caiomatch/caiomatch/pkg/fault"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
)

func profileRequest() *profilev1.CreateProfileRequest {
	return &profilev1.CreateProfileRequest{
		DisplayName: "Claire Martin", Email: "claire.martin@example.org", Sectors: []string{"C21"},
		Skills: []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 5}}, YearsExperience: 18,
		Languages: []string{"fr"}, Location: &taxonomyv1.Location{Country: "FR"},
		WorkMode: taxonomyv1.WorkMode_WORK_MODE_REMOTE, DailyRateEur: 1400, AvailableFrom: "2027-01-04",
		PastMissions: []*profilev1.PastMission{
			{Sector: "C21", MissionType: missionv1.MissionType_MISSION_TYPE_AI_STRATEGY, Months: 12, Year: 2024},
		},
		Certifications: []string{"ISO/IEC 42001 Lead Implementer"}, NoticePeriodDays: 30,
		MobilityCountries: []string{"BE"}, Bookings: []*profilev1.Booking{{StartDate: "2027-03-01", EndDate: "2027-03-14"}},
		ProfilingOptOut: true,
	}
}

func profileFields(t *testing.T, err error) []string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid || fe.Reason != fault.ReasonInvalidArgument {
		t.Fatalf("want an invalid-argument fault, got %v", err)
	}
	var out []string
	for _, v := range fe.Violations {
		out = append(out, v.Field)
	}
	return out
}

func TestProfile(t *testing.T) {
	if err := edgecheck.Profile(profileRequest()); err != nil {
		t.Fatalf("valid create refused: %v", err)
	}
	bad := profileRequest()
	bad.Skills = []*profilev1.SkillLevel{{Id: "ai-strategy", Level: 0}, nil}
	bad.Location = nil
	bad.WorkMode = taxonomyv1.WorkMode_WORK_MODE_UNSPECIFIED
	bad.DailyRateEur = -1
	want := []string{"skills[0].level", "skills[1].id", "skills[1].level", "location.country", "workMode", "dailyRateEur"}
	if got := profileFields(t, edgecheck.Profile(bad)); !slices.Equal(got, want) {
		t.Fatalf("create fields %q, want %q", got, want)
	}

	// The fields added for matching travel to the same rules.
	bad = profileRequest()
	bad.Skills[0].Years = 19
	bad.PastMissions = append(bad.PastMissions, nil, &profilev1.PastMission{
		Sector: "C21", MissionType: missionv1.MissionType(99), Months: 61, Year: 1969,
	})
	bad.Certifications = []string{"CIPP/E", "  "}
	bad.NoticePeriodDays = 366
	bad.MobilityCountries = []string{"BE", "FR"}
	bad.Bookings = []*profilev1.Booking{
		{StartDate: "2027-03-01", EndDate: "2027-03-14"},
		nil,
		{StartDate: "2027-04-01", EndDate: "2027-04-30", MissionId: "m-1"},
	}
	want = []string{
		"skills[0].years",
		"pastMissions[1].sector", "pastMissions[1].missionType", "pastMissions[1].months", "pastMissions[1].year",
		"pastMissions[2].missionType", "pastMissions[2].months", "pastMissions[2].year",
		"certifications[1]", "noticePeriodDays", "mobilityCountries[1]",
		"bookings[1].startDate", "bookings[1].endDate", "bookings[2].missionId",
	}
	if got := profileFields(t, edgecheck.Profile(bad)); !slices.Equal(got, want) {
		t.Fatalf("create fields\n got %q\nwant %q", got, want)
	}
	// A past mission may have ended this year, not later.
	thisYear := int32(time.Now().UTC().Year())
	ok := profileRequest()
	ok.PastMissions[0].Year = thisYear
	if err := edgecheck.Profile(ok); err != nil {
		t.Fatalf("mission ended this year refused: %v", err)
	}
	ok.PastMissions[0].Year = thisYear + 1
	if got := profileFields(t, edgecheck.Profile(ok)); !slices.Equal(got, []string{"pastMissions[0].year"}) {
		t.Fatalf("mission ending next year: fields %q", got)
	}

	r := profileRequest()
	replace := &profilev1.ReplaceProfileRequest{
		Id: "p1", DisplayName: r.DisplayName, Email: r.Email, Sectors: r.Sectors, Skills: r.Skills,
		YearsExperience: r.YearsExperience, Languages: r.Languages, Location: r.Location, WorkMode: r.WorkMode,
		DailyRateEur: r.DailyRateEur, AvailableFrom: r.AvailableFrom,
		PastMissions: r.PastMissions, Certifications: r.Certifications, NoticePeriodDays: r.NoticePeriodDays,
		MobilityCountries: r.MobilityCountries, Bookings: r.Bookings, ProfilingOptOut: r.ProfilingOptOut,
	}
	if err := edgecheck.Profile(replace); err != nil {
		t.Fatalf("valid replace refused: %v", err)
	}
	replace.Email = "nope"
	replace.Sectors = []string{"C21", "Z99"}
	replace.AvailableFrom = "2027-1-4"
	replace.Bookings = []*profilev1.Booking{{StartDate: "2027-03-14", EndDate: "2027-03-01"}}
	if got := profileFields(t, edgecheck.Profile(replace)); !slices.Equal(got, []string{"email", "sectors[1]", "availableFrom", "bookings[0].endDate"}) {
		t.Fatalf("replace fields %q", got)
	}

	if err := edgecheck.Profile(&profilev1.GetProfileRequest{}); err != nil {
		t.Fatalf("other messages pass: %v", err)
	}
	if err := edgecheck.Profile(&profilev1.DeleteProfileRequest{}); err != nil {
		t.Fatalf("other messages pass: %v", err)
	}
}
