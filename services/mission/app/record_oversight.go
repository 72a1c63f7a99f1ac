package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// RecordOversight appends an operator's pause or resume of automated matching to the decisions
// trail of a mission whose proposal it held or released, exactly once per delivery d: matching
// publishes one event per mission it touched (see matching's pause_matching.go). It reports
// whether the event was processed already. A mission the service does not know is an error,
// so the event is redelivered later, as for a shortlist.
func (a *Application) RecordOversight(ctx context.Context, d txn.Delivery, missionID string, o domain.Oversight) (duplicate bool, err error) {
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		if _, err := tx.Mission(ctx, missionID); err != nil {
			return err
		}
		return tx.Record(ctx, domain.OversightDecision(missionID, o, a.now()))
	})
	return !claimed, err
}
