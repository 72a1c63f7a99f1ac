package app

import (
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Reasons clients can branch on.
const (
	ReasonMissionNotFound   = "MISSION_NOT_FOUND"
	ReasonRoleNotAllowed    = "ROLE_NOT_ALLOWED"
	ReasonOfferNotFound     = "OFFER_NOT_FOUND"
	ReasonProfileNotFound   = "PROFILE_NOT_FOUND"
	ReasonExtensionNotFound = "EXTENSION_NOT_FOUND"
	// ReasonProfileServiceUnavailable: the profile service could not be asked whose profile
	// it is; the offer may be retried.
	ReasonProfileServiceUnavailable = "PROFILE_SERVICE_UNAVAILABLE"
	// ReasonMissionQuotaExceeded: the firm submitted Config.FirmMissionsPerDay missions in the
	// last 24 hours.
	ReasonMissionQuotaExceeded = "MISSION_QUOTA_EXCEEDED"
)

// ErrNotFound is also what a caller gets for another firm's mission, so existence never leaks.
func ErrNotFound(id string) error {
	return fault.NotFound(ReasonMissionNotFound, "mission %s not found", id)
}

// ErrOfferNotFound is also what anyone but the consultant offered gets.
func ErrOfferNotFound(id string) error {
	return fault.NotFound(ReasonOfferNotFound, "offer %s not found", id)
}

// ErrExtensionNotFound is also what anyone but the mission's parties gets.
func ErrExtensionNotFound(id string) error {
	return fault.NotFound(ReasonExtensionNotFound, "extension %s not found", id)
}

// ErrProfileNotFound is what the profile service's refusal to show a profile becomes.
func ErrProfileNotFound(id string) error {
	return fault.NotFound(ReasonProfileNotFound, "profile %s not found", id)
}

// ErrProfileServiceUnavailable is a failure to reach the profile service.
func ErrProfileServiceUnavailable() error {
	return &fault.Error{Kind: fault.KindUnavailable, Reason: ReasonProfileServiceUnavailable,
		Message: "the profile service is unavailable; retry later"}
}

// actorOf is the caller as the decisions trail names it.
func actorOf(c identity.Caller) domain.Actor {
	return domain.Actor{Role: string(c.Role), AccountID: c.AccountID}
}
