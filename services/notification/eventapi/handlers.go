// Package eventapi is the notification service's event port: it decodes what the mission,
// matching, profile and account events say into use-case calls. It reads ids and mission
// summaries; nothing else of the events is kept.
package eventapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	accountv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/account/v1"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/locale"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/notification/app"
	"github.com/caiomatch/caiomatch/services/notification/domain"
)

// Consumers are the service's consumers with their handlers, for the service to run.
func Consumers(a *app.Application, logger *slog.Logger) map[string]eventbus.Handler {
	return map[string]eventbus.Handler{
		eventbus.ConsumerNotificationMissions:   handler(eventbus.ConsumerNotificationMissions, logger, missionEvent(a)),
		eventbus.ConsumerNotificationShortlists: handler(eventbus.ConsumerNotificationShortlists, logger, shortlistEvent(a)),
		eventbus.ConsumerNotificationProfiles:   handler(eventbus.ConsumerNotificationProfiles, logger, profileEvent(a)),
		eventbus.ConsumerNotificationAccounts:   handler(eventbus.ConsumerNotificationAccounts, logger, accountEvent(a)),
	}
}

// use handles one decoded event that happened at a time; a nil outcome means the event is not
// one to act on.
type use func(ctx context.Context, d txn.Delivery, at time.Time, payload proto.Message) (*app.Outcome, error)

// handler runs use for every event of the consumer and logs what it did, by ids only.
func handler(consumer string, logger *slog.Logger, fn use) eventbus.Handler {
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		d := txn.Delivery{Consumer: consumer, EventID: env.GetEventId()}
		var at time.Time
		if env.GetOccurredAt() != nil {
			at = env.GetOccurredAt().AsTime()
		}
		out, err := fn(ctx, d, at, payload)
		switch {
		case errors.Is(err, app.ErrNotYetKnown):
			logger.InfoContext(ctx, "event waits for an earlier one", "event_id", d.EventID, "type", env.GetType())
			return err
		case err != nil:
			return fmt.Errorf("%s %s: %w", env.GetType(), d.EventID, err)
		case out == nil:
			logger.DebugContext(ctx, "event ignored", "event_id", d.EventID, "type", env.GetType())
		case out.Duplicate:
			logger.DebugContext(ctx, "event already processed", "event_id", d.EventID, "type", env.GetType())
		case out.Notified > 0:
			logger.InfoContext(ctx, "notified", "event_id", d.EventID, "type", env.GetType(), "notifications", out.Notified)
		}
		return nil
	}
}

func done(out app.Outcome, err error) (*app.Outcome, error) { return &out, err }

func claimed(claimed bool, err error) (*app.Outcome, error) {
	return &app.Outcome{Duplicate: !claimed && err == nil}, err
}

func missionEvent(a *app.Application) use {
	return func(ctx context.Context, d txn.Delivery, at time.Time, payload proto.Message) (*app.Outcome, error) {
		switch e := payload.(type) {
		case *missionv1.MissionSubmitted:
			return done(a.RecordMission(ctx, d, e.GetMission().GetId(), e.GetMission().GetFirmId(), e.GetMission().GetTitle()))
		case *missionv1.MissionEdited:
			return done(a.RecordMission(ctx, d, e.GetMission().GetId(), e.GetMission().GetFirmId(), e.GetMission().GetTitle()))
		case *missionv1.MissionUpdated:
			change, ok := missionChanges[e.GetStatus()]
			if !ok {
				return nil, nil
			}
			return done(a.ChangeMission(ctx, d, e.GetMissionId(), change, at))
		case *missionv1.OfferMade:
			return offerEvent(ctx, a, d, at, domain.TypeOfferMade, e.GetOffer())
		case *missionv1.OfferCountered:
			return offerEvent(ctx, a, d, at, domain.TypeOfferCountered, e.GetOffer())
		case *missionv1.OfferAccepted:
			return offerEvent(ctx, a, d, at, domain.TypeOfferAccepted, e.GetOffer())
		case *missionv1.OfferDeclined:
			return offerEvent(ctx, a, d, at, domain.TypeOfferDeclined, e.GetOffer())
		case *missionv1.OfferExpired:
			return offerEvent(ctx, a, d, at, domain.TypeOfferExpired, e.GetOffer())
		case *missionv1.OfferWithdrawn:
			return offerEvent(ctx, a, d, at, domain.TypeOfferWithdrawn, e.GetOffer())
		case *missionv1.ExtensionRequested:
			return extensionEvent(ctx, a, d, at, domain.TypeExtensionRequested, false, e.GetExtension())
		case *missionv1.ExtensionAccepted:
			return extensionEvent(ctx, a, d, at, domain.TypeExtensionAnswered, true, e.GetExtension())
		case *missionv1.ExtensionDeclined:
			return extensionEvent(ctx, a, d, at, domain.TypeExtensionAnswered, false, e.GetExtension())
		}
		return nil, nil
	}
}

var missionChanges = map[missionv1.MissionStatus]app.MissionChange{
	missionv1.MissionStatus_MISSION_STATUS_NO_MATCH:    app.MissionNoMatch,
	missionv1.MissionStatus_MISSION_STATUS_ENDED_EARLY: app.MissionEndedEarly,
	missionv1.MissionStatus_MISSION_STATUS_COMPLETED:   app.MissionCompleted,
}

