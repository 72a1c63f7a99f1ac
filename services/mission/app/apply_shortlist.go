package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ShortlistConsumer names the shortlist handler in the processed-events table (and is the
// durable consumer's name on the bus).
const ShortlistConsumer = "mission-shortlists"

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

// ApplyShortlist takes in a ShortlistProposed event exactly once: the mission's candidates, its
// status and its decisions trail follow the proposal (see domain.Mission.ApplyShortlist). A
// mission the service does not know is an error, so the event is redelivered later (and
// dead-lettered after a bounded number of deliveries).
func (a *Application) ApplyShortlist(ctx context.Context, eventID string, s Shortlist) (ShortlistOutcome, error) {
	var out ShortlistOutcome
	claimed, err := a.repo.AtomicallyOnce(ctx, ShortlistConsumer, eventID, func(tx Tx) error {
		m, err := tx.Mission(s.MissionID)
		if err != nil {
			return err
		}
		changes, applied := m.ApplyShortlist(s.Proposal, a.now())
		out = ShortlistOutcome{Applied: applied, Status: m.Status}
		if !applied {
			return nil
		}
		if err := tx.SaveMission(m); err != nil {
			return err
		}
		return apply(tx, changes)
	})
	if err != nil {
		return ShortlistOutcome{}, err
	}
	out.Duplicate = !claimed
	return out, nil
}
