package service

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	matchingv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/matching/v1"
	"github.com/caiomatch/caiomatch/services/mission/domain"
)

// meterScope names the service's own instruments.
const meterScope = "github.com/caiomatch/caiomatch/services/mission"

// offerOutcomes are the outcome label of caiomatch.offers, by the event that says it.
var offerOutcomes = map[string]string{
	"OfferMade": "made", "OfferAccepted": "accepted", "OfferDeclined": "declined", "OfferCountered": "countered",
	"OfferWithdrawn": "withdrawn", "OfferExpired": "expired",
}

// countOffers counts offers by outcome (caiomatch.offers) as their events are published: once
// each, and only what was committed.
func countOffers(meter metric.Meter) (func(eventType string), error) {
	offers, err := meter.Int64Counter("caiomatch.offers",
		metric.WithDescription("offers by outcome: made, accepted, declined, countered, withdrawn, expired"))
	if err != nil {
		return nil, err
	}
	outcomes := map[string]metric.AddOption{}
	for eventType, outcome := range offerOutcomes {
		outcomes[eventType] = metric.WithAttributes(attribute.String("outcome", outcome))
		offers.Add(context.Background(), 0, outcomes[eventType]) // every outcome's series from the start
	}
	return func(eventType string) {
		if outcome, ok := outcomes[eventType]; ok {
			offers.Add(context.Background(), 1, outcome)
		}
	}, nil
}

// submittedMissions tells when a mission was submitted.
type submittedMissions interface {
	Get(ctx context.Context, id string) (domain.Mission, error)
}

// timeToShortlist wraps the handler of matching's events: once a mission's first shortlist
// (revision 1) is applied, it records the time from the mission's submission to that
// shortlist's proposal (caiomatch.mission.time_to_shortlist). A redelivery of that event after
// a lost acknowledgement records it again: rare, and never an unbounded label.
func timeToShortlist(meter metric.Meter, missions submittedMissions, next eventbus.Handler) (eventbus.Handler, error) {
	elapsed, err := meter.Float64Histogram("caiomatch.mission.time_to_shortlist", metric.WithUnit("s"),
		metric.WithDescription("from a mission's submission to its first shortlist"),
		metric.WithExplicitBucketBoundaries(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error {
		if err := next(ctx, env, payload); err != nil {
			return err
		}
		proposed, ok := payload.(*matchingv1.ShortlistProposed)
		if !ok || proposed.GetRevision() != 1 || proposed.GetProposedAt() == nil {
			return nil
		}
		m, err := missions.Get(ctx, proposed.GetMissionId())
		if err != nil || m.CreatedAt.IsZero() {
			return nil //nolint:nilerr // applied all the same: a measure missed is no reason to redeliver
		}
		elapsed.Record(ctx, max(proposed.GetProposedAt().AsTime().Sub(m.CreatedAt), 0).Seconds())
		return nil
	}, nil
}
