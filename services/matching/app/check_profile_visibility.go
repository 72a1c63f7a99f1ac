package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
)

// CheckProfileVisibility tells whether a firm may see a profile: only while it is on the current
// shortlist of one of the firm's open missions. Any authenticated caller may ask (the profile
// service asks on behalf of the firm).
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
	return a.store.ShortlistedForFirm(ctx, profileID, firmID)
}
