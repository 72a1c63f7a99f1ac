package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/visibility"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// CheckProfileVisibility tells whether a firm may see a profile through one of its missions'
// shortlists, by pkg/visibility's rule: only while it is a candidate of the current shortlist of
// a mission still being staffed. Any authenticated caller may ask (the profile service asks on
// behalf of the firm, and judges the staffed consultant itself from its bookings).
func (a *Application) CheckProfileVisibility(ctx context.Context, profileID, firmID string) (bool, error) {
	var v fault.Violations
	if profileID == "" {
		v.Add("profileId", "is required")
	}
	if firmID == "" {
		v.Add("firmId", "is required")
	}
	if err := v.Err(); err != nil {
		return false, err
	}
	statuses, err := a.store.ShortlistingMissions(ctx, profileID, firmID)
	if err != nil {
		return false, err
	}
	links := make([]visibility.Link, len(statuses))
	for i, s := range statuses {
		links[i] = shortlistLink(s, true)
	}
	return visibility.Best(links, a.now()) != visibility.None, nil
}

// shortlistLink is what matching knows of a mission and a profile for pkg/visibility: the
// mission open or closed, the profile on its current shortlist or not. Matching never holds
// who was staffed, so a closed mission shows nobody through it.
func shortlistLink(s domain.MissionStatus, shortlisted bool) visibility.Link {
	state := visibility.StateClosed
	if s == domain.MissionOpen {
		state = visibility.StateOpen
	}
	return visibility.Link{State: state, Shortlisted: shortlisted}
}
