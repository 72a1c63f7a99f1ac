package matchingcrash

import (
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/pkg/sqlstore/sqltest"
)

// replicaKill is one planned SIGKILL of replicas: at atApplied MissionSubmitted acknowledged,
// kill the victims; a lone victim stays down until the survivor has applied aloneFor more.
type replicaKill struct {
	atApplied uint64
	victims   []int
	aloneFor  uint64
}

// replicaPlan alternates single-replica kills with kills of both, spread over the missions
// (±20 % of a part): short, one of each; full, a, b, both, a, both.
func (s scale) replicaPlan(r *mrand.Rand) []replicaKill {
	victims := [][]int{{0}, {0, 1}}
	if s.name == "full" {
		victims = [][]int{{0}, {1}, {0, 1}, {0}, {0, 1}}
	}
	part := float64(s.missions) / float64(len(victims)+1)
	var steps []replicaKill
	for i, v := range victims {
		k := replicaKill{atApplied: uint64(part * (float64(i+1) + 0.4*r.Float64() - 0.2)), victims: v}
		if len(v) == 1 {
			k.aloneFor = uint64(part / 3)
		}
		steps = append(steps, k)
	}
	return steps
}

// TestKillMatchingReplicas is the fault test's "one replica, then all": two matching replicas
// on one PostgreSQL database share the mission work through the durable consumers while
// thousands of missions are submitted. SIGKILL one replica while both rank: the other goes on
// alone (and takes over what the dead one had fetched once AckWait passes); restart it. Then
// SIGKILL both at once and restart both. Every mission must end with exactly one shortlist,
// revision 1, proposed once and equal to an uninterrupted ranking, and every event must be
// applied exactly once, as in TestKillMatchingWhileRanking.
func TestKillMatchingReplicas(t *testing.T) {
	databaseURL := sqltest.PostgresURL(t)
	r := setUp(t, 0x7265706c)
	sc, seed, rng, ctx, bin, buildTime, natsURL, js := r.sc, r.seed, r.rng, r.ctx, r.bin, r.buildTime, r.natsURL, r.js
	profiles, missions := r.profiles, r.missions

	db := postgresAt(databaseURL)
	missionAddr, key := unusedAddr(t), randomKey(t)
	replicas := make([]*child, 2)
	for i := range replicas {
		replicas[i] = newChild(t, fmt.Sprintf("replica %c", 'a'+i), bin, []string{
			"NATS_URL=" + natsURL,
			"CAIOMATCH_DATA_DIR=" + t.TempDir(),
			"CAIOMATCH_MATCHING_GRPC_ADDR=127.0.0.1:0",
			"CAIOMATCH_MISSION_GRPC_ADDR=" + missionAddr,
			"CAIOMATCH_INTERNAL_KEY=" + key,
			"CAIOMATCH_EXPOSURE_CAP=0",
			"CAIOMATCH_INDEX_SNAPSHOT_INTERVAL=2s",
			"CAIOMATCH_MATCHING_DATABASE_URL=" + databaseURL,
			"CAIOMATCH_NATS_REPLICAS=",
			"OTEL_EXPORTER_OTLP_ENDPOINT=",
		})
	}
	w := &watch{t: t, ctx: ctx, children: replicas}
	started := make([]time.Time, len(replicas))
	for i, c := range replicas {
		c.start()
		started[i] = time.Now()
	}
	published := make(chan error, 1)
	publishStarted := time.Now()
	go func() { published <- publish(ctx, js, missions) }()
	w.published, w.started = published, publishStarted

	applied := func() (uint64, error) {
		cs, err := consumerOf(ctx, js, "MISSION", missionsConsumer)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			return 0, nil
		}
		return cs.delivered - uint64(cs.ackPending), err
	}
	waitApplied := func(at uint64) {
		at = min(at, uint64(sc.missions))
		w.until(fmt.Sprintf("%d missions applied", at), func() (bool, error) {
			n, err := applied()
			return n >= at, err
		})
	}
	var kills []killRecord
	var aloneApplied []string
	for _, step := range sc.replicaPlan(rng) {
		waitApplied(step.atApplied)
		kind := killOneReplica
		if len(step.victims) == len(replicas) {
			kind = killAllReplicas
		}
		var names []string
		afterStart := time.Since(started[step.victims[0]])
		for _, v := range step.victims {
			replicas[v].kill()
			names = append(names, replicas[v].name)
		}
		// With a survivor still writing, the stream and the database cannot be read at one
		// instant: the counts are checked only once every writer is gone.
		k := recordKill(t, ctx, js, db, len(kills)+1, kind == killAllReplicas)
		k.who, k.run, k.kind, k.afterStart = strings.Join(names, " and "), len(replicas[step.victims[0]].runs), kind, afterStart
		kills = append(kills, k)
		if step.aloneFor > 0 {
			// The survivor ranks alone meanwhile.
			before, err := applied()
			if err != nil {
				t.Fatal(err)
			}
			alone := time.Now()
			waitApplied(before + step.aloneFor)
			after, err := applied()
			if err != nil {
				t.Fatal(err)
			}
			aloneApplied = append(aloneApplied, fmt.Sprintf("%d missions in %s", after-before, time.Since(alone).Round(time.Millisecond)))
		}
		for _, v := range step.victims {
			replicas[v].start()
			started[v] = time.Now()
		}
	}
	lastRestart := time.Now()

	w.until(fmt.Sprintf("all %d missions ranked and every event acknowledged", sc.missions), func() (bool, error) {
		n, err := streamMsgs(ctx, js, "MATCHING")
		if err != nil || n < uint64(sc.missions) {
			return false, err
		}
		for _, c := range []struct{ stream, durable string }{{"MISSION", missionsConsumer}, {"PROFILE", profilesConsumer}} {
			cs, err := consumerOf(ctx, js, c.stream, c.durable)
			if err != nil || !cs.settled() {
				return false, err
			}
		}
		final, err := countStore(ctx, db)
		return err == nil && final.outboxSent == final.outboxRows, err
	})
	rankedAll, lastRecovery := time.Since(publishStarted), time.Since(lastRestart)
	for _, c := range replicas {
		c.stop(30 * time.Second)
	}

	out := checkOutcome(t, ctx, js, db, sc, profiles, missions)

	figures("replicas=2 version=%s seed=%d missions=%d profiles=%d database=postgresql", sc.name, seed, sc.missions, sc.profiles)
	killFigures(kills, sc)
	figures("while one replica was down the other applied %s", strings.Join(aloneApplied, ", "))
	figures("time to rank all=%s (from the first MissionSubmitted published; publishing took %s); last restart to all ranked=%s "+
		"(what a killed replica had fetched waits for AckWait, 2 s); build %s", rankedAll.Round(time.Millisecond),
		w.publishTime.Round(time.Millisecond), lastRecovery.Round(time.Millisecond), buildTime.Round(time.Millisecond))
	out.figures(sc)
	for _, c := range replicas {
		figures("%s proposed %d shortlists over %d runs", c.name, c.proposedShortlists(), len(c.runs))
		runFigures(c)
	}
}

// proposedShortlists counts the shortlists a child's runs logged.
func (c *child) proposedShortlists() int {
	n := 0
	for _, path := range c.runs {
		if data, err := os.ReadFile(path); err == nil {
			n += strings.Count(string(data), `"msg":"shortlist proposed"`)
		}
	}
	return n
}
