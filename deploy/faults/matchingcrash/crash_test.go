package matchingcrash

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/eventbus"
)

const (
	missionsConsumer = eventbus.ConsumerMatchingMissions
	profilesConsumer = eventbus.ConsumerMatchingProfiles
)

// scale is the size of a run: the short one for CI, the full one with CAIOMATCH_FAULTS=full.
type scale struct {
	name     string
	missions int
	profiles int
	// rankingKills land at random points while missions are being applied; startupKills land
	// during a restart (migrations, index load, consumers starting); relayKills land once every
	// mission is applied, while the outbox relay still publishes the backlog of shortlists.
	rankingKills, startupKills, relayKills int
	timeout                                time.Duration
}

func scaleFromEnv() scale {
	if os.Getenv("CAIOMATCH_FAULTS") == "full" {
		return scale{name: "full", missions: 10_000, profiles: 2_000, rankingKills: 3, startupKills: 2, relayKills: 1,
			timeout: 8 * time.Minute}
	}
	return scale{name: "short", missions: 1_000, profiles: 300, rankingKills: 1, timeout: 3 * time.Minute}
}

// seedFromEnv is CAIOMATCH_FAULTS_SEED, to replay a run, or a fresh seed.
func seedFromEnv(t *testing.T) uint64 {
	if raw := os.Getenv("CAIOMATCH_FAULTS_SEED"); raw != "" {
		seed, err := strconv.ParseUint(raw, 10, 64)
		if err != nil {
			t.Fatalf("CAIOMATCH_FAULTS_SEED=%q: %v", raw, err)
		}
		return seed
	}
	return mrand.Uint64()
}

type killKind int

const (
	killRanking     killKind = iota // once atApplied MissionSubmitted events were acknowledged
	killStartup                     // afterStart after the current run started
	killRelay                       // every mission applied, at fraction of the unpublished backlog
	killOneReplica                  // one of two replicas, while both rank
	killAllReplicas                 // both replicas at once, while they rank
	killKindCount
)

func (k killKind) String() string {
	return [...]string{"while ranking", "during start-up", "while relaying", "one replica while ranking",
		"all replicas while ranking"}[k]
}

// killStep is one planned SIGKILL.
type killStep struct {
	kind       killKind
	atApplied  uint64
	afterStart time.Duration
	fraction   float64
}

// plan spreads the ranking kills over the missions, one in each of rankingKills+1 equal parts
// (±30 % of a part). The first start-up kill hits the very first start (database creation and
// migrations, first index load), the others the restart after the first ranking kill (an index
// snapshot to load, open missions to read back). The relay kills come last.
func (s scale) plan(r *mrand.Rand) []killStep {
	var steps []killStep
	startup := func(within time.Duration) killStep {
		return killStep{kind: killStartup, afterStart: time.Duration(r.Int64N(int64(within)))}
	}
	if s.startupKills > 0 {
		steps = append(steps, startup(400*time.Millisecond))
	}
	part := float64(s.missions) / float64(s.rankingKills+1)
	for i := range s.rankingKills {
		steps = append(steps, killStep{kind: killRanking, atApplied: uint64(part * (float64(i+1) + 0.6*r.Float64() - 0.3))})
		if i == 0 {
			for range s.startupKills - 1 {
				steps = append(steps, startup(1500*time.Millisecond))
			}
		}
	}
	for range s.relayKills {
		steps = append(steps, killStep{kind: killRelay, fraction: 0.2 + 0.6*r.Float64()})
	}
	return steps
}

// killRecord is what a kill interrupted, read from the database and the streams once the
// process is gone.
type killRecord struct {
	who        string // the replicas killed; empty for the only one
	survivors  bool   // another replica kept running: the counts are not of one instant
	run        int
	kind       killKind
	afterStart time.Duration
	proposed   uint64 // ShortlistProposed events on the MATCHING stream
	store      storeCounts
	storeErr   error
	missions   consumerState
}

// committedNotPublished are outbox rows the restart publishes for the first time.
func (k killRecord) committedNotPublished() int { return k.store.outboxRows - int(k.proposed) }

// publishedNotMarked are outbox rows already on the stream but not marked sent: the restart
// publishes them again and JetStream must drop the copy.
func (k killRecord) publishedNotMarked() int { return int(k.proposed) - k.store.outboxSent }

