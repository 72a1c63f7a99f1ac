package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// UpdateMission edits the calling firm's mission while it is SUBMITTED, SHORTLISTED or
// NO_MATCH: the fields named by mask (JSON names of the create fields) take their values from
// patch, and the whole result is checked like a create. A change publishes MissionEdited (matching
// ranks the mission again) and records MISSION_EDITED with the changed fields; no change,
// nothing happens. Consultants and operators may never; another firm is told the mission does
// not exist.
func (a *Application) UpdateMission(ctx context.Context, caller identity.Caller, id string, patch missionrules.RequestInput, mask []string) (domain.Mission, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Mission{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the owning firm edits a mission")
	}
	named, err := missionrules.CheckUpdateMask(id, mask)
	if err != nil {
		return domain.Mission{}, err
	}
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (domain.Mission, error) {
		m, err := holdMission(ctx, tx, caller, id, ownsMission)
		if err != nil {
			return domain.Mission{}, err
		}
		if !m.Editable() {
			_, _, err := m.Edit(m.Request, actorOf(caller), a.now())
			return domain.Mission{}, err
		}
		now := a.now()
		r, err := missionrules.NewRequest(missionrules.Patch(m.Request, patch, named), now)
		if err != nil {
			return domain.Mission{}, err
		}
		out, changed, err := m.Edit(r, actorOf(caller), now)
		if err != nil || len(changed) == 0 {
			return m, err
		}
		return m, saveMission(ctx, tx, m, out)
	})
}
