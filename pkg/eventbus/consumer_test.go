package eventbus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

const (
	headerReason   = "Caiomatch-Dead-Letter-Reason"
	headerOriginal = "Caiomatch-Original-Subject"
)

func missionSpec(durable string) eventbus.ConsumerSpec {
	return eventbus.ConsumerSpec{
		Stream:  eventbus.StreamOf(eventbus.ProducerMission),
		Durable: durable,
		// Long enough that any redelivery seen within a test came from an explicit Nak.
		AckWait:    20 * time.Second,
		MaxDeliver: 5,
	}
}

// handler records each call, with the value value gives ("" when nil), and returns err.
func (c *calls) handler(value func(*eventsv1.Envelope, proto.Message) string, err error) eventbus.Handler {
	return func(_ context.Context, env *eventsv1.Envelope, p proto.Message) error {
		v := ""
		if value != nil {
			v = value(env, p)
		}
		c.add(env.GetEventId(), v)
		return err
	}
}

func TestConsumerRedeliversAfterHandlerErrorUntilSuccess(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var seen calls
	var (
		mu      sync.Mutex
		payload string
	)
	handler := func(ctx context.Context, env *eventsv1.Envelope, p proto.Message) error {
		if n := seen.add(env.GetEventId(), ""); n <= 2 {
			return fmt.Errorf("transient failure %d", n)
		}
		mu.Lock()
		payload = p.(*wrapperspb.StringValue).GetValue()
		mu.Unlock()
		return nil
	}
	spec := missionSpec("retry")
	runConsumer(t, newConsumer(js, spec, handler, nil))
	ev := newEvent(t, "m-1", "hello")
	publish(t, js, ev)

	start := time.Now()
	// Two Naks: 1²×100 ms + 2²×100 ms, far below AckWait.
	eventbustest.Eventually(t, 5*time.Second, "third delivery", func() bool { return seen.count(ev.Envelope.GetEventId()) >= 3 })
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("redelivery took %v; expected the Nak delay, not AckWait", took)
	}
	waitSettled(t, js, spec.Stream, spec.Durable, 5*time.Second)
	if n := seen.count(ev.Envelope.GetEventId()); n != 3 {
		t.Errorf("handler ran %d times, want 3 (fail, fail, succeed)", n)
	}
	mu.Lock()
	if payload != "hello" {
		t.Errorf("payload = %q", payload)
	}
	mu.Unlock()
	if dl := deadLetters(t, js, spec.Durable); len(dl) != 0 {
		t.Errorf("%d dead letters for an event that eventually succeeded", len(dl))
	}
}

func TestConsumerDeadLettersUndecodableMessages(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var seen calls
	handler := seen.handler(nil, nil)
	spec := missionSpec("undecodable")
	runConsumer(t, newConsumer(js, spec, handler, nil))

	noPayload, err := proto.Marshal(&eventsv1.Envelope{EventId: "no-payload", Type: "StringValue"})
	if err != nil {
		t.Fatal(err)
	}
	unknownType, err := proto.Marshal(&eventsv1.Envelope{EventId: "unknown-type", Type: "Nope",
		Payload: &anypb.Any{TypeUrl: "type.googleapis.com/caiomatch.test.Nope"}})
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		subject string
		data    []byte
	}{
		{"caiomatch.mission.v1.Garbage.m-1", []byte("\xff\xfe definitely not protobuf")},
		{"caiomatch.mission.v1.StringValue.m-2", noPayload},
		{"caiomatch.mission.v1.Nope.m-3", unknownType},
	}
	for i, b := range bad {
		h := nats.Header{}
		h.Set("X-Test-Note", fmt.Sprint("bad ", i))
		h.Set(jetstream.MsgIDHeader, fmt.Sprint("bad-msg-", i))
		publishRaw(t, js, &nats.Msg{Subject: b.subject, Data: b.data, Header: h})
	}
	good := newEvent(t, "m-4", "fine")
	publish(t, js, good)

	eventbustest.Eventually(t, 5*time.Second, "the valid event", func() bool { return seen.count(good.Envelope.GetEventId()) == 1 })
	eventbustest.Eventually(t, 5*time.Second, "three dead letters", func() bool { return len(deadLetters(t, js, spec.Durable)) >= 3 })
	// Terminated, not left for redelivery: nothing is awaiting an ack, well before AckWait.
	waitSettled(t, js, spec.Stream, spec.Durable, 3*time.Second)

	dls := deadLetters(t, js, spec.Durable)
	if len(dls) != len(bad) {
		t.Fatalf("%d dead letters, want %d", len(dls), len(bad))
	}
	for i, dl := range dls {
		if dl.Subject != "caiomatch.deadletter.undecodable" {
			t.Errorf("dead letter %d subject = %q", i, dl.Subject)
		}
		if got := dl.Header.Get(headerReason); !strings.HasPrefix(got, "undecodable: ") {
			t.Errorf("dead letter %d reason = %q", i, got)
		}
		if got := dl.Header.Get(headerOriginal); got != bad[i].subject {
			t.Errorf("dead letter %d original subject = %q, want %q", i, got, bad[i].subject)
		}
		if got := dl.Header.Get("X-Test-Note"); got != fmt.Sprint("bad ", i) {
			t.Errorf("dead letter %d lost the original headers: %v", i, dl.Header)
		}
		if got := dl.Header.Get(jetstream.MsgIDHeader); got != "" {
			t.Errorf("dead letter %d kept Nats-Msg-Id %q", i, got)
		}
		if string(dl.Data) != string(bad[i].data) {
			t.Errorf("dead letter %d data changed", i)
		}
	}
	if seen.total() != 1 {
		t.Errorf("handler ran %d times, want once (only the valid event)", seen.total())
	}
	if info := consumerInfo(t, js, spec.Stream, spec.Durable); info.NumRedelivered != 0 {
		t.Errorf("%d messages redelivered", info.NumRedelivered)
	}
}