func offerEvent(ctx context.Context, a *app.Application, d txn.Delivery, at time.Time, t domain.Type, o *missionv1.Offer) (*app.Outcome, error) {
	if o.GetId() == "" || o.GetMissionId() == "" {
		return nil, fmt.Errorf("offer event without offer or mission id")
	}
	// The firm's note and the consultant's counter message are free text: never kept. The firm's
	// name comes from its account (ChangeOffer), or from an event published before events
	// stopped carrying it.
	facts := domain.Facts{MissionTitle: o.GetMission().GetTitle(), FirmName: o.GetMission().GetFirmName(),
		ProfileID: o.GetProfileId(), DailyRateEUR: int(o.GetDailyRateEur()), CounterRateEUR: int(o.GetCounterRateEur()),
		StartDate: o.GetStartDate(), EndDate: o.GetEndDate()}
	if o.GetExpiresAt() != nil {
		facts.ExpiresAt = o.GetExpiresAt().AsTime()
	}
	return done(a.ChangeOffer(ctx, d, app.OfferChange{ExpiresAt: facts.ExpiresAt, Happening: app.Happening{Type: t,
		MissionID: o.GetMissionId(), OfferID: o.GetId(), FirmID: o.GetFirmId(), ProfileID: o.GetProfileId(), Facts: facts,
		OccurredAt: at}}))
}

func extensionEvent(ctx context.Context, a *app.Application, d txn.Delivery, at time.Time, t domain.Type, accepted bool, e *missionv1.Extension) (*app.Outcome, error) {
	if e.GetMissionId() == "" {
		return nil, fmt.Errorf("extension event without mission id")
	}
	return done(a.Notify(ctx, d, app.Happening{Type: t, MissionID: e.GetMissionId(), ProfileID: e.GetProfileId(),
		Facts: domain.Facts{ProfileID: e.GetProfileId(), EndDate: e.GetNewEndDate(), Accepted: accepted}, OccurredAt: at}))
}

func shortlistEvent(a *app.Application) use {
	return func(ctx context.Context, d txn.Delivery, at time.Time, payload proto.Message) (*app.Outcome, error) {
		sp, ok := payload.(*matchingv1.ShortlistProposed)
		if !ok {
			return nil, nil
		}
		if sp.GetMissionId() == "" || sp.GetFirmId() == "" {
			return nil, fmt.Errorf("shortlist without mission or firm id")
		}
		candidates := make([]string, len(sp.GetCandidates()))
		for i, c := range sp.GetCandidates() {
			candidates[i] = c.GetProfileId()
		}
		return done(a.ApplyShortlist(ctx, d, app.Shortlist{MissionID: sp.GetMissionId(), FirmID: sp.GetFirmId(),
			Revision: sp.GetRevision(), Candidates: candidates, OccurredAt: at}))
	}
}

func profileEvent(a *app.Application) use {
	return func(ctx context.Context, d txn.Delivery, at time.Time, payload proto.Message) (*app.Outcome, error) {
		var facts *profilev1.MatchingFacts
		switch e := payload.(type) {
		case *profilev1.ProfileRegistered:
			facts = e.GetFacts()
		case *profilev1.ProfileUpdated:
			facts = e.GetFacts()
		case *profilev1.ProfileErased:
			return claimed(a.ForgetProfile(ctx, d, e.GetProfileId()))
		default:
			return nil, nil
		}
		if facts.GetProfileId() == "" || facts.GetAccountId() == "" {
			return nil, fmt.Errorf("profile event without profile or account id")
		}
		return claimed(a.MapProfile(ctx, d, facts.GetProfileId(), facts.GetAccountId()))
	}
}

var accountStatuses = map[accountv1.AccountStatus]domain.AccountStatus{
	accountv1.AccountStatus_ACCOUNT_STATUS_UNSPECIFIED:      domain.AccountActive, // accounts from before statuses
	accountv1.AccountStatus_ACCOUNT_STATUS_ACTIVE:           domain.AccountActive,
	accountv1.AccountStatus_ACCOUNT_STATUS_PENDING_APPROVAL: domain.AccountPendingApproval,
	accountv1.AccountStatus_ACCOUNT_STATUS_SUSPENDED:        domain.AccountSuspended,
}

func accountEvent(a *app.Application) use {
	return func(ctx context.Context, d txn.Delivery, at time.Time, payload proto.Message) (*app.Outcome, error) {
		switch e := payload.(type) {
		case *accountv1.AccountChanged:
			if e.GetAccountId() == "" {
				return nil, fmt.Errorf("account event without account id")
			}
			lang, _ := locale.Parse(strings.ToLower(e.GetLanguage()))
			status, ok := accountStatuses[e.GetStatus()]
			if !ok {
				status = domain.AccountSuspended // an unknown status gets no email until understood
			}
			return claimed(a.ApplyAccount(ctx, d, domain.Account{ID: e.GetAccountId(), Role: e.GetRole(), Status: status,
				Email: e.GetEmail(), Language: lang, EmailNotifications: e.GetEmailNotifications(), Version: e.GetVersion(), Name: e.GetName()}))
		case *accountv1.AccountErased:
			return claimed(a.EraseAccount(ctx, d, e.GetAccountId()))
		}
		return nil, nil
	}
}
