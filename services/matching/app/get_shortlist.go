package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// ShortlistView is a mission's current shortlist as its firm or an operator sees it. Shortlist
// is zero while the status is PENDING.
type ShortlistView struct {
	MissionID string
	Status    domain.ShortlistStatus
	Shortlist domain.Shortlist
}

// GetShortlist serves a mission's current shortlist to the firm that owns the mission and to
// operators. A mission matching has not heard of yet (its events are in flight) is PENDING if
// the mission service knows it and lets the caller see it.
func (a *Application) GetShortlist(ctx context.Context, caller identity.Caller, missionID string) (ShortlistView, error) {
	if caller.Role != identity.RoleFirm && !caller.IsOperator() {
		return ShortlistView{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm and operators see a shortlist")
	}
	if missionID == "" {
		return ShortlistView{}, fault.Invalid(fault.ReasonInvalidArgument, fault.Violation{Field: "missionId", Description: "is required"})
	}
	pending := ShortlistView{MissionID: missionID, Status: domain.ShortlistPending}
	m, found, err := a.store.Mission(ctx, missionID)
	if err != nil {
		return ShortlistView{}, err
	}
	firmID := m.FirmID
	if !found {
		if firmID, err = a.missions.FirmOfMission(ctx, missionID); err != nil {
			return ShortlistView{}, err
		}
	}
	if !caller.IsOperator() && firmID != caller.AccountID {
		return ShortlistView{}, errMissionNotFound(missionID)
	}
	if !found {
		return pending, nil
	}
	s, ranked, err := a.store.CurrentShortlist(ctx, missionID)
	if err != nil {
		return ShortlistView{}, err
	}
	if !ranked {
		return pending, nil
	}
	return ShortlistView{MissionID: missionID, Status: s.Status(), Shortlist: s}, nil
}
