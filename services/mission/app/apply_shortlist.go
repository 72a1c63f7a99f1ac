package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ShortlistConsumer names the shortlist handler in the processed-events table (and is the
// durable consumer's name on the bus).
const ShortlistConsumer = "mission-shortlists"

// Shortlist is what the mission service needs of a shortlist matching proposed.
type Shortlist struct {
	MissionID  string
	Revision   int64
	Candidates int
}

// ShortlistOutcome tells what handling a shortlist did, for logs and tests.
type ShortlistOutcome struct {
	// Duplicate is true when the event was already processed; nothing else happened then.
	Duplicate bool
	// Applied is true when the shortlist was newer than the last one and the mission still
	// waited for or held a shortlist.
	Applied bool
	Status  domain.Status
}

// ApplyShortlist takes in a ShortlistProposed event exactly once. A mission the service does not
// know is an error, so the event is redelivered later (and dead-lettered after a bounded number of
// deliveries).
func (a *Application) ApplyShortlist(ctx context.Context, eventID string, s Shortlist) (ShortlistOutcome, error) {
	var out ShortlistOutcome
	claimed, err := a.repo.UpdateOnce(ctx, ShortlistConsumer, eventID, s.MissionID, func(m *domain.Mission) ([]domain.Event, error) {
		events, applied := m.ApplyShortlist(s.Revision, s.Candidates, a.now())
		out.Applied, out.Status = applied, m.Status
		return events, nil
	})
	if err != nil {
		return ShortlistOutcome{}, err
	}
	out.Duplicate = !claimed
	return out, nil
}
