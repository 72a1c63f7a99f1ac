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
