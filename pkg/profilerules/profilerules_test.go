package profilerules_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/profilerules"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// now is the clock every check runs at: the current year is 2027.
var now = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)

func validInput() profilerules.DetailsInput {
	return profilerules.DetailsInput{
		Details: profilerules.Details{
			DisplayName:     "Claire Martin",
			Email:           "claire.martin@example.org",
			Headline:        "Former CTO, led two AI transformations in pharma",
			Sectors:         []string{"C21", "R86"},
			Skills:          []profilerules.Skill{{ID: "ai-strategy", Level: 5, Years: 12}, {ID: "mlops", Level: 3}},
			YearsExperience: 18,
			Languages:       []string{"fr", "en"},
			Location:        profilerules.Location{Country: "FR", City: "Lyon"},
			WorkMode:        taxonomy.WorkModeHybrid,
			DailyRateEUR:    1400,
			PastMissions: []profilerules.PastMission{
				{Sector: "C21", MissionType: taxonomy.MissionTypeTransformationLaunch, Months: 14, Year: 2025},
				{Sector: "K", MissionType: taxonomy.MissionTypeRiskAndCompliance, Months: 9, Year: 2022},
			},
			Certifications:    []string{"ISO/IEC 42001 Lead Implementer", "CIPP/E"},
			NoticePeriodDays:  30,
			MobilityCountries: []string{"BE", "CH"},
			ProfilingOptOut:   false,
		},
		AvailableFrom: "2027-01-04",
		Bookings: []profilerules.BookingInput{
			{StartDate: "2027-03-01", EndDate: "2027-03-14"},
			{StartDate: "2027-08-01", EndDate: "2027-08-01"},
		},
	}
}

// fieldsOf returns the violated fields of err, failing when err is not a validation error.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.KindInvalid || fe.Reason != fault.ReasonInvalidArgument {
		t.Fatalf("want an INVALID_ARGUMENT fault, got %v", err)
	}
	var fields []string
	for _, v := range fe.Violations {
		if v.Description == "" {
			t.Errorf("violation of %s has no description", v.Field)
		}
		fields = append(fields, v.Field)
	}
	return fields
}

func TestNewDetailsAcceptsAValidProfile(t *testing.T) {
	in := validInput()
	in.DisplayName = "  Claire Martin \t"
	in.Email = " claire.martin@example.org "
	in.Headline = "\nFormer CTO "
	in.Location.City = "  Lyon  "
	in.Certifications = []string{" ISO/IEC 42001 Lead Implementer\t", "CIPP/E"}
	in.ProfilingOptOut = true
	d, err := profilerules.NewDetails(in, now)
	if err != nil {
		t.Fatalf("valid profile rejected: %v", err)
	}
	if d.DisplayName != "Claire Martin" || d.Email != "claire.martin@example.org" || d.Headline != "Former CTO" ||
		d.Location.City != "Lyon" {
		t.Errorf("text not trimmed: %+v", d)
	}
	if want := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC); !d.AvailableFrom.Equal(want) || d.AvailableFrom.Location() != time.UTC {
		t.Errorf("availableFrom = %v, want %v", d.AvailableFrom, want)
	}
	if !slices.Equal(d.Sectors, []string{"C21", "R86"}) || !slices.Equal(d.Languages, []string{"fr", "en"}) ||
		!slices.Equal(d.Skills, []profilerules.Skill{{ID: "ai-strategy", Level: 5, Years: 12}, {ID: "mlops", Level: 3}}) ||
		d.YearsExperience != 18 || d.Location.Country != "FR" || d.WorkMode != taxonomy.WorkModeHybrid || d.DailyRateEUR != 1400 {
		t.Errorf("details changed: %+v", d)
	}
	if !slices.Equal(d.PastMissions, validInput().PastMissions) || d.NoticePeriodDays != 30 ||
		!slices.Equal(d.MobilityCountries, []string{"BE", "CH"}) || !d.ProfilingOptOut {
		t.Errorf("new details changed: %+v", d)
	}
	if !slices.Equal(d.Certifications, []string{"ISO/IEC 42001 Lead Implementer", "CIPP/E"}) {
		t.Errorf("certifications not trimmed: %q", d.Certifications)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2027, m, d, 0, 0, 0, 0, time.UTC) }
	wantBookings := []profilerules.Booking{{Start: day(3, 1), End: day(3, 14)}, {Start: day(8, 1), End: day(8, 1)}}
	if !slices.Equal(d.Bookings, wantBookings) {
		t.Errorf("bookings = %+v, want %+v", d.Bookings, wantBookings)
	}
}

