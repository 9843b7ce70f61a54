package jwtauth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Check names, in evaluation order: Report.Checks and Failure.Check use
// them.
const (
	checkFormat      = "format"
	checkAlg         = "alg"
	checkTyp         = "typ"
	checkKey         = "key"
	checkSignature   = "signature"
	checkIssuer      = "issuer"
	checkExp         = "exp"
	checkNbf         = "nbf"
	checkIat         = "iat"
	checkAudience    = "audience"
	checkClient      = "client"
	checkClaimPrefix = "claim:"
	checkScope       = "scope"
)

// evaluation is the state of one token's checks. Each check method
// returns true when evaluation must stop (a failure in Verify mode).
type evaluation struct {
	a   *Authorizer
	ctx context.Context
	now time.Time
	rep *Report // nil in Verify mode

	t   token
	c   *claimSet // nil until decoded
	md  *metadata
	idx *keyIndex
	key *vkey

	failure *Failure // the first failure: what Verify returns
}

func (e *evaluation) fail(f *Failure) bool {
	if e.failure == nil {
		e.failure = f
	}
	if e.rep == nil {
		return true
	}
	e.rep.Checks = append(e.rep.Checks, CheckResult{Name: f.Check, Detail: f.detail, Fix: f.fix})
	return false
}

// pass and skip only matter to Check; callers that build a detail string
// test e.rep first so that Verify does not format strings nobody reads.
func (e *evaluation) pass(name, detail string) {
	if e.rep != nil {
		e.rep.Checks = append(e.rep.Checks, CheckResult{Name: name, OK: true, Detail: detail})
	}
}

func (e *evaluation) skip(name, why string) {
	if e.rep != nil {
		e.rep.Checks = append(e.rep.Checks, CheckResult{Name: name, Skipped: true, Detail: why})
	}
}

func malformedFailure(detail string) *Failure {
	return newFailure(InvalidToken, checkFormat, descMalformed, detail,
		"send the access token itself (three base64url segments separated by dots), exactly as the IdP issued it")
}

// checkFormat splits the token (and, for Check, decodes the claims up
// front so that every claim check can run). It returns false when nothing
// else can be checked.
func (e *evaluation) checkFormat(raw string) bool {
	var detail string
	e.t, detail = splitToken(raw)
	if detail != "" {
		e.fail(malformedFailure(detail))
		for _, n := range e.a.checkNames()[1:] {
			e.skip(n, "the token could not be parsed")
		}
		return false
	}
	if e.rep != nil {
		if e.c, detail = decodeClaims(e.t.payload); detail != "" {
			e.fail(malformedFailure(detail))
			return true
		}
	}
	if e.t.hdr.crit {
		return !e.fail(newFailure(InvalidToken, checkFormat, descCrit,
			"token header has a crit parameter; no JWS extension is understood here (RFC 7515 §4.1.11)",
			"issue plain signed access tokens"))
	}
	e.pass(checkFormat, "compact JWS with a JSON header and payload")
	return true
}

// checkNames lists every check of this Authorizer in evaluation order.
func (a *Authorizer) checkNames() []string {
	names := []string{checkFormat, checkAlg, checkTyp, checkKey, checkSignature, checkIssuer, checkExp, checkNbf, checkIat}
	for _, c := range a.lists {
		names = append(names, c.name)
	}
	return names
}

const fixAlg = "configure the IdP to sign access tokens with an asymmetric algorithm (RS256 is the common choice; for Auth0 APIs set the signing algorithm to RS256)"

func (e *evaluation) checkAlg() bool {
	alg := e.t.hdr.alg
	switch _, ok := algs[alg]; {
	case ok:
		e.pass(checkAlg, "alg "+alg)
		return false
	case alg == "":
		return e.fail(newFailure(InvalidToken, checkAlg, descAlg, "token header has no alg", fixAlg))
	case strings.EqualFold(alg, "none"):
		return e.fail(newFailure(InvalidToken, checkAlg, descUnsigned,
			"token alg=none: unsigned tokens are never accepted", fixAlg))
	case len(alg) > 2 && strings.EqualFold(alg[:2], "HS"):
		return e.fail(newFailure(InvalidToken, checkAlg, descAlg, fmt.Sprintf(
			"token alg=%s is symmetric (HMAC); gateways verify only asymmetric signatures (%s) with the IdP's published keys, and an HMAC keyed with a public key is an algorithm-confusion forgery",
			clean(alg), acceptedAlgs), fixAlg))
	default:
		return e.fail(newFailure(InvalidToken, checkAlg, descAlg, fmt.Sprintf(
			"token alg=%s is not accepted (accepted: %s)", clean(alg), acceptedAlgs), fixAlg))
	}
}

func (e *evaluation) checkTyp() bool {
	h := e.t.hdr
	if !h.hasTyp && !h.badTyp {
		e.pass(checkTyp, "no typ header")
		return false
	}
	switch strings.ToLower(h.typ) {
	case "jwt", "at+jwt", "application/jwt", "application/at+jwt":
		e.pass(checkTyp, "typ "+h.typ)
		return false
	}
	detail := "token header typ is not a string"
	if h.hasTyp {
		detail = "token typ=" + clean(h.typ) + " is not an access-token type (accepted: none, JWT, at+jwt)"
	}
	return e.fail(newFailure(InvalidToken, checkTyp, descTyp, detail,
		"send an access token: ID, logout and other typed JWTs are refused"))
}

