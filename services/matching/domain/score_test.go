package domain

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// component returns the named component of an eligible evaluation.
func component(t *testing.T, ev Evaluation, name string) Component {
	t.Helper()
	if !ev.Eligible {
		t.Fatalf("profile is not eligible: %+v", ev.FailedRules)
	}
	for _, c := range ev.Explanation.Components {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no component %q in %+v", name, ev.Explanation.Components)
	return Component{}
}

// assertComponent checks the value, the weight and the facts (as legacyComponentText reads
// them) of one component.
func assertComponent(t *testing.T, c Component, value, weight float64, detail string) {
	t.Helper()
	assertClose(t, c.Name+" value", c.Value, value)
	if c.Weight != weight {
		t.Errorf("%s weight = %v, want %v", c.Name, c.Weight, weight)
	}
	if c.Facts == nil {
		t.Errorf("%s has no facts", c.Name)
	}
	if got := legacyComponentText(c); detail != "" && got != detail {
		t.Errorf("%s facts read %q, want %q", c.Name, got, detail)
	}
}

func TestComponentsInOrder(t *testing.T) {
	ev := Evaluate(settings(), mission(), profile("p1"))
	var names []string
	for _, c := range ev.Explanation.Components {
		names = append(names, c.Name)
	}
	want := []string{ComponentSkills, ComponentSector, ComponentMissionType, ComponentSeniority,
		ComponentRateFit, ComponentAvailability, ComponentLocation}
	if !slices.Equal(names, want) {
		t.Fatalf("components = %v, want %v", names, want)
	}
}

func TestSkillsComponent(t *testing.T) {
	// value = (2 × Σ required levels + Σ nice-to-have levels) / (5 × (2 × #required + #nice))
	cases := []struct {
		name            string
		required, nice  []string
		skills          []SkillLevel
		value           float64
		detail          string
		matched, missed []string
	}{
		{"fixture: ai-strategy 5, change-management 3, mlops 4",
			[]string{"ai-strategy", "change-management"}, []string{"mlops"},
			[]SkillLevel{{"ai-strategy", 5}, {"change-management", 3}, {"mlops", 4}},
			0.8, // (2×(5+3) + 4) / (5×(2×2+1)) = 20/25
			"required: ai-strategy 5/5, change-management 3/5; nice-to-have: mlops 4/5",
			[]string{"ai-strategy", "change-management", "mlops"}, nil},
		{"every skill at 5",
			[]string{"ai-strategy", "change-management"}, []string{"mlops"},
			[]SkillLevel{{"ai-strategy", 5}, {"change-management", 5}, {"mlops", 5}},
			1, // (2×10 + 5) / 25
			"required: ai-strategy 5/5, change-management 5/5; nice-to-have: mlops 5/5",
			[]string{"ai-strategy", "change-management", "mlops"}, nil},
		{"minimum levels, nice-to-have missing",
			[]string{"ai-strategy", "change-management"}, []string{"mlops"},
			[]SkillLevel{{"ai-strategy", 3}, {"change-management", 1}},
			0.32, // (2×(3+1) + 0) / 25 = 8/25
			"required: ai-strategy 3/5, change-management 1/5; nice-to-have: mlops missing",
			[]string{"ai-strategy", "change-management"}, []string{"mlops"}},
		{"two of three nice-to-have missing",
			[]string{"ai-strategy", "change-management"}, []string{"gdpr", "mlops", "nlp"},
			[]SkillLevel{{"ai-strategy", 5}, {"change-management", 3}, {"mlops", 4}},
			0.571429, // (2×8 + 4) / (5×(4+3)) = 20/35
			"required: ai-strategy 5/5, change-management 3/5; nice-to-have: gdpr missing, mlops 4/5, nlp missing",
			[]string{"ai-strategy", "change-management", "mlops"}, []string{"gdpr", "nlp"}},
		{"three required, two nice-to-have",
			[]string{"ai-strategy", "change-management", "data-strategy"}, []string{"mlops", "gdpr"},
			[]SkillLevel{{"gdpr", 1}, {"data-strategy", 3}, {"mlops", 2}, {"change-management", 4}, {"ai-strategy", 5}},
			0.675, // (2×(5+4+3) + (2+1)) / (5×(6+2)) = 27/40
			"required: ai-strategy 5/5, change-management 4/5, data-strategy 3/5; nice-to-have: mlops 2/5, gdpr 1/5",
			[]string{"ai-strategy", "change-management", "data-strategy", "mlops", "gdpr"}, nil},
		{"required only, skills not asked do not count",
			[]string{"ai-strategy", "change-management"}, nil,
			[]SkillLevel{{"nlp", 5}, {"ai-strategy", 4}, {"change-management", 2}, {"mlops", 5}},
			0.6, // 2×(4+2) / (5×4) = 12/20
			"required: ai-strategy 4/5, change-management 2/5; nice-to-have: none asked",
			[]string{"ai-strategy", "change-management"}, nil},
		{"nice-to-have only",
			nil, []string{"mlops", "gdpr"},
			[]SkillLevel{{"mlops", 4}},
			0.4, // 4 / (5×2)
			"required: none asked; nice-to-have: mlops 4/5, gdpr missing",
			[]string{"mlops"}, []string{"gdpr"}},
		{"nice-to-have only, none held",
			nil, []string{"mlops"},
			nil,
			0, // 0 / 5
			"required: none asked; nice-to-have: mlops missing",
			nil, []string{"mlops"}},
		{"no skill asked",
			nil, nil,
			[]SkillLevel{{"mlops", 4}},
			1,
			"required: none asked; nice-to-have: none asked",
			nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission()
			m.RequiredSkills, m.NiceToHaveSkills = tc.required, tc.nice
			p := profile("p1")
			p.Skills = tc.skills
			ev := Evaluate(settings(), m, p)
			assertComponent(t, component(t, ev, ComponentSkills), tc.value, 0.30, tc.detail)
			if !slices.Equal(ev.Explanation.MatchedSkills, tc.matched) {
				t.Errorf("matched = %v, want %v", ev.Explanation.MatchedSkills, tc.matched)
			}
			if !slices.Equal(ev.Explanation.MissingSkills, tc.missed) {
				t.Errorf("missing = %v, want %v", ev.Explanation.MissingSkills, tc.missed)
			}
		})
	}
}

