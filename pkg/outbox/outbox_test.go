package outbox_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
	"github.com/caiomatch/caiomatch/pkg/eventbus/eventbustest"
	eventsv1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/events/v1"
	"github.com/caiomatch/caiomatch/pkg/outbox"
	"github.com/caiomatch/caiomatch/pkg/sqlstore"
	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// withBus runs fn as one subtest per backend, each with a fresh database holding the outbox
// and a fresh bus.
func withBus(t *testing.T, fn func(t *testing.T, db *sql.DB, js jetstream.JetStream)) {
	t.Helper()
	sqltest.Run(t, func(t *testing.T, db *sql.DB) { fn(t, db, eventbustest.Start(t).JS) }, outbox.Migrations())
}

func newEvent(t *testing.T, aggregateID, value string) eventbus.Event {
	t.Helper()
	ev, err := eventbus.NewEvent(eventbus.ProducerMission, aggregateID, wrapperspb.String(value), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// add stores events in one transaction, committed unless rollback is set.
func add(t *testing.T, ctx context.Context, db *sql.DB, rollback bool, evs ...eventbus.Event) {
	t.Helper()
	errRollback := errors.New("rolled back on purpose")
	err := sqlstore.InTx(ctx, db, func(tx *sql.Tx) error {
		for _, ev := range evs {
			if err := outbox.Add(ctx, tx, ev); err != nil {
				return err
			}
		}
		if rollback {
			return errRollback
		}
		return nil
	})
	if rollback && !errors.Is(err, errRollback) || !rollback && err != nil {
		t.Fatalf("add: %v", err)
	}
}

// runRelay starts r; the returned stop cancels it and waits for Run to return nil.
func runRelay(t *testing.T, r *outbox.Relay) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Relay.Run = %v, want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("Relay.Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func newRelay(db *sql.DB, js jetstream.JetStream, tp trace.TracerProvider) *outbox.Relay {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	r := outbox.NewRelay(db, js, tp, slog.New(slog.DiscardHandler))
	r.PollInterval = time.Hour // tests wake it with Notify unless they test polling
	return r
}

// orphanEvent is an event on a subject no stream takes (until a test creates ORPHAN), so its
// publish fails.
func orphanEvent(t *testing.T) eventbus.Event {
	t.Helper()
	ev := newEvent(t, "o-1", "x")
	ev.Subject = "caiomatch.orphan.v1.StringValue.o-1"
	return ev
}

// runRelayUntilAFailure runs a relay, logging to a buffer, until it has failed a publish.
func runRelayUntilAFailure(t *testing.T, db *sql.DB, js jetstream.JetStream) {
	t.Helper()
	logs := &eventbustest.SyncBuffer{}
	r := outbox.NewRelay(db, js, noop.NewTracerProvider(), slog.New(slog.NewTextHandler(logs, nil)))
	r.PollInterval = time.Hour
	runRelay(t, r)
	// The JetStream client retries a publish without responders for about half a second before
	// it fails; wait for the relay to see that failure and back off.
	eventbustest.Eventually(t, 10*time.Second, "a failed publish", func() bool { return strings.Contains(logs.String(), "outbox relay failed") })
}

// relayAll runs r until every row is marked sent and returns what MISSION then holds.
func relayAll(t *testing.T, r *outbox.Relay, db *sql.DB, js jetstream.JetStream, what string) []eventbustest.Published {
	t.Helper()
	runRelay(t, r)
	eventbustest.Eventually(t, 5*time.Second, what, func() bool { return unsent(t, db) == 0 })
	return eventbustest.Read(t, js, "MISSION", "")
}

func unsent(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func total(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRelayPublishesCommittedRowsInOrder(t *testing.T) {
	t.Parallel()
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		ctx := context.Background()
		var want []eventbus.Event
		for i := range 3 { // one transaction each
			ev := newEvent(t, fmt.Sprint("m-", i), fmt.Sprint("single ", i))
			add(t, ctx, db, false, ev)
			want = append(want, ev)
		}
		ghost := newEvent(t, "ghost", "rolled back")
		add(t, ctx, db, true, ghost, newEvent(t, "ghost-2", "rolled back too"))
		batch := []eventbus.Event{newEvent(t, "b-0", "batch 0"), newEvent(t, "b-1", "batch 1"), newEvent(t, "b-2", "batch 2")}
		add(t, ctx, db, false, batch...)
		want = append(want, batch...)
		if total(t, db) != len(want) {
			t.Fatalf("outbox holds %d rows, want %d (rolled-back rows must not be stored)", total(t, db), len(want))
		}

		r := newRelay(db, js, nil)
		msgs := relayAll(t, r, db, js, "every row marked sent")
		if len(msgs) != len(want) {
			t.Fatalf("stream holds %d messages, want %d", len(msgs), len(want))
		}
		for i, m := range msgs {
			ev := want[i]
			if m.Subject != ev.Subject || string(m.Data) != string(ev.Data) {
				t.Errorf("message %d = %s, want %s (order or content changed)", i, m.Subject, ev.Subject)
			}
			if got := m.Header.Get(jetstream.MsgIDHeader); got != ev.Envelope.GetEventId() {
				t.Errorf("message %d Nats-Msg-Id = %q, want the event id %q", i, got, ev.Envelope.GetEventId())
			}
			if m.Subject == ghost.Subject {
				t.Error("a rolled-back event was published")
			}
		}

		// Rows committed later are published after a Notify, still in order.
		late := newEvent(t, "late", "late")
		add(t, ctx, db, false, late)
		r.Notify()
		r.Notify() // never blocks
		eventbustest.Eventually(t, 5*time.Second, "the late row marked sent", func() bool { return unsent(t, db) == 0 })
		msgs = eventbustest.Read(t, js, "MISSION", "")
		if len(msgs) != len(want)+1 || msgs[len(msgs)-1].Subject != late.Subject {
			t.Errorf("after a Notify the stream holds %d messages, last %q", len(msgs), msgs[len(msgs)-1].Subject)
		}
		var sentAt string
		if err := db.QueryRow(`SELECT sent_at FROM outbox WHERE event_id = $1`, late.Envelope.GetEventId()).Scan(&sentAt); err != nil {
			t.Fatal(err)
		}
		if _, err := time.Parse(time.RFC3339Nano, sentAt); err != nil {
			t.Errorf("sent_at = %q: %v", sentAt, err)
		}
	})
}

func TestRelayPollsWithoutNotify(t *testing.T) {
	t.Parallel()
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		r := newRelay(db, js, nil)
		r.PollInterval = 50 * time.Millisecond
		runRelay(t, r)
		time.Sleep(20 * time.Millisecond) // let the first, empty, batch pass
		add(t, context.Background(), db, false, newEvent(t, "m-1", "x"))
		eventbustest.Eventually(t, 5*time.Second, "the polled row marked sent", func() bool { return unsent(t, db) == 0 })
	})
}

