package taxonomy

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
)

// The checks below are shared by every service that accepts sectors, languages or locations, so
// a field is judged the same way wherever it arrives.

// CheckSectors requires 1..max known NACE Rev. 2.1 ids without repeats.
func CheckSectors(v *fault.Violations, field string, ids []string, maxCount int) {
	if len(ids) == 0 {
		v.Add(field, "needs at least one NACE Rev. 2.1 sector id")
		return
	}
	if len(ids) > maxCount {
		v.Add(field, "must hold at most %d sectors", maxCount)
		return
	}
	seen := map[string]bool{}
	for i, id := range ids {
		f := Indexed(field, i)
		if _, ok := SectorByID(id); !ok {
			v.Add(f, "unknown sector %q (see GET /v1/taxonomy/sectors)", id)
		} else if seen[id] {
			v.Add(f, "sector %q is repeated", id)
		}
		seen[id] = true
	}
}

// MaxLanguages bounds a language list.
const MaxLanguages = 10

// CheckLanguages requires 1..MaxLanguages ISO 639-1 codes without repeats.
func CheckLanguages(v *fault.Violations, field string, codes []string) {
	if len(codes) == 0 {
		v.Add(field, "needs at least one ISO 639-1 language code")
		return
	}
	if len(codes) > MaxLanguages {
		v.Add(field, "must hold at most %d languages", MaxLanguages)
		return
	}
	seen := map[string]bool{}
	for i, c := range codes {
		f := Indexed(field, i)
		if !IsLanguage(c) {
			v.Add(f, "%q is not a lower-case ISO 639-1 language code", c)
		} else if seen[c] {
			v.Add(f, "language %q is repeated", c)
		}
		seen[c] = true
	}
}

// CheckLocation requires an ISO 3166-1 alpha-2 country; the city is optional free text.
func CheckLocation(v *fault.Violations, field, country, city string) {
	if country == "" {
		v.Add(field+".country", "is required")
	} else if !IsCountry(country) {
		v.Add(field+".country", "%q is not an upper-case ISO 3166-1 alpha-2 country code", country)
	}
	if utf8.RuneCountInString(city) > 100 {
		v.Add(field+".city", "must be at most 100 characters")
	}
}

// Indexed names the i-th element of a list field the way clients see it: "skills[2]".
func Indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// MaxDailyRateEUR bounds a daily rate, a consultant's or a mission's budget.
const MaxDailyRateEUR = 20000

// CheckText requires free text of 1..maxRunes characters (already trimmed).
func CheckText(v *fault.Violations, field, s string, maxRunes int) {
	switch {
	case s == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > maxRunes:
		v.Add(field, "must be at most %d characters", maxRunes)
	}
}

// CheckWorkMode requires one of the three work modes.
func CheckWorkMode(v *fault.Violations, field string, m WorkMode) {
	if m < WorkModeOnSite || m > WorkModeRemote {
		v.Add(field, "is required: WORK_MODE_ON_SITE, WORK_MODE_HYBRID or WORK_MODE_REMOTE")
	}
}

// CheckDailyRate requires a whole number of euros from 1 to MaxDailyRateEUR.
func CheckDailyRate(v *fault.Violations, field string, eur int) {
	if eur <= 0 || eur > MaxDailyRateEUR {
		v.Add(field, "must be a whole number of euros between 1 and %d", MaxDailyRateEUR)
	}
}

// CheckDate requires a YYYY-MM-DD date and returns it; ok is false when it is missing or
// malformed (the violation is recorded).
func CheckDate(v *fault.Violations, field, s string) (t time.Time, ok bool) {
	if s == "" {
		v.Add(field, "is required")
		return time.Time{}, false
	}
	t, err := dates.Parse(s)
	if err != nil {
		v.Add(field, "%s", err.Error())
		return time.Time{}, false
	}
	return t, true
}