func TestSectorComponent(t *testing.T) {
	// Same division (or the mission's own section) 1, same NACE section 0.5, otherwise 0.
	cases := []struct {
		name          string
		missionSector string
		sectors       []string
		value         float64
		detail        string
	}{
		{"same division", "C21", []string{"L64", "C21"}, 1, "has worked in C21"},
		{"same section, other division", "C21", []string{"C20"}, 0.5, "has worked in C20, same section C as C21"},
		{"the first division in id order is named", "C21", []string{"L64", "C22", "C20"}, 0.5,
			"has worked in C20, same section C as C21"},
		{"the profile lists the section of the mission's division", "C21", []string{"C"}, 0.5,
			"has worked in C, same section C as C21"},
		{"a division is named rather than the section", "C21", []string{"C", "C22"}, 0.5,
			"has worked in C22, same section C as C21"},
		{"a division is named rather than the section, whatever the order", "C21", []string{"C22", "C"}, 0.5,
			"has worked in C22, same section C as C21"},
		{"same division wins whatever the order", "C21", []string{"C20", "C21"}, 1, "has worked in C21"},
		{"other sections", "C21", []string{"L64", "Q85"}, 0, "no sector in section C"},
		{"no sector", "C21", nil, 0, "no sector in section C"},
		{"another section's division", "K62", []string{"K"}, 0.5, "has worked in K, same section K as K62"},
		{"mission given as a section, profile in one of its divisions", "C", []string{"L64", "C10"}, 1, "has worked in C"},
		{"mission given as a section, profile lists it", "C", []string{"C"}, 1, "has worked in C"},
		{"mission given as a section, other section", "C", []string{"L64", "Q"}, 0, "no sector in section C"},
		{"unknown ids never share a section", "Z99", []string{"Y98"}, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission()
			m.Sector = tc.missionSector
			p := profile("p1")
			p.Sectors = tc.sectors
			assertComponent(t, component(t, Evaluate(settings(), m, p), ComponentSector), tc.value, 0.20, tc.detail)
		})
	}
}

