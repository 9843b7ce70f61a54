package jwtauth

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// row is the comparable part of a CheckResult.
type row struct {
	Name        string
	OK, Skipped bool
}

func rows(r Report) []row {
	out := make([]row, len(r.Checks))
	for i, c := range r.Checks {
		out[i] = row{c.Name, c.OK, c.Skipped}
		if !c.OK && !c.Skipped && c.Fix == "" {
			out[i].Name += " (no fix)"
		}
	}
	return out
}

// TestCheckRunsEverything: Check carries on after failures, reports each
// check with a fix, and names the failure Verify would return.
func TestCheckRunsEverything(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	cfg := all(audience("gw123"), clients("cognito-client"), scopes("gw/admin"),
		customClaims(rule("department", str, equals, "eng")))
	a := e.auth(t, Options{}, cfg)

	// Expired, Cognito-shaped (no aud), lacking the scope and the claim.
	rep := a.Check(context.Background(), mint(t, k.rsa1, with(e.cognito(), "exp", t0.Unix()-3600)))
	want := []row{
		{checkFormat, true, false}, {checkAlg, true, false}, {checkTyp, true, false}, {checkKey, true, false},
		{checkSignature, true, false}, {checkIssuer, true, false}, {checkExp, false, false}, {checkNbf, true, false},
		{checkIat, true, false}, {checkAudience, false, false}, {checkClient, true, false},
		{"claim:department", false, false}, {checkScope, false, false},
	}
	if diff := cmp.Diff(want, rows(rep)); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	if rep.OK() || rep.Failure.Check != checkExp {
		t.Errorf("Failure = %+v, want the exp failure Verify returns", rep.Failure)
	}
	wantHeader := HeaderSummary{Alg: "RS256", Kid: "rsa-1", Typ: "JWT"}
	wantClaims := ClaimsSummary{
		Issuer: e.idp.issuer, Subject: "c0ffee-sub", ClientID: "cognito-client", ClientIDClaim: "client_id",
		Scopes: []string{"gw/read", "gw/write"}, TokenUse: "access",
		ExpiresAt: t0.Add(-3600e9), IssuedAt: t0,
		Names: []string{"auth_time", "client_id", "exp", "iat", "iss", "jti", "scope", "sub", "token_use"},
	}
	if diff := cmp.Diff(wantHeader, rep.Header); diff != "" {
		t.Errorf("Header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantClaims, rep.Claims); diff != "" {
		t.Errorf("Claims (-want +got):\n%s", diff)
	}
	if a.sigChecks.Load() != 1 || a.cache.len() != 0 {
		t.Errorf("Check must verify the signature and leave the cache alone (sig %d, cache %d)", a.sigChecks.Load(), a.cache.len())
	}

	t.Run("forged token: claims checked, signature failure first", func(t *testing.T) {
		rep := a.Check(context.Background(), mint(t, k.foreign.with(func(k *testKey) { k.kid = "rsa-1" }), e.cognito()))
		if rep.Failure.Check != checkSignature || rows(rep)[4] != (row{checkSignature, false, false}) || rows(rep)[10] != (row{checkClient, true, false}) {
			t.Errorf("rows %v, failure %v", rows(rep), rep.Failure.Check)
		}
	})
	t.Run("unknown kid: signature skipped", func(t *testing.T) {
		rep := a.Check(context.Background(), mint(t, k.rsa2, e.cognito()))
		if diff := cmp.Diff([]row{{checkKey, false, false}, {checkSignature, false, true}}, rows(rep)[3:5]); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("unparseable token: the rest skipped", func(t *testing.T) {
		rep := a.Check(context.Background(), "not-a-jwt")
		if len(rep.Checks) != len(want) || rows(rep)[0] != (row{checkFormat, false, false}) {
			t.Fatalf("rows %v", rows(rep))
		}
		for _, r := range rows(rep)[1:] {
			if !r.Skipped {
				t.Errorf("%s was not skipped", r.Name)
			}
		}
	})
	t.Run("payload not JSON: header checks still run", func(t *testing.T) {
		tok := mint(t, k.rsa1, e.cognito())
		parts := strings.Split(tok, ".")
		rep := a.Check(context.Background(), parts[0]+"."+b64.EncodeToString([]byte("{"))+"."+parts[2])
		if diff := cmp.Diff([]row{{checkFormat, false, false}, {checkAlg, true, false}, {checkTyp, true, false}, {checkKey, true, false}, {checkSignature, false, false}, {checkIssuer, false, true}}, rows(rep)[:6]); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("AUTHENTICATE_ONLY: lists skipped", func(t *testing.T) {
		a := e.auth(t, Options{Mode: AuthenticateOnly}, cfg)
		rep := a.Check(context.Background(), mint(t, k.rsa1, e.cognito()))
		if !rep.OK() {
			t.Fatalf("failure %v", rep.Failure)
		}
		for _, r := range rows(rep)[9:] {
			if !r.Skipped {
				t.Errorf("%s was not skipped", r.Name)
			}
		}
		if len(rep.Checks) != len(want) {
			t.Errorf("%d checks, want %d", len(rep.Checks), len(want))
		}
	})
}

// TestNoClaimValuesLeak plants markers in claims and checks every failure:
// Descriptions never carry a claim value, Diagnoses carry sub and
// client_id at most, and Check's summary keeps custom values out.
func TestNoClaimValuesLeak(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	const (
		subMark    = "SUBMARK-7f3a"
		clientMark = "CLIENTMARK-91bc"
		piiMark    = "PIIMARK-e4d2"
	)
	base := with(e.cognito(), "sub", subMark, "client_id", clientMark,
		"email", piiMark+"@example.com", "name", piiMark, "department", piiMark,
		"cognito:groups", []any{piiMark}, "custom:tenant", piiMark)
	cfgs := map[string]cfgMod{
		"audience": audience("gw123"),
		"clients":  clients("other"),
		"scopes":   scopes("gw/admin"),
		"claims": customClaims(rule("department", str, equals, "eng"), rule("cognito:groups", strArray, has, "admins"),
			rule("custom:tenant", strArray, hasAny, []string{"t1"})),
		"claim types": customClaims(rule("cognito:groups", str, equals, "eng")),
	}
	tokens := map[string]string{
		"valid":     mint(t, k.rsa1, base),
		"expired":   mint(t, k.rsa1, with(base, "exp", 1)),
		"wrong iss": mint(t, k.rsa1, with(base, "iss", "https://other.example")),
		"forged":    mint(t, k.foreign.with(func(k *testKey) { k.kid = "rsa-1" }), base),
		"none":      raw(claims{"alg": "none"}, base, nil),
		"bad typ":   mint(t, k.rsa1, base, "typ", "id+jwt"),
	}
	n := 0
	for cn, cfg := range cfgs {
		a := e.auth(t, Options{}, cfg)
		for tn, tok := range tokens {
			_, err := a.Verify(context.Background(), tok)
			rep := a.Check(context.Background(), tok)
			if err == nil {
				t.Fatalf("%s / %s: accepted", cn, tn)
			}
			for _, f := range []*Failure{failureOf(t, err), rep.Failure} {
				n++
				for _, m := range []string{subMark, clientMark, piiMark} {
					if strings.Contains(f.Description, m) {
						t.Errorf("%s / %s: Description %q contains a claim value", cn, tn, f.Description)
					}
				}
				if strings.Contains(f.Diagnosis, piiMark) {
					t.Errorf("%s / %s: Diagnosis %q contains a custom claim value", cn, tn, f.Diagnosis)
				}
			}
			for _, c := range rep.Checks {
				if strings.Contains(c.Detail+c.Fix, piiMark) {
					t.Errorf("%s / %s: check %s says %q", cn, tn, c.Name, c.Detail+" / "+c.Fix)
				}
			}
			if s := strings.Join(rep.Claims.Names, " ") + rep.Claims.Subject + rep.Claims.ClientID; strings.Contains(s, piiMark) {
				t.Errorf("summary leaks: %+v", rep.Claims)
			}
		}
	}
	// The clients list names client_id and the sub is in the summary: the
	// markers must have been visible to the checks for the test to mean
	// anything.
	a := e.auth(t, Options{}, clients("other"))
	_, err := a.Verify(context.Background(), tokens["valid"])
	if f := failureOf(t, err); !strings.Contains(f.Diagnosis, clientMark) {
		t.Errorf("Diagnosis %q should name the client_id", f.Diagnosis)
	}
	if n != 2*len(cfgs)*len(tokens) {
		t.Errorf("checked %d failures", n)
	}
}
