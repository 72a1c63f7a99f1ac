package missionrules

import (
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// Limits of the offer terms, the after-staffing requests and feedback.
const (
	MaxMessageRunes  = 2000
	MaxCommentRunes  = 2000
	MaxReasonRunes   = MaxDeclineReasonRunes
	MinRating        = 1
	MaxRating        = 5
	MaxMissionMonths = MaxDurationMonths
)

// Reasons of the refusals of these rules that clients branch on.
const (
	// ReasonExtensionTooLong: the extended mission would run more than MaxMissionMonths.
	ReasonExtensionTooLong = "EXTENSION_TOO_LONG"
)

// checkFreeText refuses invalid UTF-8, control characters other than line breaks and tabs,
// and text over maxRunes characters; an empty text is allowed unless required.
func checkFreeText(v *fault.Violations, field, s string, maxRunes int, isRequired bool) {
	switch {
	case s == "":
		if isRequired {
			v.Add(field, "is required")
		}
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8 text")
	case hasControl(s):
		v.Add(field, "must not hold control characters")
	case utf8.RuneCountInString(s) > maxRunes:
		v.Add(field, "must be at most %d characters", maxRunes)
	}
}

// CheckLine refuses invalid UTF-8 and every control character, line breaks included (NUL
// above all), in a one-line text: a name, a title, a city. Its length and presence
// are checked apart.
func CheckLine(v *fault.Violations, field, s string) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8 text")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "must not hold control characters")
	}
}

// CheckLines is CheckLine for a text that may span lines (a headline typed in a text area): line
// breaks and tabs pass, every other control character is refused.
func CheckLines(v *fault.Violations, field, s string) {
	switch {
	case !utf8.ValidString(s):
		v.Add(field, "must be valid UTF-8 text")
	case hasControl(s):
		v.Add(field, "must not hold control characters")
	}
}

func hasControl(s string) bool {
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// CheckOfferTerms checks what a firm offers: the ids, a rate of 0 (the consultant's own) or
// 1 to taxonomy.MaxDailyRateEUR (the mission's budget is checked once the mission is read), and
// a message of at most MaxMessageRunes characters. It returns the message trimmed.
func CheckOfferTerms(missionID, profileID string, rate int, message string) (string, error) {
	var v fault.Violations
	required(&v, "missionId", missionID)
	required(&v, "profileId", profileID)
	if rate < 0 || rate > taxonomy.MaxDailyRateEUR {
		v.Add("dailyRateEur", "must be 0 (the consultant's own rate) or between 1 and %d", taxonomy.MaxDailyRateEUR)
	}
	message = strings.TrimSpace(message)
	checkFreeText(&v, "message", message, MaxMessageRunes, false)
	return message, v.Err()
}

// CheckRateWithinBudget: an offered rate is 1 to the mission's budget.
func CheckRateWithinBudget(rate, budget int) error {
	if rate < 1 || rate > budget {
		return fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "dailyRateEur",
			Description: "must be between 1 and the mission's maxDailyRateEur"})
	}
	return nil
}

// CheckCounter checks a consultant's counter-proposal: the offer id, a rate of 1 to
// taxonomy.MaxDailyRateEUR and a message of at most MaxMessageRunes characters, returned trimmed.
func CheckCounter(id string, rate int, message string) (string, error) {
	var v fault.Violations
	required(&v, "id", id)
	taxonomy.CheckDailyRate(&v, "dailyRateEur", rate)
	message = strings.TrimSpace(message)
	checkFreeText(&v, "message", message, MaxMessageRunes, false)
	return message, v.Err()
}

// CheckReason checks a required reason (an early end, a declined extension): 1 to
// MaxReasonRunes characters once trimmed, no control characters. It returns it trimmed.
func CheckReason(field, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	var v fault.Violations
	checkFreeText(&v, field, reason, MaxReasonRunes, true)
	return reason, v.Err()
}

