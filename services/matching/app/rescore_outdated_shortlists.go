package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/txn"
)

// rescoreConsumer names, in the inbox, the one-off re-ranking of each scoring version.
const rescoreConsumer = "matching-rescore"

// RescoreOutdatedShortlists re-ranks the open missions whose current shortlist another scoring
// version scored, so that a firm reads its shortlist and its explanations scored alike, in the
// current version's terms. It runs as an event of its own, named after the version: its inbox
// claim makes it happen once across replicas and restarts, and it takes the replicas' turn like
// any event. A mission whose ranking is unchanged but for the version gets a new revision
// anyway, since NextShortlist proposes on a version change.
func (a *Application) RescoreOutdatedShortlists(ctx context.Context) error {
	current := a.settings().Scoring.Version
	d := Delivery{Delivery: txn.Delivery{Consumer: rescoreConsumer, EventID: current}}
	return a.applyEvent(ctx, d, eventHandler{change: func(ctx context.Context, tx Tx, st *step) error {
		s := a.settings()
		for _, om := range a.openInOrder() {
			if om.current == nil || om.current.ScoringVersion == current {
				continue
			}
			if err := a.rerank(ctx, tx, s, om, st); err != nil {
				return err
			}
		}
		return nil
	}})
}
