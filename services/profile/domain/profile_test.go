package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

func validInput() domain.DetailsInput {
	return domain.DetailsInput{
		Details: domain.Details{
			DisplayName:     "Claire Martin",
			Email:           "claire.martin@example.org",
			Headline:        "Former CTO, led two AI transformations in pharma",
			Sectors:         []string{"C21", "R86"},
			Skills:          []domain.Skill{{ID: "ai-strategy", Level: 5}, {ID: "mlops", Level: 3}},
			YearsExperience: 18,
			Languages:       []string{"fr", "en"},
			Location:        domain.Location{Country: "FR", City: "Lyon"},
			WorkMode:        domain.WorkModeHybrid,
			DailyRateEUR:    1400,
		},
		AvailableFrom: "2027-01-04",
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
	d, err := domain.NewDetails(in)
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
		!slices.Equal(d.Skills, []domain.Skill{{ID: "ai-strategy", Level: 5}, {ID: "mlops", Level: 3}}) ||
		d.YearsExperience != 18 || d.Location.Country != "FR" || d.WorkMode != domain.WorkModeHybrid || d.DailyRateEUR != 1400 {
		t.Errorf("details changed: %+v", d)
	}
}

func TestNewDetailsFieldRules(t *testing.T) {
	skills := func(n int) []domain.Skill {
		all := []string{"ai-strategy", "mlops", "gdpr", "nlp", "data-quality", "ai-governance", "ai-act-compliance",
			"data-governance", "data-architecture", "machine-learning", "deep-learning", "generative-ai",
			"llm-applications", "computer-vision", "cloud-architecture", "big-data", "change-management",
			"ai-literacy-training", "product-management", "agile-delivery", "cybersecurity", "risk-management",
			"business-case-roi", "vendor-selection", "kpi-design", "stakeholder-management", "responsible-ai",
			"team-building", "innovation-partnerships", "prompt-engineering", "ai-agents", "edge-ai",
			"retrieval-augmented-generation", "forecasting", "industrial-ai", "predictive-maintenance",
			"process-automation", "recommender-systems", "business-intelligence", "data-engineering",
			"ai-security", "model-risk-management", "ai-operating-model", "ai-use-case-portfolio", "data-strategy"}
		out := make([]domain.Skill, n)
		for i := range out {
			out[i] = domain.Skill{ID: all[i%len(all)], Level: 3}
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
	cases := []struct {
		name   string
		change func(*domain.DetailsInput)
		field  string // "" means accepted
	}{
		{"missing display name", func(in *domain.DetailsInput) { in.DisplayName = "" }, "displayName"},
		{"blank display name", func(in *domain.DetailsInput) { in.DisplayName = " \t " }, "displayName"},
		{"display name 200 runes", func(in *domain.DetailsInput) { in.DisplayName = strings.Repeat("é", 200) }, ""},
		{"display name 201 runes", func(in *domain.DetailsInput) { in.DisplayName = strings.Repeat("é", 201) }, "displayName"},

		{"missing email", func(in *domain.DetailsInput) { in.Email = "" }, "email"},
		{"blank email", func(in *domain.DetailsInput) { in.Email = "  " }, "email"},
		{"email without at", func(in *domain.DetailsInput) { in.Email = "claire.example.org" }, "email"},
		{"email with a name", func(in *domain.DetailsInput) { in.Email = "Claire <claire@example.org>" }, "email"},
		{"two emails", func(in *domain.DetailsInput) { in.Email = "a@example.org, b@example.org" }, "email"},
		{"email 254 bytes", func(in *domain.DetailsInput) {
			in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".org"
		}, ""},
		{"email 255 bytes", func(in *domain.DetailsInput) {
			in.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".org"
		}, "email"},

		{"no headline", func(in *domain.DetailsInput) { in.Headline = "" }, ""},
		{"headline 500 runes", func(in *domain.DetailsInput) { in.Headline = strings.Repeat("ü", 500) }, ""},
		{"headline 501 runes", func(in *domain.DetailsInput) { in.Headline = strings.Repeat("ü", 501) }, "headline"},

		{"no sector", func(in *domain.DetailsInput) { in.Sectors = nil }, "sectors"},
		{"empty sector list", func(in *domain.DetailsInput) { in.Sectors = []string{} }, "sectors"},
		{"unknown sector", func(in *domain.DetailsInput) { in.Sectors = []string{"C21", "C99"} }, "sectors[1]"},
		{"lower-case sector", func(in *domain.DetailsInput) { in.Sectors = []string{"c21"} }, "sectors[0]"},
		{"repeated sector", func(in *domain.DetailsInput) { in.Sectors = []string{"C21", "C21"} }, "sectors[1]"},
		{"section sector", func(in *domain.DetailsInput) { in.Sectors = []string{"K", "L64"} }, ""},
		{"20 sectors", func(in *domain.DetailsInput) { in.Sectors = sectors(20) }, ""},
		{"21 sectors", func(in *domain.DetailsInput) { in.Sectors = sectors(21) }, "sectors"},

		{"no skill", func(in *domain.DetailsInput) { in.Skills = nil }, "skills"},
		{"unknown skill", func(in *domain.DetailsInput) { in.Skills[0].ID = "juggling" }, "skills[0].id"},
		{"empty skill id", func(in *domain.DetailsInput) { in.Skills[1].ID = "" }, "skills[1].id"},
		{"repeated skill", func(in *domain.DetailsInput) { in.Skills[1].ID = "ai-strategy" }, "skills[1].id"},
		{"skill level 0", func(in *domain.DetailsInput) { in.Skills[0].Level = 0 }, "skills[0].level"},
		{"skill level 6", func(in *domain.DetailsInput) { in.Skills[0].Level = 6 }, "skills[0].level"},
		{"skill level -1", func(in *domain.DetailsInput) { in.Skills[1].Level = -1 }, "skills[1].level"},
		{"skill level 1", func(in *domain.DetailsInput) { in.Skills[0].Level = 1 }, ""},
		{"skill level 5", func(in *domain.DetailsInput) { in.Skills[0].Level = 5 }, ""},
		{"45 skills", func(in *domain.DetailsInput) { in.Skills = skills(45) }, ""},
		{"51 skills", func(in *domain.DetailsInput) { in.Skills = skills(51) }, "skills"},

		{"negative years", func(in *domain.DetailsInput) { in.YearsExperience = -1 }, "yearsExperience"},
		{"zero years", func(in *domain.DetailsInput) { in.YearsExperience = 0 }, ""},
		{"60 years", func(in *domain.DetailsInput) { in.YearsExperience = 60 }, ""},
		{"61 years", func(in *domain.DetailsInput) { in.YearsExperience = 61 }, "yearsExperience"},

		{"no language", func(in *domain.DetailsInput) { in.Languages = nil }, "languages"},
		{"unknown language", func(in *domain.DetailsInput) { in.Languages = []string{"xx"} }, "languages[0]"},
		{"upper-case language", func(in *domain.DetailsInput) { in.Languages = []string{"FR"} }, "languages[0]"},
		{"three-letter language", func(in *domain.DetailsInput) { in.Languages = []string{"fra"} }, "languages[0]"},
		{"repeated language", func(in *domain.DetailsInput) { in.Languages = []string{"fr", "en", "fr"} }, "languages[2]"},
		{"10 languages", func(in *domain.DetailsInput) { in.Languages = languages(10) }, ""},
		{"11 languages", func(in *domain.DetailsInput) { in.Languages = languages(11) }, "languages"},

		{"no country", func(in *domain.DetailsInput) { in.Location.Country = "" }, "location.country"},
		{"unknown country", func(in *domain.DetailsInput) { in.Location.Country = "ZZ" }, "location.country"},
		{"lower-case country", func(in *domain.DetailsInput) { in.Location.Country = "fr" }, "location.country"},
		{"reserved country code", func(in *domain.DetailsInput) { in.Location.Country = "UK" }, "location.country"},
		{"no city", func(in *domain.DetailsInput) { in.Location.City = "" }, ""},
		{"city 101 runes", func(in *domain.DetailsInput) { in.Location.City = strings.Repeat("ö", 101) }, "location.city"},

		{"no work mode", func(in *domain.DetailsInput) { in.WorkMode = domain.WorkModeUnspecified }, "workMode"},
		{"out of range work mode", func(in *domain.DetailsInput) { in.WorkMode = 4 }, "workMode"},
		{"negative work mode", func(in *domain.DetailsInput) { in.WorkMode = -1 }, "workMode"},
		{"on site", func(in *domain.DetailsInput) { in.WorkMode = domain.WorkModeOnSite }, ""},
		{"remote", func(in *domain.DetailsInput) { in.WorkMode = domain.WorkModeRemote }, ""},

		{"zero rate", func(in *domain.DetailsInput) { in.DailyRateEUR = 0 }, "dailyRateEur"},
		{"negative rate", func(in *domain.DetailsInput) { in.DailyRateEUR = -100 }, "dailyRateEur"},
		{"rate 1", func(in *domain.DetailsInput) { in.DailyRateEUR = 1 }, ""},
		{"rate 20000", func(in *domain.DetailsInput) { in.DailyRateEUR = 20000 }, ""},
		{"rate 20001", func(in *domain.DetailsInput) { in.DailyRateEUR = 20001 }, "dailyRateEur"},

		{"no availability", func(in *domain.DetailsInput) { in.AvailableFrom = "" }, "availableFrom"},
		{"bad month", func(in *domain.DetailsInput) { in.AvailableFrom = "2027-13-01" }, "availableFrom"},
		{"impossible day", func(in *domain.DetailsInput) { in.AvailableFrom = "2027-02-30" }, "availableFrom"},
		{"european date", func(in *domain.DetailsInput) { in.AvailableFrom = "04/01/2027" }, "availableFrom"},
		{"timestamp", func(in *domain.DetailsInput) { in.AvailableFrom = "2027-01-04T00:00:00Z" }, "availableFrom"},
		{"past date", func(in *domain.DetailsInput) { in.AvailableFrom = "2001-01-01" }, ""},
		{"leap day", func(in *domain.DetailsInput) { in.AvailableFrom = "2028-02-29" }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := validInput()
			c.change(&in)
			d, err := domain.NewDetails(in)
			if c.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if got := fieldsOf(t, err); !slices.Equal(got, []string{c.field}) {
				t.Fatalf("violations on %q, want exactly %q", got, c.field)
			}
			if fmt.Sprintf("%+v", d) != fmt.Sprintf("%+v", domain.Details{}) {
				t.Errorf("a refused input returned details %+v", d)
			}
		})
	}
}

func TestNewDetailsReportsEveryViolationAtOnce(t *testing.T) {
	in := domain.DetailsInput{
		Details: domain.Details{
			Email:           "not an email",
			Headline:        strings.Repeat("x", 501),
			Sectors:         []string{"C21", "C21"},
			Skills:          []domain.Skill{{ID: "nope", Level: 6}},
			YearsExperience: -3,
			Languages:       []string{"en", "zz"},
			Location:        domain.Location{Country: "XX"},
			DailyRateEUR:    -1,
		},
		AvailableFrom: "tomorrow",
	}
	want := []string{
		"displayName", "email", "headline", "sectors[1]", "skills[0].id", "skills[0].level",
		"yearsExperience", "languages[1]", "location.country", "workMode", "dailyRateEur", "availableFrom",
	}
	_, err := domain.NewDetails(in)
	if got := fieldsOf(t, err); !slices.Equal(got, want) {
		t.Fatalf("violations\n got %q\nwant %q", got, want)
	}
	if fe, _ := fault.As(err); !strings.Contains(fe.Message, fmt.Sprint(len(want))) {
		t.Errorf("message %q does not count the fields", fe.Message)
	}

	// Empty input: every required field at once, nothing about the optional ones.
	_, err = domain.NewDetails(domain.DetailsInput{})
	want = []string{"displayName", "email", "sectors", "skills", "languages", "location.country", "workMode", "dailyRateEur", "availableFrom"}
	if got := fieldsOf(t, err); !slices.Equal(got, want) {
		t.Fatalf("empty input violations\n got %q\nwant %q", got, want)
	}
}
