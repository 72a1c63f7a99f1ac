// Package explain writes what matching found in the reader's language: the detail of each score
// component, a one-sentence summary per candidate and the reason of each failed hard rule. It
// writes from language-neutral facts (pkg/scoring), so an explanation stored once is read in
// any language, and its texts live in message catalogues (messages/*.toml), one per language.
package explain

import (
	"cmp"
	"embed"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"

	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/scoring"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

//go:embed messages/*.toml
var catalogues embed.FS

var bundle = sync.OnceValue(func() *i18n.Bundle {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range locale.Supported {
		if _, err := b.LoadMessageFileFS(catalogues, "messages/"+string(l)+".toml"); err != nil {
			panic(fmt.Sprintf("explain: catalogue %s: %v", l, err)) // embedded: a test loads them
		}
	}
	return b
})

// Writer writes explanations in one language. It is safe for concurrent use.
type Writer struct {
	lang      locale.Language
	tag       language.Tag
	localizer *i18n.Localizer
	numbers   *message.Printer
}

var writers sync.Map // locale.Language → *Writer

// In is the writer for l; a language the platform does not speak gets the default's.
func In(l locale.Language) *Writer {
	if !slices.Contains(locale.Supported, l) {
		l = locale.Default
	}
	if w, ok := writers.Load(l); ok {
		return w.(*Writer)
	}
	tag := language.Make(string(l))
	w, _ := writers.LoadOrStore(l, &Writer{lang: l, tag: tag, localizer: i18n.NewLocalizer(bundle(), string(l)),
		numbers: message.NewPrinter(tag)})
	return w.(*Writer)
}

// Language is the language the writer writes.
func (w *Writer) Language() locale.Language { return w.lang }

// Component is the detail of one score component. A component stored before facts existed
// keeps the English detail it was stored with.
func (w *Writer) Component(c scoring.Component) string {
	f := c.Facts
	if f == nil {
		return c.Detail
	}
	switch c.Name {
	case "skills":
		return w.text("SkillsDetail", data{"Required": w.skillLevels(f.Required, false),
			"NiceToHave": w.skillLevels(f.NiceToHave, true)})
	case "sector":
		return w.sector(f)
	case "missionType":
		if f.MissionType == 0 {
			return w.text("MissionTypeNone", nil)
		}
		return w.text("MissionTypeMonths", data{"Months": w.count("Months", f.Months),
			"Type": taxonomy.MissionType(f.MissionType).NameIn(string(w.lang)), "Full": w.count("Months", f.FullAtMonths)})
	case "seniority":
		return w.text("Seniority", data{"Years": w.count("Years", f.Years), "Full": w.count("Years", f.FullAtYears)})
	case "rateFit":
		return w.text("RateFit", data{"Rate": w.money(f.DailyRateEUR), "Budget": w.money(f.BudgetEUR),
			"FullFit": w.money(f.FullFitEUR)})
	case "availability":
		if f.DaysLate <= 0 {
			return w.text("AvailabilityOnTime", nil)
		}
		return w.text("AvailabilityLate", data{"Late": w.count("Days", f.DaysLate), "Tolerance": w.count("Days", f.ToleranceDays)})
	case "location":
		return w.location(f)
	}
	return c.Detail
}

func (w *Writer) sector(f *scoring.Facts) string {
	section := cmp.Or(taxonomy.SectionOf(f.MissionSector), f.MissionSector)
	switch f.SectorFit {
	case scoring.SectorExact:
		return w.text("SectorExact", data{"Sector": w.sectorName(f.MatchedSector)})
	case scoring.SectorSameSection:
		if f.MatchedSector == section {
			return w.text("SectorSectionOnly", data{"Section": w.sectorName(section)})
		}
		return w.text("SectorSameSection", data{"Sector": w.sectorName(f.MatchedSector), "Section": w.sectorName(section)})
	}
	return w.text("SectorOther", data{"Section": w.sectorName(section)})
}

func (w *Writer) location(f *scoring.Facts) string {
	switch f.Location {
	case scoring.LocationRemote:
		return w.text("LocationRemote", nil)
	case scoring.LocationCity:
		if c, ok := gazetteer.CityByID(f.City); ok {
			return w.text("LocationCity", data{"City": c.Name})
		}
	case scoring.LocationRegion:
		if r, ok := gazetteer.RegionByID(f.Region); ok {
			return w.text("LocationRegion", data{"Region": r.Name})
		}
	case scoring.LocationElsewhere:
		return w.text("LocationElsewhere", data{"Country": w.country(f.Country)})
	}
	// Same country only: the consultant may live in another region or in a place the gazetteer
	// does not know, which the facts do not tell apart, so the text claims neither.
	return w.text("LocationCountryOnly", data{"Country": w.country(f.Country)})
}

// The weakest a component may be and still be named a strength, and the strongest it may be
// and be named a weakness: a summary names what a person would notice in the breakdown.
const (
	strengthAtLeast = 0.6
	weaknessBelow   = 0.5
	strongMatch     = 75 // out of 100
	goodMatch       = 55
)

// Summary is one sentence on why a candidate fits: how good the match is, its score out of
// 100, the (at most two) components that contribute most, and the one that costs most.
func (w *Writer) Summary(score float64, e scoring.Explanation) string {
	type aspect struct {
		name        string
		gain, loss  float64
		value       float64
		distinctive bool
	}
	var aspects []aspect
	for _, c := range e.Components {
		// A remote mission's location is the same for everyone: it is nobody's strength.
		distinctive := c.Facts == nil || c.Facts.Location != scoring.LocationRemote
		aspects = append(aspects, aspect{c.Name, c.Weight * c.Value, c.Weight * (1 - c.Value), c.Value, distinctive})
	}
	var best []string
	byGain := slices.Clone(aspects)
	slices.SortStableFunc(byGain, func(a, b aspect) int { return cmp.Compare(b.gain, a.gain) })
	for _, a := range byGain {
		if len(best) < 2 && a.distinctive && a.value >= strengthAtLeast {
			best = append(best, w.aspect(a.name))
		}
	}
	weak := ""
	worst := -1.0
	for _, a := range aspects {
		if a.value < weaknessBelow && a.loss > worst {
			weak, worst = w.aspect(a.name), a.loss
		}
	}
	// The label goes by the score as shown, so that "75/100" never reads as a good match on
	// one candidate and a strong one on the next.
	outOf100 := int(math.Round(score * 100))
	match := "MatchPartial"
	switch {
	case outOf100 >= strongMatch:
		match = "MatchStrong"
	case outOf100 >= goodMatch:
		match = "MatchGood"
	}
	d := data{"Match": w.text(match, nil), "Score": strconv.Itoa(outOf100),
		"Best": w.join(best, "ListAnd"), "Weak": weak}
	switch {
	case len(best) > 0 && weak != "":
		return w.text("SummaryBestAndWeak", d)
	case len(best) > 0:
		return w.text("SummaryBest", d)
	case weak != "":
		return w.text("SummaryWeak", d)
	}
	return w.text("SummaryEven", d)
}

// components names each score component's messages: Aspect<name> within a sentence ("weaker
// on daily rate"), Component<name> as a label ("Daily rate").
var components = map[string]string{"skills": "Skills", "sector": "Sector", "missionType": "MissionType",
	"seniority": "Seniority", "rateFit": "RateFit", "availability": "Availability", "location": "Location"}

func (w *Writer) aspect(component string) string {
	if id, ok := components[component]; ok {
		return w.text("Aspect"+id, nil)
	}
	return component
}

// ComponentName is a score component's short label, as a table names it ("Daily rate"); an
// unknown component is its own name.
func (w *Writer) ComponentName(component string) string {
	if id, ok := components[component]; ok {
		return w.text("Component"+id, nil)
	}
	return component
}

// ruleNames names each hard rule's short label, RuleName<name>.
var ruleNames = map[string]string{"REQUIRED_SKILLS_MISSING": "MissingSkills", "NOT_AVAILABLE_AT_START": "NotAvailable",
	"BOOKED_DURING_MISSION": "Booked", "DAILY_RATE_OVER_BUDGET": "RateOverBudget", "NO_SHARED_LANGUAGE": "NoSharedLanguage",
	"WORK_MODE_INCOMPATIBLE": "WorkMode", "LOCATION_INCOMPATIBLE": "Location", "EXPERIENCE_TOO_LOW": "Experience",
	"PROFILING_OPTED_OUT": "OptedOut", "PROFILE_ERASED": "Erased"}

// RuleName is a hard rule's short label, as a count of the consultants it leaves out names it
// ("daily rate over the budget: 3"); Rule is the reason with its facts. An unknown rule is its
// own name.
func (w *Writer) RuleName(rule string) string {
	if id, ok := ruleNames[rule]; ok {
		return w.text("RuleName"+id, nil)
	}
	return rule
}

// Rule is the reason a hard rule excludes a consultant.
func (w *Writer) Rule(rule string, f scoring.RuleFacts) string {
	switch rule {
	case "REQUIRED_SKILLS_MISSING":
		var parts []string
		if len(f.MissingSkills) > 0 {
			var names []string
			for _, s := range f.MissingSkills {
				names = append(names, taxonomy.SkillName(s, string(w.lang)))
			}
			parts = append(parts, w.text("RuleMissingSkills", data{"Skills": w.join(names, "ListAnd")}))
		}
		if len(f.SkillsBelowMinimum) > 0 {
			var low []string
			for _, s := range f.SkillsBelowMinimum {
				low = append(low, w.text("SkillBelowMinimum", data{"Skill": taxonomy.SkillName(s.Skill, string(w.lang)),
					"Level": s.Level, "Min": s.MinLevel}))
			}
			parts = append(parts, w.text("RuleSkillsBelowMinimum", data{"Skills": w.join(low, "ListAnd")}))
		}
		return strings.Join(parts, " ")
	case "NOT_AVAILABLE_AT_START":
		d := data{"On": w.date(f.AvailableOn), "Start": w.date(f.StartDate), "Latest": w.date(f.LatestStart)}
		if f.NoticePeriodDays > 0 {
			d["Notice"] = w.count("Days", f.NoticePeriodDays)
			return w.text("RuleNotAvailableNotice", d)
		}
		return w.text("RuleNotAvailable", d)
	case "BOOKED_DURING_MISSION":
		return w.text("RuleBooked", data{"From": w.date(f.BookedFrom), "To": w.date(f.BookedTo),
			"Start": w.date(f.WindowStart), "End": w.date(f.WindowEnd)})
	case "DAILY_RATE_OVER_BUDGET":
		return w.text("RuleRateOverBudget", data{"Rate": w.money(f.DailyRateEUR), "Budget": w.money(f.BudgetEUR)})
	case "NO_SHARED_LANGUAGE":
		var names []string
		for _, l := range f.Languages {
			names = append(names, w.languageName(l))
		}
		return w.text("RuleNoSharedLanguage", data{"Languages": w.join(names, "ListOr")})
	case "WORK_MODE_INCOMPATIBLE":
		mode := "WorkModeOnSite"
		if taxonomy.WorkMode(f.WorkMode) == taxonomy.WorkModeHybrid {
			mode = "WorkModeHybrid"
		}
		return w.text("RuleWorkMode", data{"Mode": w.text(mode, nil)})
	case "LOCATION_INCOMPATIBLE":
		return w.text("RuleLocation", data{"Country": w.country(f.Country), "MissionCountry": w.country(f.MissionCountry)})
	case "EXPERIENCE_TOO_LOW":
		return w.text("RuleExperience", data{"Years": w.count("Years", f.Years), "Min": w.count("Years", f.MinYears)})
	case "PROFILING_OPTED_OUT":
		return w.text("RuleOptedOut", nil)
	case "PROFILE_ERASED":
		return w.text("RuleErased", nil)
	}
	return rule
}

type data = map[string]any

// text localizes one message. The catalogues are embedded and checked by the tests, so a
// missing message is a programming error; the id stands in for it rather than an empty text.
func (w *Writer) text(id string, d data) string {
	s, err := w.localizer.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: d})
	if err != nil {
		return id
	}
	return s
}

