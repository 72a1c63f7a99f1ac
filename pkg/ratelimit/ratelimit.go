// Package ratelimit limits attempts per key (an email, a client address) with a token bucket
// per key (golang.org/x/time/rate), in bounded memory: keys idle long enough to have refilled
// their bucket are forgotten, and past MaxKeys the idlest go first.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a bucket of Burst attempts refilled at one attempt every Every.
type Limit struct {
	Burst int
	Every time.Duration
}

// Limiter holds one bucket per key. It is safe for concurrent use.
type Limiter struct {
	limit   Limit
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

// New limits each key to limit, remembering at most maxKeys keys.
func New(limit Limit, maxKeys int) *Limiter {
	return &Limiter{limit: limit, maxKeys: maxKeys, now: time.Now, buckets: map[string]*bucket{}}
}

// Allow takes one attempt from key's bucket; when it is empty, ok is false and retryAfter is
// how long until the next attempt is allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, found := l.buckets[key]
	if !found {
		if len(l.buckets) >= l.maxKeys {
			l.evictIdlest()
		}
		b = &bucket{limiter: rate.NewLimiter(rate.Every(l.limit.Every), l.limit.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.limiter.ReserveN(now, 1)
	if delay := r.DelayFrom(now); delay > 0 {
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// Len is how many keys are remembered.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// refill is how long an untouched bucket takes to be full again, after which forgetting it
// changes nothing.
func (l *Limiter) refill() time.Duration { return time.Duration(l.limit.Burst) * l.limit.Every }

// sweep forgets full buckets, at most once per refill period so that Allow stays cheap.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < l.refill() {
		return
	}
	l.swept = now
	for key, b := range l.buckets {
		if now.Sub(b.seen) >= l.refill() {
			delete(l.buckets, key)
		}
	}
}

// evictIdlest forgets the least recently seen tenth of the keys (at least one). Forgetting a
// busy key only gives it a fresh bucket, so the bound costs some precision under a flood of
// distinct keys, never memory.
func (l *Limiter) evictIdlest() {
	n := max(1, len(l.buckets)/10)
	for range n {
		var idlest string
		var seen time.Time
		for key, b := range l.buckets {
			if idlest == "" || b.seen.Before(seen) {
				idlest, seen = key, b.seen
			}
		}
		delete(l.buckets, idlest)
	}
}
