package domain

// Event is a fact the profile service publishes after a committed change.
type Event interface{ profileEvent() }

type ProfileRegistered struct{ Profile Profile }
type ProfileUpdated struct{ Profile Profile }
type ProfileErased struct{ ProfileID string }

func (ProfileRegistered) profileEvent() {}
func (ProfileUpdated) profileEvent()    {}
func (ProfileErased) profileEvent()     {}
