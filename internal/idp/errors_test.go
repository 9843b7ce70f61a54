package idp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/store"
)

// TestTokenErrors: every way a token request is refused, with the RFC 6749
// §5.2 code and status, the Basic challenge exactly where the RFC wants it,
// and no-store on every answer.
func TestTokenErrors(t *testing.T) {
	e, secret := newTokenEnv(t)
	const pool2 = "us-east-1_Pool00002"
	e.createPool(pool2, map[string][]string{"other": {"call"}})
	otherSecret := e.createClient(pool2, "otherpoolclient00000000000", []string{"other/call"}, nil)
	publicClient := "publicclient00000000000000"
	e.createClient(pool1, publicClient, []string{"sre-gateway/invoke"}, func(c *store.PoolClient) { c.SecretHash = "" })
	noFlowSecret := e.createClient(pool1, "noflowclient00000000000000", []string{"sre-gateway/invoke"}, func(c *store.PoolClient) {
		c.AllowedOAuthFlows = []string{"code"}
	})
	disabledSecret := e.createClient(pool1, "disabledclient000000000000", []string{"sre-gateway/invoke"}, func(c *store.PoolClient) {
		c.AllowedOAuthFlowsUserPoolClient = false
	})
	undefinedSecret := e.createClient(pool1, "undefinedscope000000000000", []string{"gone/invoke"}, nil)

	tokenPath := "/idp/" + pool1 + "/oauth2/token"
	post := func(form url.Values) string { return form.Encode() }
	cc := func(extra ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Add(extra[i], extra[i+1])
		}
		return v
	}
	good := basic(clientA, secret)

	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		auth        string
		status      int
		code        string
		challenge   bool
	}{
		// invalid_request: the request itself is malformed.
		{"missing grant_type", tokenPath, "", "scope=sre-gateway%2Finvoke", good, 400, "invalid_request", false},
		{"repeated parameter", tokenPath, "", "grant_type=client_credentials&scope=a&scope=b", good, 400, "invalid_request", false},
		{"JSON body", tokenPath, "application/json", `{"grant_type":"client_credentials"}`, good, 400, "invalid_request", false},
		{"secret in the URL", tokenPath + "?client_secret=" + secret, "", post(cc("client_id", clientA)), "", 400, "invalid_request", false},
		{"two authentication methods", tokenPath, "", post(cc("client_secret", secret)), good, 400, "invalid_request", false},
		{"body client_id differs from Basic", tokenPath, "", post(cc("client_id", "someoneelse")), good, 400, "invalid_request", false},
		{"client_secret without client_id", tokenPath, "", post(cc("client_secret", secret)), "", 400, "invalid_request", false},
		{"body too large", tokenPath, "", post(cc("pad", strings.Repeat("x", 70<<10))), good, 400, "invalid_request", false},

		// invalid_client: authentication failed; 401 + challenge after Basic
		// or without credentials, 400 after client_secret_post.
		{"no credentials", tokenPath, "", post(cc()), "", 401, "invalid_client", true},
		{"client_id only", tokenPath, "", post(cc("client_id", clientA)), "", 401, "invalid_client", true},
		{"basic wrong secret", tokenPath, "", post(cc()), basic(clientA, "wrong-secret"), 401, "invalid_client", true},
		{"basic unknown client", tokenPath, "", post(cc()), basic("nosuchclient", secret), 401, "invalid_client", true},
		{"basic client of another pool", tokenPath, "", post(cc()), basic("otherpoolclient00000000000", otherSecret), 401, "invalid_client", true},
		{"basic not base64", tokenPath, "", post(cc()), "Basic !!!", 401, "invalid_client", true},
		{"basic without colon", tokenPath, "", post(cc()), basicRaw(clientA), 401, "invalid_client", true},
		{"basic bad form-encoding", tokenPath, "", post(cc()), basicRaw(clientA + ":%zz"), 401, "invalid_client", true},
		{"bearer scheme", tokenPath, "", post(cc()), "Bearer " + secret, 401, "invalid_client", true},
		{"post wrong secret", tokenPath, "", post(cc("client_id", clientA, "client_secret", "wrong")), "", 400, "invalid_client", false},
		{"post empty secret", tokenPath, "", post(cc("client_id", clientA, "client_secret", "")), "", 400, "invalid_client", false},
		{"post client without a secret", tokenPath, "", post(cc("client_id", publicClient, "client_secret", "anything")), "", 400, "invalid_client", false},

		// unsupported_grant_type: authenticated, but another grant.
		{"authorization_code grant", tokenPath, "", "grant_type=authorization_code&code=abc", good, 400, "unsupported_grant_type", false},
		{"password grant", tokenPath, "", "grant_type=password&username=u&password=p", good, 400, "unsupported_grant_type", false},
		{"refresh_token grant", tokenPath, "", "grant_type=refresh_token&refresh_token=r", good, 400, "unsupported_grant_type", false},

		// unauthorized_client: authenticated, but not allowed this grant.
		{"client without client_credentials flow", tokenPath, "", post(cc()), basic("noflowclient00000000000000", noFlowSecret), 400, "unauthorized_client", false},
		{"client with OAuth disabled", tokenPath, "", post(cc()), basic("disabledclient000000000000", disabledSecret), 400, "unauthorized_client", false},

		// invalid_scope.
		{"scope defined but not allowed", tokenPath, "", post(cc("scope", "sre-gateway/admin")), good, 400, "invalid_scope", false},
		{"scope unknown", tokenPath, "", post(cc("scope", "sre-gateway/invoke nope/nope")), good, 400, "invalid_scope", false},
		{"scope of another pool", tokenPath, "", post(cc("scope", "other/call")), good, 400, "invalid_scope", false},
		{"allowed scope no longer defined", tokenPath, "", post(cc("scope", "gone/invoke")), basic("undefinedscope000000000000", undefinedSecret), 400, "invalid_scope", false},
		{"no usable scope at all", tokenPath, "", post(cc()), basic("undefinedscope000000000000", undefinedSecret), 400, "invalid_scope", false},

		// The pool itself.
		{"unknown pool", "/idp/us-east-1_Nobody/oauth2/token", "", post(cc()), good, 404, "not_found", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			headers := []string{}
			if tc.auth != "" {
				headers = append(headers, "Authorization", tc.auth)
			}
			if tc.contentType != "" {
				headers = append(headers, "Content-Type", tc.contentType)
			}
			r := e.post(tc.path, tc.body, headers...)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			body := r.json(t)
			if body["error"] != tc.code {
				t.Errorf("error = %v, want %s (%s)", body["error"], tc.code, r.body)
			}
			if _, ok := body["access_token"]; ok {
				t.Errorf("refusal carries a token: %s", r.body)
			}
			wantNoStore(t, r)
			challenge := r.header.Get("WWW-Authenticate")
			if tc.challenge && challenge != `Basic realm="`+e.issuer(pool1)+`"` {
				t.Errorf("WWW-Authenticate = %q, want a Basic challenge for the issuer", challenge)
			}
			if !tc.challenge && challenge != "" {
				t.Errorf("unexpected WWW-Authenticate %q", challenge)
			}
			if leaked := containsAny(string(r.body), secret, otherSecret, noFlowSecret, disabledSecret); leaked != "" {
				t.Errorf("error response contains a client secret")
			}
			if desc, _ := body["error_description"].(string); strings.ContainsAny(desc, "\"\\") {
				t.Errorf("error_description %q has characters RFC 6749 forbids", desc)
			}
		})
	}

	// Only POST is a token request.
	if r := e.get(tokenPath); r.status != http.StatusMethodNotAllowed {
		t.Errorf("GET token endpoint = %d, want 405", r.status)
	}
	// After all those refusals the good client still gets a token.
	e.accessToken(pool1, clientA, secret)
}

// TestTokenMalformedStoredHash: a client whose stored hash is unreadable is
// a server error, and neither the response nor the log shows the hash.
func TestTokenMalformedStoredHash(t *testing.T) {
	e, _ := newTokenEnv(t)
	const broken = "pbkdf2-sha256$notanumber$c2FsdA$SECRETHASHVALUE"
	e.createClient(pool1, "brokenhash0000000000000000", []string{"sre-gateway/invoke"}, func(c *store.PoolClient) { c.SecretHash = broken })
	r := e.tokenBasic(pool1, "brokenhash0000000000000000", "whatever", "grant_type=client_credentials")
	if r.status != http.StatusInternalServerError || r.json(t)["error"] != "server_error" {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if strings.Contains(string(r.body)+e.logs.String(), "SECRETHASHVALUE") {
		t.Error("the stored hash leaked into the response or the log")
	}
}
