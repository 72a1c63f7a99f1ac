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

// OfferMade is published when a firm offers its mission to a consultant.
type OfferMade struct{ Offer Offer }

// OfferAccepted is published when the consultant accepts: they are booked for the offer's
// window.
type OfferAccepted struct{ Offer Offer }

// OfferDeclined is published when the consultant declines. Its offer carries no decline reason.
type OfferDeclined struct{ Offer Offer }

// OfferExpired is published when an offer was not answered in time.
type OfferExpired struct{ Offer Offer }

func (MissionSubmitted) missionEvent() {}
func (MissionCancelled) missionEvent() {}
func (MissionUpdated) missionEvent()   {}
func (OfferMade) missionEvent()        {}
func (OfferAccepted) missionEvent()    {}
func (OfferDeclined) missionEvent()    {}
func (OfferExpired) missionEvent()     {}

// Outcome is what a change causes besides the new state: the events to publish and the entries
// it appends to the mission's decisions trail, both stored in the change's transaction.
type Outcome struct {
	Events    []Event
	Decisions []Decision
}
