package cli_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testIdP serves an OIDC discovery document and a JWKS with one RS256 key,
// and mints tokens with it.
type testIdP struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

func newTestIdP(t *testing.T) *testIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp := &testIdP{key: key}
	b64 := base64.RawURLEncoding.EncodeToString
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": idp.srv.URL, "jwks_uri": idp.srv.URL + "/jwks.json"})
	})
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	return idp
}

func (i *testIdP) token(t *testing.T, claims map[string]any) string {
	b64 := base64.RawURLEncoding.EncodeToString
	header, _ := json.Marshal(map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	if _, ok := claims["iss"]; !ok {
		claims["iss"] = i.srv.URL
	}
	payload, _ := json.Marshal(claims)
	signing := b64(header) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, i.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + b64(sig)
}

func TestTokenCheck(t *testing.T) {
	dir := t.TempDir()
	serve(t, dir)
	idp := newTestIdP(t)
	var gw struct{ GatewayId string }
	decodeJSON(t, mustRun(t, nil, "gateway", "create", "--name", "checked", "--data-dir", dir,
		"--discovery-url", idp.srv.URL+"/.well-known/openid-configuration", "--allowed-audience", "https://api.example", "--allowed-scopes", "sre/invoke"), &gw)
	now := time.Now().Unix()
	good := idp.token(t, map[string]any{"sub": "u1", "aud": "https://api.example", "azp": "app", "scope": "sre/invoke", "iat": now, "exp": now + 600})
	expired := idp.token(t, map[string]any{"sub": "u1", "aud": "https://api.example", "scope": "sre/invoke", "iat": now - 7200, "exp": now - 3600, "email": "private@example.com"})
	cognito := idp.token(t, map[string]any{"sub": "app", "client_id": "app", "token_use": "access", "scope": "sre/invoke", "iat": now, "exp": now + 600})

	r := mustRun(t, nil, "token", "check", "--gateway", gw.GatewayId, "--data-dir", dir, "--token", good)
	if !strings.Contains(r.stdout, "the gateway accepts this token") || strings.Contains(r.stdout, "✗") {
		t.Fatalf("good token:\n%s", r)
	}

	for _, tc := range []struct {
		name, token string
		want        []string
	}{
		{"expired", expired, []string{"✗ exp", "fix:", "the gateway refuses this token"}},
		{"cognito shape on an audience gateway", cognito, []string{"✗ audience", "allowedClients"}},
		{"not a JWT", "not-a-token", []string{"✗ format"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := toolgate(t, nil, "token", "check", "--gateway", gw.GatewayId, "--data-dir", dir, "--token", tc.token)
			if r.code != 1 || r.stderr != "" {
				t.Fatalf("want exit 1 with the report on stdout only:\n%s", r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("report does not contain %q:\n%s", w, r.stdout)
				}
			}
			if strings.Contains(r.stdout, "private@example.com") {
				t.Errorf("report shows a private claim value:\n%s", r.stdout)
			}
		})
	}
	mustFail(t, nil, []string{"NONE", "does not take bearer tokens"}, "token", "check", "--data-dir", dir, "--token", good,
		"--gateway", func() string {
			var open struct{ GatewayId string }
			decodeJSON(t, mustRun(t, nil, "gateway", "create", "--name", "open", "--data-dir", dir), &open)
			return open.GatewayId
		}())
}