func TestDeadLetterOfSameMessageIsKeptPerConsumer(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	never := func(context.Context, *eventsv1.Envelope, proto.Message) error {
		t.Error("handler called for an undecodable message")
		return nil
	}
	h := nats.Header{}
	h.Set(jetstream.MsgIDHeader, "same-id")
	publishRaw(t, js, &nats.Msg{Subject: "caiomatch.mission.v1.X.m-1", Data: []byte("junk"), Header: h})
	// Two consumers give up on the same message (same Nats-Msg-Id): the dead-letter stream must
	// not drop the second copy as a duplicate.
	for _, durable := range []string{"first", "second"} {
		runConsumer(t, newConsumer(js, missionSpec(durable), never, nil))
	}
	for _, durable := range []string{"first", "second"} {
		eventbustest.Eventually(t, 5*time.Second, "dead letter of "+durable, func() bool { return len(deadLetters(t, js, durable)) == 1 })
	}
}

// While the dead-letter stream is unavailable an undecodable message is left for redelivery,
// not lost, and is dead-lettered once the stream is back.
func TestDeadLetterPublishFailureLeavesMessageForRedelivery(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	if err := js.DeleteStream(testCtx(t), eventbus.DeadLetterStream); err != nil {
		t.Fatal(err)
	}
	logs := &eventbustest.SyncBuffer{}
	spec := missionSpec("dl-outage")
	spec.MaxDeliver = 10
	c := eventbus.NewConsumer(js, spec, func(context.Context, *eventsv1.Envelope, proto.Message) error {
		t.Error("handler called for an undecodable message")
		return nil
	}, noop.NewTracerProvider(), slog.New(slog.NewTextHandler(logs, nil)))
	runConsumer(t, c)
	publishRaw(t, js, &nats.Msg{Subject: "caiomatch.mission.v1.X.m-1", Data: []byte("junk")})

	eventbustest.Eventually(t, 5*time.Second, "a failed dead-letter publish", func() bool {
		return strings.Contains(logs.String(), "dead-letter publish failed")
	})
	if err := eventbus.EnsureStreams(testCtx(t), js, eventbus.StreamSettings{}); err != nil {
		t.Fatal(err)
	}
	eventbustest.Eventually(t, 5*time.Second, "the dead letter once the stream is back", func() bool {
		return len(deadLetters(t, js, spec.Durable)) == 1
	})
	waitSettled(t, js, spec.Stream, spec.Durable, 3*time.Second)
}

