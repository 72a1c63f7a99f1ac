// Package domain holds the profile rules. It knows nothing of gRPC, SQL or NATS.
package domain

import (
	"time"

	"github.com/caiomatch/caiomatch/pkg/profilerules"
)

// What a consultant states about themselves, and the field rules it must satisfy, live in
// pkg/profilerules: the gateway applies the same rules at the edge without importing this
// service. The names below are the same types; the values of WorkMode and MissionType
// (taxonomy.WorkModeRemote, …) are the platform's, in pkg/taxonomy.
type (
	WorkMode     = profilerules.WorkMode
	MissionType  = profilerules.MissionType
	Skill        = profilerules.Skill
	PastMission  = profilerules.PastMission
	Booking      = profilerules.Booking
	BookingInput = profilerules.BookingInput
	Location     = profilerules.Location
	Details      = profilerules.Details
	DetailsInput = profilerules.DetailsInput
)

// NewDetails checks every field and reports all violations at once (profilerules.NewDetails).
func NewDetails(in DetailsInput, now time.Time) (Details, error) {
	return profilerules.NewDetails(in, now)
}

// Profile is a consultant's profile; one per consultant account.
type Profile struct {
	ID        string
	AccountID string
	Details
	CreatedAt time.Time
	UpdatedAt time.Time
}
