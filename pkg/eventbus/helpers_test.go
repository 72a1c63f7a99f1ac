package eventbus_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
)

// startBus starts an embedded server in a temporary directory with the streams declared.
func startBus(t *testing.T) (jetstream.JetStream, *eventbus.Embedded) {
	t.Helper()
	bus := eventbustest.Start(t)
	return bus.JS, bus.Embedded
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newEvent(t *testing.T, aggregateID, value string) eventbus.Event {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, aggregateID, wrapperspb.String(value), time.Now())
	if err != nil {
		t.Fatalf("NewEvent: %v", err)
	}
	return ev
}

// publish sends ev the way the outbox relay does: Nats-Msg-Id = event id.
func publish(t *testing.T, js jetstream.JetStream, ev eventbus.Event) *jetstream.PubAck {
	t.Helper()
	ack, err := js.PublishMsg(testCtx(t), &nats.Msg{Subject: ev.Subject, Data: ev.Data, Header: nats.Header{}},
		jetstream.WithMsgID(ev.Envelope.GetEventId()))
	if err != nil {
		t.Fatalf("publish %s: %v", ev.Subject, err)
	}
	return ack
}

func publishRaw(t *testing.T, js jetstream.JetStream, msg *nats.Msg) {
	t.Helper()
	if _, err := js.PublishMsg(testCtx(t), msg); err != nil {
		t.Fatalf("publish %s: %v", msg.Subject, err)
	}
}

// runConsumer runs c until the returned stop is called (or the test ends); stop waits for Run to
// return and fails the test if it returned an error.
func runConsumer(t *testing.T, c *eventbus.Consumer) (stop func()) {
	t.Helper()
	cancel, wait := startConsumer(t, c)
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wait() }) }
	t.Cleanup(stop)
	return stop
}

// startConsumer runs c until cancel is called (or the test ends); wait waits for Run to return
// after a cancel and fails the test if it returned an error or took more than 10 s.
func startConsumer(t *testing.T, c *eventbus.Consumer) (cancel func(), wait func()) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return cancel, func() {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Consumer.Run = %v, want nil after cancel", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Consumer.Run did not return after cancel")
		}
	}
}

func newConsumer(js jetstream.JetStream, spec eventbus.ConsumerSpec, h eventbus.Handler, tp trace.TracerProvider) *eventbus.Consumer {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return eventbus.NewConsumer(js, spec, h, tp, slog.New(slog.DiscardHandler))
}

// streamMsgs returns every message of a stream on subject ("" for all), in stream order, raw:
// unlike eventbustest.Read it keeps messages that do not decode (dead letters).
func streamMsgs(t *testing.T, js jetstream.JetStream, streamName, subject string) []*jetstream.RawStreamMsg {
	t.Helper()
	ctx := testCtx(t)
	stream, err := js.Stream(ctx, streamName)
	if err != nil {
		t.Fatalf("stream %s: %v", streamName, err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatalf("stream info %s: %v", streamName, err)
	}
	var out []*jetstream.RawStreamMsg
	if info.State.Msgs == 0 {
		return nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			t.Fatalf("get %s #%d: %v", streamName, seq, err)
		}
		if subject == "" || m.Subject == subject {
			out = append(out, m)
		}
	}
	return out
}

func deadLetters(t *testing.T, js jetstream.JetStream, durable string) []*jetstream.RawStreamMsg {
	t.Helper()
	return streamMsgs(t, js, eventbus.DeadLetterStream, eventbus.DeadLetterSubject(durable))
}

func consumerInfo(t *testing.T, js jetstream.JetStream, stream, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	ctx := testCtx(t)
	c, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		t.Fatalf("consumer %s: %v", durable, err)
	}
	info, err := c.Info(ctx)
	if err != nil {
		t.Fatalf("consumer info %s: %v", durable, err)
	}
	return info
}

// waitSettled waits until the consumer has nothing pending and nothing unacknowledged: every
// delivered message was acked or terminated.
func waitSettled(t *testing.T, js jetstream.JetStream, stream, durable string, within time.Duration) {
	t.Helper()
	eventbustest.Eventually(t, within, "consumer "+durable+" to settle", func() bool {
		info := consumerInfo(t, js, stream, durable)
		return info.NumPending == 0 && info.NumAckPending == 0
	})
}

// calls records handler invocations safely.
type calls struct {
	mu     sync.Mutex
	byID   map[string]int
	values []string
}

func (c *calls) add(id, value string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byID == nil {
		c.byID = map[string]int{}
	}
	c.byID[id]++
	c.values = append(c.values, value)
	return c.byID[id]
}

func (c *calls) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

func (c *calls) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.values)
}

func (c *calls) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byID)
}
