package jwtauth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/agentcore"
)

// The claim checks. Each skips when the payload could not be decoded
// (Check mode only: Verify stops earlier).

func (e *evaluation) checkIssuer() bool {
	switch {
	case e.c == nil:
		e.skip(checkIssuer, "the payload could not be decoded")
		return false
	case e.md == nil:
		e.skip(checkIssuer, "the discovery document is not available")
		return false
	}
	want := e.md.Issuer
	fix := fmt.Sprintf("get the token from the IdP of discoveryUrl %s, or point discoveryUrl at the token's IdP", e.a.discoveryURL)
	switch e.c.issState {
	case absent:
		return e.fail(newFailure(InvalidToken, checkIssuer, descIssuer, "token has no iss claim; this gateway's issuer is "+want, fix))
	case malformed:
		return e.fail(newFailure(InvalidToken, checkIssuer, descIssuer, "token iss is not a string; this gateway's issuer is "+want, fix))
	}
	if e.c.iss == want {
		e.pass(checkIssuer, "iss equals the discovery issuer "+want)
		return false
	}
	detail := fmt.Sprintf("token iss=%s does not equal the issuer %s of discoveryUrl %s", clean(e.c.iss), want, e.a.discoveryURL)
	if strings.TrimSuffix(e.c.iss, "/") == strings.TrimSuffix(want, "/") {
		detail += " (they differ only by a trailing slash; issuers are compared exactly)"
		fix = "configure the IdP's issuer and the discovery document consistently"
	} else {
		fix = fmt.Sprintf("point discoveryUrl at the token's IdP (%s/.well-known/openid-configuration), or get the token from %s",
			strings.TrimSuffix(clean(e.c.iss), "/"), want)
	}
	return e.fail(newFailure(InvalidToken, checkIssuer, descIssuer, detail, fix))
}

const fixClock = "check the clocks of the IdP and of this host (NTP)"

func (e *evaluation) timeFailure(name, claim string) bool {
	return e.fail(newFailure(InvalidToken, name, descTimeMalformed,
		"token "+claim+" is not a NumericDate (seconds since 1970 as a JSON number)", "fix the IdP's token format"))
}

func (e *evaluation) checkExp() bool {
	c := e.c
	switch {
	case c == nil:
		e.skip(checkExp, "the payload could not be decoded")
		return false
	case c.expState == absent:
		return e.fail(newFailure(InvalidToken, checkExp, descNoExp,
			"token has no exp claim; gateways accept only tokens that expire", "configure the IdP to issue expiring access tokens"))
	case c.expState == malformed:
		return e.timeFailure(checkExp, "exp")
	case !e.now.Before(c.exp.Add(e.a.leeway)):
		return e.fail(newFailure(InvalidToken, checkExp, descExpired, fmt.Sprintf(
			"token expired at %s (now %s, leeway %s)", stamp(c.exp), stamp(e.now), e.a.leeway),
			"get a new token; if it was just issued, "+fixClock))
	}
	if e.rep != nil {
		e.pass(checkExp, fmt.Sprintf("expires at %s (in %s)", stamp(c.exp), c.exp.Sub(e.now).Round(time.Second)))
	}
	return false
}

func (e *evaluation) checkNbf() bool {
	c := e.c
	switch {
	case c == nil:
		e.skip(checkNbf, "the payload could not be decoded")
		return false
	case c.nbfState == absent:
		e.pass(checkNbf, "no nbf claim")
		return false
	case c.nbfState == malformed:
		return e.timeFailure(checkNbf, "nbf")
	case e.now.Add(e.a.leeway).Before(c.nbf):
		return e.fail(newFailure(InvalidToken, checkNbf, descNotYetValid, fmt.Sprintf(
			"token is not valid before %s (now %s, leeway %s)", stamp(c.nbf), stamp(e.now), e.a.leeway),
			"use the token once it is valid; "+fixClock))
	}
	if e.rep != nil {
		e.pass(checkNbf, "valid since "+stamp(c.nbf))
	}
	return false
}

func (e *evaluation) checkIat() bool {
	c := e.c
	switch {
	case c == nil:
		e.skip(checkIat, "the payload could not be decoded")
		return false
	case c.iatState == absent:
		e.pass(checkIat, "no iat claim")
		return false
	case c.iatState == malformed:
		return e.timeFailure(checkIat, "iat")
	case c.iat.After(e.now.Add(e.a.leeway)):
		return e.fail(newFailure(InvalidToken, checkIat, descIssuedInFuture, fmt.Sprintf(
			"token iat=%s is in the future (now %s, leeway %s)", stamp(c.iat), stamp(e.now), e.a.leeway), fixClock))
	}
	if e.rep != nil {
		e.pass(checkIat, "issued at "+stamp(c.iat))
	}
	return false
}

// idTokenFix replaces a fix when the token is a Cognito ID token, the
// classic mistake behind audience and client failures.
func (e *evaluation) idTokenFix(fix string) string {
	if e.c.tokenUse == "id" {
		return "this is an ID token (token_use=id): send the access token instead"
	}
	return fix
}

