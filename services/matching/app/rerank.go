package app

import (
	"context"

	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// proposals collects the shortlists one event proposed, to log them once committed.
type proposals []domain.Shortlist

// currentShortlist is the mission's current shortlist, nil before the first.
func currentShortlist(ctx context.Context, rm ReadModel, missionID string) (*domain.Shortlist, error) {
	s, found, err := rm.CurrentShortlist(ctx, missionID)
	if err != nil || !found {
		return nil, err
	}
	return &s, nil
}

// rerank ranks m over profiles and stores a new shortlist when domain.NextShortlist says so.
func (a *Application) rerank(ctx context.Context, rm ReadModel, m domain.Mission, current *domain.Shortlist,
	profiles []domain.Profile, out *proposals) error {
	next, propose := domain.NextShortlist(m, current, domain.Rank(m, profiles, a.shortlistSize), a.now().UTC())
	if !propose {
		return nil
	}
	if err := rm.AddShortlist(ctx, next); err != nil {
		return err
	}
	*out = append(*out, next)
	return nil
}

// logApplied logs what an event changed, with ids only.
func (a *Application) logApplied(ctx context.Context, d Delivery, applied bool, proposed proposals) {
	if !applied {
		a.logger.DebugContext(ctx, "event already processed", "consumer", d.Consumer, "event_id", d.EventID)
		return
	}
	for _, s := range proposed {
		a.logger.InfoContext(ctx, "shortlist proposed", "event_id", d.EventID, "mission_id", s.MissionID,
			"revision", s.Revision, "candidates", len(s.Candidates), "eligible", s.EligibleCount)
	}
}
