//go:build unix

package natscluster_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/deploy/local/cluster"
	"github.com/caiomatch/caiomatch/deploy/local/cluster/clustertest"
	"github.com/caiomatch/caiomatch/pkg/eventbus"
	profilev1 "github.com/caiomatch/caiomatch/pkg/gen/caiomatch/profile/v1"
)

// profileStream is where the publishers write: the profile service's events.
var profileStream = eventbus.StreamOf(eventbus.ProducerProfile)

// mode is the size of a run: short by default (what CI runs), full with CAIOMATCH_FAULTS=full.
type mode struct {
	name string
	// traffic is how long events flow while nodes are killed.
	traffic time.Duration
	// killEvery is the wait before the next kill; downFor how long a killed node stays down.
	killEvery, downFor func() time.Duration
	// pause is how long the stream leader stays stopped.
	pause time.Duration
	// budget bounds a whole test, cluster start and checks included.
	budget time.Duration
}

func faultMode() mode {
	if os.Getenv("CAIOMATCH_FAULTS") == "full" {
		return mode{
			name:      "full",
			traffic:   60 * time.Second,
			killEvery: func() time.Duration { return between(3*time.Second, 5*time.Second) },
			downFor:   func() time.Duration { return between(500*time.Millisecond, 2*time.Second) },
			pause:     10 * time.Second,
			budget:    10 * time.Minute,
		}
	}
	return mode{
		name:      "short",
		traffic:   15 * time.Second,
		killEvery: func() time.Duration { return 3 * time.Second },
		downFor:   func() time.Duration { return time.Second },
		pause:     5 * time.Second,
		budget:    3 * time.Minute,
	}
}

func between(lo, hi time.Duration) time.Duration { return lo + rand.N(hi-lo) }

// figures prints one line of measurements, for `make faults` to collect.
func figures(format string, args ...any) {
	fmt.Printf("FIGURES "+format+"\n", args...)
}

func testContext(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// connect opens a client on every node and checks that the cluster name a service would read
// is the cluster's.
func connect(t *testing.T, c *clustertest.NATS, name string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc := c.Connect(t, name)
	if got := nc.ConnectedClusterName(); got != c.Name {
		t.Fatalf("ConnectedClusterName = %q, want %q", got, c.Name)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream.New: %v", err)
	}
	return nc, js
}

// run is a fault test under way: its mode, its NATS cluster with the platform's streams
// declared, and a client.
type run struct {
	m     mode
	began time.Time
	ctx   context.Context // bounded by m.budget
	c     *clustertest.NATS
	nc    *nats.Conn
	js    jetstream.JetStream
	// leader leads the PROFILE stream once every node holds a current replica of it.
	leader string
}

// startRun starts a cluster, connects the client, declares the streams the way a service does
// and waits until PROFILE is fully replicated.
func startRun(t *testing.T, client string) run {
	t.Helper()
	r := run{m: faultMode(), began: time.Now()}
	r.ctx = testContext(t, r.m.budget)
	r.c = clustertest.StartNATS(t)
	r.nc, r.js = connect(t, r.c, client)
	if err := ensureStreams(r.ctx, r.js, eventbus.StreamSettings{Cluster: r.c.Name}); err != nil {
		t.Fatalf("EnsureStreams: %v", err)
	}
	var err error
	if r.leader, err = waitStreamCurrent(testContext(t, time.Minute), r.js, r.c, profileStream); err != nil {
		t.Fatal(err)
	}
	return r
}

// ensureStreams declares the platform's streams the way a service does at start, retrying
// while the cluster is still settling (a fresh meta leader may answer "temporarily
// unavailable"); a refusal (ErrUnsafeStreams) is returned at once.
func ensureStreams(ctx context.Context, js jetstream.JetStream, settings eventbus.StreamSettings) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := eventbus.EnsureStreams(attempt, js, settings)
		cancel()
		if err == nil || errors.Is(err, eventbus.ErrUnsafeStreams) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// success is one acknowledged publish: when its attempt started and when the ack arrived.
type success struct{ attempt, acked time.Time }

// publisher publishes events the way the outbox relay does (Nats-Msg-Id = event id),
// retrying each one until it is acknowledged, and records what was sent and acknowledged.
type publisher struct {
	js             jetstream.JetStream
	attemptTimeout time.Duration

	mu        sync.Mutex
	sent      map[string]bool
	acked     map[string]bool
	dedupHits int            // acks saying Duplicate: a retry of an event already stored
	errs      map[string]int // failed attempts by kind
	samples   []string       // distinct unexpected errors, a few
	successes []success
	lastAck   time.Time
	maxStall  time.Duration // longest time without any ack
}

func newPublisher(js jetstream.JetStream, attemptTimeout time.Duration) *publisher {
	return &publisher{js: js, attemptTimeout: attemptTimeout,
		sent: map[string]bool{}, acked: map[string]bool{}, errs: map[string]int{}}
}

// run publishes from workers goroutines, as fast as acks come, until traffic is done; an event
// already sent is retried until acknowledged or hard is done. It returns when all stopped.
func (p *publisher) run(traffic, hard context.Context, workers int) {
	p.mu.Lock()
	p.lastAck = time.Now()
	p.mu.Unlock()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for traffic.Err() == nil {
				p.publishOne(hard)
			}
		})
	}
	wg.Wait()
}

