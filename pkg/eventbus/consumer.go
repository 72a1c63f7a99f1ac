package eventbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// Handler applies one event. It must be idempotent (see package inbox): the same event may
// arrive more than once. Returning an error asks for a redelivery later.
type Handler func(ctx context.Context, env *eventsv1.Envelope, payload proto.Message) error

type streamSeqKey struct{}

// StreamSequence is the stream sequence of the message a Handler was called for; false outside
// a handler. A service that follows a stream in memory uses it to wait until what it follows
// has caught up with the event it handles.
func StreamSequence(ctx context.Context) (uint64, bool) {
	seq, ok := ctx.Value(streamSeqKey{}).(uint64)
	return seq, ok
}

// ConsumerSpec declares a durable pull consumer on one producer's stream.
type ConsumerSpec struct {
	Stream         string
	Durable        string
	FilterSubjects []string
	AckWait        time.Duration
	MaxDeliver     int
}

// DefaultAckWait is how long the server waits for a delivered message's ack before it hands the
// message to another fetch. It is short so that what a killed process had fetched comes back
// within seconds; a live consumer keeps what it holds with progress acks (see inFlight), so a slow
// handler is not redelivered behind its back.
const DefaultAckWait = 2 * time.Second

func (s ConsumerSpec) withDefaults() ConsumerSpec {
	if s.AckWait == 0 {
		s.AckWait = DefaultAckWait
	}
	if s.MaxDeliver == 0 {
		s.MaxDeliver = 10
	}
	return s
}

// Consumer runs a handler over a durable consumer with explicit acks.
type Consumer struct {
	js      jetstream.JetStream
	spec    ConsumerSpec
	handler Handler
	tracer  trace.Tracer
	logger  *slog.Logger
	metrics *ConsumerMetrics // nil: not measured
}

func NewConsumer(js jetstream.JetStream, spec ConsumerSpec, handler Handler, tp trace.TracerProvider, logger *slog.Logger) *Consumer {
	return &Consumer{
		js: js, spec: spec.withDefaults(), handler: handler, logger: logger,
		tracer: tp.Tracer("github.com/caiomatch/caiomatch/pkg/eventbus"),
	}
}

// config is the server-side consumer configuration of a spec.
func (s ConsumerSpec) config() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:        s.Durable,
		FilterSubjects: s.FilterSubjects,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        s.AckWait,
		// The server never gives up on a message by itself: once a message reaches
		// spec.MaxDeliver deliveries this consumer copies it to the dead-letter subject, and if
		// that copy fails the message must come back to be copied again, not vanish.
		MaxDeliver:    -1,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 256,
	}
}

// Run consumes until ctx ends.
func (c *Consumer) Run(ctx context.Context) error {
	cons, err := declareConsumer(ctx, c.js, c.spec.Stream, c.spec.config())
	if err != nil {
		return fmt.Errorf("declare consumer %s on %s: %w", c.spec.Durable, c.spec.Stream, err)
	}
	held := newInFlight(c.spec.AckWait)
	defer held.stop()
	for ctx.Err() == nil {
		// A bounded fetch, rather than a continuous pull, leaves nothing in flight at shutdown:
		// messages still arriving are handed back (see handOver) and the request expires.
		batch, err := cons.Fetch(fetchBatch, jetstream.FetchMaxWait(fetchWait))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			c.logger.WarnContext(ctx, "consumer fetch failed", "consumer", c.spec.Durable, "error", err)
			sleepCtx(ctx, 200*time.Millisecond)
			continue
		}
		// The batch is read by its own goroutine into held, so that messages waiting behind a
		// slow handler are kept alive with progress acks too, not only the one being handled.
		received := make(chan struct{})
		go func() {
			defer close(received)
			for msg := range batch.Messages() {
				held.add(msg)
			}
			held.closeBatch()
		}()
		for {
			msg, ok := held.next()
			if !ok {
				break
			}
			if ctx.Err() != nil {
				handOver(msg)
			} else {
				c.handle(ctx, msg)
			}
			held.done(msg)
		}
		<-received
	}
	return nil
}

const (
	// fetchBatch bounds what a process holds unacknowledged: if it is killed, those messages
	// wait for AckWait before another replica or the restarted process gets them. Handling is
	// the slow part, not the fetch, so 16 costs no throughput.
	fetchBatch = 16
	fetchWait  = 500 * time.Millisecond
)