// acked is how many MissionSubmitted events the consumer acknowledged: every stream sequence up
// to the highest delivered one was delivered, and all but the pending ones were acknowledged.
func (k killRecord) acked() int { return int(k.missions.delivered) - k.missions.ackPending }

// appliedNotAcked are events whose effect committed but whose ack never reached the server: they
// come back after AckWait and the inbox must skip them.
func (k killRecord) appliedNotAcked() int { return k.store.inboxMissions - k.acked() }

// TestKillMatchingWhileRanking is issue 5's first fault test: SIGKILL the matching service
// while it ranks many submitted missions, restart it, and require that every mission ends with
// exactly one shortlist, revision 1, proposed once on the stream, and that every event was
// applied exactly once.
//
// It runs one matching process on SQLite; TestKillMatchingReplicas runs two on PostgreSQL.
//
// No profile event is published after the missions and the exposure cap is off, so rankings do
// not depend on the order of events: a second revision of any shortlist could only come from an
// event applied twice.
func TestKillMatchingWhileRanking(t *testing.T) {
	r := setUp(t, 0x6b696c6c)
	sc, seed, rng, ctx, bin, buildTime, natsURL, js := r.sc, r.seed, r.rng, r.ctx, r.bin, r.buildTime, r.natsURL, r.js
	profiles, missions := r.profiles, r.missions

	dataDir := t.TempDir()
	db := sqliteAt(filepath.Join(dataDir, "matching.db"))
	c := newChild(t, "matching", bin, []string{
		"NATS_URL=" + natsURL,
		"CAIOMATCH_DATA_DIR=" + dataDir,
		"CAIOMATCH_MATCHING_GRPC_ADDR=127.0.0.1:0",
		// Matching asks the mission service only about missions it has not heard of, over gRPC,
		// which nothing here does: an unused address is enough.
		"CAIOMATCH_MISSION_GRPC_ADDR=" + unusedAddr(t),
		"CAIOMATCH_INTERNAL_KEY=" + randomKey(t),
		"CAIOMATCH_EXPOSURE_CAP=0",
		// Snapshots every 2 s rather than 10 min, so that some restarts load one and some kills
		// may land while one is written.
		"CAIOMATCH_INDEX_SNAPSHOT_INTERVAL=2s",
		"CAIOMATCH_MATCHING_DATABASE_URL=",
		"CAIOMATCH_NATS_REPLICAS=",
		"OTEL_EXPORTER_OTLP_ENDPOINT=",
	})

	w := &watch{t: t, ctx: ctx, children: []*child{c}}
	c.start()
	runStarted := time.Now()
	published := make(chan error, 1)
	publishStarted := time.Now()
	go func() { published <- publish(ctx, js, missions) }()
	w.published, w.started = published, publishStarted

	var kills []killRecord
	applied := func() (uint64, error) {
		cs, err := consumerOf(ctx, js, "MISSION", missionsConsumer)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			return 0, nil
		}
		return cs.delivered - uint64(cs.ackPending), err
	}
	proposed := func() (uint64, error) { return streamMsgs(ctx, js, "MATCHING") }
	for _, step := range sc.plan(rng) {
		switch step.kind {
		case killStartup:
			w.sleep(step.afterStart - time.Since(runStarted))
		case killRanking:
			w.until(fmt.Sprintf("%d missions applied", step.atApplied), func() (bool, error) {
				n, err := applied()
				return n >= step.atApplied, err
			})
		case killRelay:
			w.until("every mission applied", func() (bool, error) {
				n, err := applied()
				return n >= uint64(sc.missions), err
			})
			p, err := proposed()
			if err != nil {
				t.Fatal(err)
			}
			at := p + uint64(step.fraction*float64(uint64(sc.missions)-min(p, uint64(sc.missions))))
			w.until(fmt.Sprintf("%d shortlists proposed", at), func() (bool, error) {
				n, err := proposed()
				return n >= at, err
			})
		}
		afterStart := time.Since(runStarted)
		c.kill()
		k := recordKill(t, ctx, js, db, len(kills)+1, true)
		k.run, k.kind, k.afterStart = len(c.runs), step.kind, afterStart
		kills = append(kills, k)
		c.start()
		runStarted = time.Now()
	}
	lastRestart := runStarted

	var final storeCounts
	var appliedAll time.Duration
	w.until(fmt.Sprintf("all %d missions ranked and every event acknowledged", sc.missions), func() (bool, error) {
		if appliedAll == 0 {
			n, err := applied()
			if err != nil {
				return false, err
			}
			if n >= uint64(sc.missions) {
				appliedAll = time.Since(publishStarted)
			}
		}
		n, err := proposed()
		if err != nil || n < uint64(sc.missions) {
			return false, err
		}
		for _, durable := range []string{missionsConsumer, profilesConsumer} {
			stream := "MISSION"
			if durable == profilesConsumer {
				stream = "PROFILE"
			}
			cs, err := consumerOf(ctx, js, stream, durable)
			if err != nil || !cs.settled() {
				return false, err
			}
		}
		final, err = countStore(ctx, db)
		return err == nil && final.outboxSent == final.outboxRows, err
	})
	rankedAll := time.Since(publishStarted)
	lastRecovery := time.Since(lastRestart)
	publishTime := w.publishTime
	c.stop(30 * time.Second)

	out := checkOutcome(t, ctx, js, db, sc, profiles, missions)

	// Figures.
	figures("version=%s seed=%d missions=%d profiles=%d restarts=%d", sc.name, seed, sc.missions, sc.profiles, len(c.runs)-1)
	killFigures(kills, sc)
	figures("time to rank all=%s (from the first MissionSubmitted published to the last ShortlistProposed on the stream; "+
		"publishing took %s, every mission applied after %s); last restart to all ranked=%s; build %s",
		rankedAll.Round(time.Millisecond), publishTime.Round(time.Millisecond), appliedAll.Round(time.Millisecond),
		lastRecovery.Round(time.Millisecond), buildTime.Round(time.Millisecond))
	out.figures(sc)
	runFigures(c)
}