func TestMissionTypeComponent(t *testing.T) {
	// min(months of past missions of the mission's type, 24) / 24
	cases := []struct {
		name   string
		typ    MissionType
		months [MissionTypeCount]int
		value  float64
		detail string
	}{
		{"no such mission", taxonomy.MissionTypeAIStrategy, [MissionTypeCount]int{}, 0,
			"0 months of AI strategy missions, full at 24"},
		{"6 months", taxonomy.MissionTypeAIStrategy, [MissionTypeCount]int{taxonomy.MissionTypeAIStrategy: 6}, 0.25,
			"6 months of AI strategy missions, full at 24"},
		{"7 months", taxonomy.MissionTypeAIStrategy, [MissionTypeCount]int{taxonomy.MissionTypeAIStrategy: 7}, 0.291667, // 7/24
			"7 months of AI strategy missions, full at 24"},
		{"12 months", taxonomy.MissionTypeAIStrategy, [MissionTypeCount]int{taxonomy.MissionTypeAIStrategy: 12}, 0.5, ""},
		{"24 months", taxonomy.MissionTypeAIStrategy, [MissionTypeCount]int{taxonomy.MissionTypeAIStrategy: 24}, 1, ""},
		{"capped at 24 months", taxonomy.MissionTypeAIStrategy, [MissionTypeCount]int{taxonomy.MissionTypeAIStrategy: 60}, 1,
			"60 months of AI strategy missions, full at 24"},
		{"other types do not count", taxonomy.MissionTypeAIStrategy,
			[MissionTypeCount]int{taxonomy.MissionTypeUnspecified: 24, taxonomy.MissionTypeChangeManagement: 24, taxonomy.MissionTypeRiskAndCompliance: 24}, 0, ""},
		{"risk and compliance", taxonomy.MissionTypeRiskAndCompliance,
			[MissionTypeCount]int{taxonomy.MissionTypeAIStrategy: 24, taxonomy.MissionTypeRiskAndCompliance: 18}, 0.75, // 18/24
			"18 months of risk and compliance missions, full at 24"},
		{"transformation launch", taxonomy.MissionTypeTransformationLaunch,
			[MissionTypeCount]int{taxonomy.MissionTypeTransformationLaunch: 1}, 0.041667, // 1/24
			"1 months of transformation launch missions, full at 24"},
		{"the mission gives no type", taxonomy.MissionTypeUnspecified,
			[MissionTypeCount]int{taxonomy.MissionTypeUnspecified: 24, taxonomy.MissionTypeAIStrategy: 24}, 0,
			"the mission gives no type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission()
			m.MissionType = tc.typ
			p := profile("p1")
			p.MonthsByMissionType = tc.months
			assertComponent(t, component(t, Evaluate(settings(), m, p), ComponentMissionType), tc.value, 0.15, tc.detail)
		})
	}
}

func TestSeniorityComponent(t *testing.T) {
	// min(years, 20) / 20
	cases := []struct {
		years int
		value float64
	}{{0, 0}, {1, 0.05}, {7, 0.35}, {10, 0.5}, {13, 0.65}, {19, 0.95}, {20, 1}, {35, 1}}
	for _, tc := range cases {
		m := mission()
		m.MinYearsExperience = 0
		p := profile("p1")
		p.YearsExperience = tc.years
		c := component(t, Evaluate(settings(), m, p), ComponentSeniority)
		assertComponent(t, c, tc.value, 0.10, "")
		if got := legacyComponentText(c); tc.years == 13 && got != "13 years of experience, full at 20" {
			t.Errorf("seniority facts read %q", got)
		}
	}
}

