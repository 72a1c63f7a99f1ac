package app

import (
	"context"
	"time"

	"github.com/caiomatch/caiomatch/services/mission/domain"
)

const completionBatch = 100

// CompleteMissions completes every staffed mission whose end date is before today at now, each
// in its own transaction (MissionUpdated COMPLETED, MISSION_COMPLETED by SYSTEM). It returns how
// many it completed; when some could not be, it goes on with the others and reports their
// errors together.
func (a *Application) CompleteMissions(ctx context.Context, now time.Time) (int, error) {
	return drain(ctx, now, completionBatch, a.repo.DueCompletions, a.completeMission, func(id string) string { return "complete mission " + id })
}

func (a *Application) completeMission(ctx context.Context, id string, now time.Time) (bool, error) {
	return inTx(ctx, a.repo, func(ctx context.Context, tx Tx) (bool, error) {
		m, err := tx.Mission(ctx, id)
		if err != nil {
			return false, err
		}
		pending, err := pendingExtension(ctx, tx, id)
		if err != nil {
			return false, err
		}
		out, ok := domain.Complete(&m, pending, now)
		if !ok {
			// Not due: a row stored before its end date was; saving it stores the end date.
			if m.Status == domain.StatusStaffed {
				return false, tx.SaveMission(ctx, m)
			}
			return false, nil
		}
		if err := saveExtension(ctx, tx, pending); err != nil {
			return false, err
		}
		return true, saveMission(ctx, tx, m, out)
	})
}
