package jwtauth

import (
	"context"
	"slices"
	"time"
)

// Report is the outcome of Check: every check of the gateway's authorizer
// with its result and fix, and a summary of the token that is safe to
// print (no custom claim values).
type Report struct {
	Header HeaderSummary
	Claims ClaimsSummary
	Checks []CheckResult
	// Failure is what Verify would return for this token, nil if it would
	// accept it.
	Failure *Failure
}

// OK reports whether Verify would accept the token.
func (r Report) OK() bool { return r.Failure == nil }

// CheckResult is one check. Skipped checks could not run, because an
// earlier step produced nothing to check (the token did not parse, no key
// was found, AUTHENTICATE_ONLY skips the allow-lists); Detail says why.
type CheckResult struct {
	Name    string // as Failure.Check: "format", "alg", …, "claim:<name>", "scope"
	OK      bool
	Skipped bool
	Detail  string
	Fix     string // set when the check failed
}

// HeaderSummary is the token's JOSE header, as sent.
type HeaderSummary struct {
	Alg, Kid, Typ string
}

// ClaimsSummary holds the registered claims the checks read, unverified.
// Other claims are listed by name only.
type ClaimsSummary struct {
	Issuer        string
	Subject       string
	Audience      []string
	ClientID      string
	ClientIDClaim string // "client_id", "azp" or "" when the token has neither
	Scopes        []string
	TokenUse      string // Cognito's "access" or "id"
	ExpiresAt     time.Time
	NotBefore     time.Time
	IssuedAt      time.Time
	Names         []string // every claim name in the token, sorted
}

// Check decodes the token without trusting it and runs every check of this
// Authorizer, carrying on after failures, for `toolgate token check`. Like
// Verify it may force one rate-limited refresh of the key set for an
// unknown kid; unlike Verify it never reads or fills the verified-token
// cache.
func (a *Authorizer) Check(ctx context.Context, token string) Report {
	rep := &Report{}
	e := evaluation{a: a, ctx: ctx, now: a.now(), rep: rep}
	a.evaluate(&e, token)
	rep.Failure = e.failure
	h := e.t.hdr
	rep.Header = HeaderSummary{Alg: clean(h.alg), Kid: clean(h.kid), Typ: clean(h.typ)}
	if c := e.c; c != nil {
		s := ClaimsSummary{
			Issuer:    clean(c.iss),
			Subject:   clean(c.sub),
			ClientID:  clean(c.clientID),
			TokenUse:  clean(c.tokenUse),
			ExpiresAt: c.exp,
			NotBefore: c.nbf,
			IssuedAt:  c.iat,
		}
		if c.clientState == present {
			s.ClientIDClaim = c.clientIDClaim
		}
		for _, v := range c.aud {
			s.Audience = append(s.Audience, clean(v))
		}
		for _, v := range c.scopes {
			s.Scopes = append(s.Scopes, clean(v))
		}
		for n := range c.m {
			s.Names = append(s.Names, clean(n))
		}
		slices.Sort(s.Names)
		rep.Claims = s
	}
	return *rep
}
