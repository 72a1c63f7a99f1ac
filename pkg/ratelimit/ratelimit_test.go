package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

func newTestLimiter(limit Limit, maxKeys int) (*Limiter, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	l := New(limit, maxKeys)
	l.now = c.now
	return l, c
}

func TestABurstThenOneAttemptPerPeriod(t *testing.T) {
	l, clk := newTestLimiter(Limit{Burst: 3, Every: time.Minute}, 100)
	for i := range 3 {
		if ok, _ := l.Allow("a@example.com"); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	ok, retry := l.Allow("a@example.com")
	if ok || retry <= 0 || retry > time.Minute {
		t.Fatalf("fourth attempt: ok %v, retry after %s", ok, retry)
	}
	if ok, _ := l.Allow("b@example.com"); !ok {
		t.Error("another key is limited by the first one's attempts")
	}
	clk.add(retry)
	if ok, _ := l.Allow("a@example.com"); !ok {
		t.Error("refused after waiting the Retry-After it was given")
	}
	if ok, _ := l.Allow("a@example.com"); ok {
		t.Error("a refused attempt must not have been counted as a token: only one came back")
	}
}

func TestMemoryStaysBounded(t *testing.T) {
	l, clk := newTestLimiter(Limit{Burst: 2, Every: time.Second}, 50)
	for i := range 10_000 {
		l.Allow(fmt.Sprintf("10.0.%d.%d", i/256, i%256))
		if l.Len() > 50 {
			t.Fatalf("%d keys remembered, bound 50", l.Len())
		}
	}
	clk.add(3 * time.Second) // every bucket has refilled
	l.Allow("fresh")
	if l.Len() != 1 {
		t.Errorf("%d keys remembered after all went idle, want only the fresh one", l.Len())
	}
}

func TestEvictionForgetsTheIdlest(t *testing.T) {
	l, clk := newTestLimiter(Limit{Burst: 1, Every: time.Hour}, 3)
	l.Allow("old")
	clk.add(time.Second)
	l.Allow("busy")
	l.Allow("other")
	clk.add(time.Second)
	l.Allow("busy") // refused, but seen now
	l.Allow("new")  // evicts "old"
	if ok, _ := l.Allow("busy"); ok {
		t.Error("the busy key was evicted instead of the idlest")
	}
}

// floodKeys is a flood of distinct client addresses against a full limiter: every Allow
// evicts. Eviction scanning the keys made one such Allow take seconds at 50,000 keys.
const floodKeys = 50_000

func TestAllowStaysFastAtMaxKeysUnderAFloodOfNewKeys(t *testing.T) {
	l, clk := newTestLimiter(Limit{Burst: 5, Every: time.Minute}, floodKeys)
	for i := range floodKeys {
		l.Allow(fmt.Sprintf("old-%d", i))
	}
	clk.add(time.Second)
	// Generous for -race on a loaded machine: the flood takes tens of milliseconds, a scan per
	// eviction minutes.
	const bound = 5 * time.Second
	start := time.Now()
	for i := range floodKeys {
		l.Allow(fmt.Sprintf("new-%d", i))
		if elapsed := time.Since(start); elapsed > bound {
			t.Fatalf("%d new keys at MaxKeys took %s", i+1, elapsed)
		}
	}
	if l.Len() != floodKeys {
		t.Errorf("%d keys remembered, want the bound %d", l.Len(), floodKeys)
	}
	if ok, _ := l.Allow(fmt.Sprintf("new-%d", floodKeys-1)); !ok {
		t.Error("the most recent key was evicted by the flood")
	}
}

func BenchmarkAllowAtMaxKeys(b *testing.B) {
	l, _ := newTestLimiter(Limit{Burst: 5, Every: time.Minute}, floodKeys)
	keys := make([]string, 4*floodKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("2001:db8:%x::/64", i)
	}
	for _, k := range keys[:floodKeys] {
		l.Allow(k)
	}
	b.ResetTimer()
	for i := range b.N {
		l.Allow(keys[i%len(keys)]) // cycling over four times the bound: every call evicts
	}
}
