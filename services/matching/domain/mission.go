package domain

import "time"

// MissionType is what the firm needs the transition CAIO for. Values match the public enum.
type MissionType int

const (
	MissionTypeUnspecified MissionType = iota
	MissionTypeAIStrategy
	MissionTypeTransformationLaunch
	MissionTypeChangeManagement
	MissionTypeRiskAndCompliance
)

// MissionStatus is all matching needs of a mission's lifecycle: open missions are ranked and
// re-ranked, closed ones never again.
type MissionStatus int

const (
	MissionOpen MissionStatus = iota + 1
	MissionClosed
)

// Mission is a firm's request as matching ranks it.
type Mission struct {
	ID                 string
	FirmID             string
	Status             MissionStatus
	Sector             string
	MissionType        MissionType
	RequiredSkills     []string
	NiceToHaveSkills   []string
	StartDate          time.Time
	DurationMonths     int
	MaxDailyRateEUR    int
	Languages          []string
	Country            string
	WorkMode           WorkMode
	MinYearsExperience int
}

// IsOpen reports whether the mission is still being staffed.
func (m Mission) IsOpen() bool { return m.Status == MissionOpen }

// ClosedMission is the tombstone of a mission known only from its cancellation: a late
// submission of it must not reopen it.
func ClosedMission(id, firmID string) Mission {
	return Mission{ID: id, FirmID: firmID, Status: MissionClosed}
}
