package jwtauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/toolgate/toolgate/internal/agentcore"
)

// Mode selects how much of the configuration a token is checked against.
type Mode int

const (
	// Full is CUSTOM_JWT: signature, issuer, times, then every configured
	// allow-list. It is the zero value, so a forgotten Mode checks more.
	Full Mode = iota
	// AuthenticateOnly is AUTHENTICATE_ONLY: signature, issuer and times
	// only; the allow-lists are not evaluated (§11.2).
	AuthenticateOnly
)

// ModeFor maps a gateway's authorizerType to a Mode; ok is false for
// authorizer types that do not validate JWTs.
func ModeFor(t agentcore.AuthorizerType) (m Mode, ok bool) {
	switch t {
	case agentcore.AuthorizerTypeCustomJWT:
		return Full, true
	case agentcore.AuthorizerTypeAuthenticateOnly:
		return AuthenticateOnly, true
	}
	return 0, false
}

// Options tunes an Authorizer.
type Options struct {
	Mode Mode
	// Leeway absorbs clock skew in the exp, nbf and iat checks: 0 means the
	// default of 60s, a negative value means none.
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Principal is a verified caller. Verify may return the same Principal for
// repeated requests with the same token: treat it as read-only. Only
// Subject and ClientID may be logged or audited; Claims may hold personal
// data and are kept for policy decisions.
type Principal struct {
	Subject  string
	ClientID string // client_id, or azp when the token has no client_id
	Scopes   []string
	Claims   map[string]any
	// Token is the raw bearer token, for an explicit JWT_PASSTHROUGH target
	// only; never log it.
	Token     string
	ExpiresAt time.Time
}

// Authorizer validates tokens for one gateway configuration. It is
// immutable and safe for concurrent use; build a new one when the
// configuration changes (that also empties the verified-token cache).
type Authorizer struct {
	iss          *issuer
	discoveryURL string
	mode         Mode
	leeway       time.Duration
	now          func() time.Time

	audience, clients, scopes []string
	required                  []string // scopes in advertised form
	lists                     []check  // audience, client, custom claims, scope

	cache     tokenCache
	sigChecks atomic.Int64 // signature verifications, for tests and benchmarks
}

// check is one allow-list check; run reports whether evaluation stops.
type check struct {
	name string
	run  func(e *evaluation) bool
}

// New compiles cfg. It makes no network request: it registers the
// discovery URL with keys, which fetches it in the background, and Verify
// waits for that first attempt when it has not finished yet.
func New(keys *KeySets, cfg agentcore.CustomJWTAuthorizerConfiguration, o Options) (*Authorizer, error) {
	if keys == nil {
		return nil, errors.New("jwtauth: nil KeySets")
	}
	if cfg.DiscoveryURL == nil || *cfg.DiscoveryURL == "" {
		return nil, errors.New("jwtauth: discoveryUrl is required")
	}
	du := *cfg.DiscoveryURL
	if u, err := url.Parse(du); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("jwtauth: discoveryUrl %q is not an absolute http(s) URL", du)
	}
	a := &Authorizer{
		discoveryURL: du,
		mode:         o.Mode,
		leeway:       o.Leeway,
		now:          o.Now,
		audience:     slices.Clone(cfg.AllowedAudience),
		clients:      slices.Clone(cfg.AllowedClients),
		scopes:       slices.Clone(cfg.AllowedScopes),
	}
	switch {
	case a.leeway == 0:
		a.leeway = 60 * time.Second
	case a.leeway < 0:
		a.leeway = 0
	}
	if a.now == nil {
		a.now = time.Now
	}
	for _, s := range a.scopes {
		if m, ok := cfg.AdvertisedScopeMapping[s]; ok && m != "" {
			s = m
		}
		if !contains(a.required, s) {
			a.required = append(a.required, s)
		}
	}
	if len(a.audience) > 0 {
		a.lists = append(a.lists, check{checkAudience, (*evaluation).checkAudience})
	}
	if len(a.clients) > 0 {
		a.lists = append(a.lists, check{checkClient, (*evaluation).checkClient})
	}
	for i, c := range cfg.CustomClaims {
		r, err := compileRule(c)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: customClaims[%d]: %w", i, err)
		}
		a.lists = append(a.lists, check{r.checkName, r.check})
	}
	if len(a.scopes) > 0 { // last: 403 only for tokens otherwise acceptable
		a.lists = append(a.lists, check{checkScope, (*evaluation).checkScope})
	}
	a.cache.init()
	a.iss = keys.issuer(du)
	return a, nil
}

