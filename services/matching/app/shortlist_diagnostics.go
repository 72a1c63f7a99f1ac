package app

import (
	"context"
	"slices"

	"github.com/caiomatch/caiomatch/services/matching/domain"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// Bounds of the widenings a shortlist lists: a change that opens fewer than
// DiagnosticsMinGain consultants is left out, so that it cannot point at one or two people,
// and at most DiagnosticsMaxWidenings are listed.
const (
	DiagnosticsMinGain      = 3
	DiagnosticsMaxWidenings = 10
)

// shortlistDiagnostics judges an open mission's current query now, with the open state this
// replica holds (its current shortlist, exempt from the cap, and its exclusions) brought in
// step with the other replicas first; nil for a mission that is not open.
func (a *Application) shortlistDiagnostics(ctx context.Context, missionID string) (*domain.Diagnostics, error) {
	a.mu.Lock()
	err := a.refresh(ctx)
	om, open := a.open[missionID]
	var q index.Query
	if err == nil && open {
		q = a.query(a.settings(), om.mission, om.current, slices.Clone(om.excluded))
	}
	a.mu.Unlock()
	if err != nil || !open {
		return nil, err
	}
	d := a.index.Diagnostics(q, index.DiagnosticsOptions{MinGain: DiagnosticsMinGain, MaxWidenings: DiagnosticsMaxWidenings})
	return &d, nil
}
