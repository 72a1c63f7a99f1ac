package scoringpb_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/caiomatch/caiomatch/pkg/explain"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/scoring"
	"github.com/caiomatch/caiomatch/pkg/scoring/scoringpb"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// Every fact survives the trip through the proto, so what mission stores from matching's event
// is what matching computed; the texts are written on the way out only.
func TestExplanationRoundTrip(t *testing.T) {
	e := scoring.Explanation{
		MatchedSkills: []string{"mlops"}, MissingSkills: []string{"nlp"},
		Components: []scoring.Component{
			{Name: "skills", Weight: 0.32, Value: 0.8, Facts: &scoring.Facts{
				Required: []scoring.SkillFact{{Skill: "mlops", Level: 4}}, NiceToHave: []scoring.SkillFact{{Skill: "nlp"}}}},
			{Name: "sector", Weight: 0.18, Value: 0.5, Facts: &scoring.Facts{MissionSector: "C29",
				SectorFit: scoring.SectorSameSection, MatchedSector: "C21"}},
			{Name: "missionType", Weight: 0.13, Value: 0.5, Facts: &scoring.Facts{MissionType: 2, Months: 12, FullAtMonths: 24}},
			{Name: "seniority", Weight: 0.09, Value: 0.65, Facts: &scoring.Facts{Years: 13, FullAtYears: 20}},
			{Name: "rateFit", Weight: 0.09, Value: 1, Facts: &scoring.Facts{DailyRateEUR: 900, BudgetEUR: 1500, FullFitEUR: 1125}},
			{Name: "availability", Weight: 0.09, Value: 0.4, Facts: &scoring.Facts{DaysLate: 9, ToleranceDays: 14}},
			{Name: "location", Weight: 0.10, Value: 0.6, Facts: &scoring.Facts{Location: scoring.LocationRegion,
				City: "fr-lyon", Region: "fr-ara", Country: "FR"}},
		},
	}
	for _, l := range locale.Supported {
		c := scoringpb.Candidate("p1", 1, 0.71, &e, explain.In(l))
		if got := scoringpb.ExplanationFrom(c.GetExplanation()); !reflect.DeepEqual(*got, e) {
			t.Fatalf("%s: round trip =\n  %+v\nwant\n  %+v", l, *got, e)
		}
		if c.GetSummary() == "" {
			t.Errorf("%s: no summary", l)
		}
		for _, pc := range c.GetExplanation().GetComponents() {
			if pc.GetDetail() == "" || strings.Contains(pc.GetDetail(), "C21") {
				t.Errorf("%s: %s detail %q", l, pc.GetName(), pc.GetDetail())
			}
		}
	}
}

// A component published before facts existed keeps its English detail, in every language.
func TestLegacyComponentKeepsItsDetail(t *testing.T) {
	old := scoring.Explanation{Components: []scoring.Component{{Name: "sector", Weight: 0.2, Value: 1, Detail: "has worked in C21"}}}
	pe := scoringpb.Explanation(old, explain.In(locale.French))
	if got := pe.GetComponents()[0].GetDetail(); got != "has worked in C21" {
		t.Errorf("legacy detail written as %q", got)
	}
	if back := scoringpb.ExplanationFrom(pe); !reflect.DeepEqual(*back, old) {
		t.Errorf("legacy round trip = %+v", *back)
	}
	if scoringpb.Candidate("p", 1, 0.5, nil, explain.In(locale.English)).GetExplanation() != nil {
		t.Error("an erased explanation came back")
	}
}

func TestFailedRuleCarriesFactsAndText(t *testing.T) {
	f := scoring.RuleFacts{SkillsBelowMinimum: []scoring.SkillMinimum{{Skill: "mlops", Level: 2, MinLevel: 4}},
		WorkMode: int(taxonomy.WorkModeHybrid)}
	r := scoringpb.FailedRule("REQUIRED_SKILLS_MISSING", f, explain.In(locale.French))
	if r.GetFacts().GetSkills().GetBelowMinimum()[0].GetMinLevel() != 4 || r.GetFacts().GetWorkMode() != nil ||
		!strings.Contains(r.GetDetail(), "MLOps (niveau 2, 4 exigé)") {
		t.Errorf("failed rule = %v", r)
	}
}

// Each rule's facts travel in its own message, and a rule without facts has none.
func TestRuleFactsPerRule(t *testing.T) {
	w := explain.In(locale.English)
	mode := scoringpb.FailedRule("WORK_MODE_INCOMPATIBLE", scoring.RuleFacts{WorkMode: int(taxonomy.WorkModeOnSite)}, w)
	if mode.GetFacts().GetWorkMode().GetWorkMode() != 1 {
		t.Errorf("work mode facts = %v", mode.GetFacts())
	}
	if got := scoringpb.FailedRule("PROFILE_ERASED", scoring.RuleFacts{}, w); got.GetFacts() != nil || got.GetDetail() == "" {
		t.Errorf("erased = %v", got)
	}
}
