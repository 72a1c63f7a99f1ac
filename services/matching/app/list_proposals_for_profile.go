package app

import (
	"context"

	"github.com/caiomatch/caiomatch/pkg/fault"
	"github.com/caiomatch/caiomatch/pkg/identity"
	"github.com/caiomatch/caiomatch/services/matching/domain"
)

// MaxProposals bounds one ListProposalsForProfile answer.
const MaxProposals = 1000

// ProfileProposals are the shortlists that held a profile, newest first, each with the profile
// as its only candidate; Truncated when there were more than asked.
type ProfileProposals struct {
	Proposals []domain.Shortlist
	Truncated bool
}

// ListProposalsForProfile returns every shortlist revision a profile was proposed in, with its
// rank, score and explanation as proposed: for the consultant's data export. Matching knows no
// accounts, so it cannot tell whose profile it is: the only caller with a consultant's identity
// is the gateway's export, which checks the profile is the caller's before asking (the RPC has
// no HTTP rule, and internal calls are signed). Operators may ask; firms never (a firm sees a
// candidate only through its own missions' shortlists).
func (a *Application) ListProposalsForProfile(ctx context.Context, caller identity.Caller, profileID string, limit int) (ProfileProposals, error) {
	if caller.Role != identity.RoleConsultant && !caller.IsOperator() {
		return ProfileProposals{}, fault.PermissionDenied(ReasonRoleNotAllowed, "only the profile's consultant, through their data export, or an operator lists its proposals")
	}
	var v fault.Violations
	if profileID == "" {
		v.Add("profileId", "is required")
	}
	if limit < 0 || limit > MaxProposals {
		v.Add("limit", "must be between 0 and %d", MaxProposals)
	}
	if err := v.Err(); err != nil {
		return ProfileProposals{}, err
	}
	if limit == 0 {
		limit = MaxProposals
	}
	found, err := a.store.ProposalsForProfile(ctx, profileID, limit+1)
	if err != nil {
		return ProfileProposals{}, err
	}
	out := ProfileProposals{Proposals: found, Truncated: len(found) > limit}
	if out.Truncated {
		out.Proposals = found[:limit]
	}
	return out, nil
}