func TestRelayDrainsMoreThanOneBatch(t *testing.T) {
	t.Parallel()
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		var want []eventbus.Event
		for i := range 7 {
			ev := newEvent(t, fmt.Sprint("m-", i), "x")
			want = append(want, ev)
			add(t, context.Background(), db, false, ev)
		}
		r := newRelay(db, js, nil)
		r.BatchSize = 2 // a full batch must be followed at once by the next one, without a Notify
		msgs := relayAll(t, r, db, js, "every row marked sent")
		if len(msgs) != len(want) {
			t.Fatalf("%d messages, want %d", len(msgs), len(want))
		}
		for i, m := range msgs {
			if m.Header.Get(jetstream.MsgIDHeader) != want[i].Envelope.GetEventId() {
				t.Errorf("message %d is out of order", i)
			}
		}
	})
}

func duplicatePublishes(rec *tracetest.SpanRecorder) int {
	n := 0
	for _, s := range rec.Ended() {
		for _, a := range s.Attributes() {
			if a.Key == "caiomatch.duplicate" && a.Value.AsBool() {
				n++
			}
		}
	}
	return n
}

// A crash between the publish and the UPDATE of sent_at leaves a row unsent although it was
// published: the relay publishes it again and JetStream drops the copy.
func TestRelayRepublishAfterCrashIsDeduplicated(t *testing.T) {
	t.Parallel()
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		ctx := context.Background()

		evs := []eventbus.Event{newEvent(t, "m-0", "a"), newEvent(t, "m-1", "b"), newEvent(t, "m-2", "c")}
		add(t, ctx, db, false, evs...)
		stop := runRelay(t, newRelay(db, js, tp))
		eventbustest.Eventually(t, 5*time.Second, "first relay", func() bool { return unsent(t, db) == 0 })
		stop()
		if n := len(eventbustest.Read(t, js, "MISSION", "")); n != 3 {
			t.Fatalf("%d messages after the first relay, want 3", n)
		}

		// Crash 1: everything was published, nothing marked sent.
		if _, err := db.Exec(`UPDATE outbox SET sent_at = NULL`); err != nil {
			t.Fatal(err)
		}
		// Crash 2: a row published by hand (as the relay would have) before it was marked.
		fourth := newEvent(t, "m-3", "d")
		add(t, ctx, db, false, fourth)
		ack, err := js.PublishMsg(testCtx(t), &nats.Msg{Subject: fourth.Subject, Data: fourth.Data},
			jetstream.WithMsgID(fourth.Envelope.GetEventId()))
		if err != nil || ack.Duplicate {
			t.Fatalf("publish by hand: %+v, %v", ack, err)
		}

		r := newRelay(db, js, tp)
		msgs := relayAll(t, r, db, js, "the re-relay")
		if len(msgs) != 4 {
			t.Fatalf("stream holds %d messages after re-publishing, want each of the 4 events once", len(msgs))
		}
		seen := map[string]int{}
		for _, m := range msgs {
			seen[m.Header.Get(jetstream.MsgIDHeader)]++
		}
		for _, ev := range append(evs, fourth) {
			if seen[ev.Envelope.GetEventId()] != 1 {
				t.Errorf("event %s held %d times", ev.Envelope.GetAggregateId(), seen[ev.Envelope.GetEventId()])
			}
		}
		// JetStream reported each re-publish as a duplicate, and the relay recorded it.
		if n := duplicatePublishes(rec); n != 4 {
			t.Errorf("%d publish spans marked duplicate, want 4", n)
		}
	})
}