func (p *publisher) publishOne(hard context.Context) {
	profileID := fmt.Sprintf("faults-%04d", rand.IntN(1000))
	ev, err := eventbus.NewEvent(eventbus.ProducerProfile, profileID, &profilev1.ProfileUpdated{Facts: &profilev1.MatchingFacts{
		ProfileId: profileID, Sectors: []string{"21.20"}, Languages: []string{"fr", "en"}, Country: "FR",
		YearsExperience: 18, DailyRateEur: 1800, AvailableFrom: "2026-09-01",
	}}, time.Now())
	if err != nil {
		p.fail(err)
		return
	}
	id := ev.Envelope.GetEventId()
	p.mu.Lock()
	p.sent[id] = true
	p.mu.Unlock()
	for hard.Err() == nil {
		start := time.Now()
		ctx, cancel := context.WithTimeout(hard, p.attemptTimeout)
		ack, err := p.js.PublishMsg(ctx, &nats.Msg{Subject: ev.Subject, Data: ev.Data, Header: nats.Header{}},
			jetstream.WithMsgID(id))
		cancel()
		if err == nil {
			p.ack(id, ack.Duplicate, start)
			return
		}
		p.fail(err)
		select {
		case <-hard.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *publisher) ack(id string, duplicate bool, attempt time.Time) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.acked[id] = true
	if duplicate {
		p.dedupHits++
	}
	p.successes = append(p.successes, success{attempt: attempt, acked: now})
	p.maxStall = max(p.maxStall, now.Sub(p.lastAck))
	p.lastAck = now
}

func (p *publisher) fail(err error) {
	kind := "other"
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		kind = "timeout"
	case errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrNoResponders):
		kind = "no_responders"
	case errors.As(err, &apiErr):
		kind = fmt.Sprintf("api_%d", apiErr.ErrorCode)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs[kind]++
	if kind == "other" || strings.HasPrefix(kind, "api_") {
		if msg := err.Error(); len(p.samples) < 5 && !slices.Contains(p.samples, msg) {
			p.samples = append(p.samples, msg)
		}
	}
}

// errorFigures are the failed attempts, total and by kind.
func (p *publisher) errorFigures() (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	total := 0
	var kinds []string
	for kind, n := range p.errs {
		total += n
		kinds = append(kinds, fmt.Sprintf("%s:%d", kind, n))
	}
	sort.Strings(kinds)
	if len(kinds) == 0 {
		return 0, "none"
	}
	return total, strings.Join(kinds, ",")
}

// firstAckAfter is the first ack of an attempt started at or after t (zero when none).
func (p *publisher) firstAckAfter(t time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var first time.Time
	for _, s := range p.successes {
		if !s.attempt.Before(t) && (first.IsZero() || s.acked.Before(first)) {
			first = s.acked
		}
	}
	return first
}

func (p *publisher) ackCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

// streamRead is a whole stream as an ordered consumer delivered it.
type streamRead struct {
	ids        map[string]int // Nats-Msg-Id → times read
	msgs       int
	gaps       uint64 // stream sequences missing between the first and the last
	mismatched int    // header id and envelope id differ, or the envelope does not decode
	lastSeq    uint64
}

// readStream reads every message of the stream with an ordered consumer.
func readStream(ctx context.Context, js jetstream.JetStream, stream string) (streamRead, error) {
	r := streamRead{ids: map[string]int{}}
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return r, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return r, err
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy})
	if err != nil {
		return r, err
	}
	prev := info.State.FirstSeq - 1
	for uint64(r.msgs) < info.State.Msgs {
		if ctx.Err() != nil {
			return r, fmt.Errorf("read %d of %d messages: %w", r.msgs, info.State.Msgs, ctx.Err())
		}
		// Asking for no more than what is left: Fetch waits for a full batch.
		batch, err := cons.Fetch(int(min(2000, info.State.Msgs-uint64(r.msgs))), jetstream.FetchMaxWait(5*time.Second))
		if err != nil { // the ordered consumer recreates itself; the deadline above bounds retries
			time.Sleep(100 * time.Millisecond)
			continue
		}
		for msg := range batch.Messages() {
			meta, err := msg.Metadata()
			if err != nil {
				return r, err
			}
			if meta.Sequence.Stream <= prev {
				continue // already read (an ordered consumer never does this, but a count must not lie)
			}
			r.msgs++
			r.gaps += meta.Sequence.Stream - prev - 1
			prev, r.lastSeq = meta.Sequence.Stream, meta.Sequence.Stream
			id := msg.Headers().Get(jetstream.MsgIDHeader)
			r.ids[id]++
			if env, _, err := eventbus.DecodeEnvelope(msg.Data()); err != nil || env.GetEventId() != id {
				r.mismatched++
			}
		}
	}
	return r, nil
}