func (e *evaluation) checkAudience() bool {
	c, allowed := e.c, e.a.audience
	if c == nil {
		e.skip(checkAudience, "the payload could not be decoded")
		return false
	}
	var detail, fix string
	switch {
	case c.audState == malformed:
		detail = "token aud is neither a string nor an array of strings; this gateway checks allowedAudience=" + list(allowed)
		fix = "fix the IdP's token format"
	case c.audState == absent && c.clientIDClaim == "client_id" && c.clientState == present:
		// The example of issue 3, verbatim: Cognito access tokens carry
		// client_id and no aud.
		detail = fmt.Sprintf("token has client_id=%s but no aud; this gateway checks allowedAudience=%s", clean(c.clientID), list(allowed))
		fix = "for Cognito tokens configure allowedClients"
	case c.audState == absent:
		detail = "token has no aud; this gateway checks allowedAudience=" + list(allowed)
		fix = "request the token for one of these audiences (the audience or resource parameter at the IdP), or check clients with allowedClients instead"
	case anyIn(c.aud, allowed):
		if e.rep != nil {
			e.pass(checkAudience, fmt.Sprintf("aud %s matches allowedAudience=%s", list(c.aud), list(allowed)))
		}
		return false
	default:
		detail = fmt.Sprintf("token aud=%s matches none of allowedAudience=%s", list(c.aud), list(allowed))
		fix = "add the token's audience to allowedAudience, or request the token for one of the allowed audiences"
		if c.clientState == present && contains(allowed, c.clientID) {
			detail += fmt.Sprintf("; %s is the token's %s, a client id", clean(c.clientID), c.clientIDClaim)
			fix = fmt.Sprintf("client ids belong in allowedClients: configure allowedClients=[%s] and put the API identifier in allowedAudience", clean(c.clientID))
		}
	}
	return e.fail(newFailure(InvalidToken, checkAudience, descAudience, detail, e.idTokenFix(fix)))
}

func (e *evaluation) checkClient() bool {
	c, allowed := e.c, e.a.clients
	if c == nil {
		e.skip(checkClient, "the payload could not be decoded")
		return false
	}
	var detail, fix string
	switch {
	case c.clientState == malformed:
		detail = "token " + c.clientIDClaim + " is not a string; this gateway checks allowedClients=" + list(allowed)
		fix = "fix the IdP's token format"
	case c.clientState == absent && c.audState == present:
		// The mirror of the Cognito case: Auth0/Okta-style tokens name
		// the API in aud.
		detail = fmt.Sprintf("token has aud=%s but no client_id or azp; this gateway checks allowedClients=%s", list(c.aud), list(allowed))
		fix = "for Auth0/Okta tokens configure allowedAudience"
	case c.clientState == absent:
		detail = "token has no client_id or azp; this gateway checks allowedClients=" + list(allowed)
		fix = "configure the IdP to include client_id (or azp) in access tokens"
	case contains(allowed, c.clientID):
		if e.rep != nil {
			e.pass(checkClient, fmt.Sprintf("%s=%s is in allowedClients", c.clientIDClaim, clean(c.clientID)))
		}
		return false
	default:
		detail = fmt.Sprintf("token %s=%s is not in allowedClients=%s", c.clientIDClaim, clean(c.clientID), list(allowed))
		fix = fmt.Sprintf("add %s to allowedClients if that client may call this gateway", clean(c.clientID))
		if c.audState == present && anyIn(c.aud, allowed) {
			detail += fmt.Sprintf("; the token's aud=%s is listed there", list(c.aud))
			fix = "allowedClients holds client ids and allowedAudience holds audiences: move the audience to allowedAudience"
		}
	}
	return e.fail(newFailure(InvalidToken, checkClient, descClient, detail, e.idTokenFix(fix)))
}

func (e *evaluation) checkScope() bool {
	c, allowed := e.c, e.a.scopes
	if c == nil {
		e.skip(checkScope, "the payload could not be decoded")
		return false
	}
	fix := "request one of these scopes when getting the token (Cognito: allow it on the app client and its resource server)"
	var detail string
	switch {
	case c.scopeState == malformed:
		return e.fail(newFailure(InvalidToken, checkScope, descScope,
			"token scope or scp is neither a string nor an array of strings", "fix the IdP's token format"))
	case len(c.scopes) == 0:
		detail = "token has no scope or scp claim; this gateway requires one of allowedScopes=" + list(allowed)
	case anyIn(c.scopes, allowed):
		if e.rep != nil {
			e.pass(checkScope, fmt.Sprintf("scopes %s include one of allowedScopes=%s", list(c.scopes), list(allowed)))
		}
		return false
	default:
		detail = fmt.Sprintf("token scopes %s include none of allowedScopes=%s", list(c.scopes), list(allowed))
	}
	f := newFailure(InsufficientScope, checkScope, descScope, detail, fix)
	f.MissingScopes = e.a.RequiredScopes()
	return e.fail(f)
}