// runFigures prints how each run of a child loaded its index and started ranking.
func runFigures(c *child) {
	for _, l := range c.runLogs() {
		if !l.Loaded {
			figures("%s run %d: killed before its index was loaded", c.name, l.Run)
			continue
		}
		first := "none"
		if l.FirstShortlistAt > 0 {
			first = l.FirstShortlistAt.Round(time.Millisecond).String()
		}
		figures("%s run %d: index loaded in %d ms (%d profiles, %d events replayed, from snapshot %v), %s after the run's first log line; "+
			"first shortlist proposed %s after it", c.name, l.Run, l.Ms, l.Profiles, l.Replayed, l.FromSnapshot,
			l.IndexAt.Round(time.Millisecond), first)
	}
}

// watch waits for conditions while matching runs, failing at once if a process exits by
// itself, the publisher fails or the time is up.
type watch struct {
	t           *testing.T
	ctx         context.Context
	children    []*child
	published   <-chan error
	publishTime time.Duration
	started     time.Time // when publishing began
}

func (w *watch) check(what string) {
	w.t.Helper()
	for _, c := range w.children {
		if exited, err := c.exitedByItself(); exited {
			w.t.Fatalf("%s exited by itself (%v) while waiting for %s", c.name, err, what)
		}
	}
	select {
	case err := <-w.published:
		if err != nil {
			w.t.Fatalf("publish missions: %v", err)
		}
		w.publishTime = time.Since(w.started)
		w.published = nil
	default:
	}
	if w.ctx.Err() != nil {
		w.t.Fatalf("gave up waiting for %s: %v", what, w.ctx.Err())
	}
}

// until polls cond every 5 ms.
func (w *watch) until(what string, cond func() (bool, error)) {
	w.t.Helper()
	for {
		w.check(what)
		ok, err := cond()
		if err != nil && w.ctx.Err() == nil {
			w.t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *watch) sleep(d time.Duration) {
	w.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		w.check("a start-up kill")
		time.Sleep(min(5*time.Millisecond, time.Until(end)))
	}
}

func figures(format string, args ...any) {
	fmt.Printf("FIGURES matchingcrash: "+format+"\n", args...)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// unusedAddr is a loopback address nothing listens on.
func unusedAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	return addr
}

func randomKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func seedBytes(seed uint64) [32]byte {
	var b [32]byte
	for i := range 8 {
		b[i] = byte(seed >> (8 * i))
	}
	return b
}
