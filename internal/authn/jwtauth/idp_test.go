package jwtauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"

	"github.com/toolgate/toolgate/internal/agentcore"
)

// testKey is a signing key the test IdP may publish.
type testKey struct {
	kid  string
	alg  string // the alg tokens are signed with
	priv any
	pub  any
	// jwkAlg and use are published in the JWK when set.
	jwkAlg, use string
}

var (
	keysOnce sync.Once
	tk       struct {
		rsa1, rsa2, foreign, ec256, ec384, ec521, ed *testKey
	}
)

// keys returns the test keys, generated once per test binary.
func keys(t testing.TB) *struct{ rsa1, rsa2, foreign, ec256, ec384, ec521, ed *testKey } {
	t.Helper()
	keysOnce.Do(func() {
		rsaKey := func(kid string) *testKey {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			return &testKey{kid: kid, alg: "RS256", priv: k, pub: &k.PublicKey}
		}
		ecKey := func(kid, alg string, c elliptic.Curve) *testKey {
			k, err := ecdsa.GenerateKey(c, rand.Reader)
			if err != nil {
				panic(err)
			}
			return &testKey{kid: kid, alg: alg, priv: k, pub: &k.PublicKey}
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		tk.rsa1, tk.rsa2, tk.foreign = rsaKey("rsa-1"), rsaKey("rsa-2"), rsaKey("foreign")
		tk.ec256 = ecKey("ec-256", "ES256", elliptic.P256())
		tk.ec384 = ecKey("ec-384", "ES384", elliptic.P384())
		tk.ec521 = ecKey("ec-521", "ES512", elliptic.P521())
		tk.ed = &testKey{kid: "ed-1", alg: "EdDSA", priv: priv, pub: pub}
	})
	return &tk
}

// with returns a copy of k with other JWK/signing parameters.
func (k *testKey) with(f func(*testKey)) *testKey {
	c := *k
	f(&c)
	return &c
}

// testIdP serves a discovery document and a JWKS on 127.0.0.1 and counts
// the fetches.
type testIdP struct {
	srv       *httptest.Server
	mu        sync.Mutex
	keys      []*testKey
	issuer    string
	down      atomic.Bool // when set, connections are dropped
	jwksDown  atomic.Bool // when set, only the JWKS answers 503
	discovery atomic.Int64
	jwks      atomic.Int64
}

func newIdP(t testing.TB, ks ...*testKey) *testIdP {
	t.Helper()
	p := &testIdP{keys: ks}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.issuer = p.srv.URL
	return p
}

func (p *testIdP) serve(w http.ResponseWriter, r *http.Request) {
	if p.down.Load() {
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server":
		p.discovery.Add(1)
		p.mu.Lock()
		iss := p.issuer
		p.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]string{"issuer": iss, "jwks_uri": p.srv.URL + "/jwks"})
	case "/jwks":
		p.jwks.Add(1)
		if p.jwksDown.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		p.mu.Lock()
		ks := p.keys
		p.mu.Unlock()
		w.Write(jwksJSON(ks))
	default:
		http.NotFound(w, r)
	}
}

func (p *testIdP) discoveryURL() string { return p.srv.URL + "/.well-known/openid-configuration" }

func (p *testIdP) setKeys(ks ...*testKey) {
	p.mu.Lock()
	p.keys = ks
	p.mu.Unlock()
}

