package jwtauth

import (
	"sync"
	"time"
)

// Verified-token cache bounds: 16 shards keep lock contention low under
// many concurrent requests; 10,240 entries in all.
const (
	cacheShards   = 16
	cacheShardCap = 640
)

// tokenCache remembers verified tokens by the SHA-256 of the token, until
// the token's exp. An entry is also bound to the key index it was verified
// against: when the IdP's JWKS changes (a key removed after a compromise),
// cached decisions are re-checked rather than trusted.
type tokenCache struct {
	shards [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[[32]byte]cacheEntry
	_  [32]byte // pad to 64 bytes: shards do not share cache lines
}

type cacheEntry struct {
	p   *Principal
	exp int64 // UnixNano: the entry is used while now < exp
	idx *keyIndex
}

func (c *tokenCache) init() {
	for i := range c.shards {
		c.shards[i].m = make(map[[32]byte]cacheEntry)
	}
}

func (c *tokenCache) get(sum *[32]byte, now time.Time, idx *keyIndex) *Principal {
	s := &c.shards[sum[0]%cacheShards]
	s.mu.RLock()
	ent, ok := s.m[*sum]
	s.mu.RUnlock()
	if !ok || now.UnixNano() >= ent.exp || ent.idx != idx {
		return nil
	}
	return ent.p
}

// put stores a verified principal. A full shard first drops its expired
// entries, then, if still full, arbitrary ones (Go's map iteration order
// is randomised, which makes this random eviction): cheap, and good enough
// for a cache whose misses only cost one signature check.
func (c *tokenCache) put(sum *[32]byte, p *Principal, idx *keyIndex, now time.Time) {
	exp := p.ExpiresAt.UnixNano()
	n := now.UnixNano()
	if exp <= n || idx == nil {
		return
	}
	s := &c.shards[sum[0]%cacheShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[*sum]; !ok && len(s.m) >= cacheShardCap {
		for k, v := range s.m {
			if v.exp <= n || v.idx != idx {
				delete(s.m, k)
			}
		}
		for k := range s.m {
			if len(s.m) < cacheShardCap {
				break
			}
			delete(s.m, k)
		}
	}
	s.m[*sum] = cacheEntry{p: p, exp: exp, idx: idx}
}

// len counts the entries, for tests.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
