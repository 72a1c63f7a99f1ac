package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/pkg/visibility"
	"github.com/caiomatch/caiomatch/services/profile/domain"
)

// GetProfile shows a profile to its owner and operators in full. A firm sees what
// pkg/visibility's rule lets it see through its missions: the whole profile, email included, as
// the firm that staffed the consultant on a mission that lies ahead, runs or ended less than 90
// days ago (domain.Profile.StaffingLinks, SeenByStaffingFirm); the profile without the email
// while it is a candidate of the current shortlist of one of the firm's missions still being
// staffed (matching judges its shortlists by the same rule; SeenByFirm). Neither ever shows the
// missions of other firms. Anyone else gets the not-found a missing profile gives.
func (a *Application) GetProfile(ctx context.Context, caller identity.Caller, id string) (domain.Profile, error) {
	p, err := a.profiles.Get(ctx, id)
	if err != nil {
		return domain.Profile{}, err
	}
	switch {
	case caller.IsOperator(), caller.Role == identity.RoleConsultant && p.AccountID == caller.AccountID:
		return p, nil
	case caller.Role == identity.RoleFirm:
		now := a.now()
		links := p.StaffingLinks(caller.AccountID, now)
		if visibility.Best(links, now) == visibility.None {
			shortlisted, err := a.shortlists.IsShortlistedForFirm(ctx, id, caller.AccountID)
			if err != nil {
				return domain.Profile{}, err
			}
			if shortlisted {
				links = append(links, visibility.Link{State: visibility.StateOpen, Shortlisted: true})
			}
		}
		switch visibility.Best(links, now) {
		case visibility.Staffing:
			return p.SeenByStaffingFirm(caller.AccountID), nil
		case visibility.Candidate:
			return p.SeenByFirm(), nil
		}
	}
	return domain.Profile{}, ErrNotFound(id)
}
