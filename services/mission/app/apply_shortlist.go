package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// Shortlist is what the mission service keeps of a shortlist matching proposed.
type Shortlist struct {
	MissionID string
	domain.Proposal
}

// ShortlistOutcome tells what handling a shortlist did, for logs and tests.
type ShortlistOutcome struct {
	// Duplicate is true when the event was already processed; nothing else happened then.
	Duplicate bool
	// Applied is true when the shortlist was newer than the last one and the mission was
	// neither cancelled nor staffed.
	Applied bool
	Status  domain.Status
}

// ApplyShortlist takes in a ShortlistProposed event exactly once (once per delivery d): the
// mission's candidates, its status and its decisions trail follow the proposal (see
// domain.Mission.ApplyShortlist). A mission the service does not know is an error, so the
// event is redelivered later (and dead-lettered after a bounded number of deliveries).
func (a *Application) ApplyShortlist(ctx context.Context, d txn.Delivery, s Shortlist) (ShortlistOutcome, error) {
	var out ShortlistOutcome
	claimed, err := a.repo.Once(ctx, d, func(ctx context.Context, tx Tx) error {
		m, err := tx.Mission(ctx, s.MissionID)
		if err != nil {
			return err
		}
		changes, applied := m.ApplyShortlist(s.Proposal, a.now())
		out = ShortlistOutcome{Applied: applied, Status: m.Status}
		if !applied {
			return nil
		}
		return saveMission(ctx, tx, m, changes)
	})
	if err != nil {
		return ShortlistOutcome{}, err
	}
	out.Duplicate = !claimed
	return out, nil
}