// CheckExtensionRequest checks the fields of an extension request and returns the new end date
// and the trimmed message; the dates are checked against the mission by CheckExtensionDates.
func CheckExtensionRequest(missionID, newEndDate, message string) (time.Time, string, error) {
	var v fault.Violations
	required(&v, "missionId", missionID)
	end, _ := taxonomy.CheckDate(&v, "newEndDate", newEndDate)
	message = strings.TrimSpace(message)
	checkFreeText(&v, "message", message, MaxMessageRunes, false)
	return end, message, v.Err()
}

// CheckExtensionDates: the new end date is after the current end, and the whole mission, from
// its start, lasts at most MaxMissionMonths (EXTENSION_TOO_LONG).
func CheckExtensionDates(start, currentEnd, newEnd time.Time) error {
	if !newEnd.After(currentEnd) {
		return fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "newEndDate",
			Description: "must be after the mission's current end date (" + dates.Format(currentEnd) + ")"})
	}
	if limit := dates.MissionEnd(start, MaxMissionMonths); newEnd.After(limit) {
		return fault.Invalid(ReasonExtensionTooLong, fault.Violation{Field: "newEndDate",
			Description: "the whole mission may last at most 18 months: the latest end date is " + dates.Format(limit)})
	}
	return nil
}

// CheckEndMission checks an early end's fields and returns the end date and trimmed reason;
// the date is checked against the mission by CheckEarlyEndDate.
func CheckEndMission(id, endDate, reason string) (time.Time, string, error) {
	var v fault.Violations
	required(&v, "id", id)
	end, _ := taxonomy.CheckDate(&v, "endDate", endDate)
	reason = strings.TrimSpace(reason)
	checkFreeText(&v, "reason", reason, MaxReasonRunes, true)
	return end, reason, v.Err()
}

// CheckEarlyEndDate: an early end is from the start date to the day before the current end.
func CheckEarlyEndDate(start, currentEnd, end time.Time) error {
	if end.Before(start) || !end.Before(currentEnd) {
		return fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "endDate",
			Description: "must be from the start date (" + dates.Format(start) + ") to before the current end date (" +
				dates.Format(currentEnd) + ")"})
	}
	return nil
}

// CheckFeedback checks a feedback: the mission id, a rating of MinRating to MaxRating and a
// comment of at most MaxCommentRunes characters, returned trimmed.
func CheckFeedback(missionID string, rating int, comment string) (string, error) {
	var v fault.Violations
	required(&v, "missionId", missionID)
	if rating < MinRating || rating > MaxRating {
		v.Add("rating", "must be between %d and %d", MinRating, MaxRating)
	}
	comment = strings.TrimSpace(comment)
	checkFreeText(&v, "comment", comment, MaxCommentRunes, false)
	return comment, v.Err()
}

// CheckExtensionID and CheckDeclineExtension: the extension id is required (and, declining, a
// reason of 1 to MaxReasonRunes characters).
func CheckExtensionID(id string) error {
	var v fault.Violations
	required(&v, "id", id)
	return v.Err()
}

func CheckDeclineExtension(id, reason string) (string, error) {
	var v fault.Violations
	required(&v, "id", id)
	reason = strings.TrimSpace(reason)
	checkFreeText(&v, "reason", reason, MaxReasonRunes, true)
	return reason, v.Err()
}

// EditableFields are the JSON names of the create fields an update mask may name, in the order
// changes are reported.
var EditableFields = []string{
	"title", "sector", "missionType", "requiredSkills", "niceToHaveSkills", "startDate", "durationMonths",
	"maxDailyRateEur", "languages", "location", "workMode", "minYearsExperience", "requiredSkillLevels",
}

