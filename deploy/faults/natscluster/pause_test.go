//go:build unix

package natscluster_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestPauseStreamLeader: the PROFILE stream's leader is frozen with SIGSTOP while events keep
// being published, then resumed with SIGCONT. Publishes must go on once the two other nodes
// have elected a new leader, the old leader must come back as a current replica, and every
// acknowledged event must be in the stream, once.
func TestPauseStreamLeader(t *testing.T) {
	fault := startRun(t, "faults-pause")
	m, began, ctx, c, nc, js, leaderName := fault.m, fault.began, fault.ctx, fault.c, fault.nc, fault.js, fault.leader
	leader := c.Node(leaderName)
	if leader == nil {
		t.Fatalf("stream leader %q is none of %v", leaderName, c.Names())
	}

	p := newPublisher(js, 500*time.Millisecond)
	traffic, stopTraffic := context.WithCancel(ctx)
	defer stopTraffic()
	hard, stopHard := context.WithCancel(ctx)
	defer stopHard()
	var wg sync.WaitGroup
	wg.Go(func() { p.run(traffic, hard, 2) })
	defer func() { stopHard(); wg.Wait() }() // no publisher outlives a failed test
	time.Sleep(2 * time.Second)
	if p.ackCount() == 0 {
		t.Fatal("no publish acknowledged before the pause")
	}

	clientOnLeader := nc.ConnectedServerName() == leader.Name
	pausedAt := time.Now()
	if err := leader.Pause(); err != nil {
		t.Fatal(err)
	}
	newLeader, electedAt := watchLeaderChange(ctx, js, leaderName, pausedAt.Add(m.pause))
	resumedAt := time.Now()
	if err := leader.Resume(); err != nil {
		t.Fatal(err)
	}
	leaderAfter, err := waitStreamCurrent(testContext(t, 90*time.Second), js, c, profileStream)
	if err != nil {
		t.Fatalf("after SIGCONT: %v", err)
	}
	healedAt := time.Now()
	time.Sleep(time.Second) // traffic on the healed cluster
	stopTraffic()
	stopAfter := time.AfterFunc(30*time.Second, stopHard) // events in flight get their retries
	defer stopAfter.Stop()
	wg.Wait()

	state := settle(t, ctx, c, js)
	r, err := readStream(testContext(t, time.Minute), js, profileStream)
	if err != nil {
		t.Fatalf("read %s: %v", profileStream, err)
	}
	v := compare(p, r)
	errCount, errKinds := p.errorFigures()
	election, resumed := "none_during_pause", "none"
	if !electedAt.IsZero() {
		election = seconds(electedAt.Sub(pausedAt))
	}
	firstAck := p.firstAckAfter(pausedAt)
	if !firstAck.IsZero() {
		resumed = seconds(firstAck.Sub(pausedAt))
	}
	oldRole := "replica"
	if leaderAfter == leaderName {
		oldRole = "leader"
	}
	figures("natscluster/pause mode=%s pause=%s paused=%s(stream_leader) client_on_paused=%t new_leader=%s "+
		"election=%s publishes_ok_again=%s heal_after_resume=%s old_leader_now=%s sent=%d acked=%d read=%d lost=%d "+
		"unknown=%d duplicates=%d dedup_hits=%d publish_errors=%d (%s) max_stall=%s duration=%s",
		m.name, seconds(resumedAt.Sub(pausedAt)), leaderName, clientOnLeader, orNone(newLeader),
		election, resumed, seconds(healedAt.Sub(resumedAt)), oldRole, v.sent, v.acked, v.read, len(v.lost),
		len(v.unknown), v.duplicates, p.dedupHits, errCount, errKinds, seconds(p.maxStall), seconds(time.Since(began)))
	for _, s := range p.samples {
		t.Logf("publish error seen: %s", s)
	}

	v.check(t, r)
	if uint64(r.msgs) != state.Msgs || r.lastSeq != state.LastSeq {
		t.Errorf("read %d messages up to sequence %d, the replicas hold %d up to %d", r.msgs, r.lastSeq, state.Msgs, state.LastSeq)
	}
	if firstAck.IsZero() {
		t.Errorf("no publish succeeded after the pause began")
	}
	// Raft election timeouts are 4 to 9 s: a 10 s pause must end in a new leader that takes
	// publishes before the old one is back; a shorter pause may not.
	if m.pause >= 10*time.Second && (firstAck.IsZero() || !firstAck.Before(resumedAt)) {
		t.Errorf("no publish succeeded during the %s pause: no failover to a new leader", m.pause)
	}
}

// watchLeaderChange polls the stream's leader until another node than old leads it or until
// deadline, and returns the new leader and when it was first seen (zero when none).
func watchLeaderChange(ctx context.Context, js jetstream.JetStream, old string, deadline time.Time) (string, time.Time) {
	var leader string
	var seen time.Time
	for {
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return leader, seen
		}
		if leader == "" {
			if l := streamLeader(ctx, js, profileStream, min(remaining, 500*time.Millisecond)); l != "" && l != old {
				leader, seen = l, time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return leader, seen
		case <-time.After(min(time.Until(deadline), 200*time.Millisecond)):
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
