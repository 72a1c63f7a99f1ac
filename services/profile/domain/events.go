package domain

// Event is a fact the profile service publishes after a committed change.
type Event interface{ profileEvent() }

type ProfileRegistered struct{ Profile Profile }
type ProfileUpdated struct{ Profile Profile }
type ProfileErased struct{ ProfileID, AccountID string }

// ConsultantBooked: an accepted offer booked the consultant for a mission's window.
type ConsultantBooked struct {
	ProfileID string
	Booking   Booking
}

// ConsultantReleased: a cancelled mission freed the consultant's booking for it.
type ConsultantReleased struct {
	ProfileID string
	MissionID string
}

func (ProfileRegistered) profileEvent()  {}
func (ProfileUpdated) profileEvent()     {}
func (ProfileErased) profileEvent()      {}
func (ConsultantBooked) profileEvent()   {}
func (ConsultantReleased) profileEvent() {}