// count writes "3 days", "1 an" with the language's plural rules.
func (w *Writer) count(id string, n int) string {
	s, err := w.localizer.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n,
		TemplateData: data{"Count": w.numbers.Sprint(n)}})
	if err != nil {
		return id
	}
	return s
}

// Money writes an amount in euros as the language does: "€1,800", "1 800 €".
func (w *Writer) Money(eur int) string { return w.money(eur) }

// Date writes a YYYY-MM-DD date as a person reads it ("1 March 2027", "1er mars 2027"); what is
// not such a date is returned as it is.
func (w *Writer) Date(iso string) string { return w.date(iso) }

// Years writes a number of years with the language's plural rules: "1 year", "3 ans".
func (w *Writer) Years(n int) string { return w.count("Years", n) }

// LanguageName names a language by its ISO 639 code ("de": "German", "allemand"); an unknown
// code is returned as it is.
func (w *Writer) LanguageName(code string) string { return w.languageName(code) }

// SkillName names a skill of the taxonomy by its id; an unknown id is returned as it is.
func (w *Writer) SkillName(id string) string { return taxonomy.SkillName(id, string(w.lang)) }

func (w *Writer) money(eur int) string {
	return w.text("Money", data{"Amount": w.numbers.Sprint(eur)})
}

// date writes a YYYY-MM-DD date as a person reads it: "15 March 2027", "1er mars 2027".
func (w *Writer) date(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = w.text("FirstOfMonth", nil)
	}
	return w.text("Date", data{"Day": day, "Month": w.text("Month"+strconv.Itoa(int(t.Month())), nil), "Year": t.Year()})
}

