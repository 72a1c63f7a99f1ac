package telemetry

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// TestRelayedSpansMakeOneTraceInAnotherProcessStore: two processes (providers) each relay
// their spans; a gateway's store receiving both holds the trace whole, parent links and
// allow-listed attributes included, and ignores the batches of its own origin.
func TestRelayedSpansMakeOneTraceInAnotherProcessStore(t *testing.T) {
	gateway := NewSpanStore(100)
	var mu sync.Mutex
	var messages [][]byte
	publish := func(data []byte) error {
		mu.Lock()
		defer mu.Unlock()
		messages = append(messages, data)
		return nil
	}
	ctx := context.Background()
	relays := map[string]*SpanRelay{}
	tracers := map[string]trace.Tracer{}
	for _, service := range []string{"gateway", "mission"} {
		relays[service] = NewSpanRelay(time.Hour)
		p, err := Setup(ctx, Config{Service: service, Relay: relays[service]})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := p.Shutdown(ctx); err != nil {
				t.Errorf("shut down %s: %v", service, err)
			}
		}()
		relays[service].Start(publish)
		tracers[service] = p.TracerProvider().Tracer("test")
	}
	rootCtx, root := tracers["gateway"].Start(ctx, "POST /v1/missions")
	_, child := tracers["mission"].Start(rootCtx, "caiomatch.mission.v1.MissionService/CreateMission",
		trace.WithAttributes(attribute.String("rpc.method", "CreateMission"), attribute.String("user.email", "anne@example.com")))
	child.End()
	root.End()
	for _, r := range relays {
		_ = r.ForceFlush(ctx)
	}
	for _, m := range messages {
		if err := gateway.Receive(m, relays["gateway"].Origin()); err != nil {
			t.Fatal(err)
		}
	}
	traceID := root.SpanContext().TraceID().String()
	spans, ok := gateway.Spans(traceID)
	if !ok || len(spans) != 1 || spans[0].Service != "mission" {
		t.Fatalf("the gateway's store holds %+v, want the mission's span only (its own batches are ignored)", spans)
	}
	if spans[0].ParentSpanID != root.SpanContext().SpanID().String() || spans[0].Attributes["rpc.method"] != "CreateMission" {
		t.Errorf("relayed span %+v lost its parent or its attributes", spans[0])
	}
	if _, leaked := spans[0].Attributes["user.email"]; leaked {
		t.Error("an attribute off the allow-list crossed the relay")
	}
	// The gateway's own span is in its store by its own processor; the other gateway sees both.
	other := NewSpanStore(100)
	for _, m := range messages {
		if err := other.Receive(m, "another origin"); err != nil {
			t.Fatal(err)
		}
	}
	if sums := other.Traces(10); len(sums) != 1 || sums[0].SpanCount != 2 || strings.Join(sums[0].Services, ",") != "gateway,mission" {
		t.Errorf("another gateway's summary: %+v", sums)
	}
}

// TestABadBatchAddsNothing: a message with one bad span, an oversized name or too many spans
// is refused whole.
func TestABadBatchAddsNothing(t *testing.T) {
	good := relayedSpan{TraceID: strings.Repeat("ab", 16), View: SpanView{SpanID: strings.Repeat("cd", 8), Service: "mission", Name: "x",
		Start: time.Unix(100, 0)}, End: time.Unix(101, 0)}
	bad := func(edit func(*relayedSpan)) []byte {
		s := good
		edit(&s)
		data, _ := json.Marshal(relayBatch{Origin: "o", Spans: []relayedSpan{good, s}})
		return data
	}
	tooMany, _ := json.Marshal(relayBatch{Origin: "o", Spans: make([]relayedSpan, relayBatchMax+1)})
	for name, data := range map[string][]byte{
		"trace id":  bad(func(s *relayedSpan) { s.TraceID = "nope" }),
		"span id":   bad(func(s *relayedSpan) { s.View.SpanID = "" }),
		"parent":    bad(func(s *relayedSpan) { s.View.ParentSpanID = "zz" }),
		"long name": bad(func(s *relayedSpan) { s.View.Name = strings.Repeat("n", 10_000) }),
		"backwards": bad(func(s *relayedSpan) { s.End = s.View.Start.Add(-time.Second) }),
		"too many":  tooMany,
		"not json":  []byte("{"),
	} {
		store := NewSpanStore(10)
		if err := store.Receive(data, "mine"); err == nil || store.Len() != 0 {
			t.Errorf("%s: err %v, %d spans added", name, err, store.Len())
		}
	}
}

// TestRelayHoldsABoundedBacklogUntilStarted: spans ending before the connection exists wait,
// up to a bound; the rest are counted as dropped.
func TestRelayHoldsABoundedBacklogUntilStarted(t *testing.T) {
	relay := NewSpanRelay(time.Hour)
	p, err := Setup(context.Background(), Config{Service: "matching", Relay: relay})
	if err != nil {
		t.Fatal(err)
	}
	tracer := p.TracerProvider().Tracer("test")
	for range relayPendingMax + 10 {
		_, span := tracer.Start(context.Background(), "work")
		span.End()
	}
	if relay.Dropped() != 10 {
		t.Errorf("dropped %d, want 10", relay.Dropped())
	}
	sent := 0
	relay.Start(func(data []byte) error {
		var b relayBatch
		_ = json.Unmarshal(data, &b)
		sent += len(b.Spans)
		return nil
	})
	_ = p.Shutdown(context.Background())
	if sent != relayPendingMax {
		t.Errorf("sent %d spans at shutdown, want %d", sent, relayPendingMax)
	}
}
