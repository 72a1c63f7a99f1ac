package app

import "github.com/caiomatch/caiomatch/pkg/fault"

// Reasons clients can branch on.
const (
	ReasonProfileNotFound      = "PROFILE_NOT_FOUND"
	ReasonProfileAlreadyExists = "PROFILE_ALREADY_EXISTS"
	ReasonRoleNotAllowed       = "ROLE_NOT_ALLOWED"
)

// ErrNotFound is what the store reports for a missing profile, and also what a caller gets for
// someone else's profile, so existence never leaks.
func ErrNotFound(id string) error {
	return fault.NotFound(ReasonProfileNotFound, "profile %s not found", id)
}
