package jwtauth

import (
	"context"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func hs256(key []byte, hdr, payload claims) string {
	input := seg(hdr) + "." + seg(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(input))
	return input + "." + b64.EncodeToString(m.Sum(nil))
}

// TestVerifyRejects covers every rejection rule of the token itself:
// format, header, key, signature, issuer and times.
func TestVerifyRejects(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1, k.ec256)
	a := e.auth(t, Options{}, nil)
	now := e.clk.Now().Unix()
	good := e.cognito()

	pubDER, err := x509.MarshalPKIXPublicKey(k.rsa1.pub)
	must(err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	tests := []struct {
		name  string
		token string
		want  got
		diag  string // a substring of the Diagnosis
	}{
		{"alg none", raw(claims{"alg": "none", "typ": "JWT"}, good, nil),
			got{InvalidToken, checkAlg, descUnsigned}, "alg=none"},
		{"alg None with kid", raw(claims{"alg": "None", "kid": "rsa-1"}, good, nil),
			got{InvalidToken, checkAlg, descUnsigned}, "unsigned tokens are never accepted"},
		{"alg missing", raw(claims{"kid": "rsa-1"}, good, []byte("sig")),
			got{InvalidToken, checkAlg, descAlg}, "no alg"},
		{"HS256 keyed with the RSA public key PEM (alg confusion)",
			hs256(pubPEM, claims{"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}, good),
			got{InvalidToken, checkAlg, descAlg}, "algorithm-confusion"},
		{"HS256 keyed with the RSA public key DER",
			hs256(pubDER, claims{"alg": "HS256", "kid": "rsa-1"}, good),
			got{InvalidToken, checkAlg, descAlg}, "alg=HS256 is symmetric"},
		{"HS512 keyed with the modulus, no kid",
			hs256(k.rsa1.pub.(*rsa.PublicKey).N.Bytes(), claims{"alg": "HS512"}, good),
			got{InvalidToken, checkAlg, descAlg}, "alg=HS512"},
		{"unsupported alg ES256K", raw(claims{"alg": "ES256K", "kid": "ec-256"}, good, []byte("sig")),
			got{InvalidToken, checkAlg, descAlg}, "alg=ES256K is not accepted"},
		{"foreign key, known kid", mint(t, k.foreign.with(func(k *testKey) { k.kid = "rsa-1" }), good),
			got{InvalidToken, checkSignature, descSignature}, "does not verify with key kid=rsa-1 (RSA)"},
		{"foreign key and issuer, known kid", mint(t, k.foreign.with(func(k *testKey) { k.kid = "rsa-1" }), with(good, "iss", "https://evil.example")),
			got{InvalidToken, checkSignature, descSignature}, "iss=https://evil.example is not this gateway's issuer"},
		{"altered payload", func() string {
			tok := mint(t, k.rsa1, good)
			parts := strings.Split(tok, ".")
			return parts[0] + "." + seg(with(good, "sub", "admin")) + "." + parts[2]
		}(), got{InvalidToken, checkSignature, descSignature}, "signature does not verify"},
		{"unknown kid", mint(t, k.rsa2, good),
			got{InvalidToken, checkKey, descUnknownKey}, "token kid=rsa-2 is not in the key set"},
		{"kid not a string", mint(t, k.rsa1, good, "kid", 7),
			got{InvalidToken, checkKey, descUnknownKey}, "kid is not a string"},
		{"no kid, several keys", mint(t, k.rsa1, good, "kid", nil),
			got{InvalidToken, checkKey, descNoKid}, "a kid is required"},
		{"ES256 header on an RSA key", mint(t, k.ec256.with(func(k *testKey) { k.kid = "rsa-1" }), good),
			got{InvalidToken, checkKey, descKeyMismatch}, "token alg=ES256 does not fit key kid=rsa-1 (RSA), and alg ES256 needs kty EC"},
		{"RS256 header on an EC key", mint(t, k.rsa1.with(func(k *testKey) { k.kid = "ec-256" }), good),
			got{InvalidToken, checkKey, descKeyMismatch}, "alg RS256 needs kty RSA"},
		{"ES384 header on a P-256 key", mint(t, k.ec384.with(func(k *testKey) { k.kid = "ec-256" }), good),
			got{InvalidToken, checkKey, descKeyMismatch}, "needs curve P-384"},
		{"wrong iss", mint(t, k.rsa1, with(good, "iss", "https://cognito-idp.example/other-pool")),
			got{InvalidToken, checkIssuer, descIssuer}, "iss=https://cognito-idp.example/other-pool does not equal the issuer " + e.idp.issuer},
		{"iss with a trailing slash", mint(t, k.rsa1, with(good, "iss", e.idp.issuer+"/")),
			got{InvalidToken, checkIssuer, descIssuer}, "differ only by a trailing slash"},
		{"no iss", mint(t, k.rsa1, with(good, "iss", nil)),
			got{InvalidToken, checkIssuer, descIssuer}, "no iss claim"},
		{"expired", mint(t, k.rsa1, with(good, "exp", now-3600)),
			got{InvalidToken, checkExp, descExpired}, "token expired at 2026-11-22T11:00:00Z (now 2026-11-22T12:00:00Z, leeway 1m0s)"},
		{"missing exp", mint(t, k.rsa1, with(good, "exp", nil)),
			got{InvalidToken, checkExp, descNoExp}, "no exp claim"},
		{"exp as a string", mint(t, k.rsa1, with(good, "exp", "2099-01-01")),
			got{InvalidToken, checkExp, descTimeMalformed}, "exp is not a NumericDate"},
		{"nbf in the future", mint(t, k.rsa1, with(good, "nbf", now+600)),
			got{InvalidToken, checkNbf, descNotYetValid}, "not valid before 2026-11-22T12:10:00Z"},
		{"iat in the future", mint(t, k.rsa1, with(good, "iat", now+600)),
			got{InvalidToken, checkIat, descIssuedInFuture}, "iat=2026-11-22T12:10:00Z is in the future"},
		{"typ id+jwt", mint(t, k.rsa1, good, "typ", "id+jwt"),
			got{InvalidToken, checkTyp, descTyp}, "typ=id+jwt is not an access-token type"},
		{"typ dpop+jwt", mint(t, k.rsa1, good, "typ", "dpop+jwt"),
			got{InvalidToken, checkTyp, descTyp}, "typ=dpop+jwt"},
		{"typ not a string", mint(t, k.rsa1, good, "typ", true),
			got{InvalidToken, checkTyp, descTyp}, "typ is not a string"},
		{"crit header", mint(t, k.rsa1, good, "crit", []any{"exp"}),
			got{InvalidToken, checkFormat, descCrit}, "crit parameter"},
		{"two segments", "abc.def", got{InvalidToken, checkFormat, descMalformed}, "three dot-separated segments"},
		{"JWE", "a.b.c.d.e", got{InvalidToken, checkFormat, descMalformed}, "encrypted JWT (JWE)"},
		{"empty", "", got{InvalidToken, checkFormat, descMalformed}, "three dot-separated segments"},
		{"header not base64url", "!!." + seg(good) + ".sig", got{InvalidToken, checkFormat, descMalformed}, "header is not base64url"},
		{"padded base64", seg(claims{"alg": "RS256"}) + "=." + seg(good) + ".c2ln", got{InvalidToken, checkFormat, descMalformed}, "header is not base64url"},
		{"header not an object", b64.EncodeToString([]byte(`["RS256"]`)) + "." + seg(good) + ".c2ln", got{InvalidToken, checkFormat, descMalformed}, "header is not a JSON object"},
		{"too large", strings.Repeat("a", maxTokenBytes+1), got{InvalidToken, checkFormat, descMalformed}, "larger than 32 KiB"},
		{"signed payload that is not JSON", func() string {
			hdr := seg(claims{"alg": "RS256", "kid": "rsa-1"})
			input := hdr + "." + b64.EncodeToString([]byte("not json"))
			return input + "." + b64.EncodeToString(signRS256(t, k.rsa1, input))
		}(), got{InvalidToken, checkFormat, descMalformed}, "payload is not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Verify(context.Background(), tt.token)
			if diff := cmp.Diff(tt.want, outcome(err)); diff != "" {
				t.Fatalf("Verify outcome (-want +got):\n%s\ndiagnosis: %v", diff, err.(*Failure).Diagnosis)
			}
			f := failureOf(t, err)
			if !strings.Contains(f.Diagnosis, tt.diag) {
				t.Errorf("Diagnosis = %q, want it to contain %q", f.Diagnosis, tt.diag)
			}
			assertPublicDescription(t, f)
			if f.Error() != f.Description {
				t.Errorf("Error() = %q, want the Description", f.Error())
			}
			// Check agrees with Verify on what fails first.
			if rep := a.Check(context.Background(), tt.token); rep.Failure == nil || rep.Failure.Check != f.Check {
				t.Errorf("Check failure = %+v, want check %q", rep.Failure, f.Check)
			}
		})
	}
}

func signRS256(t testing.TB, k *testKey, input string) []byte {
	d := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, k.priv.(*rsa.PrivateKey), 5 /* crypto.SHA256 */, d[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// TestVerifyAccepts covers every accepted algorithm and typ, a kid-less
// token against a single-key set, and what the Principal carries.
func TestVerifyAccepts(t *testing.T) {
	k := keys(t)
	ps := func(alg string) *testKey {
		return k.rsa2.with(func(k *testKey) { k.kid, k.alg = "ps-"+alg, alg })
	}
	rs := func(alg string) *testKey {
		return k.rsa2.with(func(k *testKey) { k.kid, k.alg = "rs-"+alg, alg })
	}
	all := []*testKey{k.rsa1, rs("RS384"), rs("RS512"), ps("PS256"), ps("PS384"), ps("PS512"), k.ec256, k.ec384, k.ec521, k.ed}
	e := newEnv(t, all...)
	a := e.auth(t, Options{}, nil)
	for _, key := range all {
		t.Run(key.alg, func(t *testing.T) {
			if _, err := a.Verify(context.Background(), mint(t, key, e.cognito())); err != nil {
				t.Fatalf("Verify: %v (%s)", err, err.(*Failure).Diagnosis)
			}
		})
	}
	for _, typ := range []any{nil, "JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt", "application/jwt"} {
		t.Run("typ "+strings.ReplaceAll(fmtAny(typ), "/", "_"), func(t *testing.T) {
			if _, err := a.Verify(context.Background(), mint(t, k.rsa1, e.cognito(), "typ", typ)); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}

	t.Run("no kid, single key", func(t *testing.T) {
		e := newEnv(t, k.ec256)
		a := e.auth(t, Options{}, nil)
		p, err := a.Verify(context.Background(), mint(t, k.ec256, e.cognito(), "kid", nil))
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		want := &Principal{Subject: "c0ffee-sub", ClientID: "cognito-client", Scopes: []string{"gw/read", "gw/write"}, ExpiresAt: t0.Add(time.Hour)}
		if diff := cmp.Diff(want, p, cmpPrincipal); diff != "" {
			t.Errorf("Principal (-want +got):\n%s", diff)
		}
		if p.Claims["token_use"] != "access" || p.Token == "" {
			t.Errorf("Principal claims/token missing: %v", p.Claims)
		}
	})
}

var cmpPrincipal = cmp.FilterPath(func(p cmp.Path) bool {
	s := p.String()
	return s == "Claims" || s == "Token"
}, cmp.Ignore())

func fmtAny(v any) string {
	if v == nil {
		return "absent"
	}
	return v.(string)
}

// TestJWKRestrictions: a JWK's alg restricts the algorithms verified with
// it, and keys published for encryption are never used for signatures.
func TestJWKRestrictions(t *testing.T) {
	k := keys(t)
	restricted := k.rsa1.with(func(k *testKey) { k.jwkAlg = "RS256" })
	enc := k.rsa2.with(func(k *testKey) { k.use = "enc" })
	e := newEnv(t, restricted, enc)
	a := e.auth(t, Options{}, nil)

	_, err := a.Verify(context.Background(), mint(t, restricted.with(func(k *testKey) { k.alg = "PS256" }), e.cognito()))
	if diff := cmp.Diff(got{InvalidToken, checkKey, descKeyMismatch}, outcome(err)); diff != "" {
		t.Errorf("PS256 with an RS256-only JWK (-want +got):\n%s", diff)
	}
	_, err = a.Verify(context.Background(), mint(t, enc, e.cognito()))
	if diff := cmp.Diff(got{InvalidToken, checkKey, descUnknownKey}, outcome(err)); diff != "" {
		t.Errorf("token signed with an enc key (-want +got):\n%s", diff)
	}
	if f := failureOf(t, err); !strings.Contains(f.Diagnosis, "skips kid=rsa-2: use is enc, not sig") {
		t.Errorf("Diagnosis = %q, want the skipped enc key named", f.Diagnosis)
	}
	if _, err := a.Verify(context.Background(), mint(t, restricted, e.cognito())); err != nil {
		t.Errorf("RS256 with the RS256 JWK: %v", err)
	}
}

// TestLeeway pins the boundaries of the exp, nbf and iat checks.
func TestLeeway(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	now := e.clk.Now().Unix()
	tests := []struct {
		name   string
		leeway time.Duration
		kv     []any
		want   got
	}{
		{"exp = now+1s", 0, []any{"exp", now + 1}, got{}},
		{"exp = now, within default leeway", 0, []any{"exp", now}, got{}},
		{"exp = now-59s", 0, []any{"exp", now - 59}, got{}},
		{"exp = now-60s is expired", 0, []any{"exp", now - 60}, got{InvalidToken, checkExp, descExpired}},
		{"exp = now-4.5s, leeway 5s", 5 * time.Second, []any{"exp", float64(now) - 4.5}, got{}},
		{"exp = now-5s, leeway 5s", 5 * time.Second, []any{"exp", now - 5}, got{InvalidToken, checkExp, descExpired}},
		{"exp = now, no leeway", -1, []any{"exp", now}, got{InvalidToken, checkExp, descExpired}},
		{"exp = now+1s, no leeway", -1, []any{"exp", now + 1}, got{}},
		{"nbf = now+60s", 0, []any{"nbf", now + 60}, got{}},
		{"nbf = now+61s", 0, []any{"nbf", now + 61}, got{InvalidToken, checkNbf, descNotYetValid}},
		{"nbf = now+1s, no leeway", -1, []any{"nbf", now + 1}, got{InvalidToken, checkNbf, descNotYetValid}},
		{"nbf = now, no leeway", -1, []any{"nbf", now}, got{}},
		{"iat = now+60s", 0, []any{"iat", now + 60}, got{}},
		{"iat = now+61s", 0, []any{"iat", now + 61}, got{InvalidToken, checkIat, descIssuedInFuture}},
		{"iat = now+1s, no leeway", -1, []any{"iat", now + 1}, got{InvalidToken, checkIat, descIssuedInFuture}},
		{"nbf malformed", 0, []any{"nbf", "soon"}, got{InvalidToken, checkNbf, descTimeMalformed}},
		{"iat malformed", 0, []any{"iat", -1}, got{InvalidToken, checkIat, descTimeMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.auth(t, Options{Leeway: tt.leeway}, nil)
			_, err := a.Verify(context.Background(), mint(t, k.rsa1, with(e.cognito(), tt.kv...)))
			if diff := cmp.Diff(tt.want, outcome(err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
