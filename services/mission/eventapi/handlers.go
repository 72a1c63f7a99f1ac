// Package eventapi is the mission service's event port: it decodes the events the service
// consumes (shortlists from matching, erasures from profile) into use-case calls, and encodes
// the events it publishes, the decline reason left out.
package eventapi

import (
	"context"
	"fmt"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	"log/slog"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/mission/app"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// ShortlistSpec is the durable consumer of matching's events: ShortlistProposed, MatchingPaused
// and MatchingResumed. Redelivery is bounded: a message that keeps failing goes to the
// dead-letter stream.
func ShortlistSpec() eventbus.ConsumerSpec {
	return eventbus.ConsumerSpecOf(eventbus.ConsumerMissionShortlists)
}

// ErasureSpec is the durable consumer of ProfileErased events, the only profile events the
// mission service acts on. Redelivery is bounded likewise.
func ErasureSpec() eventbus.ConsumerSpec {
	return eventbus.ConsumerSpecOf(eventbus.ConsumerMissionProfiles)
}

// AccountErasureSpec is the durable consumer of AccountErased events.
func AccountErasureSpec() eventbus.ConsumerSpec {
	return eventbus.ConsumerSpecOf(eventbus.ConsumerMissionAccounts)
}

// AccountErasureHandler takes in each account erasure exactly once (a firm's missions close).
func AccountErasureHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	return handler(eventbus.ConsumerMissionAccounts, logger, func(ctx context.Context, d txn.Delivery, e *accountv1.AccountErased) error {
		if e.GetAccountId() == "" {
			return fmt.Errorf("account erasure %s has no account id", d.EventID)
		}
		out, err := a.EraseFirm(ctx, d, e.GetAccountId())
		if err != nil {
			return fmt.Errorf("apply account erasure %s: %w", d.EventID, err)
		}
		if !out.Duplicate {
			logger.InfoContext(ctx, "account erasure applied", "event_id", d.EventID, "cancelled_missions", out.Cancelled)
		}
		return nil
	})
}

// ShortlistHandler applies each ShortlistProposed to its mission, exactly once: the mission keeps
// its candidates and the decisions trail the whole proposal.
func ShortlistHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	return handler(eventbus.ConsumerMissionShortlists, logger, func(ctx context.Context, d txn.Delivery, sp *matchingv1.ShortlistProposed) error {
		if sp.GetMissionId() == "" {
			return fmt.Errorf("shortlist event %s has no mission id", d.EventID)
		}
		out, err := a.ApplyShortlist(ctx, d, app.Shortlist{MissionID: sp.GetMissionId(), Proposal: Proposal(sp)})
		if err != nil {
			return fmt.Errorf("apply shortlist %s to mission %s: %w", d.EventID, sp.GetMissionId(), err)
		}
		switch {
		case out.Duplicate:
			logger.DebugContext(ctx, "shortlist already processed", "event_id", d.EventID, "mission_id", sp.GetMissionId())
		case out.Applied:
			logger.InfoContext(ctx, "shortlist applied", "event_id", d.EventID, "mission_id", sp.GetMissionId(),
				"revision", sp.GetRevision(), "candidates", len(sp.GetCandidates()), "status", out.Status.String())
		default:
			logger.InfoContext(ctx, "shortlist ignored", "event_id", d.EventID, "mission_id", sp.GetMissionId(),
				"revision", sp.GetRevision(), "status", out.Status.String())
		}
		return nil
	})
}

// MatchingHandler is the handler of ShortlistSpec's consumer: each shortlist goes to
// ShortlistHandler, each pause or resume of a mission's proposal to its decisions trail,
// exactly once.
func MatchingHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	shortlists := ShortlistHandler(a, logger)
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		var missionID string
		var o domain.Oversight
		switch e := payload.(type) {
		case *matchingv1.MatchingPaused:
			missionID, o = e.GetMissionId(), domain.Oversight{OperatorID: e.GetPausedBy(), Reason: e.GetReason()}
		case *matchingv1.MatchingResumed:
			missionID, o = e.GetMissionId(), domain.Oversight{Resumed: true, OperatorID: e.GetResumedBy()}
		default:
			return shortlists(ctx, env, payload)
		}
		if missionID == "" {
			return fmt.Errorf("%s event %s has no mission id", env.GetType(), env.GetEventId())
		}
		d := txn.Delivery{Consumer: eventbus.ConsumerMissionShortlists, EventID: env.GetEventId()}
		duplicate, err := a.RecordOversight(ctx, d, missionID, o)
		if err != nil {
			return fmt.Errorf("record %s %s in mission %s: %w", env.GetType(), d.EventID, missionID, err)
		}
		if duplicate {
			logger.DebugContext(ctx, "oversight already recorded", "event_id", d.EventID, "mission_id", missionID)
			return nil
		}
		logger.InfoContext(ctx, "oversight recorded", "event_id", d.EventID, "type", env.GetType(), "mission_id", missionID)
		return nil
	}
}

// ErasureHandler pseudonymises each erased profile, exactly once.
func ErasureHandler(a *app.Application, logger *slog.Logger) eventbus.Handler {
	return handler(eventbus.ConsumerMissionProfiles, logger, func(ctx context.Context, d txn.Delivery, e *profilev1.ProfileErased) error {
		if e.GetProfileId() == "" {
			return fmt.Errorf("erasure event %s has no profile id", d.EventID)
		}
		out, err := a.EraseProfile(ctx, d, e.GetProfileId(), e.GetAccountId())
		if err != nil {
			// The profile id is not logged with the error: it is the erased person's.
			return fmt.Errorf("apply erasure %s: %w", d.EventID, err)
		}
		if out.Duplicate {
			logger.DebugContext(ctx, "erasure already processed", "event_id", d.EventID)
			return nil
		}
		logger.InfoContext(ctx, "profile pseudonymised", "event_id", d.EventID, "withdrawn_offers", out.Withdrawn,
			"offers", out.Offers, "missions", out.Missions, "decisions", out.Decisions)
		return nil
	})
}

// handler hands each event with a P payload to use, as consumer's delivery of it. The consumer's
// filter lets only those through; anything else is not ours to act on, and is ignored.
func handler[P proto.Message](consumer string, logger *slog.Logger, use func(context.Context, txn.Delivery, P) error) eventbus.Handler {
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		p, ok := payload.(P)
		if !ok {
			logger.WarnContext(ctx, "unexpected event ignored", "event_id", env.GetEventId(), "type", env.GetType())
			return nil
		}
		return use(ctx, txn.Delivery{Consumer: consumer, EventID: env.GetEventId()}, p)
	}
}
