// Package profilerules holds what a consultant states about themselves and the rules it must
// satisfy. It is shared by the profile service's domain, which applies the rules to every
// change, and by the gateway, which applies the same rules at the edge (pkg/edgecheck) so that
// bad input is refused before it travels: one copy of the rules, no import of a service's
// internals. It knows nothing of gRPC, SQL or NATS.
package profilerules

import (
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// WorkMode is taxonomy's, named here for the rules that use it.
type WorkMode = taxonomy.WorkMode

// MissionType is taxonomy's, named here for the rules that use it.
type MissionType = taxonomy.MissionType

type Skill struct {
	ID    string
	Level int
	// Years of practice of this skill; 0 when not stated.
	Years int
}

// PastMission is an earlier interim mission: no client name, only what matching can use.
type PastMission struct {
	Sector      string
	MissionType MissionType
	Months      int
	// Year the mission ended.
	Year int
}

// Booking is a period, inclusive, when the consultant is not available. MissionID is set by the
// platform for a mission it staffed, never by the consultant; FirmID, set with it, is the
// staffing firm's account (empty on bookings made before it was recorded). Neither protos nor
// matching facts carry FirmID: it only decides who may read the profile.
type Booking struct {
	Start     time.Time
	End       time.Time
	MissionID string
	FirmID    string
}

// Platform reports whether the platform made this booking for a mission it staffed.
func (b Booking) Platform() bool { return b.MissionID != "" }

// BookingInput is a Booking as a client sends it, before any check.
type BookingInput struct {
	StartDate string
	EndDate   string
	MissionID string
}

type Location struct {
	Country string
	City    string
}

// Details is everything a consultant states about themselves.
type Details struct {
	DisplayName     string
	Email           string
	Headline        string
	Sectors         []string
	Skills          []Skill
	YearsExperience int
	Languages       []string
	Location        Location
	WorkMode        WorkMode
	DailyRateEUR    int
	AvailableFrom   time.Time
	PastMissions    []PastMission
	// Certifications are free text, personal: they never leave the profile service.
	Certifications    []string
	NoticePeriodDays  int
	MobilityCountries []string
	Bookings          []Booking
	// ProfilingOptOut: the consultant objects to automated matching; the profile is never ranked.
	ProfilingOptOut bool
}

// DetailsInput is Details as a client sends them, before any check.
type DetailsInput struct {
	Details
	AvailableFrom string
	Bookings      []BookingInput
}

// Limits that keep a profile sane; they are documented in docs/API.md.
const (
	MaxSectors      = 20
	MaxSkills       = 50
	MaxDailyRateEUR = taxonomy.MaxDailyRateEUR
	MaxYears        = 60

	MaxPastMissions       = 50
	MaxPastMissionMonths  = 60
	MinPastMissionYear    = 1970
	MaxCertifications     = 20
	MaxCertificationRunes = 200
	MaxNoticePeriodDays   = 365
	MaxMobilityCountries  = 30
	MaxBookings           = 50
	// MaxBookingYears bounds one booking: its end date comes before start date + 5 years.
	MaxBookingYears = 5
)

// NewDetails checks every field and reports all violations at once. now is the caller's clock:
// a past mission may not have ended after the current year (UTC).
func NewDetails(in DetailsInput, now time.Time) (Details, error) {
	var v fault.Violations
	d := in.Details
	d.DisplayName = strings.TrimSpace(d.DisplayName)
	d.Email = strings.TrimSpace(d.Email)
	d.Headline = strings.TrimSpace(d.Headline)
	d.Location.City = strings.TrimSpace(d.Location.City)

	taxonomy.CheckText(&v, "displayName", d.DisplayName, 200)
	missionrules.CheckLine(&v, "displayName", d.DisplayName)
	missionrules.CheckLines(&v, "headline", d.Headline)
	missionrules.CheckLine(&v, "location.city", d.Location.City)
	if d.Email == "" {
		v.Add("email", "is required")
	} else if addr, err := mail.ParseAddress(d.Email); err != nil || addr.Address != d.Email || len(d.Email) > 254 {
		v.Add("email", "is not a valid email address")
	}
	if utf8.RuneCountInString(d.Headline) > 500 {
		v.Add("headline", "must be at most 500 characters")
	}
	taxonomy.CheckSectors(&v, "sectors", d.Sectors, MaxSectors)
	// A skill's years are compared with yearsExperience only when that is valid itself, so one
	// mistake is reported once.
	yearsValid := d.YearsExperience >= 0 && d.YearsExperience <= MaxYears
	maxSkillYears := MaxYears
	if yearsValid {
		maxSkillYears = d.YearsExperience
	}
	checkSkills(&v, d.Skills, maxSkillYears)
	if !yearsValid {
		v.Add("yearsExperience", "must be between 0 and %d", MaxYears)
	}
	taxonomy.CheckLanguages(&v, "languages", d.Languages)
	taxonomy.CheckLocation(&v, "location", d.Location.Country, d.Location.City)
	taxonomy.CheckWorkMode(&v, "workMode", d.WorkMode)
	taxonomy.CheckDailyRate(&v, "dailyRateEur", d.DailyRateEUR)
	if t, ok := taxonomy.CheckDate(&v, "availableFrom", in.AvailableFrom); ok {
		d.AvailableFrom = t
	}
	checkPastMissions(&v, d.PastMissions, now.UTC().Year())
	d.Certifications = checkCertifications(&v, d.Certifications)
	if d.NoticePeriodDays < 0 || d.NoticePeriodDays > MaxNoticePeriodDays {
		v.Add("noticePeriodDays", "must be between 0 and %d", MaxNoticePeriodDays)
	}
	checkMobility(&v, d.MobilityCountries, d.Location.Country)
	d.Bookings = checkBookings(&v, in.Bookings)
	if err := v.Err(); err != nil {
		return Details{}, err
	}
	return d, nil
}

func checkSkills(v *fault.Violations, skills []Skill, maxYears int) {
	if len(skills) == 0 {
		v.Add("skills", "needs at least one skill")
		return
	}
	if len(skills) > MaxSkills {
		v.Add("skills", "must hold at most %d skills", MaxSkills)
		return
	}
	seen := map[string]bool{}
	for i, s := range skills {
		f := taxonomy.Indexed("skills", i)
		if _, ok := taxonomy.SkillByID(s.ID); !ok {
			v.Add(f+".id", "unknown skill %q (see GET /v1/taxonomy/skills)", s.ID)
		} else if seen[s.ID] {
			v.Add(f+".id", "skill %q is repeated", s.ID)
		}
		seen[s.ID] = true
		if s.Level < 1 || s.Level > 5 {
			v.Add(f+".level", "must be between 1 and 5")
		}
		switch {
		case s.Years < 0 || s.Years > MaxYears:
			v.Add(f+".years", "must be between 0 and %d", MaxYears)
		case s.Years > maxYears:
			v.Add(f+".years", "must not exceed yearsExperience (%d)", maxYears)
		}
	}
}

func checkPastMissions(v *fault.Violations, missions []PastMission, thisYear int) {
	if len(missions) > MaxPastMissions {
		v.Add("pastMissions", "must hold at most %d missions", MaxPastMissions)
		return
	}
	for i, m := range missions {
		f := taxonomy.Indexed("pastMissions", i)
		if m.Sector == "" {
			v.Add(f+".sector", "is required")
		} else if _, ok := taxonomy.SectorByID(m.Sector); !ok {
			v.Add(f+".sector", "unknown sector %q (see GET /v1/taxonomy/sectors)", m.Sector)
		}
		if m.MissionType < taxonomy.MissionTypeAIStrategy || m.MissionType > taxonomy.MissionTypeRiskAndCompliance {
			v.Add(f+".missionType", "is required: MISSION_TYPE_AI_STRATEGY, MISSION_TYPE_TRANSFORMATION_LAUNCH, "+
				"MISSION_TYPE_CHANGE_MANAGEMENT or MISSION_TYPE_RISK_AND_COMPLIANCE")
		}
		if m.Months < 1 || m.Months > MaxPastMissionMonths {
			v.Add(f+".months", "must be between 1 and %d", MaxPastMissionMonths)
		}
		if m.Year < MinPastMissionYear || m.Year > thisYear {
			v.Add(f+".year", "must be between %d and %d", MinPastMissionYear, thisYear)
		}
	}
}

// checkCertifications returns the certifications trimmed.
func checkCertifications(v *fault.Violations, certs []string) []string {
	if len(certs) > MaxCertifications {
		v.Add("certifications", "must hold at most %d certifications", MaxCertifications)
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for i, c := range certs {
		f := taxonomy.Indexed("certifications", i)
		c = strings.TrimSpace(c)
		switch {
		case c == "":
			v.Add(f, "must not be blank")
		case utf8.RuneCountInString(c) > MaxCertificationRunes:
			v.Add(f, "must be at most %d characters", MaxCertificationRunes)
		case !utf8.ValidString(c) || strings.IndexFunc(c, unicode.IsControl) >= 0:
			missionrules.CheckLine(v, f, c)
		case seen[c]:
			v.Add(f, "certification %q is repeated", c)
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

func checkMobility(v *fault.Violations, countries []string, home string) {
	if len(countries) > MaxMobilityCountries {
		v.Add("mobilityCountries", "must hold at most %d countries", MaxMobilityCountries)
		return
	}
	seen := map[string]bool{}
	for i, c := range countries {
		f := taxonomy.Indexed("mobilityCountries", i)
		switch {
		case !taxonomy.IsCountry(c):
			v.Add(f, "%q is not an upper-case ISO 3166-1 alpha-2 country code", c)
		case c == home:
			v.Add(f, "%q is already location.country", c)
		case seen[c]:
			v.Add(f, "country %q is repeated", c)
		}
		seen[c] = true
	}
}

// checkBookings returns the bookings with their dates parsed.
func checkBookings(v *fault.Violations, in []BookingInput) []Booking {
	if len(in) > MaxBookings {
		v.Add("bookings", "must hold at most %d bookings", MaxBookings)
		return nil
	}
	var out []Booking
	for i, b := range in {
		f := taxonomy.Indexed("bookings", i)
		start, startOK := taxonomy.CheckDate(v, f+".startDate", b.StartDate)
		end, endOK := taxonomy.CheckDate(v, f+".endDate", b.EndDate)
		if startOK && endOK {
			if end.Before(start) {
				v.Add(f+".endDate", "must not be before startDate")
			} else if limit := start.AddDate(MaxBookingYears, 0, 0); !end.Before(limit) {
				v.Add(f+".endDate", "a booking lasts at most %d years: must be before %s", MaxBookingYears, dates.Format(limit))
			}
		}
		if b.MissionID != "" {
			v.Add(f+".missionId", "is set by the platform for the bookings it makes; leave it empty")
		}
		out = append(out, Booking{Start: start, End: end})
	}
	return out
}
