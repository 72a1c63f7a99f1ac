// Package matchingevents feeds the matching service's events to the mission use cases.
package matchingevents

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/services/mission/adapters/missionpb"
	"github.com/caiomatch/caiomatch/services/mission/app"
)

// ShortlistSpec is the durable consumer of ShortlistProposed events. Redelivery is bounded: a
// message that keeps failing goes to the dead-letter stream.
func ShortlistSpec() eventbus.ConsumerSpec {
	return eventbus.ConsumerSpecOf(app.ShortlistConsumer)
}

// ShortlistHandler applies each ShortlistProposed to its mission, exactly once: the mission keeps
// its candidates and the decisions trail the whole proposal.
func ShortlistHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		sp, ok := payload.(*matchingv1.ShortlistProposed)
		if !ok {
			// The filter lets only shortlists through; anything else is not ours to act on.
			logger.WarnContext(ctx, "unexpected event ignored", "event_id", env.GetEventId(), "type", env.GetType())
			return nil
		}
		if sp.GetMissionId() == "" {
			return fmt.Errorf("shortlist event %s has no mission id", env.GetEventId())
		}
		out, err := a.ApplyShortlist(ctx, env.GetEventId(), app.Shortlist{
			MissionID: sp.GetMissionId(),
			Proposal:  missionpb.Proposal(sp),
		})
		if err != nil {
			return fmt.Errorf("apply shortlist %s to mission %s: %w", env.GetEventId(), sp.GetMissionId(), err)
		}
		switch {
		case out.Duplicate:
			logger.DebugContext(ctx, "shortlist already processed", "event_id", env.GetEventId(), "mission_id", sp.GetMissionId())
		case out.Applied:
			logger.InfoContext(ctx, "shortlist applied", "event_id", env.GetEventId(), "mission_id", sp.GetMissionId(),
				"revision", sp.GetRevision(), "candidates", len(sp.GetCandidates()), "status", out.Status.String())
		default:
			logger.InfoContext(ctx, "shortlist ignored", "event_id", env.GetEventId(), "mission_id", sp.GetMissionId(),
				"revision", sp.GetRevision(), "status", out.Status.String())
		}
		return nil
	}
}
