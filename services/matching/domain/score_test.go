package domain

import (
	"slices"
	"testing"
)

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

func TestSkillsComponentWeighsLevelsAndNiceToHave(t *testing.T) {
	// required ai-strategy 5, change-management 3; nice-to-have mlops 4:
	// (5/5 + 3/5 + 0.5 × 4/5) / (2 + 0.5 × 1) = 2.0 / 2.5 = 0.8
	ev := Evaluate(mission(), profile("p1"))
	c := component(t, ev, ComponentSkills)
	assertClose(t, "skills value", c.Value, 0.8)
	if c.Weight != 0.6 {
		t.Errorf("skills weight = %v, want 0.6", c.Weight)
	}
	if c.Detail != "required: ai-strategy 5/5, change-management 3/5; nice-to-have: mlops 4/5" {
		t.Errorf("skills detail = %q", c.Detail)
	}
	if want := []string{"ai-strategy", "change-management", "mlops"}; !slices.Equal(ev.Explanation.MatchedSkills, want) {
		t.Errorf("matched = %v, want %v", ev.Explanation.MatchedSkills, want)
	}
	if len(ev.Explanation.MissingSkills) != 0 {
		t.Errorf("missing = %v, want none", ev.Explanation.MissingSkills)
	}
}

func TestSkillsComponentMissingNiceToHave(t *testing.T) {
	m := mission()
	m.NiceToHaveSkills = []string{"gdpr", "mlops", "nlp"}
	p := profile("p1") // has mlops 4 only
	// (1 + 0.6 + 0.5 × (0 + 0.8 + 0)) / (2 + 0.5 × 3) = 2.0 / 3.5
	ev := Evaluate(m, p)
	assertClose(t, "skills value", component(t, ev, ComponentSkills).Value, 2.0/3.5)
	if want := []string{"ai-strategy", "change-management", "mlops"}; !slices.Equal(ev.Explanation.MatchedSkills, want) {
		t.Errorf("matched = %v, want %v", ev.Explanation.MatchedSkills, want)
	}
	if want := []string{"gdpr", "nlp"}; !slices.Equal(ev.Explanation.MissingSkills, want) {
		t.Errorf("missing = %v, want %v (mission order)", ev.Explanation.MissingSkills, want)
	}
}

func TestSkillsComponentFullCoverage(t *testing.T) {
	p := profile("p1")
	p.Skills = []SkillLevel{{ID: "ai-strategy", Level: 5}, {ID: "change-management", Level: 5}, {ID: "mlops", Level: 5}}
	assertClose(t, "skills value", component(t, Evaluate(mission(), p), ComponentSkills).Value, 1)
}

func TestSkillsComponentWithoutAskedSkills(t *testing.T) {
	m := mission()
	m.RequiredSkills, m.NiceToHaveSkills = nil, nil
	assertClose(t, "skills value", component(t, Evaluate(m, profile("p1")), ComponentSkills).Value, 1)
}

func TestSectorComponent(t *testing.T) {
	cases := []struct {
		name          string
		missionSector string
		profile       []string
		want          float64
	}{
		{"exact division", "C21", []string{"L64", "C21"}, 1},
		{"same section, other division", "C21", []string{"C20"}, 0.5},
		{"profile lists the section of the mission's division", "C21", []string{"C"}, 0.5},
		{"other section", "C21", []string{"L64", "P84"}, 0},
		{"no sector", "C21", nil, 0},
		{"mission section, profile division of it", "C", []string{"L64", "C10"}, 1},
		{"mission section, profile lists it", "C", []string{"C"}, 1},
		{"mission section, other section", "C", []string{"L64"}, 0},
		{"exact beats same section whatever the order", "C21", []string{"C20", "C21"}, 1},
		{"unknown ids never share a section", "Z99", []string{"Y98"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := mission()
			m.Sector = tc.missionSector
			p := profile("p1")
			p.Sectors = tc.profile
			c := component(t, Evaluate(m, p), ComponentSector)
			if c.Value != tc.want || c.Weight != 0.4 || c.Detail == "" {
				t.Errorf("sector = %+v, want value %v weight 0.4 with a detail", c, tc.want)
			}
		})
	}
}

func TestScoreIsWeightedSum(t *testing.T) {
	p := profile("p1")
	p.Sectors = []string{"C20"}
	// 0.6 × 0.8 + 0.4 × 0.5 = 0.68
	ev := Evaluate(mission(), p)
	assertClose(t, "score", ev.Score, 0.68)
	if len(ev.Explanation.Components) != 2 {
		t.Fatalf("components = %+v, want skills and sector", ev.Explanation.Components)
	}
	var weights float64
	for _, c := range ev.Explanation.Components {
		weights += c.Weight
	}
	assertClose(t, "sum of weights", weights, 1)
	if ScoringVersion != "foundation-2026-11" {
		t.Errorf("ScoringVersion = %q", ScoringVersion)
	}
}
