// Package domain holds the matching rules: hard rules that exclude a consultant, the scored
// components that rank the others, and when a new shortlist is proposed. It is pure: it knows
// nothing of gRPC, SQL, NATS or protobuf, and its functions only compute.
package domain

import "time"

// WorkMode is where the work happens. Values match the public enum.
type WorkMode int

const (
	WorkModeUnspecified WorkMode = iota
	WorkModeOnSite
	WorkModeHybrid
	WorkModeRemote
)

// SkillLevel is a skill a consultant has, at level 1 (aware) to 5 (expert).
type SkillLevel struct {
	ID    string
	Level int
}

// Profile is what matching knows of a consultant: matching facts only, never a name, an email
// or free text.
type Profile struct {
	ID              string
	AccountID       string
	Sectors         []string
	Skills          []SkillLevel
	YearsExperience int
	Languages       []string
	Country         string
	WorkMode        WorkMode
	DailyRateEUR    int
	AvailableFrom   time.Time
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
