package app

import (
	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// The field rules of the offer and decision requests. The use cases apply them, and the
// gateway applies them at the edge through grpcapi.Validate.

// CheckMakeOffer: both ids are required.
func CheckMakeOffer(missionID, profileID string) error {
	var v fault.Violations
	required(&v, "missionId", missionID)
	required(&v, "profileId", profileID)
	return v.Err()
}

// CheckOfferID: the offer id is required.
func CheckOfferID(id string) error {
	var v fault.Violations
	required(&v, "id", id)
	return v.Err()
}

// CheckDecline: the offer id and a reason of 1 to domain.MaxDeclineReasonRunes characters
// (once trimmed) are required.
func CheckDecline(id, reason string) error {
	var v fault.Violations
	required(&v, "id", id)
	if _, err := domain.CheckDeclineReason(reason); err != nil {
		if fe, ok := fault.As(err); ok {
			v = append(v, fe.Violations...)
		}
	}
	return v.Err()
}

// CheckMissionID: the mission id is required.
func CheckMissionID(missionID string) error {
	var v fault.Violations
	required(&v, "missionId", missionID)
	return v.Err()
}

func required(v *fault.Violations, field, value string) {
	if value == "" {
		v.Add(field, "is required")
	}
}
