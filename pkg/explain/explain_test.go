package explain_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/caiomatch/caiomatch/pkg/explain"
	"github.com/caiomatch/caiomatch/pkg/gazetteer"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/scoring"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current texts")

// TestCataloguesHoldTheSameMessages: a message in one language only would show English (or the
// message id) to a French reader.
func TestCataloguesHoldTheSameMessages(t *testing.T) {
	ids := map[locale.Language]map[string]bool{}
	for _, l := range locale.Supported {
		var messages map[string]any
		if _, err := toml.DecodeFile(filepath.Join("messages", string(l)+".toml"), &messages); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		ids[l] = map[string]bool{}
		for id := range messages {
			ids[l][id] = true
		}
	}
	for _, l := range locale.Supported {
		for _, other := range locale.Supported {
			for id := range ids[other] {
				if !ids[l][id] {
					t.Errorf("message %q is in %s.toml but not in %s.toml", id, other, l)
				}
			}
		}
	}
}

var placeholder = regexp.MustCompile(`{{\.(\w+)}}`)

// TestCataloguesUseTheSamePlaceholders: a translation that drops or renames a placeholder would
// leave a fact out of the sentence, or print "<no value>".
func TestCataloguesUsePlaceholdersTheSameWay(t *testing.T) {
	placeholders := map[locale.Language]map[string]string{}
	for _, l := range locale.Supported {
		var messages map[string]any
		if _, err := toml.DecodeFile(filepath.Join("messages", string(l)+".toml"), &messages); err != nil {
			t.Fatal(err)
		}
		placeholders[l] = map[string]string{}
		for id, m := range messages {
			var names []string
			for _, found := range placeholder.FindAllStringSubmatch(fmt.Sprint(m), -1) {
				if !slices.Contains(names, found[1]) {
					names = append(names, found[1])
				}
			}
			slices.Sort(names)
			placeholders[l][id] = strings.Join(names, ",")
		}
	}
	for id, en := range placeholders[locale.English] {
		if fr := placeholders[locale.French][id]; fr != en {
			t.Errorf("message %s: placeholders {%s} in English, {%s} in French", id, en, fr)
		}
	}
}

type goldenCase struct {
	name  string
	write func(w *explain.Writer) string
}

func component(name string, f scoring.Facts) func(w *explain.Writer) string {
	return func(w *explain.Writer) string { return w.Component(scoring.Component{Name: name, Facts: &f}) }
}

func rule(name string, f scoring.RuleFacts) func(w *explain.Writer) string {
	return func(w *explain.Writer) string { return w.Rule(name, f) }
}

func summary(score float64, values ...float64) func(w *explain.Writer) string {
	names := []string{"skills", "sector", "missionType", "seniority", "rateFit", "availability", "location"}
	weights := []float64{0.32, 0.18, 0.13, 0.09, 0.09, 0.09, 0.10}
	return func(w *explain.Writer) string {
		var e scoring.Explanation
		for i, v := range values {
			e.Components = append(e.Components, scoring.Component{Name: names[i], Weight: weights[i], Value: v,
				Facts: &scoring.Facts{Location: scoring.LocationCity}})
		}
		return w.Summary(score, e)
	}
}

