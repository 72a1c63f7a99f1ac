package audit

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Appender is where a Recorder writes its batches (Store).
type Appender interface {
	Append(ctx context.Context, events []Event) error
}

// RecorderOptions tune a Recorder; zero values take the defaults.
type RecorderOptions struct {
	// Queue bounds the events waiting to be written; beyond it Record drops and counts.
	Queue int
	// Batch bounds the events of one write.
	Batch int
	// Linger is how long the writer waits for more events after the first of a batch.
	Linger time.Duration
	// RepeatWindow: a read repeated by the same actor of the same subject through the same
	// endpoint, with the same outcome, within this window is recorded once (a page that polls
	// every few seconds would otherwise fill the log). Negative records every read.
	RepeatWindow time.Duration
	// FlushTimeout bounds the last write at shutdown.
	FlushTimeout time.Duration
	// NewID and Now give events their id and time; nil means UUIDv7 and time.Now.
	NewID func() string
	Now   func() time.Time
}

// Defaults of RecorderOptions.
const (
	DefaultQueue        = 10_000
	DefaultBatch        = 200
	DefaultLinger       = 100 * time.Millisecond
	DefaultRepeatWindow = time.Minute
	DefaultFlushTimeout = 5 * time.Second
	// maxRepeatKeys bounds the memory of recent reads; past it the memory starts afresh.
	maxRepeatKeys = 20_000
)

// Recorder takes events on the request path without waiting: into a bounded queue that one
// writer empties in batches. A full queue drops the event and counts it (Stats, and the metric
// caiomatch.audit.events{result="dropped"}): a request is never slowed by the log's database.
type Recorder struct {
	out   Appender
	opts  RecorderOptions
	queue chan Event

	written, dropped, failed, repeated atomic.Int64

	mu     sync.Mutex
	recent map[repeatKey]time.Time

	// writing is held by each write, and by Erase while the log's records are pseudonymised:
	// no batch holding an erased id can be written after that.
	writing sync.Mutex
	// pseudonyms replace erased ids in the events written from now on (queued ones included);
	// guarded by mu.
	pseudonyms map[string]string
}

// maxPseudonyms bounds the erased ids remembered; past it the oldest are forgotten (events
// about an erased person stop arriving within seconds of the erasure).
const maxPseudonyms = 10_000

// Erase makes the log forget ids (id → pseudonym): events still queued or recorded later name
// the pseudonym instead, and pseudonymise, given the ids, rewrites what was written, while no
// batch is being written. It returns pseudonymise's error, after which the ids are kept as
// they are. The replacement lives in this process: with several gateway replicas, events
// another replica records about the person within its recorder's linger after the erasure keep
// the raw id (docs/SECURITY.md, Erasure).
func (r *Recorder) Erase(pseudonyms map[string]string, pseudonymise func() error) error {
	if r == nil {
		return pseudonymise()
	}
	r.mu.Lock()
	if r.pseudonyms == nil || len(r.pseudonyms)+len(pseudonyms) > maxPseudonyms {
		r.pseudonyms = map[string]string{}
	}
	for id, p := range pseudonyms {
		r.pseudonyms[id] = p
	}
	// Remembered reads of the person would keep raw ids in memory.
	clear(r.recent)
	r.mu.Unlock()
	r.writing.Lock()
	defer r.writing.Unlock()
	err := pseudonymise()
	if err != nil {
		// Not erased: the ids still name live people, whose events keep them.
		r.mu.Lock()
		for id := range pseudonyms {
			delete(r.pseudonyms, id)
		}
		r.mu.Unlock()
	}
	return err
}

// withPseudonyms replaces the erased ids of batch.
func (r *Recorder) withPseudonyms(batch []Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pseudonyms) == 0 {
		return
	}
	for i := range batch {
		if p, ok := r.pseudonyms[batch[i].ActorID]; ok {
			batch[i].ActorID = p
		}
		if p, ok := r.pseudonyms[batch[i].SubjectID]; ok {
			batch[i].SubjectID = p
		}
	}
}

type repeatKey struct {
	actor, action, subject string
	outcome                int
}