func TestNewDetailsLeavesOptionalFieldsEmpty(t *testing.T) {
	in := validInput()
	in.Skills[0].Years = 0
	in.PastMissions, in.Certifications, in.MobilityCountries, in.Bookings = nil, nil, nil, nil
	in.NoticePeriodDays = 0
	d, err := profilerules.NewDetails(in, now)
	if err != nil {
		t.Fatalf("profile without the optional fields rejected: %v", err)
	}
	if len(d.PastMissions)+len(d.Certifications)+len(d.MobilityCountries)+len(d.Bookings) != 0 || d.NoticePeriodDays != 0 {
		t.Errorf("optional fields filled in: %+v", d)
	}
}

// The bookings a client sends replace whatever Details.Bookings held: only checked input counts.
func TestNewDetailsTakesBookingsFromInputOnly(t *testing.T) {
	in := validInput()
	in.Bookings = nil
	in.Details.Bookings = []profilerules.Booking{{MissionID: "m-1"}}
	d, err := profilerules.NewDetails(in, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Bookings) != 0 {
		t.Fatalf("unchecked bookings kept: %+v", d.Bookings)
	}
}

func TestNewDetailsFieldRules(t *testing.T) {
	skills := func(n int) []profilerules.Skill {
		all := []string{"ai-strategy", "mlops", "gdpr", "nlp", "data-quality", "ai-governance", "ai-act-compliance",
			"data-governance", "data-architecture", "machine-learning", "deep-learning", "generative-ai",
			"llm-applications", "computer-vision", "cloud-architecture", "big-data", "change-management",
			"ai-literacy-training", "product-management", "agile-delivery", "cybersecurity", "risk-management",
			"business-case-roi", "vendor-selection", "kpi-design", "stakeholder-management", "responsible-ai",
			"team-building", "innovation-partnerships", "prompt-engineering", "ai-agents", "edge-ai",
			"retrieval-augmented-generation", "forecasting", "industrial-ai", "predictive-maintenance",
			"process-automation", "recommender-systems", "business-intelligence", "data-engineering",
			"ai-security", "model-risk-management", "ai-operating-model", "ai-use-case-portfolio", "data-strategy"}
		out := make([]profilerules.Skill, n)
		for i := range out {
			out[i] = profilerules.Skill{ID: all[i%len(all)], Level: 3}
		}
		return out
	}
	sectors := func(n int) []string {
		all := []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V"}
		return all[:n]
	}
	languages := func(n int) []string {
		return []string{"fr", "en", "de", "es", "it", "nl", "pt", "pl", "sv", "da", "fi"}[:n]
	}
	pastMissions := func(n int) []profilerules.PastMission {
		out := make([]profilerules.PastMission, n)
		for i := range out {
			out[i] = profilerules.PastMission{Sector: "C21", MissionType: taxonomy.MissionTypeAIStrategy, Months: 6, Year: 2000 + i%28}
		}
		return out
	}
	certifications := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("Certification %d", i)
		}
		return out
	}
	countries := func(n int) []string {
		all := []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "DE", "GR", "HU", "IE", "IT", "LV",
			"LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "CH", "NO", "IS", "LI", "GB"}
		return all[:n]
	}
	bookings := func(n int) []profilerules.BookingInput {
		out := make([]profilerules.BookingInput, n)
		for i := range out {
			d := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*i)
			out[i] = profilerules.BookingInput{StartDate: d.Format("2006-01-02"), EndDate: d.AddDate(0, 0, 2).Format("2006-01-02")}
		}
		return out
	}
	cases := []struct {
		name   string
		change func(*profilerules.DetailsInput)
		field  string // "" means accepted
	}{
		{"missing display name", func(in *profilerules.DetailsInput) { in.DisplayName = "" }, "displayName"},
		{"blank display name", func(in *profilerules.DetailsInput) { in.DisplayName = " \t " }, "displayName"},
		{"display name 200 runes", func(in *profilerules.DetailsInput) { in.DisplayName = strings.Repeat("é", 200) }, ""},
		{"display name 201 runes", func(in *profilerules.DetailsInput) { in.DisplayName = strings.Repeat("é", 201) }, "displayName"},

		{"missing email", func(in *profilerules.DetailsInput) { in.Email = "" }, "email"},
		{"blank email", func(in *profilerules.DetailsInput) { in.Email = "  " }, "email"},
		{"email without at", func(in *profilerules.DetailsInput) { in.Email = "claire.example.org" }, "email"},
		{"email with a name", func(in *profilerules.DetailsInput) { in.Email = "Claire <claire@example.org>" }, "email"},
		{"two emails", func(in *profilerules.DetailsInput) { in.Email = "a@example.org, b@example.org" }, "email"},
		{"email 254 bytes", func(in *profilerules.DetailsInput) {
			in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org"
		}, ""},
		{"email 255 bytes", func(in *profilerules.DetailsInput) {
			in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".org"
		}, "email"},

		{"no headline", func(in *profilerules.DetailsInput) { in.Headline = "" }, ""},
		{"headline 500 runes", func(in *profilerules.DetailsInput) { in.Headline = strings.Repeat("ü", 500) }, ""},
		{"headline 501 runes", func(in *profilerules.DetailsInput) { in.Headline = strings.Repeat("ü", 501) }, "headline"},

		{"no sector", func(in *profilerules.DetailsInput) { in.Sectors = nil }, "sectors"},
		{"empty sector list", func(in *profilerules.DetailsInput) { in.Sectors = []string{} }, "sectors"},
		{"unknown sector", func(in *profilerules.DetailsInput) { in.Sectors = []string{"C21", "C99"} }, "sectors[1]"},
		{"lower-case sector", func(in *profilerules.DetailsInput) { in.Sectors = []string{"c21"} }, "sectors[0]"},
		{"repeated sector", func(in *profilerules.DetailsInput) { in.Sectors = []string{"C21", "C21"} }, "sectors[1]"},
		{"section sector", func(in *profilerules.DetailsInput) { in.Sectors = []string{"K", "L64"} }, ""},
		{"20 sectors", func(in *profilerules.DetailsInput) { in.Sectors = sectors(20) }, ""},
		{"21 sectors", func(in *profilerules.DetailsInput) { in.Sectors = sectors(21) }, "sectors"},

		{"no skill", func(in *profilerules.DetailsInput) { in.Skills = nil }, "skills"},
		{"unknown skill", func(in *profilerules.DetailsInput) { in.Skills[0].ID = "juggling" }, "skills[0].id"},
		{"empty skill id", func(in *profilerules.DetailsInput) { in.Skills[1].ID = "" }, "skills[1].id"},
		{"repeated skill", func(in *profilerules.DetailsInput) { in.Skills[1].ID = "ai-strategy" }, "skills[1].id"},
		{"skill level 0", func(in *profilerules.DetailsInput) { in.Skills[0].Level = 0 }, "skills[0].level"},
		{"skill level 6", func(in *profilerules.DetailsInput) { in.Skills[0].Level = 6 }, "skills[0].level"},
		{"skill level -1", func(in *profilerules.DetailsInput) { in.Skills[1].Level = -1 }, "skills[1].level"},
		{"skill level 1", func(in *profilerules.DetailsInput) { in.Skills[0].Level = 1 }, ""},
		{"skill level 5", func(in *profilerules.DetailsInput) { in.Skills[0].Level = 5 }, ""},
		{"45 skills", func(in *profilerules.DetailsInput) { in.Skills = skills(45) }, ""},
		{"51 skills", func(in *profilerules.DetailsInput) { in.Skills = skills(51) }, "skills"},

		{"no skill years", func(in *profilerules.DetailsInput) { in.Skills[0].Years = 0 }, ""},
		{"skill years equal to experience", func(in *profilerules.DetailsInput) { in.Skills[1].Years = 18 }, ""},
		{"skill years above experience", func(in *profilerules.DetailsInput) { in.Skills[1].Years = 19 }, "skills[1].years"},
		{"skill years with zero experience", func(in *profilerules.DetailsInput) { in.YearsExperience = 0 }, "skills[0].years"},
		{"negative skill years", func(in *profilerules.DetailsInput) { in.Skills[0].Years = -1 }, "skills[0].years"},
		{"skill years 60", func(in *profilerules.DetailsInput) { in.YearsExperience = 60; in.Skills[0].Years = 60 }, ""},
		{"skill years 61", func(in *profilerules.DetailsInput) { in.YearsExperience = 60; in.Skills[0].Years = 61 }, "skills[0].years"},
		// An invalid yearsExperience is reported once, not again on every skill.
		{"skill years with invalid experience", func(in *profilerules.DetailsInput) {
			in.YearsExperience = 61
			in.Skills[0].Years = 40
		}, "yearsExperience"},

		{"negative years", func(in *profilerules.DetailsInput) { in.YearsExperience = -1 }, "yearsExperience"},
		{"zero years", func(in *profilerules.DetailsInput) { in.YearsExperience = 0; in.Skills[0].Years = 0 }, ""},
		{"60 years", func(in *profilerules.DetailsInput) { in.YearsExperience = 60 }, ""},
		{"61 years", func(in *profilerules.DetailsInput) { in.YearsExperience = 61 }, "yearsExperience"},

		{"no language", func(in *profilerules.DetailsInput) { in.Languages = nil }, "languages"},
		{"unknown language", func(in *profilerules.DetailsInput) { in.Languages = []string{"xx"} }, "languages[0]"},
		{"upper-case language", func(in *profilerules.DetailsInput) { in.Languages = []string{"FR"} }, "languages[0]"},
		{"three-letter language", func(in *profilerules.DetailsInput) { in.Languages = []string{"fra"} }, "languages[0]"},
		{"repeated language", func(in *profilerules.DetailsInput) { in.Languages = []string{"fr", "en", "fr"} }, "languages[2]"},
		{"10 languages", func(in *profilerules.DetailsInput) { in.Languages = languages(10) }, ""},
		{"11 languages", func(in *profilerules.DetailsInput) { in.Languages = languages(11) }, "languages"},

		{"no country", func(in *profilerules.DetailsInput) { in.Location.Country = "" }, "location.country"},
		{"unknown country", func(in *profilerules.DetailsInput) { in.Location.Country = "ZZ" }, "location.country"},
		{"lower-case country", func(in *profilerules.DetailsInput) { in.Location.Country = "fr" }, "location.country"},
		{"reserved country code", func(in *profilerules.DetailsInput) { in.Location.Country = "UK" }, "location.country"},
		{"no city", func(in *profilerules.DetailsInput) { in.Location.City = "" }, ""},
		{"city 101 runes", func(in *profilerules.DetailsInput) { in.Location.City = strings.Repeat("ö", 101) }, "location.city"},

		{"no work mode", func(in *profilerules.DetailsInput) { in.WorkMode = taxonomy.WorkModeUnspecified }, "workMode"},
		{"out of range work mode", func(in *profilerules.DetailsInput) { in.WorkMode = 4 }, "workMode"},
		{"negative work mode", func(in *profilerules.DetailsInput) { in.WorkMode = -1 }, "workMode"},
		{"on site", func(in *profilerules.DetailsInput) { in.WorkMode = taxonomy.WorkModeOnSite }, ""},
		{"remote", func(in *profilerules.DetailsInput) { in.WorkMode = taxonomy.WorkModeRemote }, ""},

		{"zero rate", func(in *profilerules.DetailsInput) { in.DailyRateEUR = 0 }, "dailyRateEur"},
		{"negative rate", func(in *profilerules.DetailsInput) { in.DailyRateEUR = -100 }, "dailyRateEur"},
		{"rate 1", func(in *profilerules.DetailsInput) { in.DailyRateEUR = 1 }, ""},
		{"rate 20000", func(in *profilerules.DetailsInput) { in.DailyRateEUR = 20000 }, ""},
		{"rate 20001", func(in *profilerules.DetailsInput) { in.DailyRateEUR = 20001 }, "dailyRateEur"},

		{"no availability", func(in *profilerules.DetailsInput) { in.AvailableFrom = "" }, "availableFrom"},
		{"bad month", func(in *profilerules.DetailsInput) { in.AvailableFrom = "2027-13-01" }, "availableFrom"},
		{"impossible day", func(in *profilerules.DetailsInput) { in.AvailableFrom = "2027-02-30" }, "availableFrom"},
		{"european date", func(in *profilerules.DetailsInput) { in.AvailableFrom = "04/01/2027" }, "availableFrom"},
		{"timestamp", func(in *profilerules.DetailsInput) { in.AvailableFrom = "2027-01-04T00:00:00Z" }, "availableFrom"},
		{"past date", func(in *profilerules.DetailsInput) { in.AvailableFrom = "2001-01-01" }, ""},
		{"leap day", func(in *profilerules.DetailsInput) { in.AvailableFrom = "2028-02-29" }, ""},

		{"50 past missions", func(in *profilerules.DetailsInput) { in.PastMissions = pastMissions(50) }, ""},
		{"51 past missions", func(in *profilerules.DetailsInput) { in.PastMissions = pastMissions(51) }, "pastMissions"},
		{"past mission without sector", func(in *profilerules.DetailsInput) { in.PastMissions[1].Sector = "" }, "pastMissions[1].sector"},
		{"past mission unknown sector", func(in *profilerules.DetailsInput) { in.PastMissions[0].Sector = "C99" }, "pastMissions[0].sector"},
		{"past mission lower-case sector", func(in *profilerules.DetailsInput) { in.PastMissions[0].Sector = "c21" }, "pastMissions[0].sector"},
		{"past missions in one sector", func(in *profilerules.DetailsInput) { in.PastMissions[1] = in.PastMissions[0] }, ""},
		{"past mission without type", func(in *profilerules.DetailsInput) {
			in.PastMissions[0].MissionType = taxonomy.MissionTypeUnspecified
		}, "pastMissions[0].missionType"},
		{"past mission unknown type", func(in *profilerules.DetailsInput) { in.PastMissions[1].MissionType = 5 }, "pastMissions[1].missionType"},
		{"past mission negative type", func(in *profilerules.DetailsInput) { in.PastMissions[1].MissionType = -1 }, "pastMissions[1].missionType"},
		{"past mission AI strategy", func(in *profilerules.DetailsInput) {
			in.PastMissions[0].MissionType = taxonomy.MissionTypeAIStrategy
		}, ""},
		{"past mission change management", func(in *profilerules.DetailsInput) {
			in.PastMissions[0].MissionType = taxonomy.MissionTypeChangeManagement
		}, ""},
		{"past mission 0 months", func(in *profilerules.DetailsInput) { in.PastMissions[0].Months = 0 }, "pastMissions[0].months"},
		{"past mission 1 month", func(in *profilerules.DetailsInput) { in.PastMissions[0].Months = 1 }, ""},
		{"past mission 60 months", func(in *profilerules.DetailsInput) { in.PastMissions[0].Months = 60 }, ""},
		{"past mission 61 months", func(in *profilerules.DetailsInput) { in.PastMissions[0].Months = 61 }, "pastMissions[0].months"},
		{"past mission in 1969", func(in *profilerules.DetailsInput) { in.PastMissions[1].Year = 1969 }, "pastMissions[1].year"},
		{"past mission in 1970", func(in *profilerules.DetailsInput) { in.PastMissions[1].Year = 1970 }, ""},
		{"past mission this year", func(in *profilerules.DetailsInput) { in.PastMissions[1].Year = 2027 }, ""},
		{"past mission next year", func(in *profilerules.DetailsInput) { in.PastMissions[1].Year = 2028 }, "pastMissions[1].year"},
		{"past mission without year", func(in *profilerules.DetailsInput) { in.PastMissions[0].Year = 0 }, "pastMissions[0].year"},

		{"20 certifications", func(in *profilerules.DetailsInput) { in.Certifications = certifications(20) }, ""},
		{"21 certifications", func(in *profilerules.DetailsInput) { in.Certifications = certifications(21) }, "certifications"},
		{"empty certification", func(in *profilerules.DetailsInput) { in.Certifications[1] = "" }, "certifications[1]"},
		{"blank certification", func(in *profilerules.DetailsInput) { in.Certifications[0] = " \t\n" }, "certifications[0]"},
		{"certification 200 runes", func(in *profilerules.DetailsInput) { in.Certifications[0] = strings.Repeat("é", 200) }, ""},
		{"certification 200 runes and spaces", func(in *profilerules.DetailsInput) {
			in.Certifications[0] = "  " + strings.Repeat("é", 200) + "  "
		}, ""},
		{"certification 201 runes", func(in *profilerules.DetailsInput) { in.Certifications[0] = strings.Repeat("é", 201) }, "certifications[0]"},
		{"repeated certification", func(in *profilerules.DetailsInput) { in.Certifications[1] = in.Certifications[0] }, "certifications[1]"},
		{"repeated certification once trimmed", func(in *profilerules.DetailsInput) {
			in.Certifications = []string{"CIPP/E", "CIPP/E ", "ISO"}
		}, "certifications[1]"},

		{"negative notice", func(in *profilerules.DetailsInput) { in.NoticePeriodDays = -1 }, "noticePeriodDays"},
		{"no notice", func(in *profilerules.DetailsInput) { in.NoticePeriodDays = 0 }, ""},
		{"365 days notice", func(in *profilerules.DetailsInput) { in.NoticePeriodDays = 365 }, ""},
		{"366 days notice", func(in *profilerules.DetailsInput) { in.NoticePeriodDays = 366 }, "noticePeriodDays"},

		{"30 mobility countries", func(in *profilerules.DetailsInput) { in.MobilityCountries = countries(30) }, ""},
		{"31 mobility countries", func(in *profilerules.DetailsInput) { in.MobilityCountries = countries(31) }, "mobilityCountries"},
		{"unknown mobility country", func(in *profilerules.DetailsInput) { in.MobilityCountries[1] = "ZZ" }, "mobilityCountries[1]"},
		{"lower-case mobility country", func(in *profilerules.DetailsInput) { in.MobilityCountries[0] = "be" }, "mobilityCountries[0]"},
		{"empty mobility country", func(in *profilerules.DetailsInput) { in.MobilityCountries[0] = "" }, "mobilityCountries[0]"},
		{"repeated mobility country", func(in *profilerules.DetailsInput) {
			in.MobilityCountries = []string{"BE", "CH", "BE"}
		}, "mobilityCountries[2]"},
		{"mobility repeats location", func(in *profilerules.DetailsInput) { in.MobilityCountries[1] = "FR" }, "mobilityCountries[1]"},

		{"50 bookings", func(in *profilerules.DetailsInput) { in.Bookings = bookings(50) }, ""},
		{"51 bookings", func(in *profilerules.DetailsInput) { in.Bookings = bookings(51) }, "bookings"},
		{"booking without start", func(in *profilerules.DetailsInput) { in.Bookings[1].StartDate = "" }, "bookings[1].startDate"},
		{"booking without end", func(in *profilerules.DetailsInput) { in.Bookings[0].EndDate = "" }, "bookings[0].endDate"},
		{"booking bad start", func(in *profilerules.DetailsInput) { in.Bookings[0].StartDate = "2027-02-30" }, "bookings[0].startDate"},
		{"booking bad end", func(in *profilerules.DetailsInput) { in.Bookings[1].EndDate = "01/08/2027" }, "bookings[1].endDate"},
		{"booking ends before it starts", func(in *profilerules.DetailsInput) { in.Bookings[1].EndDate = "2027-07-31" }, "bookings[1].endDate"},
		{"booking of one day", func(in *profilerules.DetailsInput) { in.Bookings[0].EndDate = "2027-03-01" }, ""},
		{"booking of five years", func(in *profilerules.DetailsInput) { in.Bookings[0].EndDate = "2032-02-29" }, ""},
		{"booking over five years", func(in *profilerules.DetailsInput) { in.Bookings[0].EndDate = "2032-03-01" }, "bookings[0].endDate"},
		{"past booking", func(in *profilerules.DetailsInput) {
			in.Bookings[0] = profilerules.BookingInput{StartDate: "2020-01-01", EndDate: "2020-02-01"}
		}, ""},
		{"overlapping bookings", func(in *profilerules.DetailsInput) {
			in.Bookings[1] = profilerules.BookingInput{StartDate: "2027-03-10", EndDate: "2027-03-20"}
		}, ""},
		{"booking with a mission id", func(in *profilerules.DetailsInput) { in.Bookings[1].MissionID = "m-1" }, "bookings[1].missionId"},

		{"profiling opt-out", func(in *profilerules.DetailsInput) { in.ProfilingOptOut = true }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			c.change(&in)
			d, err := profilerules.NewDetails(in, now)
			if c.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if got := fieldsOf(t, err); !slices.Equal(got, []string{c.field}) {
				t.Fatalf("violations on %q, want exactly %q", got, c.field)
			}
			if fmt.Sprintf("%+v", d) != fmt.Sprintf("%+v", profilerules.Details{}) {
				t.Errorf("a refused input returned details %+v", d)
			}
		})
	}
}

