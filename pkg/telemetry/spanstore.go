package telemetry

import (
	"container/list"
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// DefaultMaxSpans is the capacity used by NewSpanStore when it is given a
// non-positive bound.
const DefaultMaxSpans = 10000

// serviceNameKey is the OpenTelemetry resource attribute naming a service.
const serviceNameKey = attribute.Key("service.name")

// unknownService is reported for spans whose resource carries no service.name.
const unknownService = "unknown"

// TraceSummary describes one trace held by a SpanStore.
type TraceSummary struct {
	TraceID    string    `json:"traceId"`
	RootName   string    `json:"rootName"`
	Start      time.Time `json:"start"`
	DurationMs float64   `json:"durationMs"`
	Services   []string  `json:"services"`
	SpanCount  int       `json:"spanCount"`
	// ErrorCount is how many of the trace's spans ended with an error status.
	ErrorCount int `json:"errorCount"`
}

// TraceQuery selects traces among those a SpanStore holds; its zero value selects them all.
// Its strings are compared with what the store holds and never become span names, attributes
// or metric labels.
type TraceQuery struct {
	// Service keeps the traces in which this service (its exact name) has a span.
	Service string
	// RootNameContains keeps the traces whose root span's name contains it, ignoring case.
	RootNameContains string
	// MinDuration keeps the traces lasting at least this long.
	MinDuration time.Duration
	// ErrorsOnly keeps the traces with at least one span that ended with an error.
	ErrorsOnly bool
	// Limit caps the number of summaries returned, when positive.
	Limit int
}

// matches tells whether the summarised trace is one q selects.
func (q TraceQuery) matches(sum TraceSummary) bool {
	switch {
	case q.Service != "" && !slices.Contains(sum.Services, q.Service):
		return false
	case q.RootNameContains != "" && !strings.Contains(strings.ToLower(sum.RootName), strings.ToLower(q.RootNameContains)):
		return false
	case q.MinDuration > 0 && sum.DurationMs < durationMs(q.MinDuration):
		return false
	case q.ErrorsOnly && sum.ErrorCount == 0:
		return false
	}
	return true
}

// SpanView is the operator-facing, personal-data-free view of a finished span.
type SpanView struct {
	SpanID       string            `json:"spanId"`
	ParentSpanID string            `json:"parentSpanId"`
	Service      string            `json:"service"`
	Name         string            `json:"name"`
	Kind         string            `json:"kind"`
	Start        time.Time         `json:"start"`
	DurationMs   float64           `json:"durationMs"`
	Status       string            `json:"status"`
	Attributes   map[string]string `json:"attributes"`
}

// allowedAttributeKeys lists span attribute keys that never carry personal
// data and are therefore copied into SpanViews. Everything else (user ids in
// free-form attributes, url.full, url.query, user_agent.original, client
// addresses, e-mails, ...) is dropped.
var allowedAttributeKeys = map[string]struct{}{
	// RPC (old and new semantic conventions).
	"rpc.system":               {},
	"rpc.system.name":          {},
	"rpc.service":              {},
	"rpc.method":               {},
	"rpc.grpc.status_code":     {},
	"rpc.response.status_code": {},
	// HTTP server/client: route templates only, never raw paths or queries.
	"http.request.method":       {},
	"http.route":                {},
	"http.response.status_code": {},
	// Messaging.
	"messaging.system":                        {},
	"messaging.destination.name":              {},
	"messaging.destination.template":          {},
	"messaging.destination.subscription.name": {},
	"messaging.consumer.group.name":           {},
	"messaging.message.id":                    {},
	"messaging.batch.message_count":           {},
	// Generic.
	"error.type": {},
}

// allowedAttributePrefixes lists key prefixes that are allowed wholesale.
// caiomatch.* attributes are set by our own code, which must keep them free of
// personal data.
var allowedAttributePrefixes = []string{
	"messaging.operation", // messaging.operation, .name, .type
	"caiomatch.",
}

// AllowedAttribute reports whether a span attribute with the given key is
// copied into SpanViews by a SpanStore.
func AllowedAttribute(key string) bool {
	if _, ok := allowedAttributeKeys[key]; ok {
		return true
	}
	for _, p := range allowedAttributePrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// storedSpan is a SpanView plus the data needed to summarise its trace.
type storedSpan struct {
	view   SpanView
	id     trace.SpanID
	parent trace.SpanID
	start  time.Time
	end    time.Time
}

type traceEntry struct {
	id    trace.TraceID
	spans []storedSpan
	elem  *list.Element // position in SpanStore.order
}

// SpanStore is a bounded, concurrency-safe, in-memory store of finished spans.
// It implements sdktrace.SpanProcessor and may be registered with several
// TracerProviders at once (one per service); the service of each span is read
// from its resource's service.name attribute.
//
// When more than the configured number of spans are held, whole traces are
// evicted, oldest (first seen) first. A single trace larger than the bound
// loses its oldest spans.
type SpanStore struct {
	mu     sync.Mutex
	max    int
	total  int
	traces map[trace.TraceID]*traceEntry
	order  *list.List // of *traceEntry, oldest first
}

var _ sdktrace.SpanProcessor = (*SpanStore)(nil)

// NewSpanStore returns a store keeping at most maxSpans spans. A non-positive
// maxSpans selects DefaultMaxSpans.
func NewSpanStore(maxSpans int) *SpanStore {
	if maxSpans <= 0 {
		maxSpans = DefaultMaxSpans
	}
	return &SpanStore{
		max:    maxSpans,
		traces: make(map[trace.TraceID]*traceEntry),
		order:  list.New(),
	}
}

// OnStart implements sdktrace.SpanProcessor. It does nothing.
func (*SpanStore) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor: it records the finished span.
func (s *SpanStore) OnEnd(span sdktrace.ReadOnlySpan) {
	sc := span.SpanContext()
	if !sc.IsValid() {
		return
	}
	s.add(sc.TraceID(), newStoredSpan(span))
}

// add records one finished span of trace id.
func (s *SpanStore) add(id trace.TraceID, st storedSpan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.traces[id]
	if !ok {
		e = &traceEntry{id: id}
		e.elem = s.order.PushBack(e)
		s.traces[e.id] = e
	}
	e.spans = append(e.spans, st)
	s.total++
	s.evictLocked()
}

// Shutdown implements sdktrace.SpanProcessor. The store is shared between
// providers, so shutting one provider down keeps the store usable.
func (*SpanStore) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor. It does nothing.
func (*SpanStore) ForceFlush(context.Context) error { return nil }

func (s *SpanStore) evictLocked() {
	for s.total > s.max {
		front := s.order.Front()
		if front == nil {
			return
		}
		e := front.Value.(*traceEntry)
		if s.order.Len() == 1 {
			// Only one (oversized) trace: drop its oldest spans.
			drop := s.total - s.max
			clear(e.spans[:drop])
			e.spans = append(e.spans[:0], e.spans[drop:]...)
			s.total -= drop
			return
		}
		s.order.Remove(front)
		delete(s.traces, e.id)
		s.total -= len(e.spans)
	}
}

// Len returns the number of spans currently held.
func (s *SpanStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Traces returns summaries of the held traces, newest (latest start) first.
// A positive limit caps the number of summaries returned.
func (s *SpanStore) Traces(limit int) []TraceSummary {
	return s.SearchTraces(TraceQuery{Limit: limit})
}

// SearchTraces returns summaries of the held traces q selects, newest (latest start) first.
func (s *SpanStore) SearchTraces(q TraceQuery) []TraceSummary {
	limit := q.Limit
	s.mu.Lock()
	out := make([]TraceSummary, 0, len(s.traces))
	for _, e := range s.traces {
		if sum := summarize(e); q.matches(sum) {
			out = append(out, sum)
		}
	}
	s.mu.Unlock()

	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.After(out[j].Start)
		}
		return out[i].TraceID < out[j].TraceID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Spans returns the spans of the trace with the given hex trace id, ordered by
// start time. The boolean is false when the trace is unknown.
func (s *SpanStore) Spans(traceID string) ([]SpanView, bool) {
	id, err := trace.TraceIDFromHex(strings.ToLower(strings.TrimSpace(traceID)))
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	e, ok := s.traces[id]
	if !ok {
		s.mu.Unlock()
		return nil, false
	}
	stored := make([]storedSpan, len(e.spans))
	copy(stored, e.spans)
	s.mu.Unlock()

	sort.SliceStable(stored, func(i, j int) bool { return stored[i].start.Before(stored[j].start) })
	out := make([]SpanView, len(stored))
	for i, st := range stored {
		v := st.view
		attrs := make(map[string]string, len(v.Attributes))
		for k, val := range v.Attributes {
			attrs[k] = val
		}
		v.Attributes = attrs
		out[i] = v
	}
	return out, true
}

// summarize must be called with the store's lock held.
func summarize(e *traceEntry) TraceSummary {
	sum := TraceSummary{TraceID: e.id.String(), SpanCount: len(e.spans)}
	if len(e.spans) == 0 {
		return sum
	}
	present := make(map[trace.SpanID]struct{}, len(e.spans))
	for _, st := range e.spans {
		present[st.id] = struct{}{}
	}
	services := make(map[string]struct{})
	var minStart, maxEnd time.Time
	var root, earliest *storedSpan
	for i := range e.spans {
		st := &e.spans[i]
		services[st.view.Service] = struct{}{}
		if st.view.Status == statusError {
			sum.ErrorCount++
		}
		if minStart.IsZero() || st.start.Before(minStart) {
			minStart = st.start
		}
		if st.end.After(maxEnd) {
			maxEnd = st.end
		}
		if earliest == nil || st.start.Before(earliest.start) {
			earliest = st
		}
		_, parentHere := present[st.parent]
		if !st.parent.IsValid() || !parentHere {
			// Prefer a true root (no parent at all) over a span whose parent
			// is remote or evicted; among equals prefer the earliest.
			if root == nil ||
				(!st.parent.IsValid() && root.parent.IsValid()) ||
				(st.parent.IsValid() == root.parent.IsValid() && st.start.Before(root.start)) {
				root = st
			}
		}
	}
	if root == nil {
		root = earliest
	}
	sum.RootName = root.view.Name
	sum.Start = minStart
	if maxEnd.After(minStart) {
		sum.DurationMs = durationMs(maxEnd.Sub(minStart))
	}
	sum.Services = make([]string, 0, len(services))
	for svc := range services {
		sum.Services = append(sum.Services, svc)
	}
	sort.Strings(sum.Services)
	return sum
}

func newStoredSpan(span sdktrace.ReadOnlySpan) storedSpan {
	sc := span.SpanContext()
	parent := span.Parent().SpanID()
	start, end := span.StartTime(), span.EndTime()
	v := SpanView{
		SpanID:     sc.SpanID().String(),
		Service:    serviceOf(span),
		Name:       span.Name(),
		Kind:       span.SpanKind().String(),
		Start:      start,
		Status:     statusString(span.Status().Code),
		Attributes: make(map[string]string),
	}
	if parent.IsValid() {
		v.ParentSpanID = parent.String()
	}
	if end.After(start) {
		v.DurationMs = durationMs(end.Sub(start))
	}
	for _, kv := range span.Attributes() {
		k := string(kv.Key)
		if AllowedAttribute(k) {
			v.Attributes[k] = kv.Value.String()
		}
	}
	return storedSpan{view: v, id: sc.SpanID(), parent: parent, start: start, end: end}
}

func serviceOf(span sdktrace.ReadOnlySpan) string {
	if res := span.Resource(); res != nil {
		if val, ok := res.Set().Value(serviceNameKey); ok && val.AsString() != "" {
			return val.AsString()
		}
	}
	return unknownService
}

// statusError is the Status of a span that ended with an error.
const statusError = "ERROR"

func statusString(c codes.Code) string {
	switch c {
	case codes.Ok:
		return "OK"
	case codes.Error:
		return statusError
	default:
		return "UNSET"
	}
}

func durationMs(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