func anyIn(have, allowed []string) bool {
	for _, h := range have {
		if contains(allowed, h) {
			return true
		}
	}
	return false
}

// claimRule is one compiled customClaims entry.
type claimRule struct {
	name      string
	checkName string // "claim:" + name
	typ       agentcore.InboundTokenClaimValueType
	op        agentcore.ClaimMatchOperatorType
	value     string   // EQUALS, CONTAINS
	values    []string // CONTAINS_ANY
}

// compileRule accepts the combinations the control plane validates:
// STRING with EQUALS and a string, STRING_ARRAY with CONTAINS and a string
// or with CONTAINS_ANY and a list. Anything else is refused here too, so a
// rule stored before validation existed cannot silently match nothing or
// everything.
func compileRule(c agentcore.CustomClaimValidationType) (claimRule, error) {
	if c.InboundTokenClaimName == nil || *c.InboundTokenClaimName == "" {
		return claimRule{}, errors.New("inboundTokenClaimName is required")
	}
	m := c.AuthorizingClaimMatchValue
	if m == nil || m.ClaimMatchValue == nil {
		return claimRule{}, errors.New("authorizingClaimMatchValue.claimMatchValue is required")
	}
	r := claimRule{name: *c.InboundTokenClaimName, checkName: checkClaimPrefix + *c.InboundTokenClaimName, typ: c.InboundTokenClaimValueType, op: m.ClaimMatchOperator}
	v := m.ClaimMatchValue
	switch {
	case r.typ == agentcore.InboundTokenClaimValueTypeString && r.op == agentcore.ClaimMatchOperatorEquals,
		r.typ == agentcore.InboundTokenClaimValueTypeStringArray && r.op == agentcore.ClaimMatchOperatorContains:
		if v.MatchValueString == nil {
			return claimRule{}, fmt.Errorf("%s %s needs matchValueString", r.typ, r.op)
		}
		r.value = *v.MatchValueString
	case r.typ == agentcore.InboundTokenClaimValueTypeStringArray && r.op == agentcore.ClaimMatchOperatorContainsAny:
		if len(v.MatchValueStringList) == 0 {
			return claimRule{}, fmt.Errorf("%s %s needs matchValueStringList", r.typ, r.op)
		}
		r.values = v.MatchValueStringList
	default:
		return claimRule{}, fmt.Errorf("inboundTokenClaimValueType %q with claimMatchOperator %q is not supported", r.typ, r.op)
	}
	return r, nil
}

// describe renders the rule for diagnoses; values are configuration, not
// claims, so they may be shown.
func (r claimRule) describe() string {
	if r.op == agentcore.ClaimMatchOperatorContainsAny {
		return fmt.Sprintf("%s %s %s", r.typ, r.op, list(r.values))
	}
	return fmt.Sprintf("%s %s %q", r.typ, r.op, r.value)
}

// check never quotes the claim's value: custom claims may be personal data.
func (r claimRule) check(e *evaluation) bool {
	name := r.checkName
	if e.c == nil {
		e.skip(name, "the payload could not be decoded")
		return false
	}
	fail := func(detail, fix string) bool {
		return e.fail(newFailure(InvalidToken, name, descClaim+r.name, detail, fix))
	}
	v, ok := e.c.m[r.name]
	if !ok {
		return fail(fmt.Sprintf("token has no claim %q; customClaims requires %s", r.name, r.describe()),
			"configure the IdP to add the claim to access tokens (Cognito: a pre-token-generation trigger)")
	}
	var match bool
	if r.typ == agentcore.InboundTokenClaimValueTypeString {
		s, ok := v.(string)
		if !ok {
			return fail(fmt.Sprintf("token claim %q is %s; the customClaims rule expects a string (%s)", r.name, jsonType(v), r.describe()),
				"make the rule's inboundTokenClaimValueType match the claim's type")
		}
		match = s == r.value
	} else {
		arr, ok := stringArray(v)
		if !ok {
			return fail(fmt.Sprintf("token claim %q is %s; the customClaims rule expects an array of strings (%s)", r.name, jsonType(v), r.describe()),
				"make the rule's inboundTokenClaimValueType match the claim's type")
		}
		if r.op == agentcore.ClaimMatchOperatorContains {
			match = contains(arr, r.value)
		} else {
			match = anyIn(arr, r.values)
		}
	}
	if !match {
		return fail(fmt.Sprintf("token claim %q does not satisfy %s", r.name, r.describe()),
			"give the caller the required claim value at the IdP, or change the rule")
	}
	if e.rep != nil {
		e.pass(name, "claim satisfies "+r.describe())
	}
	return false
}

func stringArray(v any) ([]string, bool) {
	a, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, len(a))
	for i, x := range a {
		if out[i], ok = x.(string); !ok {
			return nil, false
		}
	}
	return out, true
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		if _, ok := stringArray(v); ok {
			return "an array of strings"
		}
		return "an array with non-string elements"
	default:
		return fmt.Sprintf("%T", v)
	}
}
