package eventbus

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ConsumerMetrics publishes the state of the durable consumers a process runs, labelled with
// the consumer's durable name (a bounded set, Consumers):
//   - caiomatch.consumer.pending: messages of the stream the consumer has not been given yet,
//   - caiomatch.consumer.ack_pending: messages given and not acknowledged yet,
//   - caiomatch.deadletters: the consumer's messages in DeadLetterStream,
//
// all three asked of JetStream at each scrape (within metricsTimeout), and
// caiomatch.consumer.redeliveries, the deliveries of a message given before, counted as they
// arrive (see Consumer.RecordMetrics).
type ConsumerMetrics struct {
	js           jetstream.JetStream
	redeliveries metric.Int64Counter
	mu           sync.Mutex
	streams      map[string]string // durable → stream
}

// metricsTimeout bounds what one scrape asks of JetStream.
const metricsTimeout = 2 * time.Second

// NewConsumerMetrics registers the consumers' instruments with mp; the consumers to watch are
// added by Track (or Consumer.RecordMetrics).
func NewConsumerMetrics(js jetstream.JetStream, mp metric.MeterProvider) (*ConsumerMetrics, error) {
	meter := mp.Meter("github.com/caiomatch/caiomatch/pkg/eventbus")
	m := &ConsumerMetrics{js: js, streams: map[string]string{}}
	var err error
	if m.redeliveries, err = meter.Int64Counter("caiomatch.consumer.redeliveries",
		metric.WithDescription("deliveries of a message the consumer was given before")); err != nil {
		return nil, err
	}
	pending, err := meter.Int64ObservableGauge("caiomatch.consumer.pending",
		metric.WithDescription("messages of the stream the consumer has not been given yet"))
	if err != nil {
		return nil, err
	}
	ackPending, err := meter.Int64ObservableGauge("caiomatch.consumer.ack_pending",
		metric.WithDescription("messages given to the consumer and not acknowledged yet"))
	if err != nil {
		return nil, err
	}
	deadLetters, err := meter.Int64ObservableGauge("caiomatch.deadletters",
		metric.WithDescription("the consumer's messages in the dead-letter stream"))
	if err != nil {
		return nil, err
	}
	_, err = meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		if m.js == nil { // a host without JetStream (tests): nothing to ask
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, metricsTimeout)
		defer cancel()
		m.mu.Lock()
		streams := maps.Clone(m.streams)
		m.mu.Unlock()
		durables := slices.Sorted(maps.Keys(streams))
		for _, durable := range durables {
			// A consumer not declared yet (its service is starting) has no series yet.
			cons, err := m.js.Consumer(ctx, streams[durable], durable)
			if err != nil {
				continue
			}
			info := cons.CachedInfo()
			labels := metric.WithAttributes(attribute.String("consumer", durable))
			o.ObserveInt64(pending, int64(info.NumPending), labels)
			o.ObserveInt64(ackPending, int64(info.NumAckPending), labels)
		}
		dead, err := m.deadLetterCounts(ctx)
		if err != nil {
			return nil // no series this scrape rather than a false 0
		}
		for _, durable := range durables {
			o.ObserveInt64(deadLetters, int64(dead[DeadLetterSubject(durable)]),
				metric.WithAttributes(attribute.String("consumer", durable)))
		}
		return nil
	}, pending, ackPending, deadLetters)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// deadLetterCounts is the number of dead letters by subject (DeadLetterSubject of a consumer).
func (m *ConsumerMetrics) deadLetterCounts(ctx context.Context) (map[string]uint64, error) {
	stream, err := m.js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return nil, err
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(DeadLetterSubject(">")))
	if err != nil {
		return nil, err
	}
	return info.State.Subjects, nil
}

// Track adds a durable consumer to those watched.
func (m *ConsumerMetrics) Track(spec ConsumerSpec) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.streams[spec.Durable] = spec.Stream
	// At 0 from the start, so that a rate over it is defined before the first redelivery.
	m.redeliveries.Add(context.Background(), 0, metric.WithAttributes(attribute.String("consumer", spec.Durable)))
}

// RecordMetrics makes m watch the consumer and count its redeliveries. Call it before Run.
func (c *Consumer) RecordMetrics(m *ConsumerMetrics) *Consumer {
	m.Track(c.spec)
	c.metrics = m
	return c
}

// countRedelivery counts a message delivered more than once.
func (c *Consumer) countRedelivery(ctx context.Context, msg jetstream.Msg) {
	if c.metrics == nil {
		return
	}
	if meta, err := msg.Metadata(); err == nil && meta.NumDelivered > 1 {
		c.metrics.redeliveries.Add(ctx, 1, metric.WithAttributes(attribute.String("consumer", c.spec.Durable)))
	}
}