func TestRateFitComponent(t *testing.T) {
	// min(max(4 × (budget − rate) / budget, 0), 1): full at a quarter or more under the budget.
	cases := []struct {
		rate, budget int
		value        float64
		detail       string
	}{
		{1500, 1500, 0, "1500 EUR a day for a budget of 1500 EUR, full fit at 1125 EUR or less"},
		{1499, 1500, 0.002667, ""}, // 4×1/1500
		{1400, 1500, 0.266667, "1400 EUR a day for a budget of 1500 EUR, full fit at 1125 EUR or less"}, // 4×100/1500
		{1300, 1500, 0.533333, ""}, // 4×200/1500
		{1200, 1500, 0.8, ""},      // 4×300/1500
		{1126, 1500, 0.997333, ""}, // 4×374/1500
		{1125, 1500, 1, "1125 EUR a day for a budget of 1500 EUR, full fit at 1125 EUR or less"},
		{600, 1500, 1, ""},
		{0, 1500, 1, ""},
		{1800, 2000, 0.4, "1800 EUR a day for a budget of 2000 EUR, full fit at 1500 EUR or less"}, // 4×200/2000
		{1000, 1001, 0.003996, ""}, // 4×1/1001
	}
	for _, tc := range cases {
		m := mission()
		m.MaxDailyRateEUR = tc.budget
		p := profile("p1")
		p.DailyRateEUR = tc.rate
		assertComponent(t, component(t, Evaluate(settings(), m, p), ComponentRateFit), tc.value, 0.10, tc.detail)
	}
}

func TestAvailabilityComponent(t *testing.T) {
	// 1 when available by the start date, else 1 − daysLate / (tolerance + 1); the mission starts
	// 2027-02-01.
	cases := []struct {
		name      string
		today     string
		available string
		notice    int
		tolerance int
		value     float64
		detail    string
	}{
		{"weeks before", "2026-11-20", "2027-01-04", 0, 14, 1, "available by the start date"},
		{"on the start date", "2026-11-20", "2027-02-01", 0, 14, 1, "available by the start date"},
		{"one day late", "2026-11-20", "2027-02-02", 0, 14, 0.933333, // 1 − 1/15
			"available 1 day after the start date, 14 days tolerated"},
		{"a week late", "2026-11-20", "2027-02-08", 0, 14, 0.533333, // 1 − 7/15
			"available 7 days after the start date, 14 days tolerated"},
		{"last tolerated day", "2026-11-20", "2027-02-15", 0, 14, 0.066667, // 1 − 14/15
			"available 14 days after the start date, 14 days tolerated"},
		{"late by the notice period", "2027-01-25", "2027-01-04", 10, 14, 0.8, // 2027-02-04: 1 − 3/15
			"available 3 days after the start date, 14 days tolerated"},
		{"notice served in time", "2027-01-01", "2027-01-04", 31, 14, 1, "available by the start date"},
		{"longer tolerance", "2026-11-20", "2027-02-11", 0, 29, 0.666667, // 1 − 10/30
			"available 10 days after the start date, 29 days tolerated"},
		{"no tolerance", "2026-11-20", "2027-02-01", 0, 0, 1, "available by the start date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := settings()
			s.Today, s.AvailabilityToleranceDays = day(tc.today), tc.tolerance
			p := profile("p1")
			p.AvailableFrom, p.NoticePeriodDays = day(tc.available), tc.notice
			assertComponent(t, component(t, Evaluate(s, mission(), p), ComponentAvailability), tc.value, 0.05, tc.detail)
		})
	}
}

