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
		proposal, err := a.withoutErased(ctx, tx, s.Proposal)
		if err != nil {
			return err
		}
		changes, applied := m.ApplyShortlist(proposal, a.now())
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

// withoutErased is p with its erased candidates under their pseudonyms: matching may have made
// it before a candidate's erasure that this service took in first (the two travel on different
// streams).
func (a *Application) withoutErased(ctx context.Context, tx Tx, p domain.Proposal) (domain.Proposal, error) {
	pseudonyms := make(map[string]string, len(p.Candidates))
	list := make([]string, 0, len(p.Candidates))
	for _, c := range p.Candidates {
		pseudonyms[c.ProfileID] = domain.Pseudonym(a.cfg.PseudonymKey, c.ProfileID)
		list = append(list, pseudonyms[c.ProfileID])
	}
	erased, err := tx.ErasedProfiles(ctx, list)
	if err != nil || len(erased) == 0 {
		return p, err
	}
	return p.Pseudonymised(func(id string) (string, bool) { return pseudonyms[id], erased[pseudonyms[id]] }), nil
}
