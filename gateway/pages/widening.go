package pages

import (
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/caiomatch/caiomatch/pkg/explain"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	taxonomyv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/taxonomy/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
)

// The pages name score components and hard rules as the explanations do, from pkg/explain's
// catalogue, and write matching's widening hints for the reader.
func init() {
	templateFuncs["component"] = func(lang locale.Language, name string) string { return explain.In(lang).ComponentName(name) }
	templateFuncs["rule"] = func(lang locale.Language, rule string) string { return explain.In(lang).RuleName(rule) }
	templateFuncs["widening"] = widening
}

// wideningHint is one of matching's suggestions to widen a mission's pool, written for the reader.
type wideningHint struct {
	// Text is the hint: "Maximum daily rate → €1,800: 4 more consultants".
	Text string
	// Apply is the accessible name of the button that applies it: "Apply (Work mode: Remote)".
	Apply string
}

// widening writes a hint in the reader's language. Matching sends a field and a value in the
// API's terms (domain.Widen* in services/matching): a work mode's enum name, "-<skill id>" to
// drop a required skill, "+<language code>" to accept one more language, a date, a rate in
// euros, a number of years. A form the page does not know shows as matching sent it.
func widening(loc *i18n.Localizer, lang locale.Language, hint *matchingv1.Widening) wideningHint {
	field := label(loc, "Field_", hint.GetField())
	value := wideningValue(loc, explain.In(lang), hint.GetField(), hint.GetValue())
	return wideningHint{
		Text:  translateWith(loc, "WidenHint", "Field", field, "Value", value, "Count", hint.GetAdditionalEligible()),
		Apply: translateWith(loc, "Widening_Apply", "Field", field, "Value", value),
	}
}

func wideningValue(loc *i18n.Localizer, w *explain.Writer, field, value string) string {
	switch field {
	case "workMode":
		if mode, ok := taxonomyv1.WorkMode_value[value]; ok {
			return enumLabel(loc, taxonomyv1.WorkMode(mode))
		}
	case "requiredSkills":
		if id, ok := strings.CutPrefix(value, "-"); ok {
			return translateWith(loc, "Widening_DropSkill", "Skill", w.SkillName(id))
		}
	case "languages":
		if code, ok := strings.CutPrefix(value, "+"); ok {
			return translateWith(loc, "Widening_AddLanguage", "Language", w.LanguageName(code))
		}
	case "startDate":
		return w.Date(value)
	case "maxDailyRateEur":
		if eur, err := strconv.Atoi(value); err == nil {
			return w.Money(eur)
		}
	case "minYearsExperience":
		if years, err := strconv.Atoi(value); err == nil {
			return w.Years(years)
		}
	}
	return value
}
