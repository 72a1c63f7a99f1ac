package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

func setup(t *testing.T, service string, store *SpanStore) *Provider {
	t.Helper()
	p, err := Setup(context.Background(), Config{Service: service, Store: store, Version: "test"})
	if err != nil {
		t.Fatalf("Setup(%s): %v", service, err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func TestSharedStoreAcrossProviders(t *testing.T) {
	store := NewSpanStore(100)
	gw := setup(t, "gateway", store)
	ms := setup(t, "mission", store)

	ctx, parent := gw.TracerProvider().Tracer("test").Start(context.Background(), "POST /v1/missions",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("http.route", "/v1/missions"),
			attribute.String("email", "someone@example.com"),
			attribute.String("url.full", "http://x/v1/missions?email=someone@example.com"),
		))
	_, child := ms.TracerProvider().Tracer("test").Start(ctx, "caiomatch.mission.v1.MissionService/CreateMission",
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("rpc.system", "grpc"),
			attribute.Int("rpc.grpc.status_code", 0),
			attribute.String("caiomatch.mission_id", "m-1"),
			attribute.String("user.email", "someone@example.com"),
		))
	child.SetStatus(codes.Error, "boom")
	child.End()
	parent.End()

	traces := store.Traces(10)
	if len(traces) != 1 {
		t.Fatalf("Traces: got %d, want 1: %+v", len(traces), traces)
	}
	tr := traces[0]
	if tr.TraceID != parent.SpanContext().TraceID().String() {
		t.Errorf("trace id %s, want %s", tr.TraceID, parent.SpanContext().TraceID())
	}
	if tr.RootName != "POST /v1/missions" {
		t.Errorf("root name %q", tr.RootName)
	}
	if got := strings.Join(tr.Services, ","); got != "gateway,mission" {
		t.Errorf("services %q", got)
	}
	if tr.SpanCount != 2 {
		t.Errorf("span count %d", tr.SpanCount)
	}
	if tr.DurationMs < 0 || tr.Start.IsZero() {
		t.Errorf("bad timing %+v", tr)
	}

	spans, ok := store.Spans(tr.TraceID)
	if !ok || len(spans) != 2 {
		t.Fatalf("Spans: ok=%v len=%d", ok, len(spans))
	}
	p, c := spans[0], spans[1]
	if p.SpanID != parent.SpanContext().SpanID().String() || p.ParentSpanID != "" || p.Service != "gateway" {
		t.Errorf("parent view %+v", p)
	}
	if c.SpanID != child.SpanContext().SpanID().String() || c.ParentSpanID != p.SpanID || c.Service != "mission" {
		t.Errorf("child view %+v", c)
	}
	if c.Status != "ERROR" || p.Status != "UNSET" || c.Kind != "server" {
		t.Errorf("status/kind: parent %s child %s kind %s", p.Status, c.Status, c.Kind)
	}
	if p.Attributes["http.route"] != "/v1/missions" || c.Attributes["rpc.system"] != "grpc" ||
		c.Attributes["rpc.grpc.status_code"] != "0" || c.Attributes["caiomatch.mission_id"] != "m-1" {
		t.Errorf("allowed attributes missing: %v / %v", p.Attributes, c.Attributes)
	}

	// No personal data anywhere in the JSON served to operators.
	raw, err := json.Marshal(struct {
		T []TraceSummary
		S []SpanView
	}{traces, spans})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"email", "someone@example.com", "url.full"} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("JSON contains %q: %s", bad, raw)
		}
	}
	for _, key := range []string{`"traceId"`, `"rootName"`, `"durationMs"`, `"spanCount"`, `"parentSpanId"`, `"attributes"`} {
		if !bytes.Contains(raw, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}

	if _, ok := store.Spans("00000000000000000000000000000001"); ok {
		t.Error("unknown trace reported as found")
	}
	if _, ok := store.Spans("not-hex"); ok {
		t.Error("invalid trace id reported as found")
	}
}

func TestRootWhenParentMissing(t *testing.T) {
	store := NewSpanStore(100)
	p := setup(t, "gateway", store)
	// Remote parent not in the store: the local server span is the root.
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3},
		SpanID:     trace.SpanID{4, 5, 6},
		TraceFlags: trace.FlagsSampled,
		Remote:     true,
	})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), remote)
	ctx, root := p.TracerProvider().Tracer("t").Start(ctx, "server")
	_, inner := p.TracerProvider().Tracer("t").Start(ctx, "inner")
	inner.End()
	root.End()
	tr := store.Traces(0)
	if len(tr) != 1 || tr[0].RootName != "server" {
		t.Fatalf("traces %+v", tr)
	}
}

func TestEvictionBound(t *testing.T) {
	const max = 10
	store := NewSpanStore(max)
	p := setup(t, "gateway", store)
	tracer := p.TracerProvider().Tracer("t")
	var ids []string
	for i := 0; i < 20; i++ {
		ctx, root := tracer.Start(context.Background(), fmt.Sprintf("root-%d", i))
		_, c := tracer.Start(ctx, "child")
		c.End()
		root.End()
		ids = append(ids, root.SpanContext().TraceID().String())
		if n := store.Len(); n > max {
			t.Fatalf("store holds %d spans, bound %d", n, max)
		}
	}
	traces := store.Traces(0)
	if len(traces) != max/2 {
		t.Fatalf("got %d traces, want %d", len(traces), max/2)
	}
	// The newest traces survive, newest first.
	for i, tr := range traces {
		if want := ids[len(ids)-1-i]; tr.TraceID != want {
			t.Errorf("traces[%d] = %s, want %s", i, tr.TraceID, want)
		}
	}
	if _, ok := store.Spans(ids[0]); ok {
		t.Error("oldest trace not evicted")
	}
	if got := store.Traces(2); len(got) != 2 || got[0].RootName != "root-19" {
		t.Errorf("Traces(2) = %+v", got)
	}

	// A single oversized trace is trimmed, not dropped.
	ctx, root := tracer.Start(context.Background(), "big")
	for i := 0; i < 3*max; i++ {
		_, c := tracer.Start(ctx, "c")
		c.End()
	}
	root.End()
	if n := store.Len(); n != max {
		t.Fatalf("store holds %d spans, want %d", n, max)
	}
	if tr := store.Traces(0); len(tr) != 1 || tr[0].RootName != "big" {
		t.Errorf("big trace: %+v", tr)
	}
}

