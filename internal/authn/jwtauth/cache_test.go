package jwtauth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"
)

// TestVerifiedTokenCache: repeated tokens cost no signature check until
// their exp; failures are never cached; a new Authorizer starts empty.
func TestVerifiedTokenCache(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	a := e.auth(t, Options{}, nil)
	tok := mint(t, k.rsa1, with(e.cognito(), "exp", t0.Add(10*time.Minute).Unix()))

	p1 := verifyOK(t, a, tok)
	p2 := verifyOK(t, a, tok)
	if got := a.sigChecks.Load(); got != 1 {
		t.Fatalf("signature checks after two Verify calls = %d, want 1", got)
	}
	if p1 != p2 {
		t.Errorf("the cached principal is not the one first returned")
	}

	// At exp the entry is no longer used; within leeway the token is
	// still accepted, by a full verification.
	e.clk.Advance(10*time.Minute - time.Nanosecond)
	verifyOK(t, a, tok)
	if got := a.sigChecks.Load(); got != 1 {
		t.Fatalf("signature checks just before exp = %d, want 1", got)
	}
	e.clk.Advance(time.Nanosecond)
	verifyOK(t, a, tok)
	if got := a.sigChecks.Load(); got != 2 {
		t.Fatalf("signature checks at exp = %d, want 2", got)
	}
	e.clk.Advance(time.Minute)
	if _, err := a.Verify(context.Background(), tok); outcome(err).Check != checkExp {
		t.Fatalf("past exp+leeway: %v", err)
	}

	// Failures are not cached.
	bad := mint(t, k.foreign.with(func(k *testKey) { k.kid = "rsa-1" }), e.cognito())
	for range 2 {
		if _, err := a.Verify(context.Background(), bad); err == nil {
			t.Fatal("forged token accepted")
		}
	}
	if got := a.sigChecks.Load(); got != 5 {
		t.Fatalf("signature checks = %d, want 5 (each forged attempt verified)", got)
	}

	// A new Authorizer (a configuration change) re-verifies.
	tok2 := mint(t, k.rsa1, e.cognito())
	verifyOK(t, a, tok2)
	b := e.auth(t, Options{}, clients("cognito-client"))
	verifyOK(t, b, tok2)
	if b.sigChecks.Load() != 1 {
		t.Errorf("a new Authorizer answered from another's cache")
	}
	c := e.auth(t, Options{}, clients("someone-else"))
	if _, err := c.Verify(context.Background(), tok2); outcome(err).Check != checkClient {
		t.Errorf("stricter configuration: %v", err)
	}
}

// TestCacheBound: the cache never holds more than its capacity, and drops
// expired entries before live ones.
func TestCacheBound(t *testing.T) {
	const bound = cacheShards * cacheShardCap
	var c tokenCache
	c.init()
	idx := &keyIndex{}
	key := func(f string, i int) *[32]byte {
		sum := sha256.Sum256(fmt.Appendf(nil, f, i))
		return &sum
	}
	short := &Principal{ExpiresAt: t0.Add(time.Second)}
	long := &Principal{ExpiresAt: t0.Add(time.Hour)}
	for i := range 2 * bound {
		c.put(key("short-%d", i), short, idx, t0)
	}
	if n := c.len(); n > bound || n < bound*9/10 {
		t.Fatalf("len = %d after filling, want about %d and at most that", n, bound)
	}

	// Once the short entries expire, half the capacity of new entries
	// displaces only expired ones (a shard receiving more than its 640
	// of 5,120 uniformly hashed keys is vanishingly unlikely).
	later := t0.Add(2 * time.Second)
	for i := range bound / 2 {
		c.put(key("long-%d", i), long, idx, later)
	}
	for i := range bound / 2 {
		if c.get(key("long-%d", i), later, idx) != long {
			t.Fatalf("live entry %d was evicted while expired ones remained", i)
		}
	}
	for i := range 2 * bound {
		c.put(key("more-%d", i), long, idx, later)
	}
	if n := c.len(); n > bound {
		t.Fatalf("len = %d, above the bound %d", n, bound)
	}
	if c.get(key("short-%d", 1), later, idx) != nil {
		t.Errorf("an expired entry was returned")
	}
	fresh := key("fresh-%d", 0)
	c.put(fresh, long, idx, later)
	if c.get(fresh, later, idx) != long {
		t.Errorf("the newest entry is missing")
	}
	if c.get(fresh, later, &keyIndex{}) != nil {
		t.Errorf("an entry was returned for another key index")
	}
}