func jwksJSON(ks []*testKey) []byte {
	set := jwk.NewSet()
	for _, k := range ks {
		key, err := jwk.Import(k.pub)
		if err != nil {
			panic(err)
		}
		must(key.Set(jwk.KeyIDKey, k.kid))
		if k.jwkAlg != "" {
			must(key.Set(jwk.AlgorithmKey, k.jwkAlg))
		}
		if k.use != "" {
			must(key.Set(jwk.KeyUsageKey, k.use))
		}
		must(set.AddKey(key))
	}
	b, err := json.Marshal(set)
	must(err)
	return b
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// clock is a settable clock shared by the KeySets and the Authorizer.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one test's IdP, key sets and clock.
type env struct {
	idp *testIdP
	ks  *KeySets
	clk *clock
}

func newEnv(t testing.TB, ks ...*testKey) *env {
	t.Helper()
	e := &env{idp: newIdP(t, ks...), clk: &clock{t: t0}}
	e.ks = newKeySets(t, e.clk)
	return e
}

func newKeySets(t testing.TB, clk *clock) *KeySets {
	ks := NewKeySets(context.Background(), KeySetOptions{Now: clk.Now})
	ks.retryMin, ks.retryMax = 10*time.Millisecond, 50*time.Millisecond
	t.Cleanup(ks.Close)
	return ks
}

// auth builds an Authorizer for the env's IdP; mod edits the configuration.
func (e *env) auth(t testing.TB, o Options, mod func(*agentcore.CustomJWTAuthorizerConfiguration)) *Authorizer {
	t.Helper()
	u := e.idp.discoveryURL()
	cfg := agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &u}
	if mod != nil {
		mod(&cfg)
	}
	if o.Now == nil {
		o.Now = e.clk.Now
	}
	a, err := New(e.ks, cfg, o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// claims is a token payload; cognito and auth0 build the two real shapes.
type claims = map[string]any

func (e *env) cognito() claims {
	now := e.clk.Now().Unix()
	return claims{
		"iss": e.idp.issuer, "sub": "c0ffee-sub", "client_id": "cognito-client",
		"scope": "gw/read gw/write", "token_use": "access", "jti": "j1",
		"iat": now, "exp": now + 3600, "auth_time": now,
	}
}

func (e *env) auth0() claims {
	now := e.clk.Now().Unix()
	return claims{
		"iss": e.idp.issuer, "sub": "auth0|user-1", "azp": "auth0-client",
		"aud":   []any{"https://api.example", "https://tenant.example/userinfo"},
		"scope": "openid read:tools", "iat": now, "exp": now + 3600,
	}
}

// with returns a copy of c with kv applied (a nil value deletes the key).
func with(c claims, kv ...any) claims {
	out := claims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// mint signs payload with k; hdr entries override the default header
// {alg: k.alg, kid: k.kid, typ: JWT} (a nil value deletes the entry).
func mint(t testing.TB, k *testKey, payload claims, hdr ...any) string {
	t.Helper()
	h := with(claims{"alg": k.alg, "kid": k.kid, "typ": "JWT"}, hdr...)
	input := seg(h) + "." + seg(payload)
	sig, err := jwsbb.Sign(k.priv, h["alg"].(string), []byte(input), rand.Reader)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// raw assembles a token from a header, a payload and signature bytes.
func raw(hdr, payload claims, sig []byte) string {
	return seg(hdr) + "." + seg(payload) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func seg(v any) string {
	b, err := json.Marshal(v)
	must(err)
	return base64.RawURLEncoding.EncodeToString(b)
}

// failureOf asserts err is a *Failure and returns it.
func failureOf(t testing.TB, err error) *Failure {
	t.Helper()
	var f *Failure
	if !errors.As(err, &f) {
		t.Fatalf("error = %v (%T), want *Failure", err, err)
	}
	return f
}

// got is the comparable part of a Verify outcome.
type got struct {
	Kind        Kind
	Check       string
	Description string
}

func outcome(err error) got {
	var f *Failure
	if errors.As(err, &f) {
		return got{f.Kind, f.Check, f.Description}
	}
	if err != nil {
		return got{Description: "unexpected error: " + err.Error()}
	}
	return got{}
}

var publicDescriptions = []string{
	descMalformed, descCrit, descUnsigned, descAlg, descTyp, descUnavailable, descUnknownKey, descNoKid,
	descKeyMismatch, descSignature, descIssuer, descNoExp, descExpired, descNotYetValid, descIssuedInFuture,
	descTimeMalformed, descAudience, descClient, descScope,
}

// assertPublicDescription checks that a Description is one of the fixed
// phrases (or the custom-claim phrase with a configured claim name), so it
// cannot carry a claim value.
func assertPublicDescription(t testing.TB, f *Failure, claimNames ...string) {
	t.Helper()
	for _, d := range publicDescriptions {
		if f.Description == d {
			return
		}
	}
	for _, n := range claimNames {
		if f.Description == descClaim+n {
			return
		}
	}
	if strings.HasPrefix(f.Description, descClaim) {
		t.Errorf("Description %q names a claim that is not configured", f.Description)
		return
	}
	t.Errorf("Description %q is not one of the fixed public phrases", f.Description)
}
