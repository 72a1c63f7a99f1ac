// Package ratelimit limits attempts per key (an email, a client address) with a token bucket
// per key (golang.org/x/time/rate), in bounded memory: keys idle long enough to have refilled
// their bucket are forgotten, and past MaxKeys the least recently seen goes first.
//
// Keys are kept in a list ordered by when they were last seen, so finding the idlest key is
// reading the list's tail: Allow costs the same with ten keys or with MaxKeys, even under a
// flood of new keys that evicts on every call.
package ratelimit

import (
	"container/list"
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
	buckets map[string]*list.Element
	// bySeen holds the *bucket values, most recently seen at the front.
	bySeen *list.List
}

type bucket struct {
	key     string
	limiter *rate.Limiter
	seen    time.Time
}

// New limits each key to limit, remembering at most maxKeys keys.
func New(limit Limit, maxKeys int) *Limiter {
	return &Limiter{limit: limit, maxKeys: max(1, maxKeys), now: time.Now,
		buckets: map[string]*list.Element{}, bySeen: list.New()}
}

// Allow takes one attempt from key's bucket; when it is empty, ok is false and retryAfter is
// how long until the next attempt is allowed.
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.forgetRefilled(now)
	var b *bucket
	if e, found := l.buckets[key]; found {
		b = e.Value.(*bucket)
		l.bySeen.MoveToFront(e)
	} else {
		if len(l.buckets) >= l.maxKeys {
			l.forget(l.bySeen.Back())
		}
		b = &bucket{key: key, limiter: rate.NewLimiter(rate.Every(l.limit.Every), l.limit.Burst)}
		l.buckets[key] = l.bySeen.PushFront(b)
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

// forgetRefilled forgets the buckets idle for a whole refill, from the idlest on: each is
// forgotten once, so the cost is spread over the calls that made them.
func (l *Limiter) forgetRefilled(now time.Time) {
	for e := l.bySeen.Back(); e != nil && now.Sub(e.Value.(*bucket).seen) >= l.refill(); e = l.bySeen.Back() {
		l.forget(e)
	}
}

// forget drops one bucket. Forgetting a busy key only gives it a fresh bucket, so the bound
// costs some precision under a flood of distinct keys, never memory.
func (l *Limiter) forget(e *list.Element) {
	delete(l.buckets, e.Value.(*bucket).key)
	l.bySeen.Remove(e)
}
