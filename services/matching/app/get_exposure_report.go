package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// GetExposureReport tells operators how evenly the open missions' current shortlists spread
// over the pool: for each consultant, the open missions they are eligible for (hard rules and
// exclusions, without the exposure cap) and the current shortlists that hold them; summed
// overall, by country and by seniority band. It names nobody.
func (a *Application) GetExposureReport(ctx context.Context, caller identity.Caller) (domain.ExposureReport, error) {
	if !caller.IsOperator() {
		return domain.ExposureReport{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only operators read the exposure report")
	}
	settings := a.settings()
	a.mu.Lock()
	if err := a.refresh(ctx); err != nil {
		a.mu.Unlock()
		return domain.ExposureReport{}, err
	}
	type count struct{ eligible, appearances int }
	counts := make([]count, a.index.Slots())
	open := a.openInOrder()
	for _, om := range open {
		for _, c := range a.index.Candidates(a.query(settings, om.mission, om.current, om.excluded)) {
			counts[c.Slot].eligible++
		}
		for _, id := range candidateIDs(om.current) {
			if slot, ok := a.index.SlotOf(id); ok && int(slot) < len(counts) {
				counts[slot].appearances++
			}
		}
	}
	a.mu.Unlock()
	var consultants []domain.Exposure
	for slot, c := range counts {
		cohort, alive := a.index.CohortOf(int32(slot))
		if !alive {
			continue
		}
		consultants = append(consultants, domain.Exposure{Country: cohort.Country, Years: cohort.Years,
			Eligible: c.eligible, Appearances: c.appearances})
	}
	return domain.NewExposureReport(consultants, len(open)), nil
}
