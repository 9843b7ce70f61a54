package jwtauth

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/agentcore"
)

// verifyOK fails the test unless tok verifies.
func verifyOK(t testing.TB, a *Authorizer, tok string) *Principal {
	t.Helper()
	p, err := a.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("Verify: %v (%s)", err, err.(*Failure).Diagnosis)
	}
	return p
}

func fetches(t testing.TB, idp *testIdP, discovery, jwks int64) {
	t.Helper()
	if d, j := idp.discovery.Load(), idp.jwks.Load(); d != discovery || j != jwks {
		t.Fatalf("fetches: discovery %d, JWKS %d; want %d, %d", d, j, discovery, jwks)
	}
}

// TestKeyRotation: a token with a new kid verifies after exactly one JWKS
// refresh; refreshes are rate-limited per MinKidRefreshInterval; a key
// removed from the JWKS stops verifying even for cached tokens.
func TestKeyRotation(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	a := e.auth(t, Options{}, nil)
	old := mint(t, k.rsa1, e.cognito())
	verifyOK(t, a, old)
	fetches(t, e.idp, 1, 1)

	e.idp.setKeys(k.rsa2) // the IdP rotates: rsa-1 is gone
	verifyOK(t, a, mint(t, k.rsa2, e.cognito()))
	fetches(t, e.idp, 1, 2)
	verifyOK(t, a, mint(t, k.rsa2, with(e.cognito(), "jti", "j2")))
	fetches(t, e.idp, 1, 2)

	// The cached decision for the old token was bound to the old key set.
	_, err := a.Verify(context.Background(), old)
	if diff := cmp.Diff(got{InvalidToken, checkKey, descUnknownKey}, outcome(err)); diff != "" {
		t.Fatalf("token signed by the removed key (-want +got):\n%s", diff)
	}
	fetches(t, e.idp, 1, 2) // rate-limited: the rotation refresh was under 10s ago
	if f := failureOf(t, err); !strings.Contains(f.Diagnosis, "at most once per 10s") {
		t.Errorf("Diagnosis = %q, want the rate limit explained", f.Diagnosis)
	}

	e.clk.Advance(10 * time.Second)
	_, err = a.Verify(context.Background(), mint(t, k.foreign, e.cognito()))
	fetches(t, e.idp, 1, 3)
	if f := failureOf(t, err); f.Kind != InvalidToken || !strings.Contains(f.Diagnosis, "refreshed just now") {
		t.Errorf("unknown kid after the interval: %v / %q", f.Kind, f.Diagnosis)
	}
}

// TestUnknownKidFlood: concurrent unknown kids share one refresh.
func TestUnknownKidFlood(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	a := e.auth(t, Options{}, nil)
	verifyOK(t, a, mint(t, k.rsa1, e.cognito()))
	e.idp.setKeys(k.rsa1, k.rsa2)

	flood := func(tok func(i int) string) []error {
		errs := make([]error, 100)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range errs {
			wg.Go(func() {
				<-start
				_, errs[i] = a.Verify(context.Background(), tok(i))
			})
		}
		close(start)
		wg.Wait()
		return errs
	}
	toks := make([]string, 100)
	for i := range toks {
		toks[i] = mint(t, k.rsa2, with(e.cognito(), "jti", fmt.Sprint(i)))
	}
	for i, err := range flood(func(i int) string { return toks[i] }) {
		if err != nil {
			t.Fatalf("token %d with the new kid: %v", i, err)
		}
	}
	fetches(t, e.idp, 1, 2)

	e.clk.Advance(time.Minute)
	forged := make([]string, 100)
	for i := range forged {
		forged[i] = mint(t, k.foreign.with(func(k *testKey) { k.kid = fmt.Sprint("forged-", i) }), e.cognito())
	}
	for i, err := range flood(func(i int) string { return forged[i] }) {
		if outcome(err).Check != checkKey {
			t.Fatalf("forged kid %d: %v", i, err)
		}
	}
	fetches(t, e.idp, 1, 3)
}

// TestIdPOutage: keys fetched earlier keep working; unknown kids fail
// closed as Unavailable.
func TestIdPOutage(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	a := e.auth(t, Options{}, nil)
	verifyOK(t, a, mint(t, k.rsa1, e.cognito()))

	e.idp.down.Store(true)
	before := a.sigChecks.Load()
	verifyOK(t, a, mint(t, k.rsa1, with(e.cognito(), "jti", "not-cached")))
	if a.sigChecks.Load() != before+1 {
		t.Fatalf("the token was not verified afresh")
	}
	_, err := a.Verify(context.Background(), mint(t, k.rsa2, e.cognito()))
	if diff := cmp.Diff(got{Unavailable, checkKey, descUnavailable}, outcome(err)); diff != "" {
		t.Fatalf("unknown kid during the outage (-want +got):\n%s", diff)
	}
	if f := failureOf(t, err); !strings.Contains(f.Diagnosis, "refreshing it failed") {
		t.Errorf("Diagnosis = %q", f.Diagnosis)
	}
	// Within the rate-limit window the failed refresh is remembered.
	_, err = a.Verify(context.Background(), mint(t, k.rsa2, with(e.cognito(), "jti", "again")))
	if f := failureOf(t, err); f.Kind != Unavailable || !strings.Contains(f.Diagnosis, "failed") {
		t.Errorf("second unknown kid during the outage: %v %q", f.Kind, f.Diagnosis)
	}

	e.idp.down.Store(false)
	e.idp.setKeys(k.rsa1, k.rsa2)
	e.clk.Advance(10 * time.Second)
	verifyOK(t, a, mint(t, k.rsa2, e.cognito()))
}