// maskAliases are the other spellings of the editable fields a mask may use: proto names, and
// a location's parts (the location is compared whole).
var maskAliases = map[string]string{
	"mission_type": "missionType", "required_skills": "requiredSkills", "nice_to_have_skills": "niceToHaveSkills",
	"start_date": "startDate", "duration_months": "durationMonths", "max_daily_rate_eur": "maxDailyRateEur",
	"work_mode": "workMode", "min_years_experience": "minYearsExperience",
	"required_skill_levels": "requiredSkillLevels",
}

// locationParts are the mask paths that change one part of the location.
var locationParts = map[string]bool{"location.country": true, "location.city": true}

// CheckUpdateMask returns the editable fields a mask names (JSON or proto names, or
// "location.country" / "location.city" for one part of the location); an empty mask or a path
// naming no editable field is an invalid argument naming it (field "updateMask").
func CheckUpdateMask(id string, paths []string) (map[string]bool, error) {
	var v fault.Violations
	required(&v, "id", id)
	named := map[string]bool{}
	for _, p := range paths {
		f := p
		if alias, ok := maskAliases[p]; ok {
			f = alias
		}
		if locationParts[p] {
			named[p] = true
			continue
		}
		known := false
		for _, e := range EditableFields {
			if e == f {
				known = true
			}
		}
		if !known {
			v.Add("updateMask", "unknown field %q: a mission's editable fields are %s", p, strings.Join(EditableFields, ", "))
			continue
		}
		named[f] = true
	}
	if len(paths) == 0 {
		v.Add("updateMask", "names no field to change")
	}
	return named, v.Err()
}

// Patch is the request of current with the fields named in mask taken from patch: the input of
// an edit, to be checked by NewRequest like a create.
func Patch(current Request, patch RequestInput, mask map[string]bool) RequestInput {
	in := RequestInput{Request: current, StartDate: dates.Format(current.StartDate)}
	in.Request.RequiredSkills = cloneStrings(current.RequiredSkills)
	p := patch.Request
	set := func(f string, apply func()) {
		if mask[f] {
			apply()
		}
	}
	set("title", func() { in.Title = p.Title })
	set("sector", func() { in.Sector = p.Sector })
	set("missionType", func() { in.MissionType = p.MissionType })
	set("requiredSkills", func() { in.RequiredSkills = p.RequiredSkills })
	set("niceToHaveSkills", func() { in.NiceToHaveSkills = p.NiceToHaveSkills })
	set("startDate", func() { in.StartDate = patch.StartDate })
	set("durationMonths", func() { in.DurationMonths = p.DurationMonths })
	set("maxDailyRateEur", func() { in.MaxDailyRateEUR = p.MaxDailyRateEUR })
	set("languages", func() { in.Languages = p.Languages })
	set("location", func() { in.Location = p.Location })
	set("location.country", func() { in.Location.Country = p.Location.Country })
	set("location.city", func() { in.Location.City = p.Location.City })
	set("workMode", func() { in.WorkMode = p.WorkMode })
	set("minYearsExperience", func() { in.MinYearsExperience = p.MinYearsExperience })
	set("requiredSkillLevels", func() { in.RequiredSkillLevels = p.RequiredSkillLevels })
	return in
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// ChangedFields names the fields that differ between two requests, in EditableFields order. An
// empty and a missing list are the same.
func ChangedFields(before, after Request) []string {
	values := func(r Request) []any {
		return []any{r.Title, r.Sector, r.MissionType, norm(r.RequiredSkills), norm(r.NiceToHaveSkills),
			dates.Format(r.StartDate), r.DurationMonths, r.MaxDailyRateEUR, norm(r.Languages), r.Location, r.WorkMode,
			r.MinYearsExperience, normLevels(r.RequiredSkillLevels)}
	}
	b, a := values(before), values(after)
	var changed []string
	for i, f := range EditableFields {
		if !reflect.DeepEqual(b[i], a[i]) {
			changed = append(changed, f)
		}
	}
	return changed
}

func norm(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func normLevels(s []SkillRequirement) []SkillRequirement {
	if len(s) == 0 {
		return nil
	}
	return s
}
