// Package eventapi is the profile service's side of the event streams: it feeds the mission
// service's events to the use cases (an accepted offer books the consultant, a cancelled
// mission releases them, a change of a staffed mission's dates moves the booking) and encodes the events the service publishes, keeping personal data
// in.
package eventapi

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/profile/app"
)

// MissionsSpec is the durable consumer of accepted offers, cancelled missions and changes of a
// staffed mission's dates. A message
// that keeps failing goes to the dead-letter stream after the consumer's bounded deliveries.
func MissionsSpec() eventbus.ConsumerSpec {
	return eventbus.ConsumerSpecOf(eventbus.ConsumerProfileMissions)
}

// MissionsHandler applies each event exactly once (the inbox claim commits with its effect).
func MissionsHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		d := txn.Delivery{Consumer: eventbus.ConsumerProfileMissions, EventID: env.GetEventId()}
		var (
			out       app.EventOutcome
			err       error
			missionID string
		)
		switch e := payload.(type) {
		case *missionv1.OfferAccepted:
			o := e.GetOffer()
			missionID = o.GetMissionId()
			out, err = a.BookConsultant(ctx, d, app.Staffing{
				MissionID: o.GetMissionId(), ProfileID: o.GetProfileId(),
				StartDate: o.GetStartDate(), EndDate: o.GetEndDate(), FirmID: o.GetFirmId(),
			})
		case *missionv1.MissionCancelled:
			missionID = e.GetMissionId()
			out, err = a.ReleaseConsultant(ctx, d, e.GetMissionId())
		case *missionv1.StaffingDatesChanged:
			missionID = e.GetMissionId()
			c := app.DatesChange{
				MissionID: e.GetMissionId(), ProfileID: e.GetProfileId(),
				StartDate: e.GetStartDate(), EndDate: e.GetEndDate(),
			}
			if env.GetOccurredAt() != nil {
				c.OccurredAt = env.GetOccurredAt().AsTime()
			}
			out, err = a.ChangeStaffingDates(ctx, d, c)
		default:
			// The filter lets only these three through; anything else is not ours to act on.
			logger.WarnContext(ctx, "unexpected event ignored", "event_id", env.GetEventId(), "type", env.GetType())
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", env.GetType(), env.GetEventId(), err)
		}
		if out.Duplicate {
			logger.DebugContext(ctx, "mission event already processed", "event_id", env.GetEventId(),
				"type", env.GetType(), "mission_id", missionID)
			return nil
		}
		logger.InfoContext(ctx, "mission event applied", "event_id", env.GetEventId(), "type", env.GetType(),
			"mission_id", missionID, "result", out.Result, "profile_ids", out.Changed)
		return nil
	}
}