// handOver gives a pulled but unhandled message back at shutdown. The delay outlasts the open
// fetch, so the message is not redelivered into it (which would count deliveries towards
// MaxDeliver) but is available again right after a restart, instead of after AckWait.
func handOver(msg jetstream.Msg) {
	_ = msg.NakWithDelay(2 * fetchWait)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (c *Consumer) handle(ctx context.Context, msg jetstream.Msg) {
	c.countRedelivery(ctx, msg)
	if target := msg.Headers().Get(HeaderRedriveFor); target != "" && target != c.spec.Durable {
		// A dead letter redriven for another consumer: this one applied it, or never had to.
		_ = msg.Ack()
		return
	}
	spanCtx, span := telemetry.StartProcess(context.WithoutCancel(ctx), c.tracer, msg.Subject(), msg.Headers(), c.spec.Durable)
	defer span.End()

	env, payload, err := DecodeEnvelope(msg.Data())
	if err != nil {
		telemetry.Fail(span, nil, "undecodable")
		c.deadLetter(spanCtx, msg, "undecodable: "+err.Error())
		return
	}
	span.SetAttributes(attribute.String("messaging.message.id", env.GetEventId()),
		attribute.String("caiomatch.event.type", env.GetType()))

	handlerCtx := spanCtx
	if meta, err := msg.Metadata(); err == nil {
		handlerCtx = context.WithValue(spanCtx, streamSeqKey{}, meta.Sequence.Stream)
	}
	if err := c.handler(handlerCtx, env, payload); err != nil {
		telemetry.Fail(span, err, "handler failed")
		meta, metaErr := msg.Metadata()
		if metaErr == nil && int(meta.NumDelivered) >= c.spec.MaxDeliver {
			c.deadLetter(spanCtx, msg, "gave up after "+fmt.Sprint(meta.NumDelivered)+" deliveries: "+err.Error())
			return
		}
		delivered := uint64(1)
		if metaErr == nil {
			delivered = meta.NumDelivered
		}
		delay := min(time.Duration(delivered)*time.Duration(delivered)*100*time.Millisecond, 30*time.Second)
		c.logger.WarnContext(spanCtx, "event handler failed; will retry", "consumer", c.spec.Durable,
			"event_id", env.GetEventId(), "type", env.GetType(), "delivered", delivered, "error", err)
		_ = msg.NakWithDelay(delay)
		return
	}
	ackCtx, cancel := context.WithTimeout(context.WithoutCancel(spanCtx), 5*time.Second)
	defer cancel()
	if err := msg.DoubleAck(ackCtx); err != nil {
		// The effect is committed with its event id, so a redelivery is harmless.
		c.logger.WarnContext(spanCtx, "ack failed", "consumer", c.spec.Durable, "event_id", env.GetEventId(), "error", err)
	}
}

// deadLetter copies the message to the dead-letter subject, then terminates it so it is never
// redelivered. If the copy fails the message is left for redelivery instead of being lost.
func (c *Consumer) deadLetter(ctx context.Context, msg jetstream.Msg, why string) {
	dl := &nats.Msg{Subject: DeadLetterSubject(c.spec.Durable), Data: msg.Data(), Header: nats.Header{}}
	for k, v := range msg.Headers() {
		dl.Header[k] = v
	}
	dl.Header.Del(jetstream.MsgIDHeader)
	dl.Header.Set("Caiomatch-Original-Subject", msg.Subject())
	dl.Header.Set("Caiomatch-Dead-Letter-Reason", why)
	pubCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := c.js.PublishMsg(pubCtx, dl); err != nil {
		// Left for redelivery a second on: a copy refused now would be refused again at once.
		c.logger.ErrorContext(ctx, "dead-letter publish failed", "consumer", c.spec.Durable, "error", err)
		_ = msg.NakWithDelay(time.Second)
		return
	}
	c.logger.WarnContext(ctx, "message dead-lettered", "consumer", c.spec.Durable, "subject", msg.Subject(), "reason", why)
	_ = msg.Term()
}

// declareConsumer creates the durable consumer, or updates it when it exists with another
// configuration, trying again while the cluster elects leaders (see declareStream).
func declareConsumer(ctx context.Context, js jetstream.JetStream, stream string, cfg jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	const attempts, pause = 12, 500 * time.Millisecond
	var err error
	for range attempts {
		var cons jetstream.Consumer
		cons, err = js.CreateConsumer(ctx, stream, cfg)
		if errors.Is(err, jetstream.ErrConsumerExists) {
			cons, err = js.UpdateConsumer(ctx, stream, cfg)
		}
		if err == nil {
			return cons, nil
		}
		if ctx.Err() != nil || !transient(err) {
			return nil, err
		}
		sleepCtx(ctx, pause)
	}
	return nil, err
}