// goldenCases cover every message of the catalogues at least once.
var goldenCases = []goldenCase{
	{"skills", component("skills", scoring.Facts{
		Required:   []scoring.SkillFact{{Skill: "mlops", Level: 4}, {Skill: "generative-ai", Level: 3}},
		NiceToHave: []scoring.SkillFact{{Skill: "computer-vision"}, {Skill: "ai-strategy", Level: 5}}})},
	{"skills, none asked", component("skills", scoring.Facts{})},
	{"sector, exact", component("sector", scoring.Facts{MissionSector: "C29", SectorFit: scoring.SectorExact, MatchedSector: "C29"})},
	{"sector, same section", component("sector", scoring.Facts{MissionSector: "C29", SectorFit: scoring.SectorSameSection, MatchedSector: "C21"})},
	{"sector, same section named only by its section", component("sector", scoring.Facts{MissionSector: "C29", SectorFit: scoring.SectorSameSection, MatchedSector: "C"})},
	{"sector, other", component("sector", scoring.Facts{MissionSector: "K", SectorFit: scoring.SectorOther})},
	{"mission type", component("missionType", scoring.Facts{MissionType: 2, Months: 0, FullAtMonths: 24})},
	{"mission type, one month", component("missionType", scoring.Facts{MissionType: 1, Months: 1, FullAtMonths: 24})},
	{"mission type, none given", component("missionType", scoring.Facts{})},
	{"seniority", component("seniority", scoring.Facts{Years: 13, FullAtYears: 20})},
	{"seniority, one year", component("seniority", scoring.Facts{Years: 1, FullAtYears: 20})},
	{"rate fit", component("rateFit", scoring.Facts{DailyRateEUR: 1250, BudgetEUR: 1800, FullFitEUR: 1350})},
	{"availability, on time", component("availability", scoring.Facts{})},
	{"availability, late", component("availability", scoring.Facts{DaysLate: 1, ToleranceDays: 14})},
	{"location, remote", component("location", scoring.Facts{Location: scoring.LocationRemote})},
	{"location, city", component("location", scoring.Facts{Location: scoring.LocationCity, City: "fr-lyon", Region: "fr-ara", Country: "FR"})},
	{"location, region", component("location", scoring.Facts{Location: scoring.LocationRegion, City: "fr-lyon", Region: "fr-ara", Country: "FR"})},
	{"location, country", component("location", scoring.Facts{Location: scoring.LocationCountry, City: "fr-lyon", Region: "fr-ara", Country: "FR"})},
	{"location, country of an unknown city", component("location", scoring.Facts{Location: scoring.LocationCountry, Country: "DE"})},
	{"location, elsewhere", component("location", scoring.Facts{Location: scoring.LocationElsewhere, Country: "BE"})},
	{"legacy detail", func(w *explain.Writer) string {
		return w.Component(scoring.Component{Name: "sector", Detail: "has worked in C21"})
	}},
	{"summary, strong with a weakness", summary(0.8234, 1, 1, 0.5, 0.65, 0.9, 0.2, 1)},
	{"summary, good", summary(0.61, 0.7, 0.5, 0.5, 0.5, 0.55, 0.6, 0.5)},
	{"summary, partial, weak only", summary(0.31, 0.4, 0, 0.3, 0.5, 0.5, 0.5, 0.5)},
	{"summary, even", summary(0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55)},
	{"summary, label by the rounded score", summary(0.7499996, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55, 0.55)},
	{"rule, missing skills", rule("REQUIRED_SKILLS_MISSING", scoring.RuleFacts{MissingSkills: []string{"mlops", "ai-governance"},
		SkillsBelowMinimum: []scoring.SkillMinimum{{Skill: "ai-strategy", Level: 2, MinLevel: 4}}})},
	{"rule, not available", rule("NOT_AVAILABLE_AT_START", scoring.RuleFacts{AvailableOn: "2027-06-01", StartDate: "2027-03-01", LatestStart: "2027-03-15"})},
	{"rule, notice period", rule("NOT_AVAILABLE_AT_START", scoring.RuleFacts{AvailableOn: "2027-04-12", NoticePeriodDays: 90, StartDate: "2027-03-01", LatestStart: "2027-03-15"})},
	{"rule, booked", rule("BOOKED_DURING_MISSION", scoring.RuleFacts{BookedFrom: "2027-02-01", BookedTo: "2027-05-31", WindowStart: "2027-03-01", WindowEnd: "2027-12-31"})},
	{"rule, over budget", rule("DAILY_RATE_OVER_BUDGET", scoring.RuleFacts{DailyRateEUR: 2500, BudgetEUR: 1500})},
	{"rule, no shared language", rule("NO_SHARED_LANGUAGE", scoring.RuleFacts{Languages: []string{"de", "fr"}})},
	{"rule, work mode", rule("WORK_MODE_INCOMPATIBLE", scoring.RuleFacts{WorkMode: int(taxonomy.WorkModeHybrid)})},
	{"rule, work mode on site", rule("WORK_MODE_INCOMPATIBLE", scoring.RuleFacts{WorkMode: int(taxonomy.WorkModeOnSite)})},
	{"rule, location", rule("LOCATION_INCOMPATIBLE", scoring.RuleFacts{Country: "ES", MissionCountry: "FR"})},
	{"rule, experience", rule("EXPERIENCE_TOO_LOW", scoring.RuleFacts{Years: 1, MinYears: 10})},
	{"rule, opted out", rule("PROFILING_OPTED_OUT", scoring.RuleFacts{})},
	{"rule, erased", rule("PROFILE_ERASED", scoring.RuleFacts{})},
	{"component names", func(w *explain.Writer) string {
		var names []string
		for _, c := range []string{"skills", "sector", "missionType", "seniority", "rateFit", "availability", "location", "unknown"} {
			names = append(names, w.ComponentName(c))
		}
		return strings.Join(names, " | ")
	}},
	{"rule names", func(w *explain.Writer) string {
		var names []string
		for _, r := range []string{"REQUIRED_SKILLS_MISSING", "NOT_AVAILABLE_AT_START", "BOOKED_DURING_MISSION",
			"DAILY_RATE_OVER_BUDGET", "NO_SHARED_LANGUAGE", "WORK_MODE_INCOMPATIBLE", "LOCATION_INCOMPATIBLE",
			"EXPERIENCE_TOO_LOW", "PROFILING_OPTED_OUT", "PROFILE_ERASED", "SOME_NEW_RULE"} {
			names = append(names, w.RuleName(r))
		}
		return strings.Join(names, " | ")
	}},
	{"dates, money, years, languages, skills", func(w *explain.Writer) string {
		return strings.Join([]string{w.Date("2027-03-01"), w.Date("2027-12-25"), w.Date("soon"), w.Money(1800), w.Money(950),
			w.Years(1), w.Years(3), w.LanguageName("de"), w.LanguageName("nl"), w.LanguageName("??"),
			w.SkillName("mlops"), w.SkillName("ai-strategy"), w.SkillName("juggling")}, " | ")
	}},
}

