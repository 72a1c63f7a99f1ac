// Package eventapi is the matching service's event port: the handlers of its durable consumers
// of the profile and mission streams (eventbus.ConsumerMatchingProfiles and
// ConsumerMatchingMissions, also the inbox keys of the events they process), which decode each
// event into a use-case call; the encoding of the ShortlistProposed events it publishes; and
// the following, replay and snapshots of the profile stream that feed the index.
package eventapi

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	missionv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/mission/v1"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
	"github.com/caiomatch/caiomatch/pkg/txn"
	"github.com/caiomatch/caiomatch/services/matching/app"
	"github.com/caiomatch/caiomatch/services/matching/index"
)

// Handlers translates events into use-case calls.
type Handlers struct {
	app *app.Application
}

func NewHandlers(a *app.Application) *Handlers { return &Handlers{app: a} }

// Profile handles an event of the profile stream; the ones matching does not use are
// acknowledged and ignored.
func (h *Handlers) Profile(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
	d := delivery(eventbus.ConsumerMatchingProfiles, env)
	d.ProfileSeq, _ = eventbus.StreamSequence(ctx)
	switch e := payload.(type) {
	case *profilev1.ProfileRegistered:
		return h.putProfile(ctx, d, env, e.GetFacts())
	case *profilev1.ProfileUpdated:
		return h.putProfile(ctx, d, env, e.GetFacts())
	case *profilev1.ProfileErased:
		id, err := ProfileID(e.GetProfileId())
		if err != nil {
			return fmt.Errorf("%s %s: %w", env.GetType(), env.GetEventId(), err)
		}
		return h.app.EraseProfile(ctx, d, id)
	}
	return nil
}

func (h *Handlers) putProfile(ctx context.Context, d app.Delivery, env *eventsv1.Envelope, facts *profilev1.MatchingFacts) error {
	p, err := Profile(facts)
	if err != nil {
		return fmt.Errorf("%s %s: %w", env.GetType(), env.GetEventId(), err)
	}
	return h.app.PutProfile(ctx, d, p, env.GetOccurredAt().AsTime())
}

func delivery(consumer string, env *eventsv1.Envelope) app.Delivery {
	return app.Delivery{Delivery: txn.Delivery{Consumer: consumer, EventID: env.GetEventId()}}
}

// Mission handles an event of the mission stream: submissions and edits (ranked), cancellations
// and status changes (a staffed mission is closed), and declined or expired offers (the consultant is
// excluded from the mission); other mission events are acknowledged and ignored.
func (h *Handlers) Mission(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
	d := delivery(eventbus.ConsumerMatchingMissions, env)
	switch e := payload.(type) {
	case *missionv1.MissionSubmitted:
		return h.submit(ctx, d, env, e.GetMission())
	case *missionv1.MissionEdited:
		// An edited mission is ranked again on its new facts, like a submission: its current
		// shortlist is kept until a new one differs.
		return h.submit(ctx, d, env, e.GetMission())
	case *missionv1.MissionUpdated:
		if e.GetStatus() != missionv1.MissionStatus_MISSION_STATUS_STAFFED {
			return nil
		}
		return h.app.StaffMission(ctx, d, e.GetMissionId())
	case *missionv1.OfferDeclined:
		return h.exclude(ctx, d, env, e.GetOffer(), app.ExclusionDeclined)
	case *missionv1.OfferExpired:
		return h.exclude(ctx, d, env, e.GetOffer(), app.ExclusionExpired)
	case *missionv1.MissionCancelled:
		if e.GetMissionId() == "" {
			return fmt.Errorf("%s %s: no mission id", env.GetType(), env.GetEventId())
		}
		return h.app.CancelMission(ctx, d, e.GetMissionId(), e.GetFirmId())
	}
	return nil
}

func (h *Handlers) submit(ctx context.Context, d app.Delivery, env *eventsv1.Envelope, pm *missionv1.Mission) error {
	m, err := Mission(pm)
	if err != nil {
		return fmt.Errorf("%s %s: %w", env.GetType(), env.GetEventId(), err)
	}
	return h.app.SubmitMission(ctx, d, m)
}

func (h *Handlers) exclude(ctx context.Context, d app.Delivery, env *eventsv1.Envelope, o *missionv1.Offer, reason string) error {
	if o.GetMissionId() == "" || o.GetProfileId() == "" {
		return fmt.Errorf("%s %s: offer without a mission or a profile", env.GetType(), env.GetEventId())
	}
	return h.app.ExcludeCandidate(ctx, d, o.GetMissionId(), o.GetProfileId(), reason)
}

// FollowProfiles keeps ix up to date with the profile stream after sequence through (where
// LoadIndex left it): every replica follows the whole stream, while the durable consumer that
// re-ranks shares the events among them.
func FollowProfiles(js jetstream.JetStream, ix *index.Index, through uint64) *eventbus.Follower {
	return eventbus.NewFollower(js, eventbus.StreamOf(eventbus.ProducerProfile), through,
		func(env *eventsv1.Envelope, payload proto.Message) { applyToIndex(ix, env, payload) })
}

// RebuildIndex replays the whole profile stream into the index: the stream is the source of
// the profiles matching knows. Facts that cannot be read are skipped here; the durable
// consumer dead-letters them.
func RebuildIndex(ctx context.Context, js jetstream.JetStream, ix *index.Index) (eventbus.ReplayStats, error) {
	return replayProfiles(ctx, js, ix, 0)
}

// replayProfiles applies the profile stream from sequence fromSeq on.
func replayProfiles(ctx context.Context, js jetstream.JetStream, ix *index.Index, fromSeq uint64) (eventbus.ReplayStats, error) {
	return eventbus.ReplayFrom(ctx, js, eventbus.StreamOf(eventbus.ProducerProfile), nil, fromSeq,
		func(env *eventsv1.Envelope, payload proto.Message) error {
			applyToIndex(ix, env, payload)
			return nil
		})
}

// applyToIndex applies one profile event to the index; facts that cannot be read are skipped
// (the durable consumer dead-letters them).
func applyToIndex(ix *index.Index, env *eventsv1.Envelope, payload proto.Message) {
	switch e := payload.(type) {
	case *profilev1.ProfileRegistered:
		putReplayed(ix, env, e.GetFacts())
	case *profilev1.ProfileUpdated:
		putReplayed(ix, env, e.GetFacts())
	case *profilev1.ProfileErased:
		if id, err := ProfileID(e.GetProfileId()); err == nil {
			_, _ = ix.Erase(id)
		}
	}
}

func putReplayed(ix *index.Index, env *eventsv1.Envelope, facts *profilev1.MatchingFacts) {
	if p, err := Profile(facts); err == nil {
		_, _ = ix.Put(p, env.GetOccurredAt().AsTime())
	}
}
