package rpc

import (
	"sync"
	"time"
)

// ReasonNonceCacheFull: the server holds as many unexpired nonces as it keeps; the call is
// refused UNAVAILABLE, which clients retry.
const ReasonNonceCacheFull = "CALLER_NONCE_CACHE_FULL"

// defaultMaxNonces bounds a server's nonce cache: 16 to 32 MB at most, and room for 5,800
// signed calls a second sustained over the 90 s a signature holds.
const defaultMaxNonces = 1 << 19

// sweepEvery is how often an insertion first drops the expired nonces.
const sweepEvery = 10 * time.Second

type nonceResult int

const (
	nonceAccepted nonceResult = iota
	nonceReplayed
	nonceCacheFull
)

// nonceCache remembers the nonce of every call a server accepted until its signature expires,
// so that a signed header is accepted once.
//
// It lives in the memory of one process. A store shared by the replicas of a service (NATS KV,
// the database) would put a network round trip and a new way to fail on every internal call,
// to close only the replay of a captured header to another replica of the same service within
// the 90 s the signature holds (docs/SECURITY.md, "Internal calls"). A restarted process
// forgets its nonces: a header captured in the 90 s before the restart can be replayed to it
// once more, within the same 90 s.
//
// It is bounded. Once full of unexpired nonces it refuses new calls (UNAVAILABLE, which
// clients retry) rather than forget a nonce still valid, which would reopen its replay. Only
// callers that hold the key add to it (the signature is checked first), so filling it takes
// the platform's own traffic, not an outsider's.
type nonceCache struct {
	mu        sync.Mutex
	expiry    map[[nonceSize]byte]int64 // nonce -> when its signature expires (unix ns)
	max       int
	lastSweep time.Time
}

func newNonceCache(max int) *nonceCache {
	return &nonceCache{expiry: map[[nonceSize]byte]int64{}, max: max}
}

// add records nonce, whose signature expires at expires, unless it is there already (a replay)
// or the cache is full.
func (c *nonceCache) add(nonce [nonceSize]byte, expires, now time.Time) nonceResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at, ok := c.expiry[nonce]; ok && at >= now.UnixNano() {
		return nonceReplayed
	}
	// A full cache is swept at most once a second, so that refusing calls stays cheap.
	if since := now.Sub(c.lastSweep); since >= sweepEvery || len(c.expiry) >= c.max && since >= time.Second {
		c.sweep(now)
	}
	if len(c.expiry) >= c.max {
		return nonceCacheFull
	}
	c.expiry[nonce] = expires.UnixNano()
	return nonceAccepted
}

// sweep drops the nonces whose signatures expired: their calls are refused as expired anyway.
func (c *nonceCache) sweep(now time.Time) {
	c.lastSweep = now
	for nonce, at := range c.expiry {
		if at < now.UnixNano() {
			delete(c.expiry, nonce)
		}
	}
}

func (c *nonceCache) forget(nonce [nonceSize]byte) {
	c.mu.Lock()
	delete(c.expiry, nonce)
	c.mu.Unlock()
}
