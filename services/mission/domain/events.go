package domain

// Event is a fact the mission service publishes after a committed change.
type Event interface{ missionEvent() }

// MissionSubmitted carries the whole mission so that matching can rank it.
type MissionSubmitted struct{ Mission Mission }

type MissionCancelled struct{ MissionID, FirmID string }

// MissionUpdated is published on every status change.
type MissionUpdated struct {
	MissionID string
	Status    Status
}

func (MissionSubmitted) missionEvent() {}
func (MissionCancelled) missionEvent() {}
func (MissionUpdated) missionEvent()   {}