// Verify validates a bearer token: the hot path. It returns a *Failure as
// the error. A token already verified by this Authorizer is answered from
// the cache (no parsing, no crypto, no allocation) until its exp, as long
// as the IdP's key set has not changed since; the returned Principal is
// then shared, so treat it as read-only. Right after New, Verify waits
// (bounded by ctx) for the first discovery and JWKS fetch to finish; an
// unknown kid may make it wait for one forced JWKS refresh.
func (a *Authorizer) Verify(ctx context.Context, token string) (*Principal, error) {
	now := a.now()
	var sum [32]byte
	if len(token) <= maxTokenBytes { // longer ones are refused below; not worth hashing
		sum = sha256.Sum256(bytesOf(token))
		if _, x := a.iss.current(); x != nil {
			if p := a.cache.get(&sum, now, x); p != nil {
				return p, nil
			}
		}
	}
	e := evaluation{a: a, ctx: ctx, now: now}
	p := a.evaluate(&e, token)
	if e.failure != nil {
		return nil, e.failure
	}
	a.cache.put(&sum, p, e.idx, now)
	return p, nil
}

// RequiredScopes returns allowedScopes mapped through
// advertisedScopeMapping (duplicates removed, order kept): the scopes to
// advertise in challenges and protected-resource metadata. A token needs
// one of them. It is empty when the gateway checks no scopes.
func (a *Authorizer) RequiredScopes() []string { return slices.Clone(a.required) }

// Mode returns the mode the Authorizer was built with.
func (a *Authorizer) Mode() Mode { return a.mode }

// Issuer returns the issuer of the discovery document, for the
// authorization_servers of protected-resource metadata. It waits for the
// first discovery attempt (bounded by ctx) and returns an Unavailable
// *Failure when the document has not been fetched.
func (a *Authorizer) Issuer(ctx context.Context) (string, error) {
	if md := a.iss.meta.Load(); md != nil {
		return md.Issuer, nil
	}
	select {
	case <-a.iss.attempted:
	case <-ctx.Done():
		return "", unavailable("waiting for the discovery document "+a.discoveryURL, ctx.Err())
	}
	if md := a.iss.meta.Load(); md != nil {
		return md.Issuer, nil
	}
	return "", unavailable("the discovery document "+a.discoveryURL+" could not be fetched", a.iss.err())
}

// evaluate runs the checks in order. In Verify mode (e.rep == nil) it stops
// at the first failure; in Check mode it runs every check it can.
func (a *Authorizer) evaluate(e *evaluation, raw string) *Principal {
	if !e.checkFormat(raw) {
		return nil
	}
	if e.checkAlg() || e.checkTyp() || e.checkKey() || e.checkSignature() {
		return nil
	}
	if e.c == nil && e.failure == nil { // Verify mode: the payload is parsed only now
		var detail string
		if e.c, detail = decodeClaims(e.t.payload); detail != "" {
			e.fail(malformedFailure(detail))
			return nil
		}
	}
	if e.checkIssuer() || e.checkExp() || e.checkNbf() || e.checkIat() {
		return nil
	}
	for _, c := range a.lists {
		if a.mode == AuthenticateOnly {
			e.skip(c.name, "AUTHENTICATE_ONLY: allow-lists are not evaluated")
		} else if c.run(e) {
			return nil
		}
	}
	if e.failure != nil {
		return nil
	}
	c := e.c
	return &Principal{Subject: c.sub, ClientID: c.clientID, Scopes: c.scopes, Claims: c.m, Token: raw, ExpiresAt: c.exp}
}
