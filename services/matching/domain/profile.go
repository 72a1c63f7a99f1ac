// Package domain holds the matching rules: hard rules that exclude a consultant, the scored
// components that rank the others, and when a new shortlist is proposed. It is pure: it knows
// nothing of gRPC, SQL, NATS or protobuf, and its functions only compute.
package domain

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// WorkMode is taxonomy's, named here for the rules that use it.
type WorkMode = taxonomy.WorkMode

// SkillLevel is a skill a consultant has, at level 1 (aware) to 5 (expert).
type SkillLevel struct {
	ID    string
	Level int
}

// Period is a span of whole days, both ends included.
type Period struct {
	Start, End time.Time
}

// Overlaps reports whether the two periods share at least one day.
func (p Period) Overlaps(o Period) bool {
	return !p.End.Before(o.Start) && !o.End.Before(p.Start)
}

// Profile is what matching knows of a consultant: matching facts only, never a name, an email
// or free text. Past missions are folded in when the profile is read: their sectors join
// Sectors and their months add up in MonthsByMissionType.
type Profile struct {
	ID string
	// Sectors are the NACE sections and divisions the consultant has worked in.
	Sectors         []string
	Skills          []SkillLevel
	YearsExperience int
	Languages       []string
	Country         string
	// PlaceCity and PlaceRegion are where the consultant lives, as gazetteer ids
	// (pkg/gazetteer), never the text they typed: a city and its own region, a region alone,
	// or neither when the city is unknown.
	PlaceCity   string
	PlaceRegion string
	// MobilityCountries are other countries where the consultant accepts on-site work.
	MobilityCountries []string
	WorkMode          WorkMode
	DailyRateEUR      int
	AvailableFrom     time.Time
	NoticePeriodDays  int
	// Bookings are periods the consultant is not available.
	Bookings []Period
	// MonthsByMissionType is how many months of past missions of each type the consultant did.
	MonthsByMissionType [MissionTypeCount]int
	// ProfilingOptOut: the consultant objects to automated matching and is never ranked.
	ProfilingOptOut bool
}

// SkillLevel returns the profile's level in skill id, 0 when it does not have it.
func (p Profile) SkillLevel(id string) int {
	for _, s := range p.Skills {
		if s.ID == id {
			return s.Level
		}
	}
	return 0
}

// AvailableOn is the first day the consultant can start a mission decided on today: their
// availability date, or the end of their notice period if that is later.
func (p Profile) AvailableOn(today time.Time) time.Time {
	afterNotice := today.AddDate(0, 0, p.NoticePeriodDays)
	if afterNotice.After(p.AvailableFrom) {
		return afterNotice
	}
	return p.AvailableFrom
}
