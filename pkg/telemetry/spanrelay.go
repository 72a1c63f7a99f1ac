package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// SpanRelaySubject is the NATS subject on which every process of a platform split into several
// processes sends its finished spans, so that each gateway's trace view (a SpanStore) shows a
// trace whole: the gateway's, the services' and their replicas' spans together. It is core
// NATS, not JetStream: the view is a recent, best-effort window, and a span lost in transit
// costs a gap in one waterfall, never a request. Traces for production monitoring leave by OTLP.
const SpanRelaySubject = "caiomatch.telemetry.spans"

// Bounds of the relay: what a process holds while NATS is slow or away, what one message
// carries, and what a store accepts from a message.
const (
	relayPendingMax   = 4096
	relayBatchMax     = 256
	relayMessageMax   = 1 << 20
	relayTextMax      = 256
	relayAttributeMax = 32
)

// relayBatch is one message on SpanRelaySubject.
type relayBatch struct {
	// Origin tells a gateway which batches are its own spans, which it already holds.
	Origin string        `json:"origin"`
	Spans  []relayedSpan `json:"spans"`
}

type relayedSpan struct {
	TraceID string    `json:"traceId"`
	View    SpanView  `json:"span"`
	End     time.Time `json:"end"`
}

// SpanRelay is a span processor that sends the process's finished spans, as the store would
// keep them (allow-listed attributes only), on SpanRelaySubject in batches. Spans ending before
// Start are held (up to a bound, then dropped and counted).
type SpanRelay struct {
	origin string
	every  time.Duration

	mu      sync.Mutex
	pending []relayedSpan
	publish func([]byte) error
	dropped atomic.Int64

	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

var _ sdktrace.SpanProcessor = (*SpanRelay)(nil)

// NewSpanRelay returns a relay that sends at most every interval (a non-positive one is 200 ms).
func NewSpanRelay(every time.Duration) *SpanRelay {
	if every <= 0 {
		every = 200 * time.Millisecond
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &SpanRelay{origin: hex.EncodeToString(id[:]), every: every,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// Origin names this process's batches; a store given it to Receive ignores them.
func (r *SpanRelay) Origin() string { return r.origin }

// Dropped counts the spans lost because too many were waiting.
func (r *SpanRelay) Dropped() int64 { return r.dropped.Load() }

// Start sends the held spans, and from then on every batch, with publish (for instance a NATS
// connection's Publish on SpanRelaySubject). Call it once.
func (r *SpanRelay) Start(publish func(data []byte) error) {
	r.mu.Lock()
	r.publish = publish
	r.mu.Unlock()
	go r.loop()
}

func (r *SpanRelay) loop() {
	defer close(r.done)
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for {
		select {
		case <-r.stop:
			r.flush()
			return
		case <-tick.C:
		case <-r.wake:
		}
		r.flush()
	}
}

// OnStart implements sdktrace.SpanProcessor. It does nothing.
func (*SpanRelay) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor: it queues the span's view.
func (r *SpanRelay) OnEnd(span sdktrace.ReadOnlySpan) {
	sc := span.SpanContext()
	if !sc.IsValid() {
		return
	}
	st := newStoredSpan(span)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pending) >= relayPendingMax {
		r.dropped.Add(1)
		return
	}
	r.pending = append(r.pending, relayedSpan{TraceID: sc.TraceID().String(), View: st.view, End: st.end})
	if len(r.pending) == relayBatchMax && r.publish != nil {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// flush sends what is pending, a batch at a time; a batch NATS refuses is dropped.
func (r *SpanRelay) flush() {
	r.mu.Lock()
	pending, publish := r.pending, r.publish
	if publish == nil {
		r.mu.Unlock()
		return
	}
	r.pending = nil
	r.mu.Unlock()
	for len(pending) > 0 {
		n := min(len(pending), relayBatchMax)
		data, err := json.Marshal(relayBatch{Origin: r.origin, Spans: pending[:n]})
		if err != nil || len(data) > relayMessageMax || publish(data) != nil {
			r.dropped.Add(int64(n))
		}
		pending = pending[n:]
	}
}

// ForceFlush implements sdktrace.SpanProcessor: it sends what is pending now.
func (r *SpanRelay) ForceFlush(context.Context) error {
	r.flush()
	return nil
}

// Shutdown implements sdktrace.SpanProcessor: it sends what is pending and stops.
func (r *SpanRelay) Shutdown(context.Context) error {
	r.stopOnce.Do(func() {
		close(r.stop)
		r.mu.Lock()
		started := r.publish != nil
		r.mu.Unlock()
		if started {
			<-r.done
		}
	})
	return nil
}

// Receive adds the spans of one relay message to the store, unless the message is the
// store's own process's (origin). A message is checked whole first: ids must be ids, names and
// attributes are bounded and allow-listed again, so a bad message adds nothing.
func (s *SpanStore) Receive(data []byte, origin string) error {
	if len(data) > relayMessageMax {
		return fmt.Errorf("telemetry: a span batch of %d bytes is over %d", len(data), relayMessageMax)
	}
	var batch relayBatch
	if err := json.Unmarshal(data, &batch); err != nil {
		return fmt.Errorf("telemetry: a span batch: %w", err)
	}
	if batch.Origin == origin {
		return nil
	}
	if len(batch.Spans) > relayBatchMax {
		return fmt.Errorf("telemetry: a span batch of %d spans is over %d", len(batch.Spans), relayBatchMax)
	}
	type received struct {
		trace trace.TraceID
		span  storedSpan
	}
	spans := make([]received, 0, len(batch.Spans))
	for _, in := range batch.Spans {
		st, traceID, err := in.stored()
		if err != nil {
			return err
		}
		spans = append(spans, received{traceID, st})
	}
	for _, r := range spans {
		s.add(r.trace, r.span)
	}
	return nil
}

// stored checks a received span and makes it what OnEnd would have stored.
func (in relayedSpan) stored() (storedSpan, trace.TraceID, error) {
	traceID, err := trace.TraceIDFromHex(in.TraceID)
	if err != nil {
		return storedSpan{}, traceID, fmt.Errorf("telemetry: a relayed span's trace id: %w", err)
	}
	v := in.View
	id, err := trace.SpanIDFromHex(v.SpanID)
	if err != nil {
		return storedSpan{}, traceID, fmt.Errorf("telemetry: a relayed span's id: %w", err)
	}
	var parent trace.SpanID
	if v.ParentSpanID != "" {
		if parent, err = trace.SpanIDFromHex(v.ParentSpanID); err != nil {
			return storedSpan{}, traceID, fmt.Errorf("telemetry: a relayed span's parent: %w", err)
		}
	}
	if len(v.Service) > relayTextMax || len(v.Name) > relayTextMax || len(v.Kind) > relayTextMax ||
		len(v.Status) > relayTextMax || len(v.Attributes) > relayAttributeMax || in.End.Before(v.Start) {
		return storedSpan{}, traceID, errors.New("telemetry: a relayed span is out of bounds")
	}
	attributes := make(map[string]string, len(v.Attributes))
	for k, value := range v.Attributes {
		if AllowedAttribute(k) && len(k) <= relayTextMax && len(value) <= relayTextMax {
			attributes[k] = value
		}
	}
	v.Attributes = attributes
	v.DurationMs = durationMs(in.End.Sub(v.Start))
	return storedSpan{view: v, id: id, parent: parent, start: v.Start, end: in.End}, traceID, nil
}
