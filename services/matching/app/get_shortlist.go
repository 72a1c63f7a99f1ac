package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// ShortlistView is a mission's current shortlist as its firm or an operator sees it. Shortlist
// is zero while the status is PENDING or PAUSED.
type ShortlistView struct {
	MissionID string
	Status    domain.ShortlistStatus
	Shortlist domain.Shortlist
	// Diagnostics are the mission's pool as things are now: exclusions per rule, consultants
	// held by the exposure cap, widenings. Nil while PENDING and for a mission matching no
	// longer holds open.
	Diagnostics *domain.Diagnostics
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
	if _, found, err := a.ownedMission(ctx, caller, missionID); err != nil || !found {
		return pending, err
	}
	s, ranked, err := a.store.CurrentShortlist(ctx, missionID)
	if err != nil {
		return ShortlistView{}, err
	}
	if !ranked {
		// A mission the pause holds has no shortlist until the resume ranks it.
		held, err := a.store.IsHeld(ctx, missionID)
		if err != nil || !held {
			return pending, err
		}
		return ShortlistView{MissionID: missionID, Status: domain.ShortlistPaused}, nil
	}
	d, err := a.shortlistDiagnostics(ctx, missionID)
	if err != nil {
		return ShortlistView{}, err
	}
	return ShortlistView{MissionID: missionID, Status: s.Status(), Shortlist: s, Diagnostics: d}, nil
}

// ownedMission reads a mission for a caller who must own it (operators may read any). A mission
// matching has not heard of yet (its events are in flight) is asked of the mission service,
// which says whether the caller may see it; found is then false.
func (a *Application) ownedMission(ctx context.Context, caller identity.Caller, missionID string) (m domain.Mission, found bool, err error) {
	m, found, err = a.store.Mission(ctx, missionID)
	if err != nil {
		return domain.Mission{}, false, err
	}
	firmID := m.FirmID
	if !found {
		if firmID, err = a.missions.FirmOfMission(ctx, missionID); err != nil {
			return domain.Mission{}, false, err
		}
	}
	if !caller.IsOperator() && firmID != caller.AccountID {
		return domain.Mission{}, false, errMissionNotFound(missionID)
	}
	return m, found, nil
}
