package domain

import (
	"math"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// mission asks for ai-strategy and change-management, would like mlops and gdpr.
func mission() Mission {
	return Mission{
		ID: "m1", FirmID: "firm-1", Status: MissionOpen, Sector: "C21",
		RequiredSkills:   []string{"ai-strategy", "change-management"},
		NiceToHaveSkills: []string{"mlops"},
		StartDate:        day("2027-02-01"), DurationMonths: 12, MaxDailyRateEUR: 1500,
		Languages: []string{"fr"}, MinYearsExperience: 10,
	}
}

// profile passes every hard rule of mission().
func profile(id string) Profile {
	return Profile{
		ID: id, AccountID: "acct-" + id, Sectors: []string{"C21"},
		Skills: []SkillLevel{
			{ID: "ai-strategy", Level: 5}, {ID: "change-management", Level: 3}, {ID: "mlops", Level: 4},
		},
		YearsExperience: 18, Languages: []string{"fr", "en"}, Country: "FR", WorkMode: WorkModeHybrid,
		DailyRateEUR: 1400, AvailableFrom: day("2027-01-04"),
	}
}

func assertClose(t *testing.T, name string, got, want float64) {
	t.Helper()
	// Scores and component values are rounded to six decimals (roundScore).
	if math.Abs(got-want) > 5e-7+1e-12 {
		t.Errorf("%s = %.15g, want %.15g", name, got, want)
	}
}
