// Package profileclient asks the profile service whose profile a candidate is.
package profileclient

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/mission/app"
)

type Client struct {
	profiles profilev1.ProfileServiceClient
}

func New(c profilev1.ProfileServiceClient) *Client { return &Client{profiles: c} }

var _ app.Profiles = (*Client)(nil)

// Consultant asks with the caller in ctx (the connection forwards it), so the profile
// service applies its own rules: a firm sees a profile only while it is on one of its
// shortlists. A profile it does not show is ErrProfileNotFound; a service that cannot be
// reached is ErrProfileServiceUnavailable; anything else is an internal error.
func (c *Client) Consultant(ctx context.Context, profileID string) (app.Consultant, error) {
	resp, err := c.profiles.GetProfile(ctx, &profilev1.GetProfileRequest{Id: profileID})
	switch status.Code(err) {
	case codes.OK:
	case codes.NotFound, codes.PermissionDenied:
		return app.Consultant{}, app.ErrProfileNotFound(profileID)
	case codes.Unavailable, codes.DeadlineExceeded:
		//nolint:errorlint // %v, not %w: the profile service's status is not ours to show
		return app.Consultant{}, fmt.Errorf("%w (%v)", app.ErrProfileServiceUnavailable(), err)
	default:
		//nolint:errorlint // %v, not %w: the profile service's status is not ours to show
		return app.Consultant{}, fmt.Errorf("get profile %s: %v", profileID, err)
	}
	account := resp.GetProfile().GetAccountId()
	if account == "" {
		return app.Consultant{}, fmt.Errorf("get profile %s: the profile service named no account", profileID)
	}
	return app.Consultant{AccountID: account, DailyRateEUR: int(resp.GetProfile().GetDailyRateEur())}, nil
}

// Unconfigured is the profile service when no address was given: every question is
// ErrProfileServiceUnavailable, so offers are refused while the rest of the service works.
type Unconfigured struct{}

func (Unconfigured) Consultant(context.Context, string) (app.Consultant, error) {
	return app.Consultant{}, app.ErrProfileServiceUnavailable()
}
