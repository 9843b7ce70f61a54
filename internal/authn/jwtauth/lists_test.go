package jwtauth

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/agentcore"
)

type cfgMod = func(*agentcore.CustomJWTAuthorizerConfiguration)

func audience(v ...string) cfgMod {
	return func(c *agentcore.CustomJWTAuthorizerConfiguration) { c.AllowedAudience = v }
}
func clients(v ...string) cfgMod {
	return func(c *agentcore.CustomJWTAuthorizerConfiguration) { c.AllowedClients = v }
}
func scopes(v ...string) cfgMod {
	return func(c *agentcore.CustomJWTAuthorizerConfiguration) { c.AllowedScopes = v }
}

func rule(name string, typ agentcore.InboundTokenClaimValueType, op agentcore.ClaimMatchOperatorType, value any) agentcore.CustomClaimValidationType {
	v := &agentcore.ClaimMatchValue{}
	switch x := value.(type) {
	case string:
		v.MatchValueString = &x
	case []string:
		v.MatchValueStringList = x
	}
	return agentcore.CustomClaimValidationType{
		InboundTokenClaimName:      &name,
		InboundTokenClaimValueType: typ,
		AuthorizingClaimMatchValue: &agentcore.AuthorizingClaimMatchValue{ClaimMatchValue: v, ClaimMatchOperator: op},
	}
}

func customClaims(rs ...agentcore.CustomClaimValidationType) cfgMod {
	return func(c *agentcore.CustomJWTAuthorizerConfiguration) { c.CustomClaims = rs }
}

func all(ms ...cfgMod) cfgMod {
	return func(c *agentcore.CustomJWTAuthorizerConfiguration) {
		for _, m := range ms {
			m(c)
		}
	}
}

const (
	str      = agentcore.InboundTokenClaimValueTypeString
	strArray = agentcore.InboundTokenClaimValueTypeStringArray
	equals   = agentcore.ClaimMatchOperatorEquals
	has      = agentcore.ClaimMatchOperatorContains
	hasAny   = agentcore.ClaimMatchOperatorContainsAny
)

