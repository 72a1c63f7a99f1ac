// Package domain holds the profile rules. It knows nothing of gRPC, SQL or NATS.
package domain

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

type WorkMode int

const (
	WorkModeUnspecified WorkMode = iota
	WorkModeOnSite
	WorkModeHybrid
	WorkModeRemote
)

type Skill struct {
	ID    string
	Level int
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
}

// DetailsInput is Details as a client sends them, before any check.
type DetailsInput struct {
	Details
	AvailableFrom string
}

// Limits that keep a profile sane; they are documented in docs/API.md.
const (
	MaxSectors      = 20
	MaxSkills       = 50
	MaxDailyRateEUR = 20000
	MaxYears        = 60
)

// NewDetails checks every field and reports all violations at once.
func NewDetails(in DetailsInput) (Details, error) {
	var v fault.Violations
	d := in.Details
	d.DisplayName = strings.TrimSpace(d.DisplayName)
	d.Email = strings.TrimSpace(d.Email)
	d.Headline = strings.TrimSpace(d.Headline)
	d.Location.City = strings.TrimSpace(d.Location.City)

	requireText(&v, "displayName", d.DisplayName, 200)
	if d.Email == "" {
		v.Add("email", "is required")
	} else if addr, err := mail.ParseAddress(d.Email); err != nil || addr.Address != d.Email || len(d.Email) > 254 {
		v.Add("email", "is not a valid email address")
	}
	if utf8.RuneCountInString(d.Headline) > 500 {
		v.Add("headline", "must be at most 500 characters")
	}
	taxonomy.CheckSectors(&v, "sectors", d.Sectors, MaxSectors)
	checkSkills(&v, d.Skills)
	if d.YearsExperience < 0 || d.YearsExperience > MaxYears {
		v.Add("yearsExperience", "must be between 0 and %d", MaxYears)
	}
	taxonomy.CheckLanguages(&v, "languages", d.Languages)
	taxonomy.CheckLocation(&v, "location", d.Location.Country, d.Location.City)
	if d.WorkMode < WorkModeOnSite || d.WorkMode > WorkModeRemote {
		v.Add("workMode", "is required: WORK_MODE_ON_SITE, WORK_MODE_HYBRID or WORK_MODE_REMOTE")
	}
	if d.DailyRateEUR <= 0 || d.DailyRateEUR > MaxDailyRateEUR {
		v.Add("dailyRateEur", "must be a whole number of euros between 1 and %d", MaxDailyRateEUR)
	}
	if in.AvailableFrom == "" {
		v.Add("availableFrom", "is required")
	} else if t, err := dates.Parse(in.AvailableFrom); err != nil {
		v.Add("availableFrom", "%s", err.Error())
	} else {
		d.AvailableFrom = t
	}
	if err := v.Err(); err != nil {
		return Details{}, err
	}
	return d, nil
}

func requireText(v *fault.Violations, field, s string, maxRunes int) {
	switch {
	case s == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > maxRunes:
		v.Add(field, "must be at most %d characters", maxRunes)
	}
}

func checkSkills(v *fault.Violations, skills []Skill) {
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
	}
}

// Profile is a consultant's profile; one per consultant account.
type Profile struct {
	ID        string
	AccountID string
	Details
	CreatedAt time.Time
	UpdatedAt time.Time
}