// A row the stream refuses blocks the rows after it (order is kept) and is retried until it
// goes through.
func TestRelayRetriesAndKeepsOrder(t *testing.T) {
	t.Parallel()
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		ctx := context.Background()
		orphan := orphanEvent(t) // no stream yet
		next := newEvent(t, "m-1", "y")
		add(t, ctx, db, false, orphan)
		add(t, ctx, db, false, next)

		runRelayUntilAFailure(t, db, js)
		if n := unsent(t, db); n != 2 {
			t.Fatalf("%d rows unsent while the first cannot be published, want 2", n)
		}
		if msgs := eventbustest.Read(t, js, "MISSION", ""); len(msgs) != 0 {
			t.Fatal("a later row was published before an earlier, failing one")
		}

		if _, err := js.CreateStream(testCtx(t), jetstream.StreamConfig{Name: "ORPHAN", Subjects: []string{"caiomatch.orphan.>"}}); err != nil {
			t.Fatal(err)
		}
		eventbustest.Eventually(t, 10*time.Second, "both rows sent once the stream exists", func() bool { return unsent(t, db) == 0 })
		if msgs := eventbustest.Read(t, js, "ORPHAN", ""); len(msgs) != 1 {
			t.Errorf("ORPHAN holds %d messages", len(msgs))
		}
		if msgs := eventbustest.Read(t, js, "MISSION", ""); len(msgs) != 1 {
			t.Errorf("MISSION holds %d messages", len(msgs))
		}
	})
}

func TestAddRejectsDuplicateEventID(t *testing.T) {
	t.Parallel()
	sqltest.Run(t, func(t *testing.T, db *sql.DB) {
		ev := newEvent(t, "m-1", "x")
		add(t, context.Background(), db, false, ev)
		err := sqlstore.InTx(context.Background(), db, func(tx *sql.Tx) error {
			return outbox.Add(context.Background(), tx, ev)
		})
		if err == nil {
			t.Error("adding the same event id twice succeeded")
		}
		if total(t, db) != 1 {
			t.Errorf("outbox holds %d rows", total(t, db))
		}
	}, outbox.Migrations())
}

func spanByKind(rec *tracetest.SpanRecorder, kind trace.SpanKind) sdktrace.ReadOnlySpan {
	for _, s := range rec.Ended() {
		if s.SpanKind() == kind {
			return s
		}
	}
	return nil
}