// TestAllowLists covers each allow-list passing and failing, their AND,
// both real token shapes against both list kinds with the exact diagnosis
// of the cross-over mistakes, and AUTHENTICATE_ONLY skipping them.
func TestAllowLists(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	cog, a0 := e.cognito(), e.auth0()
	deptEng := customClaims(rule("department", str, equals, "eng"))
	groupsAdmin := customClaims(rule("cognito:groups", strArray, has, "admins"))
	groupsAny := customClaims(rule("groups", strArray, hasAny, []string{"sre", "oncall"}))

	tests := []struct {
		name   string
		mode   Mode
		cfg    cfgMod
		claims claims
		want   got
		diag   string // the exact Diagnosis, when set
	}{
		// allowedAudience
		{"aud string matches", Full, audience("gw123"), with(a0, "aud", "gw123"), got{}, ""},
		{"aud array, one matches", Full, audience("x", "https://api.example"), a0, got{}, ""},
		{"aud matches none", Full, audience("gw123"), a0, got{InvalidToken, checkAudience, descAudience},
			"token aud=[https://api.example https://tenant.example/userinfo] matches none of allowedAudience=[gw123]: add the token's audience to allowedAudience, or request the token for one of the allowed audiences"},
		{"aud malformed", Full, audience("gw123"), with(a0, "aud", 5), got{InvalidToken, checkAudience, descAudience}, ""},
		{"Cognito token vs allowedAudience", Full, audience("gw123"), cog, got{InvalidToken, checkAudience, descAudience},
			"token has client_id=cognito-client but no aud; this gateway checks allowedAudience=[gw123]: for Cognito tokens configure allowedClients"},
		{"Auth0 token, client id put in allowedAudience", Full, audience("auth0-client"), a0, got{InvalidToken, checkAudience, descAudience},
			"token aud=[https://api.example https://tenant.example/userinfo] matches none of allowedAudience=[auth0-client]; auth0-client is the token's azp, a client id: client ids belong in allowedClients: configure allowedClients=[auth0-client] and put the API identifier in allowedAudience"},
		{"Auth0 token vs allowedAudience", Full, audience("https://api.example"), a0, got{}, ""},
		{"no aud and no client id", Full, audience("gw123"), with(cog, "client_id", nil), got{InvalidToken, checkAudience, descAudience},
			"token has no aud; this gateway checks allowedAudience=[gw123]: request the token for one of these audiences (the audience or resource parameter at the IdP), or check clients with allowedClients instead"},

		// allowedClients
		{"Cognito token vs allowedClients", Full, clients("other", "cognito-client"), cog, got{}, ""},
		{"azp when there is no client_id", Full, clients("auth0-client"), a0, got{}, ""},
		{"client_id wins over azp", Full, clients("auth0-client"), with(a0, "client_id", "cognito-client"), got{InvalidToken, checkClient, descClient},
			"token client_id=cognito-client is not in allowedClients=[auth0-client]: add cognito-client to allowedClients if that client may call this gateway"},
		{"client not allowed", Full, clients("other"), cog, got{InvalidToken, checkClient, descClient},
			"token client_id=cognito-client is not in allowedClients=[other]: add cognito-client to allowedClients if that client may call this gateway"},
		{"Auth0 token without azp vs allowedClients", Full, clients("auth0-client"), with(a0, "azp", nil), got{InvalidToken, checkClient, descClient},
			"token has aud=[https://api.example https://tenant.example/userinfo] but no client_id or azp; this gateway checks allowedClients=[auth0-client]: for Auth0/Okta tokens configure allowedAudience"},
		{"Auth0 token, audience put in allowedClients", Full, clients("https://api.example"), a0, got{InvalidToken, checkClient, descClient},
			"token azp=auth0-client is not in allowedClients=[https://api.example]; the token's aud=[https://api.example https://tenant.example/userinfo] is listed there: allowedClients holds client ids and allowedAudience holds audiences: move the audience to allowedAudience"},
		{"Cognito ID token vs allowedClients", Full, clients("cognito-client"),
			with(cog, "client_id", nil, "token_use", "id", "aud", "cognito-client"), got{InvalidToken, checkClient, descClient},
			"token has aud=[cognito-client] but no client_id or azp; this gateway checks allowedClients=[cognito-client]: this is an ID token (token_use=id): send the access token instead"},
		{"client_id malformed", Full, clients("x"), with(cog, "client_id", []any{"x"}), got{InvalidToken, checkClient, descClient}, ""},

		// allowedScopes: one of them suffices
		{"scope string has one", Full, scopes("gw/admin", "gw/read"), cog, got{}, ""},
		{"scp array has one", Full, scopes("tools.read"), with(a0, "scope", nil, "scp", []any{"tools.read", "x"}), got{}, ""},
		{"scp space-separated string", Full, scopes("tools.read"), with(a0, "scope", nil, "scp", "x tools.read"), got{}, ""},
		{"scope has none", Full, scopes("gw/admin"), cog, got{InsufficientScope, checkScope, descScope},
			"token scopes [gw/read gw/write] include none of allowedScopes=[gw/admin]: request one of these scopes when getting the token (Cognito: allow it on the app client and its resource server)"},
		{"no scope claim", Full, scopes("gw/admin"), with(cog, "scope", nil), got{InsufficientScope, checkScope, descScope}, ""},
		{"scope malformed", Full, scopes("gw/admin"), with(cog, "scope", 1), got{InvalidToken, checkScope, descScope}, ""},

		// customClaims
		{"STRING EQUALS matches", Full, deptEng, with(cog, "department", "eng"), got{}, ""},
		{"STRING EQUALS differs", Full, deptEng, with(cog, "department", "sales"), got{InvalidToken, "claim:department", descClaim + "department"},
			`token claim "department" does not satisfy STRING EQUALS "eng": give the caller the required claim value at the IdP, or change the rule`},
		{"STRING EQUALS is case-sensitive", Full, deptEng, with(cog, "department", "ENG"), got{InvalidToken, "claim:department", descClaim + "department"}, ""},
		{"STRING rule, array claim", Full, deptEng, with(cog, "department", []any{"eng"}), got{InvalidToken, "claim:department", descClaim + "department"},
			`token claim "department" is an array of strings; the customClaims rule expects a string (STRING EQUALS "eng"): make the rule's inboundTokenClaimValueType match the claim's type`},
		{"STRING rule, claim absent", Full, deptEng, cog, got{InvalidToken, "claim:department", descClaim + "department"},
			`token has no claim "department"; customClaims requires STRING EQUALS "eng": configure the IdP to add the claim to access tokens (Cognito: a pre-token-generation trigger)`},
		{"STRING_ARRAY CONTAINS matches", Full, groupsAdmin, with(cog, "cognito:groups", []any{"users", "admins"}), got{}, ""},
		{"STRING_ARRAY CONTAINS misses", Full, groupsAdmin, with(cog, "cognito:groups", []any{"users"}), got{InvalidToken, "claim:cognito:groups", descClaim + "cognito:groups"},
			`token claim "cognito:groups" does not satisfy STRING_ARRAY CONTAINS "admins": give the caller the required claim value at the IdP, or change the rule`},
		{"STRING_ARRAY rule, string claim", Full, groupsAdmin, with(cog, "cognito:groups", "admins"), got{InvalidToken, "claim:cognito:groups", descClaim + "cognito:groups"},
			`token claim "cognito:groups" is a string; the customClaims rule expects an array of strings (STRING_ARRAY CONTAINS "admins"): make the rule's inboundTokenClaimValueType match the claim's type`},
		{"STRING_ARRAY rule, mixed array", Full, groupsAdmin, with(cog, "cognito:groups", []any{"admins", 3}), got{InvalidToken, "claim:cognito:groups", descClaim + "cognito:groups"}, ""},
		{"STRING_ARRAY CONTAINS_ANY matches", Full, groupsAny, with(cog, "groups", []any{"dev", "oncall"}), got{}, ""},
		{"STRING_ARRAY CONTAINS_ANY misses", Full, groupsAny, with(cog, "groups", []any{"dev"}), got{InvalidToken, "claim:groups", descClaim + "groups"},
			`token claim "groups" does not satisfy STRING_ARRAY CONTAINS_ANY [sre oncall]: give the caller the required claim value at the IdP, or change the rule`},
		{"CONTAINS_ANY, object claim", Full, groupsAny, with(cog, "groups", map[string]any{"sre": true}), got{InvalidToken, "claim:groups", descClaim + "groups"}, ""},
		{"dotted name is a literal top-level claim", Full, customClaims(rule("org.team", str, equals, "sre")),
			with(cog, "org.team", "sre", "org", map[string]any{"team": "x"}), got{}, ""},

		// Lists are AND-ed; the scope check comes last (403 only for otherwise acceptable tokens).
		{"all lists pass", Full, all(clients("cognito-client"), scopes("gw/read"), deptEng), with(cog, "department", "eng"), got{}, ""},
		{"client passes, claim fails", Full, all(clients("cognito-client"), deptEng), cog, got{InvalidToken, "claim:department", descClaim + "department"}, ""},
		{"audience and scope fail: audience first", Full, all(scopes("gw/admin"), audience("gw123")), cog, got{InvalidToken, checkAudience, descAudience}, ""},
		{"only scope fails", Full, all(clients("cognito-client"), scopes("gw/admin"), deptEng), with(cog, "department", "eng"), got{InsufficientScope, checkScope, descScope}, ""},

		// AUTHENTICATE_ONLY skips every list.
		{"AUTHENTICATE_ONLY skips lists", AuthenticateOnly, all(audience("gw123"), clients("x"), scopes("gw/admin"), deptEng), cog, got{}, ""},
		{"AUTHENTICATE_ONLY still checks exp", AuthenticateOnly, audience("gw123"), with(cog, "exp", 1), got{InvalidToken, checkExp, descExpired}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.auth(t, Options{Mode: tt.mode}, tt.cfg)
			p, err := a.Verify(context.Background(), mint(t, k.rsa1, tt.claims))
			if diff := cmp.Diff(tt.want, outcome(err)); diff != "" {
				if f, ok := err.(*Failure); ok {
					t.Logf("diagnosis: %s", f.Diagnosis)
				}
				t.Fatalf("(-want +got):\n%s", diff)
			}
			if err == nil {
				if p == nil || p.Token == "" {
					t.Fatalf("Verify returned no principal")
				}
				return
			}
			f := failureOf(t, err)
			if tt.diag != "" {
				if diff := cmp.Diff(tt.diag, f.Diagnosis); diff != "" {
					t.Errorf("Diagnosis (-want +got):\n%s", diff)
				}
			}
			assertPublicDescription(t, f, "department", "cognito:groups", "groups")
		})
	}
}

