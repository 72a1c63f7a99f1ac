// Package profileevents feeds the profile service's events to the mission use cases.
package profileevents

import (
	"context"
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/services/mission/app"
)

// ErasureSpec is the durable consumer of ProfileErased events, the only profile events the
// mission service acts on. Redelivery is bounded: a message that keeps failing goes to the
// dead-letter stream.
func ErasureSpec() eventbus.ConsumerSpec {
	return eventbus.ConsumerSpecOf(app.ProfilesConsumer)
}

// ErasureHandler pseudonymises each erased profile, exactly once.
func ErasureHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		e, ok := payload.(*profilev1.ProfileErased)
		if !ok {
			logger.WarnContext(ctx, "unexpected event ignored", "event_id", env.GetEventId(), "type", env.GetType())
			return nil
		}
		if e.GetProfileId() == "" {
			return fmt.Errorf("erasure event %s has no profile id", env.GetEventId())
		}
		out, err := a.EraseProfile(ctx, env.GetEventId(), e.GetProfileId())
		if err != nil {
			// The profile id is not logged with the error: it is the erased person's.
			return fmt.Errorf("apply erasure %s: %w", env.GetEventId(), err)
		}
		if out.Duplicate {
			logger.DebugContext(ctx, "erasure already processed", "event_id", env.GetEventId())
			return nil
		}
		logger.InfoContext(ctx, "profile pseudonymised", "event_id", env.GetEventId(), "withdrawn_offers", out.Withdrawn,
			"offers", out.Offers, "missions", out.Missions, "decisions", out.Decisions)
		return nil
	}
}