// TestGoldenTexts compares every text with testdata/golden.<lang>.txt; go test -update rewrites
// them, and the diff is then read like any change of wording.
func TestGoldenTexts(t *testing.T) {
	for _, l := range locale.Supported {
		var b strings.Builder
		w := explain.In(l)
		for _, tc := range goldenCases {
			fmt.Fprintf(&b, "%s\n\t%s\n", tc.name, tc.write(w))
		}
		path := filepath.Join("testdata", "golden."+string(l)+".txt")
		if *update {
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got := b.String(); got != string(want) {
			t.Errorf("%s texts differ from %s (go test -update, then read the diff):\n%s", l, path, got)
		}
	}
}

var (
	// A NACE division (a letter and two digits), or a section letter standing where a name
	// would ("(C)", "section C."): French starts sentences with the verb "A", so a capital
	// followed by a space is a word.
	bareNACECode = regexp.MustCompile(`\b[A-U][0-9]{2}\b|(^|[\s(«])[A-U]($|[).,;:»])`)
	messageID    = regexp.MustCompile(`\b[A-Z][a-z]+[A-Z][A-Za-z]*\b`)
)

// moreThanTwoDecimals finds a number with three or more decimals in the language's own decimal
// separator (English writes 1,800 for a thousand eight hundred; French 1 800 and 0,125).
func moreThanTwoDecimals(l locale.Language) *regexp.Regexp {
	if l == locale.French {
		return regexp.MustCompile(`[0-9],[0-9]{3}`)
	}
	return regexp.MustCompile(`[0-9]\.[0-9]{3}`)
}

// TestPropertyNoCodesNorLongDecimals writes random facts in every language: no text names a
// sector by its bare code, shows more than two decimals, leaks a message id or is empty.
func TestPropertyNoCodesNorLongDecimals(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 2026))
	sectors, skills := taxonomy.Sectors(), taxonomy.Skills()
	cities := gazetteer.Cities()
	pick := func(n int) int { return rng.IntN(n) }
	for i := range 500 {
		sector, matched := sectors[pick(len(sectors))].ID, sectors[pick(len(sectors))].ID
		city := cities[pick(len(cities))]
		var req, nice []scoring.SkillFact
		for range pick(4) {
			req = append(req, scoring.SkillFact{Skill: skills[pick(len(skills))].ID, Level: 1 + pick(5)})
		}
		for range pick(3) {
			nice = append(nice, scoring.SkillFact{Skill: skills[pick(len(skills))].ID, Level: pick(6)})
		}
		fits := []scoring.SectorFit{scoring.SectorExact, scoring.SectorSameSection, scoring.SectorOther}
		locations := []scoring.LocationFit{scoring.LocationRemote, scoring.LocationCity, scoring.LocationRegion,
			scoring.LocationCountry, scoring.LocationElsewhere}
		budget := 400 + pick(4000)
		components := []scoring.Component{
			{Name: "skills", Facts: &scoring.Facts{Required: req, NiceToHave: nice}},
			{Name: "sector", Facts: &scoring.Facts{MissionSector: sector, SectorFit: fits[pick(3)], MatchedSector: matched}},
			{Name: "missionType", Facts: &scoring.Facts{MissionType: pick(taxonomy.MissionTypeCount), Months: pick(200), FullAtMonths: 24}},
			{Name: "seniority", Facts: &scoring.Facts{Years: pick(45), FullAtYears: 20}},
			{Name: "rateFit", Facts: &scoring.Facts{DailyRateEUR: pick(budget), BudgetEUR: budget, FullFitEUR: budget * 3 / 4}},
			{Name: "availability", Facts: &scoring.Facts{DaysLate: pick(40), ToleranceDays: pick(60)}},
			{Name: "location", Facts: &scoring.Facts{Location: locations[pick(5)], City: city.ID, Region: city.Region, Country: city.Country}},
		}
		var e scoring.Explanation
		for j := range components {
			components[j].Weight, components[j].Value = rng.Float64()/3, rng.Float64()
		}
		e.Components = components
		rules := map[string]scoring.RuleFacts{
			"REQUIRED_SKILLS_MISSING": {MissingSkills: []string{skills[pick(len(skills))].ID},
				SkillsBelowMinimum: []scoring.SkillMinimum{{Skill: skills[pick(len(skills))].ID, Level: 1 + pick(3), MinLevel: 4}}},
			"NOT_AVAILABLE_AT_START": {AvailableOn: "2027-01-01", NoticePeriodDays: pick(120), StartDate: "2026-12-01", LatestStart: "2026-12-15"},
			"DAILY_RATE_OVER_BUDGET": {DailyRateEUR: budget + 1 + pick(5000), BudgetEUR: budget},
			"EXPERIENCE_TOO_LOW":     {Years: pick(10), MinYears: 10 + pick(10)},
			"BOOKED_DURING_MISSION":  {BookedFrom: "2027-02-01", BookedTo: "2027-05-31", WindowStart: "2027-03-01", WindowEnd: "2027-12-31"},
			"NO_SHARED_LANGUAGE":     {Languages: []string{"de", "it", "nl"}[:1+pick(3)]},
			"WORK_MODE_INCOMPATIBLE": {WorkMode: 1 + pick(2)},
			"LOCATION_INCOMPATIBLE":  {Country: city.Country, MissionCountry: "FR"},
			"PROFILING_OPTED_OUT":    {},
			"PROFILE_ERASED":         {},
		}
		for _, l := range locale.Supported {
			w := explain.In(l)
			texts := []string{w.Summary(rng.Float64(), e)}
			for _, c := range components {
				texts = append(texts, w.Component(c))
			}
			for name, f := range rules {
				texts = append(texts, w.Rule(name, f))
			}
			for _, text := range texts {
				switch {
				case text == "":
					t.Fatalf("case %d, %s: an empty text", i, l)
				case bareNACECode.MatchString(text):
					t.Fatalf("case %d, %s: a bare NACE code in %q", i, l, text)
				case moreThanTwoDecimals(l).MatchString(text):
					t.Fatalf("case %d, %s: more than two decimals in %q", i, l, text)
				case messageID.MatchString(text):
					t.Fatalf("case %d, %s: a message id in %q", i, l, text)
				}
			}
		}
	}
}

func TestUnknownLanguageWritesTheDefault(t *testing.T) {
	if got := explain.In("de").Language(); got != locale.Default {
		t.Errorf("In(de) writes %q, want %q", got, locale.Default)
	}
}
