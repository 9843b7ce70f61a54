package idp_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/toolgate/toolgate/internal/idp"
)

const pool1 = "us-east-1_Pool00001"

func TestDiscoveryDocuments(t *testing.T) {
	e := newEnv(t)
	e.createPool(pool1, map[string][]string{"sre-gateway": {"invoke", "read"}, "billing": {"read"}})
	iss := e.issuer(pool1)
	common := map[string]any{
		"issuer":                                iss,
		"token_endpoint":                        iss + "/oauth2/token",
		"jwks_uri":                              iss + "/.well-known/jwks.json",
		"grant_types_supported":                 []any{"client_credentials"},
		"token_endpoint_auth_methods_supported": []any{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []any{"billing/read", "sre-gateway/invoke", "sre-gateway/read"},
		"response_types_supported":              []any{},
	}
	openid := map[string]any{"subject_types_supported": []any{"public"}, "id_token_signing_alg_values_supported": []any{"RS256"}}
	for k, v := range common {
		openid[k] = v
	}
	tests := []struct {
		path string
		want map[string]any
	}{
		{"/idp/" + pool1 + "/.well-known/openid-configuration", openid},
		{"/.well-known/openid-configuration/idp/" + pool1, openid},
		{"/idp/" + pool1 + "/.well-known/oauth-authorization-server", common},
		{"/.well-known/oauth-authorization-server/idp/" + pool1, common},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r := e.get(tc.path)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			if d := cmp.Diff(tc.want, r.json(t)); d != "" {
				t.Errorf("document mismatch (-want +got):\n%s", d)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if r.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Errorf("public document not readable cross-origin: %v", r.header)
			}
		})
	}
	if got := idp.DiscoveryURL(e.url, pool1); got != iss+"/.well-known/openid-configuration" {
		t.Errorf("DiscoveryURL = %q", got)
	}
	if got := idp.TokenEndpoint(e.url, pool1); got != iss+"/oauth2/token" {
		t.Errorf("TokenEndpoint = %q", got)
	}
}

func TestDiscoveryUnknownPool(t *testing.T) {
	e := newEnv(t)
	e.createPool(pool1, nil)
	for _, path := range []string{
		"/idp/us-east-1_Nobody/.well-known/openid-configuration",
		"/.well-known/oauth-authorization-server/idp/us-east-1_Nobody",
		"/idp/us-east-1_Nobody/.well-known/jwks.json",
	} {
		if r := e.get(path); r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, r.status)
		}
	}
	// A pool without resource servers advertises an empty list, not null.
	if got := e.get("/idp/" + pool1 + "/.well-known/openid-configuration").json(t)["scopes_supported"]; got == nil {
		t.Errorf("scopes_supported of a pool without scopes = %v, want []", got)
	}
}

// TestJWKSPublishesOnlyPublicKeys: one RSA key with kid, alg and use, and
// none of the private members.
func TestJWKSPublishesOnlyPublicKeys(t *testing.T) {
	e := newEnv(t)
	e.createPool(pool1, nil)
	r := e.get("/idp/" + pool1 + "/.well-known/jwks.json")
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1: %s", len(doc.Keys), r.body)
	}
	k := doc.Keys[0]
	for member, want := range map[string]any{"kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB"} {
		if k[member] != want {
			t.Errorf("key %s = %v, want %v", member, k[member], want)
		}
	}
	if kid, _ := k["kid"].(string); kid == "" {
		t.Errorf("key has no kid: %v", k)
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[private]; ok {
			t.Errorf("JWKS publishes the private member %q", private)
		}
	}
	set, err := jwk.Parse(r.body)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := set.Key(0)
	if isPrivate, err := jwk.IsPrivateKey(key); err != nil || isPrivate {
		t.Errorf("published key is private (%v, %v)", isPrivate, err)
	}
	if cc := r.header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("JWKS Cache-Control = %q", cc)
	}
}
