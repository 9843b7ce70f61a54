package jwtauth

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"
	"unsafe"
)

// maxTokenBytes bounds the tokens Verify will look at. Large IdP tokens
// (Entra ID with group claims) stay under 16 KiB.
const maxTokenBytes = 32 << 10

// b64 is strict base64url without padding (RFC 7515 §2): non-canonical
// encodings are refused so that one token has exactly one spelling, which
// the verified-token cache relies on.
var b64 = base64.RawURLEncoding.Strict()

// header holds the JOSE header fields this package acts on.
type header struct {
	alg, kid, typ  string
	hasKid, hasTyp bool
	badKid, badTyp bool // present but not a string
	crit           bool
}

// token is a compact JWS split into its parts, not yet trusted.
type token struct {
	raw          string
	signingInput string // header.payload, what the signature covers
	payload      string // base64url payload segment
	sig          []byte
	hdr          header
}

// splitToken parses the compact serialization and the header. The payload
// is decoded separately (decodeClaims) so that Verify parses attacker JSON
// only after the signature holds. detail is "" on success.
func splitToken(raw string) (t token, detail string) {
	t.raw = raw
	if len(raw) > maxTokenBytes {
		return t, "token is larger than 32 KiB"
	}
	switch n := strings.Count(raw, "."); {
	case n == 4:
		return t, "token has five segments: it is an encrypted JWT (JWE), which gateways do not accept"
	case n != 2:
		return t, "token does not have the three dot-separated segments of a compact JWS"
	}
	i := strings.IndexByte(raw, '.')
	j := strings.LastIndexByte(raw, '.')
	t.signingInput, t.payload = raw[:j], raw[i+1:j]
	hb, err := b64.DecodeString(raw[:i])
	if err != nil {
		return t, "token header is not base64url"
	}
	var h map[string]any
	if err := json.Unmarshal(hb, &h); err != nil || h == nil {
		return t, "token header is not a JSON object"
	}
	if t.sig, err = b64.DecodeString(raw[j+1:]); err != nil {
		return t, "token signature segment is not base64url"
	}
	// Keys are matched exactly: encoding/json would fold case into struct
	// fields, and "ALG" is not "alg".
	t.hdr.alg, _ = h["alg"].(string)
	if v, ok := h["kid"]; ok {
		t.hdr.kid, t.hdr.hasKid = v.(string)
		t.hdr.badKid = !t.hdr.hasKid
	}
	if v, ok := h["typ"]; ok {
		t.hdr.typ, t.hdr.hasTyp = v.(string)
		t.hdr.badTyp = !t.hdr.hasTyp
	}
	_, t.hdr.crit = h["crit"]
	return t, ""
}

// fieldState says whether a claim is absent, usable or of the wrong type.
type fieldState uint8

const (
	absent fieldState = iota
	present
	malformed
)

// claimSet is the decoded payload with the registered claims extracted.
type claimSet struct {
	m map[string]any

	iss, sub           string
	issState           fieldState
	aud                []string
	audState           fieldState
	clientID           string
	clientIDClaim      string // "client_id" or "azp"
	clientState        fieldState
	scopes             []string
	scopeState         fieldState
	exp, nbf, iat      time.Time
	expState, nbfState fieldState
	iatState           fieldState
	tokenUse           string // Cognito: "access" or "id"
}

// decodeClaims decodes and extracts the payload. detail is "" on success.
func decodeClaims(payload string) (c *claimSet, detail string) {
	pb, err := b64.DecodeString(payload)
	if err != nil {
		return nil, "token payload is not base64url"
	}
	var m map[string]any
	if err := json.Unmarshal(pb, &m); err != nil || m == nil {
		return nil, "token payload is not a JSON object"
	}
	c = &claimSet{m: m}
	c.iss, c.issState = stringClaim(m, "iss")
	c.sub, _ = stringClaim(m, "sub")
	c.tokenUse, _ = stringClaim(m, "token_use")
	c.aud, c.audState = stringsClaim(m, "aud", false)
	if c.clientID, c.clientState = stringClaim(m, "client_id"); c.clientState != absent {
		c.clientIDClaim = "client_id"
	} else if c.clientID, c.clientState = stringClaim(m, "azp"); c.clientState != absent {
		c.clientIDClaim = "azp"
	}
	scope, s1 := stringsClaim(m, "scope", true)
	scp, s2 := stringsClaim(m, "scp", true)
	c.scopes, c.scopeState = union(scope, scp), max(s1, s2)
	c.exp, c.expState = dateClaim(m, "exp")
	c.nbf, c.nbfState = dateClaim(m, "nbf")
	c.iat, c.iatState = dateClaim(m, "iat")
	return c, ""
}

func stringClaim(m map[string]any, name string) (string, fieldState) {
	v, ok := m[name]
	if !ok {
		return "", absent
	}
	if s, ok := v.(string); ok {
		return s, present
	}
	return "", malformed
}

// stringsClaim reads a string or an array of strings; split says whether
// a string holds space-separated values (scope) or one value (aud).
func stringsClaim(m map[string]any, name string, split bool) ([]string, fieldState) {
	switch v := m[name].(type) {
	case nil:
		if _, ok := m[name]; ok {
			return nil, malformed
		}
		return nil, absent
	case string:
		if split {
			return strings.Fields(v), present
		}
		return []string{v}, present
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, malformed
			}
			out = append(out, s)
		}
		return out, present
	default:
		return nil, malformed
	}
}

// maxNumericDate is 9999-12-31T23:59:59Z: later values are not dates.
const maxNumericDate = 253402300799

// dateClaim reads a NumericDate (RFC 7519 §2: seconds, fractions allowed).
func dateClaim(m map[string]any, name string) (time.Time, fieldState) {
	v, ok := m[name]
	if !ok {
		return time.Time{}, absent
	}
	f, ok := v.(float64)
	if !ok || f < 0 || f > maxNumericDate {
		return time.Time{}, malformed
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), present
}

func union(a, b []string) []string {
	if len(b) == 0 {
		return a
	}
	out := a
	for _, s := range b {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// bytesOf views s as bytes without copying, for read-only callers (hash
// and signature functions): the token is hashed on every request, and a
// copy of a kilobyte-sized string is the only allocation of a cache hit.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
