package audit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/caiomatch/caiomatch/pkg/telemetry"
)

// fakeAppender keeps the batches it is given; while gate is open (non-nil) each write waits on it.
type fakeAppender struct {
	mu      sync.Mutex
	batches [][]Event
	gate    chan struct{}
	fail    bool
}

func (f *fakeAppender) Append(_ context.Context, events []Event) error {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("database unavailable")
	}
	f.batches = append(f.batches, append([]Event(nil), events...))
	return nil
}

func (f *fakeAppender) events() []Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []Event
	for _, b := range f.batches {
		all = append(all, b...)
	}
	return all
}

func refusal(n int) Event {
	return Event{ActorRole: Anonymous, Kind: KindRefused, Action: UnknownRoute, Outcome: 401, SubjectID: uuidN('b', n)}
}

func runRecorder(t *testing.T, r *Recorder) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the recorder stopped with %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the recorder did not stop")
		}
	}
}

func TestRecorderWritesInBatches(t *testing.T) {
	out := &fakeAppender{}
	r := NewRecorder(out, RecorderOptions{Batch: 50, Linger: time.Hour})
	// Queued before the writer runs: 120 events make batches of 50, 50 and, at the linger's end
	// (here: shutdown), 20.
	for i := range 120 {
		r.Record(refusal(i))
	}
	stop := runRecorder(t, r)
	deadline := time.Now().Add(5 * time.Second)
	for len(out.events()) < 100 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	out.mu.Lock()
	var sizes []int
	for _, b := range out.batches {
		sizes = append(sizes, len(b))
	}
	out.mu.Unlock()
	if len(sizes) != 3 || sizes[0] != 50 || sizes[1] != 50 || sizes[2] != 20 {
		t.Errorf("batches of %v, want [50 50 20]", sizes)
	}
	all := out.events()
	for i, e := range all {
		if e.ID == "" || e.At.IsZero() || e.SubjectID != uuidN('b', i) {
			t.Fatalf("event %d: %+v (out of order, or without id and time)", i, e)
		}
	}
	if s := r.Stats(); s.Written != 120 || s.Dropped != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestRecorderDropsAndCountsWhenFullWithoutBlocking(t *testing.T) {
	out := &fakeAppender{gate: make(chan struct{})}
	r := NewRecorder(out, RecorderOptions{Queue: 10, Batch: 5, Linger: time.Millisecond})
	stop := runRecorder(t, r)
	start := time.Now()
	for i := range 100 {
		r.Record(refusal(i))
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("recording with a stuck database took %v", elapsed)
	}
	// At most the queue and one batch in the writer's hands were kept.
	s := r.Stats()
	if s.Dropped < 100-10-5 || s.Dropped > 100-10 {
		t.Errorf("dropped %d of 100 with a queue of 10", s.Dropped)
	}
	close(out.gate) // the database answers again: what was kept is written, at shutdown at the latest
	stop()
	if s := r.Stats(); s.Written+s.Dropped != 100 {
		t.Errorf("stats %+v: written and dropped should account for all 100", s)
	}
}

func TestRecorderFlushesAtShutdown(t *testing.T) {
	out := &fakeAppender{}
	r := NewRecorder(out, RecorderOptions{Linger: time.Hour, Batch: 1000})
	stop := runRecorder(t, r)
	for i := range 7 {
		r.Record(refusal(i))
	}
	stop()
	if n := len(out.events()); n != 7 {
		t.Errorf("%d events written at shutdown, want 7", n)
	}
}

func TestRecorderCountsFailedWrites(t *testing.T) {
	out := &fakeAppender{fail: true}
	r := NewRecorder(out, RecorderOptions{Linger: time.Millisecond})
	stop := runRecorder(t, r)
	r.Record(refusal(1))
	r.Record(refusal(2))
	stop()
	if s := r.Stats(); s.Failed != 2 || s.Written != 0 {
		t.Errorf("stats %+v, want 2 failed", s)
	}
}

func TestRecorderRecordsARepeatedReadOncePerWindow(t *testing.T) {
	now := t0
	out := &fakeAppender{}
	r := NewRecorder(out, RecorderOptions{Linger: time.Millisecond, Now: func() time.Time { return now }})
	read := func(actor, subject int) Event {
		return Event{ActorID: uuidN('a', actor), ActorRole: "FIRM", Kind: KindRead, Action: "GET /v1/missions/{missionId}/shortlist",
			SubjectID: uuidN('b', subject), Outcome: 200}
	}
	r.Record(read(1, 1))
	now = now.Add(5 * time.Second)
	r.Record(read(1, 1)) // the page polling: not again
	r.Record(read(2, 1)) // another actor
	r.Record(read(1, 2)) // another subject
	r.Record(refusal(1))
	r.Record(refusal(1)) // refusals are all kept
	now = now.Add(time.Minute)
	r.Record(read(1, 1)) // a minute later: again
	stop := runRecorder(t, r)
	stop()
	if n := len(out.events()); n != 6 {
		t.Errorf("%d events written, want 6", n)
	}
	if s := r.Stats(); s.Repeated != 1 {
		t.Errorf("stats %+v, want 1 repeated", s)
	}
}

func TestPurgeEveryDeletesWhatIsOlderThanTheRetention(t *testing.T) {
	var mu sync.Mutex
	var cutoffs []time.Time
	purger := purgeFunc(func(_ context.Context, before time.Time) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		cutoffs = append(cutoffs, before)
		return 0, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- PurgeEvery(purger, 400*24*time.Hour, time.Millisecond, func() time.Time { return t0 })(ctx)
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("PurgeEvery stopped with %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(cutoffs) < 2 || !cutoffs[0].Equal(t0.Add(-400*24*time.Hour)) {
		t.Errorf("purged before %v", cutoffs)
	}
}

type purgeFunc func(context.Context, time.Time) (int, error)

func (f purgeFunc) PurgeBefore(ctx context.Context, before time.Time) (int, error) {
	return f(ctx, before)
}

func TestRecorderExposesItsCountsAsMetrics(t *testing.T) {
	metrics, err := telemetry.NewMetrics("gateway-test")
	if err != nil {
		t.Fatal(err)
	}
	r := NewRecorder(&fakeAppender{}, RecorderOptions{Queue: 1})
	if err := r.RegisterMetrics(metrics.MeterProvider()); err != nil {
		t.Fatal(err)
	}
	r.Record(refusal(1))
	r.Record(refusal(2)) // the queue holds one: dropped
	w := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^caiomatch_audit_events_total\{[^}]*otel_scope_name="github.com/caiomatch/caiomatch/gateway/audit"[^}]*result="dropped"[^}]*\} 1$`),
		regexp.MustCompile(`(?m)^caiomatch_audit_queue\{[^}]*\} 1$`),
	} {
		if !want.MatchString(w.Body.String()) {
			t.Errorf("metrics lack a line matching %s:\n%s", want, w.Body)
		}
	}
}