// join lists items the way the language does: "a, b and c", "a, b et c".
func (w *Writer) join(items []string, conjunction string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + w.text(conjunction, nil) + " " + items[len(items)-1]
}

func (w *Writer) skillLevels(skills []scoring.SkillFact, missingAllowed bool) string {
	if len(skills) == 0 {
		return w.text("SkillsNoneAsked", nil)
	}
	var parts []string
	for _, s := range skills {
		name := taxonomy.SkillName(s.Skill, string(w.lang))
		if s.Level == 0 && missingAllowed {
			parts = append(parts, w.text("SkillMissing", data{"Skill": name}))
		} else {
			parts = append(parts, w.text("SkillAtLevel", data{"Skill": name, "Level": s.Level}))
		}
	}
	return w.join(parts, "ListAnd")
}

func (w *Writer) sectorName(id string) string {
	if s, ok := taxonomy.SectorByID(id); ok {
		return s.NameIn(string(w.lang))
	}
	return id
}

func (w *Writer) country(code string) string {
	region, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if name := display.Regions(w.tag).Name(region); name != "" {
		return name
	}
	return code
}

func (w *Writer) languageName(code string) string {
	base, err := language.ParseBase(code)
	if err != nil {
		return code
	}
	if name := display.Languages(w.tag).Name(base); name != "" {
		return name
	}
	return code
}
