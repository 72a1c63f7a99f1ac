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
			Detail: w.Component(c), Facts: componentFacts(c.Name, c.Facts)})
	}
	return out
}

// FailedRule is the proto form of a failed hard rule, its detail written by w.
func FailedRule(rule string, f scoring.RuleFacts, w *explain.Writer) *matchingv1.FailedRule {
	return &matchingv1.FailedRule{Rule: rule, Detail: w.Rule(rule, f), Facts: ruleFacts(rule, f)}
}

func ruleFacts(rule string, f scoring.RuleFacts) *matchingv1.RuleFacts {
	var out matchingv1.RuleFacts
	switch rule {
	case "REQUIRED_SKILLS_MISSING":
		facts := &matchingv1.SkillsRuleFacts{MissingSkills: f.MissingSkills}
		for _, s := range f.SkillsBelowMinimum {
			facts.BelowMinimum = append(facts.BelowMinimum,
				&matchingv1.SkillMinimum{Skill: s.Skill, Level: int32(s.Level), MinLevel: int32(s.MinLevel)})
		}
		out.Rule = &matchingv1.RuleFacts_Skills{Skills: facts}
	case "NOT_AVAILABLE_AT_START":
		out.Rule = &matchingv1.RuleFacts_Availability{Availability: &matchingv1.AvailabilityRuleFacts{
			AvailableOn: f.AvailableOn, NoticePeriodDays: int32(f.NoticePeriodDays), StartDate: f.StartDate,
			LatestStart: f.LatestStart}}
	case "BOOKED_DURING_MISSION":
		out.Rule = &matchingv1.RuleFacts_Booking{Booking: &matchingv1.BookingRuleFacts{BookedFrom: f.BookedFrom,
			BookedTo: f.BookedTo, WindowStart: f.WindowStart, WindowEnd: f.WindowEnd}}
	case "DAILY_RATE_OVER_BUDGET":
		out.Rule = &matchingv1.RuleFacts_Rate{Rate: &matchingv1.RateRuleFacts{DailyRateEur: int32(f.DailyRateEUR),
			BudgetEur: int32(f.BudgetEUR)}}
	case "NO_SHARED_LANGUAGE":
		out.Rule = &matchingv1.RuleFacts_Languages{Languages: &matchingv1.LanguageRuleFacts{Languages: f.Languages}}
	case "WORK_MODE_INCOMPATIBLE":
		out.Rule = &matchingv1.RuleFacts_WorkMode{WorkMode: &matchingv1.WorkModeRuleFacts{
			WorkMode: taxonomyv1.WorkMode(f.WorkMode)}}
	case "LOCATION_INCOMPATIBLE":
		out.Rule = &matchingv1.RuleFacts_Location{Location: &matchingv1.LocationRuleFacts{Country: f.Country,
			MissionCountry: f.MissionCountry}}
	case "EXPERIENCE_TOO_LOW":
		out.Rule = &matchingv1.RuleFacts_Experience{Experience: &matchingv1.ExperienceRuleFacts{Years: int32(f.Years),
			MinYears: int32(f.MinYears)}}
	default:
		return nil
	}
	return &out
}

// componentFacts keeps the facts of the component named: the others are zero.
func componentFacts(name string, f *scoring.Facts) *matchingv1.ComponentFacts {
	if f == nil {
		return nil
	}
	var out matchingv1.ComponentFacts
	switch name {
	case "skills":
		out.Component = &matchingv1.ComponentFacts_Skills{Skills: &matchingv1.SkillsFacts{
			Required: skillFacts(f.Required), NiceToHave: skillFacts(f.NiceToHave)}}
	case "sector":
		out.Component = &matchingv1.ComponentFacts_Sector{Sector: &matchingv1.SectorFacts{
			MissionSector: f.MissionSector, Fit: string(f.SectorFit), MatchedSector: f.MatchedSector}}
	case "missionType":
		out.Component = &matchingv1.ComponentFacts_MissionType{MissionType: &matchingv1.MissionTypeFacts{
			MissionType: int32(f.MissionType), Months: int32(f.Months), FullAtMonths: int32(f.FullAtMonths)}}
	case "seniority":
		out.Component = &matchingv1.ComponentFacts_Seniority{Seniority: &matchingv1.SeniorityFacts{
			Years: int32(f.Years), FullAtYears: int32(f.FullAtYears)}}
	case "rateFit":
		out.Component = &matchingv1.ComponentFacts_RateFit{RateFit: &matchingv1.RateFitFacts{
			DailyRateEur: int32(f.DailyRateEUR), BudgetEur: int32(f.BudgetEUR), FullFitEur: int32(f.FullFitEUR)}}
	case "availability":
		out.Component = &matchingv1.ComponentFacts_Availability{Availability: &matchingv1.AvailabilityFacts{
			DaysLate: int32(f.DaysLate), ToleranceDays: int32(f.ToleranceDays)}}
	case "location":
		out.Component = &matchingv1.ComponentFacts_Location{Location: &matchingv1.LocationFacts{
			Fit: string(f.Location), City: f.City, Region: f.Region, Country: f.Country}}
	default:
		return nil
	}
	return &out
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
			sc.Facts = factsFrom(f)
		} else {
			sc.Detail = c.GetDetail()
		}
		out.Components = append(out.Components, sc)
	}
	return out
}

func factsFrom(f *matchingv1.ComponentFacts) *scoring.Facts {
	out := &scoring.Facts{}
	if s := f.GetSkills(); s != nil {
		out.Required, out.NiceToHave = skillFactsFrom(s.GetRequired()), skillFactsFrom(s.GetNiceToHave())
	}
	if s := f.GetSector(); s != nil {
		out.MissionSector, out.SectorFit, out.MatchedSector = s.GetMissionSector(), scoring.SectorFit(s.GetFit()), s.GetMatchedSector()
	}
	if m := f.GetMissionType(); m != nil {
		out.MissionType, out.Months, out.FullAtMonths = int(m.GetMissionType()), int(m.GetMonths()), int(m.GetFullAtMonths())
	}
	if s := f.GetSeniority(); s != nil {
		out.Years, out.FullAtYears = int(s.GetYears()), int(s.GetFullAtYears())
	}
	if r := f.GetRateFit(); r != nil {
		out.DailyRateEUR, out.BudgetEUR, out.FullFitEUR = int(r.GetDailyRateEur()), int(r.GetBudgetEur()), int(r.GetFullFitEur())
	}
	if a := f.GetAvailability(); a != nil {
		out.DaysLate, out.ToleranceDays = int(a.GetDaysLate()), int(a.GetToleranceDays())
	}
	if l := f.GetLocation(); l != nil {
		out.Location, out.City, out.Region, out.Country = scoring.LocationFit(l.GetFit()), l.GetCity(), l.GetRegion(), l.GetCountry()
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
