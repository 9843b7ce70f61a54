package jwtauth

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/agentcore"
)

// TestNewRejectsBadConfiguration: New refuses what it cannot enforce
// faithfully, naming the problem.
func TestNewRejectsBadConfiguration(t *testing.T) {
	ks := newKeySets(t, &clock{t: t0})
	good := "https://idp.example/.well-known/openid-configuration"
	ptr := func(s string) *string { return &s }
	tests := []struct {
		name string
		cfg  agentcore.CustomJWTAuthorizerConfiguration
		want string
	}{
		{"no discoveryUrl", agentcore.CustomJWTAuthorizerConfiguration{}, "discoveryUrl is required"},
		{"relative discoveryUrl", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: ptr("/.well-known/openid-configuration")}, "not an absolute http(s) URL"},
		{"ftp discoveryUrl", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: ptr("ftp://idp/.well-known/openid-configuration")}, "not an absolute http(s) URL"},
		{"STRING with CONTAINS", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &good,
			CustomClaims: []agentcore.CustomClaimValidationType{rule("d", str, has, "x")}}, `customClaims[0]: inboundTokenClaimValueType "STRING" with claimMatchOperator "CONTAINS" is not supported`},
		{"STRING_ARRAY with EQUALS", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &good,
			CustomClaims: []agentcore.CustomClaimValidationType{rule("g", strArray, equals, "x")}}, "is not supported"},
		{"CONTAINS_ANY without a list", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &good,
			CustomClaims: []agentcore.CustomClaimValidationType{rule("g", strArray, hasAny, "x")}}, "needs matchValueStringList"},
		{"EQUALS without a string", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &good,
			CustomClaims: []agentcore.CustomClaimValidationType{rule("d", str, equals, []string{"x"})}}, "needs matchValueString"},
		{"no claim name", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &good,
			CustomClaims: []agentcore.CustomClaimValidationType{rule("", str, equals, "x")}}, "inboundTokenClaimName is required"},
		{"no match value", agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &good,
			CustomClaims: []agentcore.CustomClaimValidationType{{InboundTokenClaimName: ptr("d"), InboundTokenClaimValueType: str}}}, "claimMatchValue is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(ks, tt.cfg, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := New(nil, agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &good}, Options{}); err == nil {
		t.Errorf("New with nil KeySets succeeded")
	}
}

func TestModeFor(t *testing.T) {
	type res struct {
		Mode Mode
		OK   bool
	}
	var got []res
	for _, at := range []agentcore.AuthorizerType{agentcore.AuthorizerTypeCustomJWT, agentcore.AuthorizerTypeAuthenticateOnly, agentcore.AuthorizerTypeNone, agentcore.AuthorizerTypeAWSIAM} {
		m, ok := ModeFor(at)
		got = append(got, res{m, ok})
	}
	want := []res{{Full, true}, {AuthenticateOnly, true}, {0, false}, {0, false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestFailureLogging: slog records the diagnosis; Error() stays public.
func TestFailureLogging(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	a := e.auth(t, Options{}, audience("gw123"))
	_, err := a.Verify(context.Background(), mint(t, k.rsa1, e.cognito()))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("denied", "err", err)
	want := `"err":{"check":"audience","kind":"invalid_token","diagnosis":"token has client_id=cognito-client but no aud; this gateway checks allowedAudience=[gw123]: for Cognito tokens configure allowedClients"}`
	if !strings.Contains(buf.String(), want) {
		t.Errorf("log line %s\nwant it to contain %s", buf.String(), want)
	}
	if err.Error() != descAudience {
		t.Errorf("Error() = %q", err.Error())
	}
}

// TestClean: token-derived strings quoted in diagnoses cannot inject
// lines or flood logs.
func TestClean(t *testing.T) {
	tests := map[string]string{
		"plain":                       "plain",
		"a\nb\x1b[31m":                "a?b?[31m",
		strings.Repeat("x", 200):      strings.Repeat("x", maxEcho) + "…",
		"ünïcode ok":                  "ünïcode ok",
		"bad \xff utf8 \u2028 sep":    "bad ? utf8 ? sep",
		"short but non-ascii é\u200b": "short but non-ascii é?",
	}
	for in, want := range tests {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}