func TestStoreConcurrent(t *testing.T) {
	store := NewSpanStore(50)
	p := setup(t, "gateway", store)
	tracer := p.TracerProvider().Tracer("t")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				ctx, s := tracer.Start(context.Background(), "r")
				_, c := tracer.Start(ctx, "c")
				c.End()
				s.End()
				for _, tr := range store.Traces(5) {
					store.Spans(tr.TraceID)
				}
			}
		}()
	}
	wg.Wait()
	if n := store.Len(); n > 50 {
		t.Fatalf("store holds %d spans", n)
	}
}

func TestLoggerTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, "mission", slog.LevelInfo)
	p := setup(t, "mission", nil)
	ctx, span := p.TracerProvider().Tracer("t").Start(context.Background(), "op")
	defer span.End()

	log.InfoContext(ctx, "hello", "k", "v")
	log.With("a", 1).WithGroup("g").InfoContext(ctx, "grouped", "x", 2)
	log.Info("no span")
	log.DebugContext(ctx, "filtered")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines: %s", len(lines), buf.String())
	}
	want := span.SpanContext()
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d not JSON: %v", i, err)
		}
		if m["service"] != "mission" {
			t.Errorf("line %d service = %v", i, m["service"])
		}
		if i == 2 {
			if _, ok := m["trace_id"]; ok {
				t.Errorf("trace_id without span: %s", line)
			}
			continue
		}
		if m["trace_id"] != want.TraceID().String() || m["span_id"] != want.SpanID().String() {
			t.Errorf("line %d ids = %v/%v, want %s/%s", i, m["trace_id"], m["span_id"], want.TraceID(), want.SpanID())
		}
		if i == 1 {
			g, _ := m["g"].(map[string]any)
			if m["a"] != float64(1) || g["x"] != float64(2) {
				t.Errorf("grouped line lost attrs: %s", line)
			}
		}
	}
}

func TestHeaderCarrierRoundTrip(t *testing.T) {
	InstallPropagator()
	p := setup(t, "mission", nil)
	ctx, span := p.TracerProvider().Tracer("t").Start(context.Background(), "publish")
	defer span.End()

	msg := &nats.Msg{Subject: "missions.created"}
	InjectNATS(ctx, msg)
	if msg.Header.Get("traceparent") == "" {
		t.Fatalf("no traceparent header: %v", msg.Header)
	}
	got := trace.SpanContextFromContext(ExtractNATS(context.Background(), msg))
	if !got.IsRemote() || got.TraceID() != span.SpanContext().TraceID() || got.SpanID() != span.SpanContext().SpanID() {
		t.Fatalf("extracted %v, want trace %s span %s", got, span.SpanContext().TraceID(), span.SpanContext().SpanID())
	}

	// Direct carrier use with the explicit propagator.
	h := nats.Header{}
	Propagator().Inject(ctx, HeaderCarrier(h))
	if len(HeaderCarrier(h).Keys()) == 0 {
		t.Fatal("Keys empty after inject")
	}
	got = trace.SpanContextFromContext(Propagator().Extract(context.Background(), HeaderCarrier(h)))
	if got.TraceID() != span.SpanContext().TraceID() {
		t.Fatalf("trace id lost: %s", got.TraceID())
	}
	if HeaderCarrier(nats.Header{"Traceparent": {"x"}}).Get("traceparent") != "x" {
		t.Error("case-insensitive fallback failed")
	}
}

func TestMetricsHandler(t *testing.T) {
	for _, svc := range []string{"gateway", "mission"} { // two instances must not collide
		m, err := NewMetrics(svc)
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := m.Shutdown(context.Background()); err != nil {
				t.Errorf("shut down %s metrics: %v", svc, err)
			}
		}()
		ctr, err := m.MeterProvider().Meter("caiomatch/test").Int64Counter("caiomatch.requests",
			metric.WithDescription("requests handled"))
		if err != nil {
			t.Fatal(err)
		}
		ctr.Add(context.Background(), 3, metric.WithAttributes(attribute.String("route", "/v1/x")))

		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		if !bytes.Contains(body, []byte(`caiomatch_requests_total{`)) || !bytes.Contains(body, []byte(`route="/v1/x"`)) {
			t.Fatalf("counter missing from output:\n%s", body)
		}
		if !bytes.Contains(body, []byte(`service_name="`+svc+`"`)) {
			t.Errorf("target_info lacks service %s", svc)
		}
	}
}

func TestOTLPEndpointOptions(t *testing.T) {
	for _, ep := range []string{"localhost:4317", "http://collector:4317", "https://collector:4317"} {
		if _, err := otlpEndpointOptions(ep); err != nil {
			t.Errorf("%s: %v", ep, err)
		}
	}
	for _, ep := range []string{"ftp://x:1", "http://"} {
		if _, err := otlpEndpointOptions(ep); err == nil {
			t.Errorf("%s: expected error", ep)
		}
	}
	// Setup with an endpoint must not block even if nothing listens there.
	p, err := Setup(context.Background(), Config{Service: "gateway", OTLPEndpoint: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	cancel()
	_ = p.Shutdown(ctx)
}
