package domain

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/dates"
	"github.com/caiomatch/caiomatch/pkg/taxonomy"
)

// MissionType is taxonomy's, named here for the rules that use it.
type MissionType = taxonomy.MissionType

// MissionTypeCount sizes arrays indexed by MissionType.
const MissionTypeCount = taxonomy.MissionTypeCount

// MissionStatus is all matching needs of a mission's lifecycle: open missions are ranked and
// re-ranked, closed ones never again.
type MissionStatus int

const (
	MissionOpen MissionStatus = iota + 1
	MissionClosed
)

// SkillRequirement is a minimum level for one of the required skills.
type SkillRequirement struct {
	ID       string
	MinLevel int
}

// Mission is a firm's request as matching ranks it. Skill lists hold no duplicates and a
// skill is never both required and nice-to-have (the mission service checks it).
type Mission struct {
	ID                 string
	FirmID             string
	Status             MissionStatus
	Sector             string
	MissionType        MissionType
	RequiredSkills     []string
	MinSkillLevels     []SkillRequirement
	NiceToHaveSkills   []string
	StartDate          time.Time
	DurationMonths     int
	MaxDailyRateEUR    int
	Languages          []string
	Country            string
	WorkMode           WorkMode
	MinYearsExperience int
	// PlaceCity and PlaceRegion are where the mission takes place, as gazetteer ids, resolved
	// from its city when matching reads it; empty when the city is unknown.
	PlaceCity   string
	PlaceRegion string
}

// IsOpen reports whether the mission is still being staffed.
func (m Mission) IsOpen() bool { return m.Status == MissionOpen }

// Window is the mission's span, from its start date to its last day.
func (m Mission) Window() Period {
	return Period{Start: m.StartDate, End: dates.MissionEnd(m.StartDate, m.DurationMonths)}
}

// MinLevel is the minimum level asked for a required skill, 1 when none is given.
func (m Mission) MinLevel(skill string) int {
	for _, r := range m.MinSkillLevels {
		if r.ID == skill {
			return max(r.MinLevel, 1)
		}
	}
	return 1
}

// NeedsPresence reports whether the consultant must be on site at least part of the time, so
// that their country matters.
func (m Mission) NeedsPresence() bool { return m.WorkMode != taxonomy.WorkModeRemote }

// ClosedMission is the tombstone of a mission known only from its cancellation: a late
// submission of it must not reopen it.
func ClosedMission(id, firmID string) Mission {
	return Mission{ID: id, FirmID: firmID, Status: MissionClosed}
}
