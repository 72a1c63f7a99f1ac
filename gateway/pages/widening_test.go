package pages

import (
	"strings"
	"testing"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// TestWideningHintsAreWrittenForTheReader: every form of value matching sends reads as words
// in the reader's language, never as the API's codes.
func TestWideningHintsAreWrittenForTheReader(t *testing.T) {
	for _, tc := range []struct {
		field, value string
		en, fr       string
	}{
		{"workMode", "WORK_MODE_REMOTE", "Work mode → Remote: 5 more consultants", "Mode de travail → À distance : 5 consultants de plus"},
		{"workMode", "WORK_MODE_HYBRID", "Work mode → Hybrid: 5 more consultants", "Mode de travail → Hybride : 5 consultants de plus"},
		{"requiredSkills", "-mlops", "Required skills → drop MLOps: 5 more consultants", "Compétences requises → retirer MLOps : 5 consultants de plus"},
		{"requiredSkills", "-ai-strategy", "Required skills → drop AI strategy: 5 more consultants", "Compétences requises → retirer Stratégie IA : 5 consultants de plus"},
		{"languages", "+en", "Languages → add English: 5 more consultants", "Langues → ajouter anglais : 5 consultants de plus"},
		{"languages", "+pt", "Languages → add Portuguese: 5 more consultants", "Langues → ajouter portugais : 5 consultants de plus"},
		{"startDate", "2027-03-01", "Start date → 1 March 2027: 5 more consultants", "Date de début → 1er mars 2027 : 5 consultants de plus"},
		{"startDate", "2027-04-15", "Start date → 15 April 2027: 5 more consultants", "Date de début → 15 avril 2027 : 5 consultants de plus"},
		{"maxDailyRateEur", "1800", "Maximum daily rate → €1,800: 5 more consultants", "Tarif journalier maximal → 1\u00a0800\u00a0€ : 5 consultants de plus"},
		{"minYearsExperience", "3", "Minimum experience → 3 years: 5 more consultants", "Expérience minimale → 3 ans : 5 consultants de plus"},
		{"minYearsExperience", "1", "Minimum experience → 1 year: 5 more consultants", "Expérience minimale → 1 an : 5 consultants de plus"},
		// A form the page does not know yet shows as matching sent it rather than as nothing.
		{"workMode", "WORK_MODE_SOMEWHERE", "Work mode → WORK_MODE_SOMEWHERE: 5 more consultants", "Mode de travail → WORK_MODE_SOMEWHERE : 5 consultants de plus"},
		{"requiredSkills", "mlops", "Required skills → mlops: 5 more consultants", "Compétences requises → mlops : 5 consultants de plus"},
		{"maxDailyRateEur", "lots", "Maximum daily rate → lots: 5 more consultants", "Tarif journalier maximal → lots : 5 consultants de plus"},
	} {
		hint := &matchingv1.Widening{Field: tc.field, Value: tc.value, AdditionalEligible: 5}
		for lang, want := range map[locale.Language]string{locale.English: tc.en, locale.French: tc.fr} {
			got := widening(newLocalizer(string(lang)), lang, hint)
			if got.Text != want {
				t.Errorf("%s %s=%s: %q, want %q", lang, tc.field, tc.value, got.Text, want)
			}
			change, _, _ := strings.Cut(strings.SplitN(want, " → ", 2)[1], map[locale.Language]string{locale.English: ":", locale.French: " :"}[lang])
			if !strings.Contains(got.Apply, change) {
				t.Errorf("%s %s=%s: the button is named %q, which lacks %q", lang, tc.field, tc.value, got.Apply, change)
			}
		}
	}
	if got := widening(newLocalizer("en"), locale.English, &matchingv1.Widening{Field: "languages", Value: "+de"}).Apply; got != "Apply (Languages: add German)" {
		t.Errorf("the apply button is named %q", got)
	}
	if got := widening(newLocalizer("fr"), locale.French, &matchingv1.Widening{Field: "languages", Value: "+de"}).Apply; got != "Appliquer (Langues : ajouter allemand)" {
		t.Errorf("the apply button is named %q", got)
	}
}

// TestComponentsAndRulesAreNamedAsTheExplanationsNameThem: the page's labels are pkg/explain's.
func TestComponentsAndRulesAreNamedAsTheExplanationsNameThem(t *testing.T) {
	component := templateFuncs["component"].(func(locale.Language, string) string)
	rule := templateFuncs["rule"].(func(locale.Language, string) string)
	for _, tc := range []struct{ got, want string }{
		{component(locale.English, "rateFit"), "Daily rate"},
		{component(locale.French, "rateFit"), "Tarif journalier"},
		{component(locale.French, "seniority"), "Ancienneté"},
		{rule(locale.English, "DAILY_RATE_OVER_BUDGET"), "daily rate over the budget"},
		{rule(locale.French, "NO_SHARED_LANGUAGE"), "aucune langue commune"},
		{rule(locale.English, "SOME_NEW_RULE"), "SOME_NEW_RULE"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}

// TestMissionPageWritesItsHintsAndNamesItsButtons renders the firm's mission page in both
// languages: the hint reads as words, its Apply button names the change it makes, and the
// components and rules carry pkg/explain's labels.
func TestMissionPageWritesItsHintsAndNamesItsButtons(t *testing.T) {
	var languages []string
	h := newTestSite(t, &languages)
	for lang, wants := range map[string][]string{
		"en": {"Maximum daily rate → €1,800: 4 more consultants", `aria-label="Apply (Maximum daily rate: €1,800)"`,
			`<th scope="row">Skills<span class="detail">`, "<li>daily rate over the budget: 3</li>"},
		"fr": {"Tarif journalier maximal → 1\u00a0800\u00a0€ : 4 consultants de plus",
			"aria-label=\"Appliquer (Tarif journalier maximal : 1\u00a0800\u00a0€)\"",
			`<th scope="row">Compétences<span class="detail">`, "<li>tarif au-dessus du budget : 3</li>"},
	} {
		rec := get(t, h, "/missions/m1", "good", lang)
		body := rec.Body.String()
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the mission page (%d) lacks %q", lang, rec.Code, want)
			}
		}
	}
}

// TestEachAcceptButtonNamesItsOffer: a screen reader listing the page's buttons hears which
// offer each Accept is for.
func TestEachAcceptButtonNamesItsOffer(t *testing.T) {
	var answers []string
	for lang, want := range map[string]string{"en": `aria-label="Accept the offer: Launch the AI programme"`,
		"fr": `aria-label="Accepter l&#39;offre : Launch the AI programme"`} {
		rec := get(t, consultantSite(t, &answers), "/offers", "good", lang)
		if body := rec.Body.String(); !strings.Contains(body, want) {
			t.Errorf("%s: the offers page (%d) lacks %s", lang, rec.Code, want)
		}
	}
}
