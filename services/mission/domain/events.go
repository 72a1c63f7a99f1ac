package domain

import "time"

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

// MissionEdited is published when a firm edits a mission not offered yet: matching ranks it
// again.
type MissionEdited struct {
	Mission       Mission
	ChangedFields []string
}

// OfferCountered is published when the consultant counters; OfferWithdrawn when the firm
// takes an offer back.
type (
	OfferCountered struct{ Offer Offer }
	OfferWithdrawn struct{ Offer Offer }
)

// StaffingDatesChanged is published when a staffed mission's window moves (an extension
// accepted, an early end): the consultant's booking is now Start..End.
type StaffingDatesChanged struct {
	MissionID, ProfileID string
	Start, End           time.Time
}

// ExtensionRequested, ExtensionAccepted and ExtensionDeclined follow an extension; the decline
// reason is not published.
type (
	ExtensionRequested struct{ Extension Extension }
	ExtensionAccepted  struct{ Extension Extension }
	ExtensionDeclined  struct{ Extension Extension }
)

// FeedbackGiven is published when a party gives feedback; the comment is not published.
type FeedbackGiven struct {
	MissionID, ProfileID, AuthorRole string
	Rating                           int
	WouldStaffAgain                  bool
}

func (MissionEdited) missionEvent()        {}
func (OfferCountered) missionEvent()       {}
func (OfferWithdrawn) missionEvent()       {}
func (StaffingDatesChanged) missionEvent() {}
func (ExtensionRequested) missionEvent()   {}
func (ExtensionAccepted) missionEvent()    {}
func (ExtensionDeclined) missionEvent()    {}
func (FeedbackGiven) missionEvent()        {}
func (MissionSubmitted) missionEvent()     {}
func (MissionCancelled) missionEvent()     {}
func (MissionUpdated) missionEvent()       {}
func (OfferMade) missionEvent()            {}
func (OfferAccepted) missionEvent()        {}
func (OfferDeclined) missionEvent()        {}
func (OfferExpired) missionEvent()         {}

// Outcome is what a change causes besides the new state: the events to publish and the entries
// it appends to the mission's decisions trail, both stored in the change's transaction.
type Outcome struct {
	Events    []Event
	Decisions []Decision
}