func TestConsumerOneMalformedAmongHundred(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var seen calls
	handler := seen.handler(func(_ *eventsv1.Envelope, p proto.Message) string { return p.(*wrapperspb.StringValue).GetValue() }, nil)
	spec := missionSpec("hundred")
	var ids []string
	for i := range 101 {
		if i == 50 {
			publishRaw(t, js, &nats.Msg{Subject: "caiomatch.mission.v1.StringValue.bad", Data: []byte{0x0a, 0xff}})
			continue
		}
		ev := newEvent(t, fmt.Sprint("m-", i), fmt.Sprint("v", i))
		ids = append(ids, ev.Envelope.GetEventId())
		publish(t, js, ev)
	}
	runConsumer(t, newConsumer(js, spec, handler, nil))

	eventbustest.Eventually(t, 10*time.Second, "100 events handled", func() bool { return seen.distinct() == 100 })
	eventbustest.Eventually(t, 5*time.Second, "the dead letter", func() bool { return len(deadLetters(t, js, spec.Durable)) == 1 })
	waitSettled(t, js, spec.Stream, spec.Durable, 5*time.Second)
	for _, id := range ids {
		if n := seen.count(id); n != 1 {
			t.Errorf("event %s handled %d times, want 1", id, n)
		}
	}
	if seen.total() != 100 {
		t.Errorf("handler ran %d times, want 100", seen.total())
	}
	dl := deadLetters(t, js, spec.Durable)
	if got := dl[0].Header.Get(headerOriginal); got != "caiomatch.mission.v1.StringValue.bad" {
		t.Errorf("dead letter original subject = %q", got)
	}
}

func TestConsumerDeadLettersAfterMaxDeliver(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var seen calls
	handler := seen.handler(nil, errors.New("downstream exploded"))
	spec := missionSpec("giveup")
	spec.MaxDeliver = 3
	runConsumer(t, newConsumer(js, spec, handler, nil))
	ev := newEvent(t, "m-1", "doomed")
	publish(t, js, ev)

	// Naks of 100 ms and 400 ms, then the third delivery gives up.
	eventbustest.Eventually(t, 5*time.Second, "the dead letter", func() bool { return len(deadLetters(t, js, spec.Durable)) == 1 })
	waitSettled(t, js, spec.Stream, spec.Durable, 3*time.Second)
	dl := deadLetters(t, js, spec.Durable)[0]
	if got, want := dl.Header.Get(headerReason), "gave up after 3 deliveries: downstream exploded"; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
	if got := dl.Header.Get(headerOriginal); got != ev.Subject {
		t.Errorf("original subject = %q, want %q", got, ev.Subject)
	}
	if string(dl.Data) != string(ev.Data) {
		t.Error("dead letter does not carry the event")
	}
	if n := seen.count(ev.Envelope.GetEventId()); n != 3 {
		t.Errorf("handler ran %d times, want MaxDeliver = 3", n)
	}
}

func TestConsumerDefaultsAndFilter(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	var seen calls
	handler := seen.handler(func(env *eventsv1.Envelope, _ proto.Message) string { return env.GetAggregateId() }, nil)
	spec := eventbus.ConsumerSpec{
		Stream:         eventbus.StreamOf(eventbus.ProducerMission),
		Durable:        "filtered",
		FilterSubjects: []string{"caiomatch.mission.v1.StringValue.wanted"},
	}
	runConsumer(t, newConsumer(js, spec, handler, nil))
	other, wanted := newEvent(t, "other", "x"), newEvent(t, "wanted", "y")
	publish(t, js, other)
	publish(t, js, wanted)
	eventbustest.Eventually(t, 5*time.Second, "the wanted event", func() bool { return seen.count(wanted.Envelope.GetEventId()) == 1 })
	waitSettled(t, js, spec.Stream, spec.Durable, 5*time.Second)
	if seen.count(other.Envelope.GetEventId()) != 0 {
		t.Error("an event outside FilterSubjects was handled")
	}
	cfg := consumerInfo(t, js, spec.Stream, spec.Durable).Config
	if cfg.AckWait != eventbus.DefaultAckWait || cfg.MaxDeliver != -1 || cfg.AckPolicy != jetstream.AckExplicitPolicy ||
		cfg.DeliverPolicy != jetstream.DeliverAllPolicy || cfg.MaxAckPending != 256 {
		t.Errorf("consumer config = AckWait %v MaxDeliver %d AckPolicy %v DeliverPolicy %v MaxAckPending %d",
			cfg.AckWait, cfg.MaxDeliver, cfg.AckPolicy, cfg.DeliverPolicy, cfg.MaxAckPending)
	}
}

