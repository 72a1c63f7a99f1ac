// Package missionclient asks the mission service about missions matching has not heard of yet.
package missionclient

import (
	"context"

	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/services/matching/app"
)

type Client struct {
	missions missionv1.MissionServiceClient
}

func New(c missionv1.MissionServiceClient) *Client { return &Client{missions: c} }

var _ app.Missions = (*Client)(nil)

// FirmOfMission asks with the caller in ctx (the connection forwards it), so the mission
// service applies its own access rules; its error is returned as is.
func (c *Client) FirmOfMission(ctx context.Context, missionID string) (string, error) {
	resp, err := c.missions.GetMission(ctx, &missionv1.GetMissionRequest{Id: missionID})
	if err != nil {
		return "", err
	}
	return resp.GetMission().GetFirmId(), nil
}