func TestScoreInputsOf(t *testing.T) {
	want := ScoreInputs{
		RequiredLevelSum: 8, RequiredCount: 2, NiceLevelSum: 4, NiceCount: 1, SectorFit: SectorExact,
		MissionTypeMonths: 12, YearsExperience: 18, DailyRateEUR: 1400, BudgetEUR: 1500, DaysLate: 0, ToleranceDays: 14,
		Location: LocationRegion,
	}
	if got := ScoreInputsOf(settings(), mission(), profile("p1")); got != want {
		t.Fatalf("ScoreInputsOf = %+v, want %+v", got, want)
	}

	// Inputs are read for excluded profiles too (the index stores them all).
	p := profile("p1")
	p.Skills = []SkillLevel{{"mlops", 2}}
	p.Sectors = []string{"C20"}
	p.AvailableFrom = day("2027-03-03") // 30 days late, beyond the tolerance
	p.MonthsByMissionType = [MissionTypeCount]int{taxonomy.MissionTypeAIStrategy: 30}
	want = ScoreInputs{
		RequiredLevelSum: 0, RequiredCount: 2, NiceLevelSum: 2, NiceCount: 1, SectorFit: SectorSameSection,
		MissionTypeMonths: 30, YearsExperience: 18, DailyRateEUR: 1400, BudgetEUR: 1500, DaysLate: 30, ToleranceDays: 14,
		Location: LocationRegion,
	}
	if got := ScoreInputsOf(settings(), mission(), p); got != want {
		t.Fatalf("ScoreInputsOf = %+v, want %+v", got, want)
	}
}