func TestNewDetailsReportsEveryViolationAtOnce(t *testing.T) {
	in := profilerules.DetailsInput{
		Details: profilerules.Details{
			Email:           "not an email",
			Headline:        strings.Repeat("x", 501),
			Sectors:         []string{"C21", "C21"},
			Skills:          []profilerules.Skill{{ID: "nope", Level: 6}},
			YearsExperience: -3,
			Languages:       []string{"en", "zz"},
			Location:        profilerules.Location{Country: "XX"},
			DailyRateEUR:    -1,
			PastMissions: []profilerules.PastMission{
				{Sector: "C21", MissionType: taxonomy.MissionTypeAIStrategy, Months: 12, Year: 2020},
				{Sector: "Z", Months: 61, Year: 2030},
			},
			Certifications:    []string{"CIPP/E", ""},
			NoticePeriodDays:  400,
			MobilityCountries: []string{"be"},
		},
		AvailableFrom: "tomorrow",
		Bookings: []profilerules.BookingInput{
			{StartDate: "2027-03-01", EndDate: "2027-03-14"},
			{StartDate: "2027-03-01", EndDate: "2027-02-01", MissionID: "m-1"},
			{StartDate: "soon"},
		},
	}
	in.Skills = append(in.Skills, profilerules.Skill{ID: "mlops", Level: 3, Years: 61})
	want := []string{
		"displayName", "email", "headline", "sectors[1]", "skills[0].id", "skills[0].level", "skills[1].years",
		"yearsExperience", "languages[1]", "location.country", "workMode", "dailyRateEur", "availableFrom",
		"pastMissions[1].sector", "pastMissions[1].missionType", "pastMissions[1].months", "pastMissions[1].year",
		"certifications[1]", "noticePeriodDays", "mobilityCountries[0]",
		"bookings[1].endDate", "bookings[1].missionId", "bookings[2].startDate", "bookings[2].endDate",
	}
	_, err := profilerules.NewDetails(in, now)
	if got := fieldsOf(t, err); !slices.Equal(got, want) {
		t.Fatalf("violations\n got %q\nwant %q", got, want)
	}
	if fe, _ := fault.As(err); !strings.Contains(fe.Message, fmt.Sprint(len(want))) {
		t.Errorf("message %q does not count the fields", fe.Message)
	}

	// Empty input: every required field at once, nothing about the optional ones.
	_, err = profilerules.NewDetails(profilerules.DetailsInput{}, now)
	want = []string{"displayName", "email", "sectors", "skills", "languages", "location.country", "workMode", "dailyRateEur", "availableFrom"}
	if got := fieldsOf(t, err); !slices.Equal(got, want) {
		t.Fatalf("empty input violations\n got %q\nwant %q", got, want)
	}
}

// TestNewDetailsRefusesControlCharacters: a NUL (or any control character, a line break
// included) in a one-line text is refused, never stored; the headline, typed in a text area,
// may hold line breaks.
func TestNewDetailsRefusesControlCharacters(t *testing.T) {
	for field, set := range map[string]func(*profilerules.DetailsInput){
		"displayName":       func(in *profilerules.DetailsInput) { in.Details.DisplayName = "Claire\x00Martin" },
		"headline":          func(in *profilerules.DetailsInput) { in.Details.Headline = "Interim\x00CAIO" },
		"location.city":     func(in *profilerules.DetailsInput) { in.Details.Location.City = "Lyon\x07" },
		"certifications[0]": func(in *profilerules.DetailsInput) { in.Details.Certifications = []string{"PMP\x1b[31m"} },
	} {
		in := validInput()
		set(&in)
		_, err := profilerules.NewDetails(in, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
		if got := fieldsOf(t, err); len(got) != 1 || got[0] != field {
			t.Errorf("%s: violations %v", field, got)
		}
	}
	in := validInput()
	in.Details.Headline = "Interim CAIO\nAI Act readiness"
	if _, err := profilerules.NewDetails(in, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("a headline on two lines: %v", err)
	}
}
