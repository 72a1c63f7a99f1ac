// Package scoringpb translates explained scores between pkg/scoring and the matching protos, in
// both directions, for every service that serves or receives them. Texts are written on the
// way out, in the language of the Writer given: what is stored and published are the facts.
package scoringpb

import (
	"github.com/caiomatch/caiomatch/pkg/explain"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/scoring"
)

// Candidate is a ranked candidate with its explanation and summary written by w; e may be nil
// (an explanation erased with the consultant's profile).
func Candidate(profileID string, rank int, score float64, e *scoring.Explanation, w *explain.Writer) *matchingv1.Candidate {
	c := &matchingv1.Candidate{ProfileId: profileID, Rank: int32(rank), Score: score}
	if e != nil {
		c.Explanation = Explanation(*e, w)
		c.Summary = w.Summary(score, *e)
	}
	return c
}

// Explanation is the proto form of e, its details written by w.
func Explanation(e scoring.Explanation, w *explain.Writer) *matchingv1.Explanation {
	return &matchingv1.Explanation{Components: Components(e.Components, w), MatchedSkills: e.MatchedSkills,
		MissingSkills: e.MissingSkills}
}

// Components are the proto form of cs, their details written by w.
func Components(cs []scoring.Component, w *explain.Writer) []*matchingv1.ScoreComponent {
	out := make([]*matchingv1.ScoreComponent, 0, len(cs))
	for _, c := range cs {
		out = append(out, &matchingv1.ScoreComponent{Name: c.Name, Weight: c.Weight, Value: c.Value,
			Detail: w.Component(c), Facts: componentFacts(c.Facts)})
	}
	return out
}

// FailedRule is the proto form of a failed hard rule, its detail written by w.
func FailedRule(rule string, f scoring.RuleFacts, w *explain.Writer) *matchingv1.FailedRule {
	out := &matchingv1.FailedRule{Rule: rule, Detail: w.Rule(rule, f), Facts: &matchingv1.RuleFacts{
		MissingSkills: f.MissingSkills, AvailableOn: f.AvailableOn, NoticePeriodDays: int32(f.NoticePeriodDays),
		StartDate: f.StartDate, LatestStart: f.LatestStart, BookedFrom: f.BookedFrom, BookedTo: f.BookedTo,
		WindowStart: f.WindowStart, WindowEnd: f.WindowEnd, DailyRateEur: int32(f.DailyRateEUR),
		BudgetEur: int32(f.BudgetEUR), Languages: f.Languages, WorkMode: taxonomyv1.WorkMode(f.WorkMode),
		Country: f.Country, MissionCountry: f.MissionCountry, Years: int32(f.Years), MinYears: int32(f.MinYears),
	}}
	for _, s := range f.SkillsBelowMinimum {
		out.Facts.SkillsBelowMinimum = append(out.Facts.SkillsBelowMinimum,
			&matchingv1.SkillMinimum{Skill: s.Skill, Level: int32(s.Level), MinLevel: int32(s.MinLevel)})
	}
	return out
}

func componentFacts(f *scoring.Facts) *matchingv1.ComponentFacts {
	if f == nil {
		return nil
	}
	return &matchingv1.ComponentFacts{
		Required: skillFacts(f.Required), NiceToHave: skillFacts(f.NiceToHave),
		MissionSector: f.MissionSector, SectorFit: string(f.SectorFit), MatchedSector: f.MatchedSector,
		MissionType: int32(f.MissionType), Months: int32(f.Months), FullAtMonths: int32(f.FullAtMonths),
		Years: int32(f.Years), FullAtYears: int32(f.FullAtYears),
		DailyRateEur: int32(f.DailyRateEUR), BudgetEur: int32(f.BudgetEUR), FullFitEur: int32(f.FullFitEUR),
		DaysLate: int32(f.DaysLate), ToleranceDays: int32(f.ToleranceDays),
		Location: string(f.Location), City: f.City, Region: f.Region, Country: f.Country,
	}
}

func skillFacts(fs []scoring.SkillFact) []*matchingv1.SkillFact {
	var out []*matchingv1.SkillFact
	for _, s := range fs {
		out = append(out, &matchingv1.SkillFact{Skill: s.Skill, Level: int32(s.Level)})
	}
	return out
}

// ExplanationFrom reads an explanation another service published. A component with facts keeps
// only them, so that every reader writes it in their own language; one without (published
// before facts existed) keeps its English detail.
func ExplanationFrom(e *matchingv1.Explanation) *scoring.Explanation {
	if e == nil {
		return nil
	}
	out := &scoring.Explanation{MatchedSkills: e.GetMatchedSkills(), MissingSkills: e.GetMissingSkills()}
	for _, c := range e.GetComponents() {
		sc := scoring.Component{Name: c.GetName(), Weight: c.GetWeight(), Value: c.GetValue()}
		if f := c.GetFacts(); f != nil {
			sc.Facts = &scoring.Facts{
				Required: skillFactsFrom(f.GetRequired()), NiceToHave: skillFactsFrom(f.GetNiceToHave()),
				MissionSector: f.GetMissionSector(), SectorFit: scoring.SectorFit(f.GetSectorFit()),
				MatchedSector: f.GetMatchedSector(), MissionType: int(f.GetMissionType()), Months: int(f.GetMonths()),
				FullAtMonths: int(f.GetFullAtMonths()), Years: int(f.GetYears()), FullAtYears: int(f.GetFullAtYears()),
				DailyRateEUR: int(f.GetDailyRateEur()), BudgetEUR: int(f.GetBudgetEur()), FullFitEUR: int(f.GetFullFitEur()),
				DaysLate: int(f.GetDaysLate()), ToleranceDays: int(f.GetToleranceDays()),
				Location: scoring.LocationFit(f.GetLocation()), City: f.GetCity(), Region: f.GetRegion(), Country: f.GetCountry(),
			}
		} else {
			sc.Detail = c.GetDetail()
		}
		out.Components = append(out.Components, sc)
	}
	return out
}

func skillFactsFrom(fs []*matchingv1.SkillFact) []scoring.SkillFact {
	var out []scoring.SkillFact
	for _, s := range fs {
		out = append(out, scoring.SkillFact{Skill: s.GetSkill(), Level: int(s.GetLevel())})
	}
	return out
}