// TestInsufficientScopeAdvertises: MissingScopes are the advertised forms
// of allowedScopes, the same as RequiredScopes.
func TestInsufficientScopeAdvertises(t *testing.T) {
	k := keys(t)
	e := newEnv(t, k.rsa1)
	a := e.auth(t, Options{}, func(c *agentcore.CustomJWTAuthorizerConfiguration) {
		c.AllowedScopes = []string{"gw/admin", "gw/ops", "tools"}
		c.AdvertisedScopeMapping = map[string]string{"gw/admin": "api://gw/admin", "gw/ops": "api://gw/admin"}
	})
	want := []string{"api://gw/admin", "tools"}
	if diff := cmp.Diff(want, a.RequiredScopes()); diff != "" {
		t.Errorf("RequiredScopes (-want +got):\n%s", diff)
	}
	_, err := a.Verify(context.Background(), mint(t, k.rsa1, e.cognito()))
	f := failureOf(t, err)
	if diff := cmp.Diff(want, f.MissingScopes); diff != "" {
		t.Errorf("MissingScopes (-want +got):\n%s", diff)
	}
	// The token must hold the scope itself, not its advertised form.
	if _, err := a.Verify(context.Background(), mint(t, k.rsa1, with(e.cognito(), "scope", "api://gw/admin"))); err == nil {
		t.Errorf("a token with only the advertised form of a scope was accepted")
	}
	if _, err := a.Verify(context.Background(), mint(t, k.rsa1, with(e.cognito(), "scope", "gw/ops"))); err != nil {
		t.Errorf("a token with an allowed scope: %v", err)
	}
}