// verdict compares what was sent and acknowledged with what the stream holds.
type verdict struct {
	sent, acked, read, distinct int
	lost                        []string // acknowledged but not in the stream
	unknown                     []string // in the stream but never sent
	duplicates                  int      // extra copies of an event
}

func compare(p *publisher, r streamRead) verdict {
	p.mu.Lock()
	defer p.mu.Unlock()
	v := verdict{sent: len(p.sent), acked: len(p.acked), read: r.msgs, distinct: len(r.ids)}
	for id := range p.acked {
		if r.ids[id] == 0 {
			v.lost = append(v.lost, id)
		}
	}
	for id, n := range r.ids {
		if !p.sent[id] {
			v.unknown = append(v.unknown, id)
		}
		v.duplicates += n - 1
	}
	return v
}

// check fails the test on any loss, stranger, duplicate, gap or bad envelope.
func (v verdict) check(t *testing.T, r streamRead) {
	t.Helper()
	if len(v.lost) > 0 {
		t.Errorf("%d acknowledged event(s) missing from the stream, e.g. %v", len(v.lost), v.lost[:min(5, len(v.lost))])
	}
	if len(v.unknown) > 0 {
		t.Errorf("%d event(s) in the stream were never sent, e.g. %v", len(v.unknown), v.unknown[:min(5, len(v.unknown))])
	}
	if v.duplicates > 0 {
		t.Errorf("%d duplicate event(s) despite Nats-Msg-Id", v.duplicates)
	}
	if r.gaps > 0 {
		t.Errorf("%d stream sequence(s) missing", r.gaps)
	}
	if r.mismatched > 0 {
		t.Errorf("%d message(s) whose envelope does not decode or whose id differs from Nats-Msg-Id", r.mismatched)
	}
	if v.acked == 0 {
		t.Errorf("no publish was acknowledged")
	}
}

// streamLeader is the stream's leader as the cluster reports it now ("" when it cannot tell).
func streamLeader(ctx context.Context, js jetstream.JetStream, stream string, timeout time.Duration) string {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s, err := js.Stream(ctx, stream) // asks the stream's leader for its info
	if err != nil {
		return ""
	}
	if info := s.CachedInfo(); info.Cluster != nil {
		return info.Cluster.Leader
	}
	return ""
}

// waitStreamCurrent waits until the stream has a leader and every other node is a current,
// online replica, and returns the leader.
func waitStreamCurrent(ctx context.Context, js jetstream.JetStream, c *clustertest.NATS, stream string) (string, error) {
	var leader string
	err := every200ms(ctx, func() (err error) {
		leader, err = streamCurrent(ctx, js, c, stream)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("stream %s not fully replicated: %w", stream, err)
	}
	return leader, nil
}

// every200ms calls f every 200 ms until it returns nil, or returns its last error once ctx is
// done.
func every200ms(ctx context.Context, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func streamCurrent(ctx context.Context, js jetstream.JetStream, c *clustertest.NATS, stream string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return "", err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return "", err
	}
	if info.Config.Replicas != clustertest.Size {
		return "", fmt.Errorf("%d replicas configured", info.Config.Replicas)
	}
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return "", errors.New("no leader")
	}
	names := []string{info.Cluster.Leader}
	for _, peer := range info.Cluster.Replicas {
		if !peer.Current || peer.Offline {
			return "", fmt.Errorf("replica %s current=%t offline=%t lag=%d", peer.Name, peer.Current, peer.Offline, peer.Lag)
		}
		names = append(names, peer.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, c.Names()) {
		return "", fmt.Errorf("leader and current replicas %v, want %v", names, c.Names())
	}
	return info.Cluster.Leader, nil
}

// waitReplicasAgree waits until every node's own copy of the stream holds the same messages,
// and returns that state.
func waitReplicasAgree(ctx context.Context, c *clustertest.NATS, stream string) (cluster.StreamState, error) {
	var states []cluster.StreamState
	err := every200ms(ctx, func() error {
		states = states[:0]
		for _, n := range c.Nodes {
			st, err := n.StreamState(ctx, stream)
			if err != nil {
				return err
			}
			states = append(states, st)
		}
		if slices.IndexFunc(states, func(s cluster.StreamState) bool { return s != states[0] }) >= 0 {
			return fmt.Errorf("replicas differ: %+v", states)
		}
		return nil
	})
	if err != nil {
		return cluster.StreamState{}, fmt.Errorf("stream %s: %w", stream, err)
	}
	return states[0], nil
}

// settle waits for the cluster and the stream to be whole again after faults, and checks that
// the three copies agree.
func settle(t *testing.T, ctx context.Context, c *clustertest.NATS, js jetstream.JetStream) cluster.StreamState {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := c.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := waitStreamCurrent(ctx, js, c, profileStream); err != nil {
		t.Fatal(err)
	}
	state, err := waitReplicasAgree(ctx, c, profileStream)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }
