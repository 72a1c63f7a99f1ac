package app

import (
	"context"
	"fmt"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// ReleaseConsultant takes in a cancelled mission exactly once: every profile holding a platform
// booking for it loses that booking, published as ConsultantReleased and ProfileUpdated. The
// cancellation is remembered, so an acceptance of the same mission handled later books no one.
func (a *Application) ReleaseConsultant(ctx context.Context, d txn.Delivery, missionID string) (EventOutcome, error) {
	if missionID == "" {
		return EventOutcome{}, fmt.Errorf("cancelled mission without an id")
	}
	return a.handleMissionEvent(ctx, d, missionID, func(ctx context.Context, tx Tx) (EventOutcome, error) {
		out := EventOutcome{Result: ResultNotBooked}
		if err := tx.RecordCancelledMission(ctx, missionID); err != nil {
			return EventOutcome{}, err
		}
		ids, err := tx.BookedFor(ctx, missionID)
		if err != nil {
			return EventOutcome{}, err
		}
		for _, id := range ids {
			p, err := lockedProfile(ctx, tx, id)
			if err != nil {
				return EventOutcome{}, err
			}
			if _, ok := p.Release(missionID, a.now()); !ok {
				return EventOutcome{}, fmt.Errorf("profile %s is indexed as booked for mission %s but holds no such booking", id, missionID)
			}
			if err := saveAndPublish(ctx, tx, p,
				domain.ConsultantReleased{ProfileID: p.ID, MissionID: missionID},
				domain.ProfileUpdated{Profile: p}); err != nil {
				return EventOutcome{}, err
			}
			out.Result = ResultReleased
			out.Changed = append(out.Changed, p.ID)
		}
		return out, nil
	})
}
