package service

import (
	"context"

	"go.opentelemetry.io/otel/metric"
)

// countShortlists counts the shortlists proposed (caiomatch.shortlists.proposed: every
// revision, the first of a mission's and each re-ranking's) as their events are published:
// once each, and only what was committed.
func countShortlists(meter metric.Meter) (func(eventType string), error) {
	proposed, err := meter.Int64Counter("caiomatch.shortlists.proposed",
		metric.WithDescription("shortlists proposed, every revision"))
	if err != nil {
		return nil, err
	}
	proposed.Add(context.Background(), 0) // the series from the start
	return func(eventType string) {
		if eventType == "ShortlistProposed" {
			proposed.Add(context.Background(), 1)
		}
	}, nil
}
