package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// GetMission shows a mission to the firm that owns it and to operators, and to a consultant
// it was offered to (ever), without its budget and without anything about other candidates;
// anyone else is told it does not exist.
func (a *Application) GetMission(ctx context.Context, caller identity.Caller, id string) (domain.Mission, error) {
	if caller.Role == identity.RoleConsultant {
		offered, err := a.repo.HasOffered(ctx, id, caller.AccountID)
		if err != nil {
			return domain.Mission{}, err
		}
		if !offered {
			return domain.Mission{}, ErrNotFound(id)
		}
		m, err := a.repo.Get(ctx, id)
		if err != nil {
			return domain.Mission{}, err
		}
		return m.ForConsultant(caller.AccountID), nil
	}
	return a.ownMission(ctx, caller, id)
}

// ownMission reads a mission for the firm that owns it or an operator; anyone else is told it
// does not exist.
func (a *Application) ownMission(ctx context.Context, caller identity.Caller, id string) (domain.Mission, error) {
	if !caller.IsOperator() && caller.Role != identity.RoleFirm {
		return domain.Mission{}, ErrNotFound(id)
	}
	m, err := a.repo.Get(ctx, id)
	if err != nil {
		return domain.Mission{}, err
	}
	if !runs(caller, m) {
		return domain.Mission{}, ErrNotFound(id)
	}
	return m, nil
}

// ownsMission tells whether the caller is the mission's firm.
func ownsMission(caller identity.Caller, m domain.Mission) bool {
	return m.FirmID == caller.AccountID
}

// runs tells whether the caller is the mission's firm or an operator.
func runs(caller identity.Caller, m domain.Mission) bool {
	return caller.IsOperator() || ownsMission(caller, m)
}

// party tells whether the caller is one of the mission's parties: its firm, or the consultant
// staffed on it.
func party(caller identity.Caller, m domain.Mission) bool {
	switch caller.Role {
	case identity.RoleFirm:
		return m.FirmID == caller.AccountID
	case identity.RoleConsultant:
		return m.StaffedConsultantID != "" && m.StaffedConsultantID == caller.AccountID
	}
	return false
}