func attr(s sdktrace.ReadOnlySpan, key attribute.Key) string {
	for _, a := range s.Attributes() {
		if a.Key == key {
			return a.Value.String()
		}
	}
	return ""
}

// The request that stored the event, the relay's publish and the consumer's processing are one
// trace: request → producer span → consumer span.
func TestTraceContextFlowsFromAddThroughRelayToConsumer(t *testing.T) {
	t.Parallel()
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		telemetry.InstallPropagator()
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

		reqCtx, request := tp.Tracer("test").Start(context.Background(), "POST /v1/missions", trace.WithSpanKind(trace.SpanKindServer))
		ev := newEvent(t, "m-1", "traced")
		add(t, reqCtx, db, false, ev)
		request.End()

		handled := make(chan trace.SpanContext, 1)
		consumer := eventbus.NewConsumer(js, eventbus.ConsumerSpec{Stream: "MISSION", Durable: "traced"},
			func(ctx context.Context, env *eventsv1.Envelope, _ proto.Message) error {
				handled <- trace.SpanContextFromContext(ctx)
				return nil
			}, tp, slog.New(slog.DiscardHandler))
		ctx, cancel := context.WithCancel(context.Background())
		consumed := make(chan error, 1)
		go func() { consumed <- consumer.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-consumed; err != nil {
				t.Errorf("consumer: %v", err)
			}
		})

		// The relay runs on its own context, with no span of its own.
		runRelay(t, newRelay(db, js, tp))
		var handlerSpan trace.SpanContext
		select {
		case handlerSpan = <-handled:
		case <-time.After(10 * time.Second):
			t.Fatal("event not consumed")
		}
		var producer, consumerSpan sdktrace.ReadOnlySpan
		eventbustest.Eventually(t, 5*time.Second, "producer and consumer spans", func() bool {
			producer, consumerSpan = spanByKind(rec, trace.SpanKindProducer), spanByKind(rec, trace.SpanKindConsumer)
			return producer != nil && consumerSpan != nil
		})

		reqSC := request.SpanContext()
		if producer.Parent().SpanID() != reqSC.SpanID() || producer.SpanContext().TraceID() != reqSC.TraceID() {
			t.Errorf("producer span parent = %v/%v, want the request span %v/%v",
				producer.Parent().TraceID(), producer.Parent().SpanID(), reqSC.TraceID(), reqSC.SpanID())
		}
		if producer.Name() != "publish "+strings.Join(strings.SplitN(ev.Subject, ".", 5)[:4], ".")+".{aggregateId}" || attr(producer, "messaging.message.id") != ev.Envelope.GetEventId() {
			t.Errorf("producer span %q attributes %v", producer.Name(), producer.Attributes())
		}
		if consumerSpan.Parent().SpanID() != producer.SpanContext().SpanID() ||
			consumerSpan.SpanContext().TraceID() != reqSC.TraceID() {
			t.Errorf("consumer span parent = %v/%v, want the producer span %v/%v",
				consumerSpan.Parent().TraceID(), consumerSpan.Parent().SpanID(),
				producer.SpanContext().TraceID(), producer.SpanContext().SpanID())
		}
		if handlerSpan.SpanID() != consumerSpan.SpanContext().SpanID() {
			t.Error("the handler does not run inside the consumer span")
		}
	})
}

// TestRelayMarksThePublishedPrefixWhenAPublishFails: rows published before a failing one are
// marked sent in the same pass (one statement), the failing one and those after stay unsent.
func TestRelayMarksThePublishedPrefixWhenAPublishFails(t *testing.T) {
	t.Parallel()
	withBus(t, func(t *testing.T, db *sql.DB, js jetstream.JetStream) {
		ctx := context.Background()
		first, second := newEvent(t, "m-1", "a"), newEvent(t, "m-2", "b")
		orphan := orphanEvent(t) // no stream: its publish fails
		last := newEvent(t, "m-3", "c")
		add(t, ctx, db, false, first, second, orphan, last)

		runRelayUntilAFailure(t, db, js)
		if n := unsent(t, db); n != 2 {
			t.Fatalf("%d rows unsent after the third failed, want 2 (the prefix is marked)", n)
		}
		if msgs := eventbustest.Read(t, js, "MISSION", ""); len(msgs) != 2 {
			t.Fatalf("MISSION holds %d messages before the failing row is fixed, want 2", len(msgs))
		}
	})
}
