//go:build unix

package natscluster_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/caiomatch/caiomatch/deploy/local/cluster/clustertest"
)

// TestKillRandomNodeWhileEventsFlow: events are published as fast as acks come while a node,
// the stream's leader first and then one at random, is killed with SIGKILL every few seconds
// and restarted a moment later. Every acknowledged event must be in the stream afterwards,
// once, and nothing else.
func TestKillRandomNodeWhileEventsFlow(t *testing.T) {
	fault := startRun(t, "faults-kill")
	m, began, ctx, c, js := fault.m, fault.began, fault.ctx, fault.c, fault.js
	t.Logf("streams declared with %d replicas after %s", clustertest.Size, seconds(time.Since(began)))

	p := newPublisher(js, time.Second)
	traffic, stopTraffic := context.WithTimeout(ctx, m.traffic)
	defer stopTraffic()
	hard, stopHard := context.WithTimeout(ctx, m.traffic+30*time.Second)
	defer stopHard()
	trafficStart := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() { p.run(traffic, hard, 4) })
	defer func() { stopHard(); wg.Wait() }() // no publisher outlives a failed test
	k := killNodes(traffic, t, c, js, m)
	wg.Wait()
	trafficTime := time.Since(trafficStart)

	settleStart := time.Now()
	state := settle(t, ctx, c, js)
	readStart := time.Now()
	r, err := readStream(testContext(t, time.Minute), js, profileStream)
	if err != nil {
		t.Fatalf("read %s: %v", profileStream, err)
	}
	settleTime, readTime := readStart.Sub(settleStart), time.Since(readStart)
	v := compare(p, r)
	errCount, errKinds := p.errorFigures()
	figures("natscluster/kill mode=%s traffic=%s sent=%d acked=%d read=%d lost=%d unknown=%d duplicates=%d "+
		"dedup_hits=%d kills=%d leader_kills=%d publish_errors=%d (%s) max_stall=%s rate=%.0f/s settle=%s read=%s duration=%s",
		m.name, seconds(trafficTime), v.sent, v.acked, v.read, len(v.lost), len(v.unknown), v.duplicates,
		p.dedupHits, k.kills, k.leaderKills, errCount, errKinds, seconds(p.maxStall),
		float64(v.acked)/trafficTime.Seconds(), seconds(settleTime), seconds(readTime), seconds(time.Since(began)))
	for _, s := range p.samples {
		t.Logf("publish error seen: %s", s)
	}

	v.check(t, r)
	if uint64(r.msgs) != state.Msgs || r.lastSeq != state.LastSeq {
		t.Errorf("read %d messages up to sequence %d, the replicas hold %d up to %d", r.msgs, r.lastSeq, state.Msgs, state.LastSeq)
	}
	if k.kills < 2 {
		t.Errorf("only %d kill(s) during the traffic", k.kills)
	}
}

// kills are what the killer did.
type kills struct {
	kills, leaderKills int
}

// killNodes kills a random node every m.killEvery until traffic is done, restarting each after
// m.downFor; every node runs again when it returns.
func killNodes(traffic context.Context, t *testing.T, c *clustertest.NATS, js jetstream.JetStream, m mode) kills {
	t.Helper()
	var k kills
	for {
		select {
		case <-traffic.Done():
			return k
		case <-time.After(m.killEvery()):
		}
		if traffic.Err() != nil {
			return k
		}
		// The first victim is the stream's leader, so that even the short run loses a leader
		// under load; the others are drawn at random.
		leader := streamLeader(context.Background(), js, profileStream, time.Second)
		n := c.Nodes[rand.IntN(len(c.Nodes))]
		if k.kills == 0 && c.Node(leader) != nil {
			n = c.Node(leader)
		}
		if n.Name == leader {
			k.leaderKills++
		}
		if err := n.Kill(); err != nil {
			t.Fatalf("kill %s: %v", n.Name, err)
		}
		k.kills++
		down := m.downFor()
		time.Sleep(down)
		if err := n.Start(); err != nil {
			t.Fatalf("restart %s: %v", n.Name, err)
		}
		t.Logf("killed %s (SIGKILL, stream leader: %t), restarted it after %s", n.Name, n.Name == leader, down.Round(time.Millisecond))
	}
}
