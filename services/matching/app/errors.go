package app

import "github.com/caiomatch/caiomatch/pkg/fault"

// Reasons clients can branch on.
const (
	ReasonMissionNotFound = "MISSION_NOT_FOUND"
	ReasonRoleNotAllowed  = "ROLE_NOT_ALLOWED"
)

// errMissionNotFound is also what a firm gets for another firm's mission, so existence never
// leaks.
func errMissionNotFound(id string) error {
	return fault.NotFound(ReasonMissionNotFound, "mission %s not found", id)
}
