package app

import "github.com/caiomatch/caiomatch/pkg/fault"

// Reasons clients can branch on.
const (
	ReasonMissionNotFound = "MISSION_NOT_FOUND"
	ReasonRoleNotAllowed  = "ROLE_NOT_ALLOWED"
)

// ErrNotFound is also what a caller gets for another firm's mission, so existence never leaks.
func ErrNotFound(id string) error {
	return fault.NotFound(ReasonMissionNotFound, "mission %s not found", id)
}