// NewRecorder records into out.
func NewRecorder(out Appender, opts RecorderOptions) *Recorder {
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Linger <= 0 {
		opts.Linger = DefaultLinger
	}
	if opts.RepeatWindow == 0 {
		opts.RepeatWindow = DefaultRepeatWindow
	}
	if opts.FlushTimeout <= 0 {
		opts.FlushTimeout = DefaultFlushTimeout
	}
	if opts.NewID == nil {
		opts.NewID = newEventID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Recorder{out: out, opts: opts, queue: make(chan Event, opts.Queue), recent: map[repeatKey]time.Time{}}
}

// Record queues e, giving it an id and the time when it has none. It never blocks.
func (r *Recorder) Record(e Event) {
	if r == nil {
		return
	}
	if e.At.IsZero() {
		e.At = r.opts.Now()
	}
	if e.Kind == KindRead && r.repeatedRead(e) {
		r.repeated.Add(1)
		return
	}
	if e.ID == "" {
		e.ID = r.opts.NewID()
	}
	select {
	case r.queue <- e:
	default:
		r.dropped.Add(1)
	}
}

func (r *Recorder) repeatedRead(e Event) bool {
	if r.opts.RepeatWindow < 0 {
		return false
	}
	key := repeatKey{actor: e.ActorID + "/" + e.ActorRole, action: e.Action, subject: e.SubjectID, outcome: e.Outcome}
	r.mu.Lock()
	defer r.mu.Unlock()
	if last, ok := r.recent[key]; ok && e.At.Sub(last) < r.opts.RepeatWindow && !e.At.Before(last) {
		return true
	}
	if len(r.recent) >= maxRepeatKeys {
		clear(r.recent)
	}
	r.recent[key] = e.At
	return false
}

// Run writes the queued events in batches until ctx ends, then writes what is still queued
// (within FlushTimeout) and returns. Run it once, and stop it after the HTTP server's drain.
func (r *Recorder) Run(ctx context.Context) error {
	batch := make([]Event, 0, r.opts.Batch)
	for {
		select {
		case <-ctx.Done():
			r.flush(ctx)
			return nil
		case e := <-r.queue:
			batch = append(batch[:0], e)
		}
		linger := time.NewTimer(r.opts.Linger)
	fill:
		for len(batch) < r.opts.Batch {
			select {
			case e := <-r.queue:
				batch = append(batch, e)
			case <-linger.C:
				break fill
			case <-ctx.Done():
				break fill
			}
		}
		linger.Stop()
		r.write(context.WithoutCancel(ctx), batch)
	}
}

// flush writes everything still queued.
func (r *Recorder) flush(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.FlushTimeout)
	defer cancel()
	for {
		batch := make([]Event, 0, r.opts.Batch)
	drain:
		for len(batch) < r.opts.Batch {
			select {
			case e := <-r.queue:
				batch = append(batch, e)
			default:
				break drain
			}
		}
		if len(batch) == 0 {
			return
		}
		r.write(ctx, batch)
	}
}

func (r *Recorder) write(ctx context.Context, batch []Event) {
	r.writing.Lock()
	defer r.writing.Unlock()
	r.withPseudonyms(batch)
	if err := r.out.Append(ctx, batch); err != nil {
		// Counted, never logged: the log stays out of the application logs, and a failure's
		// text could quote a value.
		r.failed.Add(int64(len(batch)))
		return
	}
	r.written.Add(int64(len(batch)))
}

// newEventID is a UUIDv7: ids of events written in one process sort as they were recorded.
func newEventID() string { return uuid.Must(uuid.NewV7()).String() }

// Stats counts what became of the recorded events.
type Stats struct {
	Written, Dropped, Failed, Repeated int64
}

// Stats is what the recorder did so far.
func (r *Recorder) Stats() Stats {
	return Stats{Written: r.written.Load(), Dropped: r.dropped.Load(), Failed: r.failed.Load(), Repeated: r.repeated.Load()}
}

// RegisterMetrics exposes Stats as the counter caiomatch.audit.events with a result attribute
// (written, dropped, failed, repeated), and the queue's length as caiomatch.audit.queue.
func (r *Recorder) RegisterMetrics(mp metric.MeterProvider) error {
	meter := mp.Meter("github.com/caiomatch/caiomatch/gateway/audit")
	events, err := meter.Int64ObservableCounter("caiomatch.audit.events",
		metric.WithDescription("Audit events by what became of them: written, dropped (queue full), failed (store error), repeated (a read within the repeat window)."))
	if err != nil {
		return err
	}
	queued, err := meter.Int64ObservableGauge("caiomatch.audit.queue", metric.WithDescription("Audit events waiting to be written."))
	if err != nil {
		return err
	}
	_, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := r.Stats()
		for result, n := range map[string]int64{"written": s.Written, "dropped": s.Dropped, "failed": s.Failed, "repeated": s.Repeated} {
			o.ObserveInt64(events, n, metric.WithAttributes(attribute.String("result", result)))
		}
		o.ObserveInt64(queued, int64(len(r.queue)))
		return nil
	}, events, queued)
	return err
}

// Purger deletes what is older than the retention from a Store.
type Purger interface {
	PurgeBefore(ctx context.Context, before time.Time) (int, error)
}

// PurgeEvery returns a loop that deletes the events older than retention at start and then every
// interval, until ctx ends. Its failures are retried at the next interval, silently: nothing of
// the log reaches the application logs.
func PurgeEvery(store Purger, retention, every time.Duration, now func() time.Time) func(context.Context) error {
	if now == nil {
		now = time.Now
	}
	return func(ctx context.Context) error {
		ticker := time.NewTicker(every)
		defer ticker.Stop()
		for {
			_, _ = store.PurgeBefore(ctx, now().Add(-retention))
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
		}
	}
}