func (e *evaluation) checkKey() bool {
	h := e.t.hdr
	if _, ok := algs[h.alg]; !ok {
		e.skip(checkKey, "the alg is not accepted")
		return false
	}
	if h.badKid {
		return e.fail(newFailure(InvalidToken, checkKey, descUnknownKey, "token header kid is not a string", "send a token issued by the IdP"))
	}
	md, x, f := e.a.iss.await(e.ctx)
	e.md = md
	if f != nil {
		return e.fail(f)
	}
	k, res, why := x.find(h.kid, h.hasKid, h.alg)
	var out refreshOutcome
	if res == keyUnknown {
		out = md.set.forceRefresh(e.ctx)
		x = md.set.index.Load()
		k, res, why = x.find(h.kid, h.hasKid, h.alg)
	}
	e.idx = x
	switch res {
	case keyFound:
		e.key = k
		if e.rep != nil {
			e.pass(checkKey, fmt.Sprintf("key %s from %s", k, x.uri))
		}
		return false
	case keyNoKid:
		return e.fail(newFailure(InvalidToken, checkKey, descNoKid, fmt.Sprintf(
			"token has no kid and %s: a kid is required to choose among several keys", e.describeSet(x)),
			"configure the IdP to put kid in the token header"))
	case keyMismatch:
		return e.fail(newFailure(InvalidToken, checkKey, descKeyMismatch, fmt.Sprintf(
			"token alg=%s does not fit key %s", h.alg, why),
			"the token header and the published key disagree: the token is forged, or the IdP publishes the key with the wrong alg"))
	}
	return e.fail(e.unknownKey(x, out))
}

func (e *evaluation) describeSet(x *keyIndex) string {
	return describeSet(x, time.Unix(0, e.md.set.fetchedAt.Load()))
}

// unknownKey explains a kid that is still unknown after the forced
// refresh: Unavailable when the IdP could not be asked, since the token
// might be fine, InvalidToken otherwise.
func (e *evaluation) unknownKey(x *keyIndex, out refreshOutcome) *Failure {
	var b strings.Builder
	if e.t.hdr.hasKid {
		fmt.Fprintf(&b, "token kid=%s is not in the key set: %s", clean(e.t.hdr.kid), e.describeSet(x))
	} else {
		fmt.Fprintf(&b, "token has no kid and %s", e.describeSet(x))
	}
	minKid := e.a.iss.ks.minKid
	switch {
	case out.limited && out.err == nil:
		fmt.Fprintf(&b, "; it was last refreshed for an unknown kid at %s (at most once per %s)", stamp(out.at), minKid)
	case out.limited:
		fmt.Fprintf(&b, "; the last refresh for an unknown kid, at %s, failed: %v", stamp(out.at), out.err)
	case out.err == nil:
		b.WriteString("; it was refreshed just now")
	default:
		fmt.Fprintf(&b, "; refreshing it failed: %v", out.err)
	}
	b.WriteString(e.foreignIssuerHint())
	if out.err != nil {
		return newFailure(Unavailable, checkKey, descUnavailable, b.String(),
			"check that toolgate can reach the IdP; tokens signed with keys fetched earlier keep working meanwhile")
	}
	return newFailure(InvalidToken, checkKey, descUnknownKey, b.String(), fmt.Sprintf(
		"get the token from the IdP behind discoveryUrl %s; if that IdP has just rotated its keys, retry after %s",
		e.a.discoveryURL, minKid))
}

// foreignIssuerHint points out, when it is the likely cause of a key or
// signature failure, that the token's unverified iss is another IdP's.
func (e *evaluation) foreignIssuerHint() string {
	if e.c == nil {
		e.c, _ = decodeClaims(e.t.payload) // failure path only
	}
	if e.c == nil || e.md == nil || e.c.issState != present || e.c.iss == e.md.Issuer {
		return ""
	}
	return fmt.Sprintf("; the token's (unverified) iss=%s is not this gateway's issuer %s, so it comes from another IdP", clean(e.c.iss), e.md.Issuer)
}

func (e *evaluation) checkSignature() bool {
	if e.key == nil {
		e.skip(checkSignature, "no key to verify the signature with")
		return false
	}
	e.a.sigChecks.Add(1)
	if err := e.key.verify(e.t.hdr.alg, bytesOf(e.t.signingInput), e.t.sig); err != nil {
		return e.fail(newFailure(InvalidToken, checkSignature, descSignature, fmt.Sprintf(
			"the signature does not verify with key %s from %s%s", e.key, e.idx.uri, e.foreignIssuerHint()),
			"the token was not signed by this IdP: it is forged or altered, or comes from another IdP that uses the same kid"))
	}
	if e.rep != nil {
		e.pass(checkSignature, "verified with key "+e.key.String())
	}
	return false
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
