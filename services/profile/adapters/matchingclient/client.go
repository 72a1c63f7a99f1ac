// Package matchingclient asks the matching service which profiles a firm may see.
package matchingclient

import (
	"context"

	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
)

type Client struct {
	matching matchingv1.MatchingServiceClient
}

func New(c matchingv1.MatchingServiceClient) *Client { return &Client{matching: c} }

func (c *Client) IsShortlistedForFirm(ctx context.Context, profileID, firmID string) (bool, error) {
	resp, err := c.matching.CheckProfileVisibility(ctx, &matchingv1.CheckProfileVisibilityRequest{
		ProfileId: profileID, FirmId: firmID,
	})
	if err != nil {
		return false, err
	}
	return resp.GetVisible(), nil
}