func TestScoreInputsValues(t *testing.T) {
	cases := []struct {
		name string
		in   ScoreInputs
		want [7]float64
	}{
		{"nothing asked, no budget, on time",
			ScoreInputs{}, [7]float64{1, 0, 0, 0, 1, 1, 0}},
		{"fixture",
			ScoreInputs{RequiredLevelSum: 8, RequiredCount: 2, NiceLevelSum: 4, NiceCount: 1, SectorFit: SectorExact,
				MissionTypeMonths: 12, YearsExperience: 18, DailyRateEUR: 1400, BudgetEUR: 1500, ToleranceDays: 14},
			[7]float64{0.8, 1, 0.5, 0.9, 0.266667, 1, 0}},
		{"clamped: over the budget, too late, very senior",
			ScoreInputs{RequiredCount: 2, SectorFit: SectorSameSection, MissionTypeMonths: 100, YearsExperience: 45,
				DailyRateEUR: 2000, BudgetEUR: 1500, DaysLate: 40, ToleranceDays: 14},
			[7]float64{0, 0.5, 1, 1, 0, 0, 0}},
		{"negative years count as none",
			ScoreInputs{YearsExperience: -3, BudgetEUR: 1000, DailyRateEUR: 900, DaysLate: 2, ToleranceDays: 2},
			[7]float64{1, 0, 0, 0, 0.4, 0.333333, 0}},
	}
	for _, tc := range cases {
		if got := tc.in.Values(); got != tc.want {
			t.Errorf("%s: Values = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestScoreIsWeightedSumOfRoundedValues(t *testing.T) {
	m := mission()
	m.NiceToHaveSkills = []string{"gdpr", "mlops", "nlp"}
	p := profile("p1")
	p.Sectors = []string{"C20"}
	p.MonthsByMissionType[taxonomy.MissionTypeAIStrategy] = 7
	p.YearsExperience = 13
	p.AvailableFrom = day("2027-02-08")
	ev := Evaluate(settings(), m, p)

	// skills 20/35 → 0.571429, sector 0.5, mission type 7/24 → 0.291667, seniority 0.65,
	// rate fit 4×100/1500 → 0.266667, availability 1 − 7/15 → 0.533333, location 0.6 (same region):
	// 0.30×0.571429 + 0.20×0.5 + 0.15×0.291667 + 0.10×0.65 + 0.10×0.266667 + 0.05×0.533333 + 0.10×0.6
	// = 0.4935121 → 0.493512
	wantValues := []float64{0.571429, 0.5, 0.291667, 0.65, 0.266667, 0.533333, 0.6}
	var sum float64
	for i, c := range ev.Explanation.Components {
		if c.Value != wantValues[i] {
			t.Errorf("%s = %v, want exactly %v (rounded to six decimals)", c.Name, c.Value, wantValues[i])
		}
		sum += c.Weight * c.Value
	}
	assertClose(t, "score", ev.Score, 0.493512)
	if want := math.Round(sum*1e6) / 1e6; ev.Score != want {
		t.Errorf("score = %v, want the rounded weighted sum of the components %v", ev.Score, want)
	}

	// The fixture: 0.30×0.8 + 0.20×1 + 0.15×0.5 + 0.10×0.9 + 0.10×0.266667 + 0.05×1 + 0.10×0.6 = 0.7416667
	assertClose(t, "fixture score", Evaluate(settings(), mission(), profile("p1")).Score, 0.741667)
}

func TestCurrentScoring(t *testing.T) {
	if CurrentScoring.Version != "caio-2026-12" || ScoringVersion != CurrentScoring.Version {
		t.Errorf("CurrentScoring.Version = %q, ScoringVersion = %q", CurrentScoring.Version, ScoringVersion)
	}
	w := CurrentScoring.Weights
	want := Weights{Skills: 0.30, Sector: 0.20, MissionType: 0.15, Seniority: 0.10, RateFit: 0.10, Availability: 0.05,
		Location: 0.10}
	if w != want {
		t.Errorf("weights = %+v, want %+v", w, want)
	}
	if math.Abs(w.Sum()-1) > 1e-12 {
		t.Errorf("weights add up to %.17g, want 1", w.Sum())
	}
	var sum float64
	for _, c := range Evaluate(settings(), mission(), profile("p1")).Explanation.Components {
		sum += c.Weight
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("component weights add up to %.17g, want 1", sum)
	}
	// A perfect profile scores exactly 1.
	perfect := ScoreInputs{RequiredLevelSum: 10, RequiredCount: 2, SectorFit: SectorExact, MissionTypeMonths: 24,
		YearsExperience: 20, DailyRateEUR: 1000, BudgetEUR: 2000, Location: LocationCity}
	if got := CurrentScoring.Score(perfect); got != 1 {
		t.Errorf("perfect score = %v, want 1", got)
	}
	if got := CurrentScoring.Score(ScoreInputs{RequiredCount: 1, DailyRateEUR: 10, BudgetEUR: 10, DaysLate: 5}); got != 0 {
		t.Errorf("worst score = %v, want 0", got)
	}
}

func TestScoringConfigIsUsed(t *testing.T) {
	s := settings()
	s.Scoring = ScoringConfig{Version: "test-skills-and-seniority", Weights: Weights{Skills: 0.6, Seniority: 0.4}}
	ev := Evaluate(s, mission(), profile("p1"))
	// 0.6×0.8 + 0.4×0.9 = 0.84
	assertClose(t, "score", ev.Score, 0.84)
	for _, c := range ev.Explanation.Components {
		want := map[string]float64{ComponentSkills: 0.6, ComponentSeniority: 0.4}[c.Name]
		if c.Weight != want {
			t.Errorf("%s weight = %v, want %v", c.Name, c.Weight, want)
		}
	}
	r := Rank(s, mission(), []Profile{profile("p1")}, 5)
	if r.ScoringVersion != "test-skills-and-seniority" || len(r.Candidates) != 1 || r.Candidates[0].Score != ev.Score {
		t.Errorf("Rank = %+v, want the configured version and score", r)
	}
	if r := Rank(settings(), mission(), nil, 5); r.ScoringVersion != CurrentScoring.Version {
		t.Errorf("Rank without profiles records version %q, want %q", r.ScoringVersion, CurrentScoring.Version)
	}
}

func TestDefaultSettings(t *testing.T) {
	paris := time.FixedZone("UTC+1", 3600)
	// 00:30 in Paris on 2027-01-11 is still 2027-01-10 in UTC.
	s := DefaultSettings(time.Date(2027, 1, 11, 0, 30, 0, 0, paris))
	if !s.Today.Equal(day("2027-01-10")) || s.Today.Location() != time.UTC {
		t.Errorf("Today = %v, want 2027-01-10 UTC", s.Today)
	}
	if s.AvailabilityToleranceDays != 14 || s.Scoring != CurrentScoring {
		t.Errorf("DefaultSettings = %+v", s)
	}
	if got := s.LatestStart(mission()); !got.Equal(day("2027-02-15")) {
		t.Errorf("LatestStart = %v, want 2027-02-15", got)
	}
}
