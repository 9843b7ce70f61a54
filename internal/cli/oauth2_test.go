package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestOAuth2Provider: an OAuth2 client-credentials provider made with the
// CLI, used by a target made with the CLI; the upstream only accepts the
// token the token endpoint issued for the provider's client and scope.
func TestOAuth2Provider(t *testing.T) {
	ctx := context.Background()
	tr := &transcript{}
	dir := t.TempDir()
	tg := serve(t, dir, "--log-level", "debug")
	const clientSecret = "oauth-client-secret-CLI-MARKER"
	var tokenRequests atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, sec, ok := r.BasicAuth()
		r.ParseForm()
		if !ok || id != "sre-agent" || sec != clientSecret || r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("scope") != "forecast.read" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		tokenRequests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"tok-forecast","token_type":"Bearer","expires_in":3600}`)
	}))
	defer tokens.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-forecast" {
			http.Error(w, `{"error":"bad token"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"city": strings.TrimPrefix(r.URL.Path, "/v1/forecast/")})
	}))
	defer up.Close()
	run := func(args ...string) result {
		t.Helper()
		return mustRun(t, tr, append(args, "--data-dir", dir)...)
	}

	secretFile := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secretFile, []byte(clientSecret+"\n"), 0o600)
	var prov struct{ Name, CredentialProviderArn, Status string }
	decodeJSON(t, run("credential-provider", "create-oauth2", "--name", "forecast-idp", "--issuer", tokens.URL,
		"--token-endpoint", tokens.URL+"/token", "--client-id", "sre-agent", "--client-secret-file", secretFile), &prov)
	if prov.Name != "forecast-idp" || !strings.HasSuffix(prov.CredentialProviderArn, ":token-vault/default/oauth2credentialprovider/forecast-idp") || prov.Status != "READY" {
		t.Fatalf("create-oauth2 printed %+v", prov)
	}
	var listed []struct{ Name string }
	decodeJSON(t, run("credential-provider", "list-oauth2"), &listed)
	if len(listed) != 1 || listed[0].Name != "forecast-idp" {
		t.Errorf("list-oauth2: %+v", listed)
	}
	got := run("credential-provider", "get-oauth2", "forecast-idp")
	if !strings.Contains(got.stdout, "sre-agent") {
		t.Errorf("get-oauth2 does not show the client id:\n%s", got)
	}

	var gw gatewayJSON
	decodeJSON(t, run("gateway", "create", "--name", "forecasts"), &gw)
	var tgt targetJSON
	decodeJSON(t, run("target", "create", "--gateway", gw.GatewayId, "--name", "weather",
		"--openapi", weatherSpec(t, strings.TrimPrefix(up.URL, "http://")), "--oauth-provider", "forecast-idp", "--oauth-scope", "forecast.read"), &tgt)
	if len(tgt.CredentialProviderConfigurations) != 1 || tgt.CredentialProviderConfigurations[0].CredentialProviderType != "OAUTH" ||
		tgt.CredentialProviderConfigurations[0].CredentialProvider.ProviderArn != prov.CredentialProviderArn {
		t.Fatalf("target credentials: %+v", tgt.CredentialProviderConfigurations)
	}

	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cli-test", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gw.GatewayUrl}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for range 3 {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Bergen"}})
		if err != nil || res.IsError {
			t.Fatalf("call: %v %+v\n%s", err, res, tg.stderr)
		}
	}
	if n := tokenRequests.Load(); n != 1 {
		t.Errorf("%d token requests for three calls, want 1 (cached)", n)
	}

	mustFail(t, tr, []string{"--discovery-url or --token-endpoint"}, "credential-provider", "create-oauth2", "--name", "x", "--client-id", "c", "--data-dir", dir)
	mustFail(t, tr, []string{"--client-auth \"jwt\""}, "credential-provider", "create-oauth2", "--name", "x", "--client-id", "c",
		"--discovery-url", tokens.URL+"/.well-known/openid-configuration", "--client-auth", "jwt", "--data-dir", dir)
	var deleted map[string]string
	if decodeJSON(t, run("credential-provider", "delete-oauth2", "forecast-idp"), &deleted); deleted["Deleted"] != "forecast-idp" {
		t.Errorf("delete-oauth2 printed %v", deleted)
	}
	mustFail(t, tr, []string{"DeleteOauth2CredentialProvider", "ResourceNotFoundException"}, "credential-provider", "delete-oauth2", "forecast-idp", "--data-dir", dir)
	tr.assertNeverPrinted(t, clientSecret)
	if strings.Contains(tg.stderr.String()+tg.stdout.String(), clientSecret) {
		t.Error("the client secret reached the server log")
	}
}