// TestUnavailableFromStart: an IdP never reached fails closed, keeps being
// retried, and is used as soon as it answers.
func TestUnavailableFromStart(t *testing.T) {
	k := keys(t)
	clk := &clock{t: t0}

	t.Run("connection refused", func(t *testing.T) {
		dead := httptest.NewServer(nil)
		u := dead.URL + "/.well-known/openid-configuration"
		dead.Close()
		a, err := New(newKeySets(t, clk), agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &u}, Options{Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Verify(context.Background(), mint(t, k.rsa1, claims{"iss": dead.URL, "exp": t0.Unix() + 60}))
		if diff := cmp.Diff(got{Unavailable, checkKey, descUnavailable}, outcome(err)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		if f := failureOf(t, err); !strings.Contains(f.Diagnosis, "could not be fetched") || !strings.Contains(f.Diagnosis, "connection refused") {
			t.Errorf("Diagnosis = %q", f.Diagnosis)
		}
		if _, err := a.Issuer(context.Background()); outcome(err).Kind != Unavailable {
			t.Errorf("Issuer: %v", err)
		}
	})

	t.Run("comes up later", func(t *testing.T) {
		e := newEnv(t, k.rsa1)
		e.idp.down.Store(true)
		a := e.auth(t, Options{}, nil)
		tok := mint(t, k.rsa1, e.cognito())
		if _, err := a.Verify(context.Background(), tok); outcome(err).Kind != Unavailable {
			t.Fatalf("Verify while down: %v", err)
		}
		e.idp.down.Store(false)
		waitFor(t, func() bool { _, err := a.Verify(context.Background(), tok); return err == nil })
		if iss, err := a.Issuer(context.Background()); err != nil || iss != e.idp.issuer {
			t.Errorf("Issuer = %q, %v", iss, err)
		}
	})

	t.Run("JWKS failing, discovery up", func(t *testing.T) {
		e := newEnv(t, k.rsa1)
		e.idp.jwksDown.Store(true)
		a := e.auth(t, Options{}, nil)
		tok := mint(t, k.rsa1, e.cognito())
		_, err := a.Verify(context.Background(), tok)
		if f := failureOf(t, err); f.Kind != Unavailable || !strings.Contains(f.Diagnosis, "has never been fetched") || !strings.Contains(f.Diagnosis, "HTTP status 503") {
			t.Fatalf("Verify with the JWKS down: %v %q", f.Kind, f.Diagnosis)
		}
		e.idp.jwksDown.Store(false)
		waitFor(t, func() bool { _, err := a.Verify(context.Background(), tok); return err == nil })
	})
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("condition not met within 5s")
}

// TestSharedKeySets: one process-wide KeySets fetches an IdP once, even
// for gateways that name it through both discovery URL forms.
func TestSharedKeySets(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	oidc := e.auth(t, Options{}, nil)
	as := e.auth(t, Options{}, func(c *agentcore.CustomJWTAuthorizerConfiguration) {
		u := e.idp.srv.URL + "/.well-known/oauth-authorization-server"
		c.DiscoveryURL = &u
	})
	again := e.auth(t, Options{Mode: AuthenticateOnly}, nil)
	tok := mint(t, k.rsa1, e.cognito())
	for _, a := range []*Authorizer{oidc, as, again} {
		verifyOK(t, a, tok)
	}
	fetches(t, e.idp, 2, 1)
}

// TestClose: after Close, keys already fetched keep working and nothing is
// fetched any more.
func TestClose(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	a := e.auth(t, Options{}, nil)
	verifyOK(t, a, mint(t, k.rsa1, e.cognito()))
	e.ks.Close()
	verifyOK(t, a, mint(t, k.rsa1, with(e.cognito(), "jti", "after-close")))
	_, err := a.Verify(context.Background(), mint(t, k.rsa2, e.cognito()))
	if outcome(err).Kind != Unavailable {
		t.Errorf("unknown kid after Close: %v", err)
	}
	fetches(t, e.idp, 1, 1)
	b := e.auth(t, Options{}, func(c *agentcore.CustomJWTAuthorizerConfiguration) {
		u := "http://127.0.0.1:1/.well-known/openid-configuration"
		c.DiscoveryURL = &u
	})
	if _, err := b.Verify(context.Background(), mint(t, k.rsa1, e.cognito())); outcome(err).Kind != Unavailable {
		t.Errorf("authorizer registered after Close: %v", err)
	}
}
