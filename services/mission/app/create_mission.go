package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/missionrules"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// CreateMission submits a mission for the calling firm; the firm is always the caller.
func (a *Application) CreateMission(ctx context.Context, caller identity.Caller, in missionrules.RequestInput) (domain.Mission, error) {
	if caller.Role != identity.RoleFirm {
		return domain.Mission{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only firms submit missions")
	}
	// The firm's name and contact email travel with the caller; either may be empty.
	m, out, err := domain.NewMissionOf(a.newID(), domain.Firm{ID: caller.AccountID, Name: caller.Name, Email: caller.Email}, in, a.now())
	if err != nil {
		return domain.Mission{}, err
	}
	err = a.repo.InTx(ctx, func(ctx context.Context, tx Tx) error {
		if limit := a.cfg.FirmMissionsPerDay; limit > 0 {
			// Held, so that concurrent submissions count each other.
			if err := tx.LockFirm(ctx, caller.AccountID); err != nil {
				return err
			}
			n, err := tx.MissionsSubmittedSince(ctx, caller.AccountID, a.now().Add(-24*time.Hour))
			if err != nil {
				return err
			}
			if n >= limit {
				return fault.ResourceExhausted(ReasonMissionQuotaExceeded,
					"a firm submits at most %d missions in 24 hours; try again later or ask an operator", limit)
			}
		}
		return create(ctx, tx, tx.CreateMission, m, out)
	})
	if err != nil {
		return domain.Mission{}, err
	}
	return m, nil
}
