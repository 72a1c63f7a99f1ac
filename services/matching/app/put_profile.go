package app

import (
	"context"
	"slices"
	"time"

	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// PutProfile applies a registered or updated profile to the index, then re-ranks the open
// missions whose shortlist it could change: those whose shortlist holds it, and those it is
// eligible for and would enter. A new shortlist is proposed only where the candidates change.
func (a *Application) PutProfile(ctx context.Context, d Delivery, p domain.Profile, asOf time.Time) error {
	id, err := index.CanonicalID(p.ID)
	if err != nil {
		return err
	}
	p.ID = id
	return a.applyEvent(ctx, d, eventHandler{
		// This replica's own following of the stream may have put these facts already, or newer
		// ones: the re-ranking below then goes by what the index holds, and the pruning by this
		// event's facts errs only towards re-ranking a mission for nothing, as the later event
		// re-ranks on its own.
		index: func() error { _, err := a.index.Put(p, asOf); return err },
		change: func(ctx context.Context, tx Tx, st *step) error {
			if a.index.Erased(p.ID) {
				return nil
			}
			s := a.settings()
			for _, om := range a.openInOrder() {
				if !a.couldChange(s, om, p) {
					continue
				}
				if err := a.rerank(ctx, tx, s, om, st); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// couldChange tells whether p may change om's shortlist: it is on it, or it is eligible,
// under the exposure cap, and beats the last candidate of a full shortlist.
func (a *Application) couldChange(s domain.Settings, om *openMission, p domain.Profile) bool {
	if om.current == nil || om.current.Holds(p.ID) {
		return true
	}
	if slices.Contains(om.excluded, p.ID) {
		return false
	}
	ev := domain.Evaluate(s, om.mission, p)
	if !ev.Eligible {
		return false
	}
	if a.cfg.ExposureCap > 0 && a.index.Exposure(p.ID) >= a.cfg.ExposureCap {
		return false
	}
	cs := om.current.Candidates
	if len(cs) < a.cfg.ShortlistSize {
		return true
	}
	return domain.CompareCandidates(domain.Candidate{ProfileID: p.ID, Score: ev.Score}, cs[len(cs)-1]) < 0
}