// At shutdown the consumer hands back what it pulled but did not handle, so a restarted
// consumer gets it at once rather than after AckWait.
func TestConsumerShutdownHandsBackPulledMessages(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	spec := missionSpec("restart") // AckWait 20 s
	var evs []eventbus.Event
	for i := range 5 {
		ev := newEvent(t, fmt.Sprint("m-", i), "x")
		evs = append(evs, ev)
		publish(t, js, ev)
	}
	var seen calls
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	first := func(ctx context.Context, env *eventsv1.Envelope, p proto.Message) error {
		seen.add(env.GetEventId(), "")
		once.Do(func() { close(entered); <-release })
		return nil
	}
	cancel, wait := startConsumer(t, newConsumer(js, spec, first, nil))
	<-entered
	cancel() // shutdown begins while the first event is being handled
	close(release)
	if wait(); t.Failed() {
		t.FailNow()
	}
	if seen.total() != 1 || seen.count(evs[0].Envelope.GetEventId()) != 1 {
		t.Fatalf("first run handled %d events after shutdown began, want only the one in progress", seen.total())
	}
	runConsumer(t, newConsumer(js, spec, seen.handler(nil, nil), nil))
	eventbustest.Eventually(t, 5*time.Second, "the rest after a restart (well before AckWait)", func() bool { return seen.distinct() == len(evs) })
	waitSettled(t, js, spec.Stream, spec.Durable, 5*time.Second)
	for _, ev := range evs {
		if n := seen.count(ev.Envelope.GetEventId()); n != 1 {
			t.Errorf("event %s handled %d times, want 1", ev.Envelope.GetAggregateId(), n)
		}
	}
}

func TestConsumerRunFailsOnMissingStream(t *testing.T) {
	t.Parallel()
	js, _ := startBus(t)
	c := newConsumer(js, eventbus.ConsumerSpec{Stream: "NOPE", Durable: "lost"},
		func(context.Context, *eventsv1.Envelope, proto.Message) error { return nil }, nil)
	err := c.Run(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "lost") || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("Run on a missing stream = %v", err)
	}
}

func TestConsumerSpanIsChildOfMessageTraceContext(t *testing.T) {
	t.Parallel()
	telemetry.InstallPropagator()
	js, _ := startBus(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	handlerSpan := make(chan trace.SpanContext, 1)
	handler := func(ctx context.Context, env *eventsv1.Envelope, p proto.Message) error {
		handlerSpan <- trace.SpanContextFromContext(ctx)
		return nil
	}
	spec := missionSpec("traced")
	runConsumer(t, newConsumer(js, spec, handler, tp))

	ctx, producer := tp.Tracer("test").Start(context.Background(), "producer", trace.WithSpanKind(trace.SpanKindProducer))
	ev := newEvent(t, "m-1", "x")
	msg := &nats.Msg{Subject: ev.Subject, Data: ev.Data, Header: nats.Header{}}
	otel.GetTextMapPropagator().Inject(ctx, telemetry.HeaderCarrier(msg.Header))
	publishRaw(t, js, msg)
	producer.End()

	var got trace.SpanContext
	select {
	case got = <-handlerSpan:
	case <-time.After(5 * time.Second):
		t.Fatal("event not handled")
	}
	var consumer sdktrace.ReadOnlySpan
	eventbustest.Eventually(t, 5*time.Second, "the consumer span", func() bool {
		for _, s := range rec.Ended() {
			if s.SpanKind() == trace.SpanKindConsumer {
				consumer = s
				return true
			}
		}
		return false
	})
	if consumer.Name() != "process "+subjectTemplateOf(ev.Subject) {
		t.Errorf("consumer span name = %q", consumer.Name())
	}
	if consumer.Parent().SpanID() != producer.SpanContext().SpanID() ||
		consumer.SpanContext().TraceID() != producer.SpanContext().TraceID() {
		t.Errorf("consumer span parent = %v/%v, want the producer %v/%v",
			consumer.Parent().TraceID(), consumer.Parent().SpanID(),
			producer.SpanContext().TraceID(), producer.SpanContext().SpanID())
	}
	if got.SpanID() != consumer.SpanContext().SpanID() {
		t.Error("the handler's ctx does not carry the consumer span")
	}
}

// subjectTemplateOf is a subject with its aggregate id replaced, as span names carry it.
func subjectTemplateOf(subject string) string {
	return strings.Join(strings.SplitN(subject, ".", 5)[:4], ".") + ".{aggregateId}"
}
