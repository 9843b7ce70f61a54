package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestQuickstart runs `toolgate quickstart` twice on one data directory and
// follows what it prints: a token from the embedded identity provider, then
// a tool call through the protected gateway to the demo backend.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	var firstURL string
	for run := 1; run <= 2; run++ {
		tg := serveArgs(t, dir, "quickstart", "--data-dir", dir, "--data-listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0")
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(tg.stdout.String(), "quickstart is ready") {
			if time.Now().After(deadline) {
				t.Fatalf("run %d: not ready\nstdout:\n%s\nstderr:\n%s", run, tg.stdout, tg.stderr)
			}
			time.Sleep(20 * time.Millisecond)
		}
		out := tg.stdout.String()
		mcpURL := regexp.MustCompile(`MCP URL:\s+(\S+)`).FindStringSubmatch(out)[1]
		tokenURL := regexp.MustCompile(`(http://\S+/oauth2/token)`).FindStringSubmatch(out)[1]
		if run == 1 {
			firstURL = mcpURL
		} else if mcpURL != strings.Replace(firstURL, hostOf(firstURL), hostOf(mcpURL), 1) {
			t.Fatalf("second run made a new gateway: %s vs %s", mcpURL, firstURL)
		}
		var st struct{ ClientID, ClientSecret string }
		data, err := os.ReadFile(filepath.Join(dir, "quickstart.json"))
		if err != nil || json.Unmarshal(data, &st) != nil {
			t.Fatalf("quickstart.json: %v", err)
		}
		if info, _ := os.Stat(filepath.Join(dir, "quickstart.json")); info.Mode().Perm() != 0o600 {
			t.Fatalf("quickstart.json mode %v", info.Mode())
		}

		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"sre-gateway/invoke"}}
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(st.ClientID, st.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &tok) != nil {
			t.Fatalf("run %d: token: %d %s", run, resp.StatusCode, body)
		}
		c := mcp.NewClient(&mcp.Implementation{Name: "qs", Version: "1"}, nil)
		cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: mcpURL, HTTPClient: &http.Client{Transport: bearerRT{tok.AccessToken}}}, nil)
		if err != nil {
			t.Fatalf("run %d: connect: %v\n%s", run, err, tg.stderr)
		}
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "sre___listIncidents", Arguments: map[string]any{"status": "open"}})
		if err != nil || res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "INC-1043") {
			t.Fatalf("run %d: call: %v %+v", run, err, res)
		}
		cs.Close()
		if code := tg.stop(t); code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, code, tg.stderr)
		}
		// Provisioning looks before it writes: neither a first start nor a
		// re-run leaves a refused call in the log (or the audit trail) for
		// a new user to puzzle over.
		if strings.Contains(tg.stderr.String(), "call refused") {
			t.Fatalf("run %d: provisioning made a call that was refused:\n%s", run, tg.stderr)
		}
	}
}

func hostOf(u string) string {
	p, _ := url.Parse(u)
	return p.Host
}

// TestGatewayCreateEZAuth: one command makes a gateway and an app client on
// the embedded IdP; the printed curl yields a token the gateway accepts.
func TestGatewayCreateEZAuth(t *testing.T) {
	dir := t.TempDir()
	serve(t, dir)
	r := mustRun(t, nil, "gateway", "create", "--name", "ops", "--ez-auth", "--data-dir", dir)
	get := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("%q not in output:\n%s", re, r.stdout)
		}
		return m[1]
	}
	mcpURL, id, secret := get(`MCP URL:\s+(\S+)`), get(`client id:\s+(\S+)`), get(`client secret:\s+(\S+)`)
	tokenURL := get(`token endpoint:\s+(\S+)`)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"ops/invoke"}}
	req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	c := mcp.NewClient(&mcp.Implementation{Name: "ez", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: mcpURL, HTTPClient: &http.Client{Transport: bearerRT{tok.AccessToken}}}, nil)
	if err != nil {
		t.Fatalf("connect with the EZ-auth token: %v", err)
	}
	cs.Close()
	// A second gateway gets its own client in the same pool; the first
	// client's token is not accepted there.
	r2 := mustRun(t, nil, "gateway", "create", "--name", "ops2", "--ez-auth", "--data-dir", dir)
	url2 := regexp.MustCompile(`MCP URL:\s+(\S+)`).FindStringSubmatch(r2.stdout)[1]
	req, _ = http.NewRequest("POST", url2, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 && resp.StatusCode != 403 {
		t.Fatalf("ops token on ops2: %d", resp.StatusCode)
	}
	mustFail(t, nil, []string{"--ez-auth sets up the authorizer itself"}, "gateway", "create", "--name", "x", "--ez-auth", "--allowed-clients", "a", "--data-dir", dir)
}

// TestIdPRotateKey: after a rotation new tokens carry a new kid and the
// gateway accepts both the old token and a new one.
func TestIdPRotateKey(t *testing.T) {
	dir := t.TempDir()
	serve(t, dir)
	r := mustRun(t, nil, "gateway", "create", "--name", "rot", "--ez-auth", "--data-dir", dir)
	field := func(re string) string { return regexp.MustCompile(re).FindStringSubmatch(r.stdout)[1] }
	mcpURL, id, secret, tokenURL := field(`MCP URL:\s+(\S+)`), field(`client id:\s+(\S+)`), field(`client secret:\s+(\S+)`), field(`token endpoint:\s+(\S+)`)
	pool := regexp.MustCompile(`/idp/([^/]+)/oauth2/token`).FindStringSubmatch(tokenURL)[1]
	token := func() string {
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&tok)
		return tok.AccessToken
	}
	kid := func(tok string) string {
		h, _ := base64URLDecode(strings.Split(tok, ".")[0])
		var hdr struct{ Kid string }
		json.Unmarshal(h, &hdr)
		return hdr.Kid
	}
	old := token()
	var rotated struct{ Kid string }
	decodeJSON(t, mustRun(t, nil, "idp", "rotate-key", "--pool", pool, "--data-dir", dir), &rotated)
	fresh := token()
	if kid(fresh) != rotated.Kid || kid(old) == rotated.Kid {
		t.Fatalf("kids: old %s, rotated %s, fresh %s", kid(old), rotated.Kid, kid(fresh))
	}
	for _, tok := range []string{old, fresh} {
		c := mcp.NewClient(&mcp.Implementation{Name: "rot", Version: "1"}, nil)
		cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: mcpURL, HTTPClient: &http.Client{Transport: bearerRT{tok}}}, nil)
		if err != nil {
			t.Fatalf("token with kid %s refused after rotation: %v", kid(tok), err)
		}
		cs.Close()
	}
	mustFail(t, nil, []string{"ResourceNotFoundException"}, "idp", "rotate-key", "--pool", "us-east-1_nope", "--data-dir", dir)
}

func base64URLDecode(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// TestIdPPoolAndClientCommands manages the embedded IdP with the CLI only.
func TestIdPPoolAndClientCommands(t *testing.T) {
	dir := t.TempDir()
	serve(t, dir)
	var pool struct{ Id, DiscoveryUrl, TokenEndpoint string }
	decodeJSON(t, mustRun(t, nil, "idp", "pool", "create", "--name", "agents", "--resource-server", "ops", "--scopes", "read,write", "--data-dir", dir), &pool)
	if pool.Id == "" || !strings.HasSuffix(pool.DiscoveryUrl, "/idp/"+pool.Id+"/.well-known/openid-configuration") {
		t.Fatalf("pool %+v", pool)
	}
	var client struct{ ClientId, ClientSecret string }
	decodeJSON(t, mustRun(t, nil, "idp", "client", "create", "--pool", pool.Id, "--name", "bot", "--scopes", "ops/read", "--data-dir", dir), &client)
	if client.ClientId == "" || client.ClientSecret == "" {
		t.Fatalf("client %+v", client)
	}
	var clients []struct{ ClientId, ClientName string }
	decodeJSON(t, mustRun(t, nil, "idp", "client", "list", "--pool", pool.Id, "--data-dir", dir), &clients)
	if len(clients) != 1 || clients[0].ClientName != "bot" {
		t.Fatalf("clients %+v", clients)
	}
	tokenStatus := func() int {
		req, _ := http.NewRequest("POST", pool.TokenEndpoint, strings.NewReader("grant_type=client_credentials&scope=ops/read"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(client.ClientId, client.ClientSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := tokenStatus(); code != 200 {
		t.Fatalf("token for a new client: %d", code)
	}
	mustRun(t, nil, "idp", "client", "delete", "--pool", pool.Id, client.ClientId, "--data-dir", dir)
	if code := tokenStatus(); code != 401 {
		t.Fatalf("token for a deleted client: %d, want 401", code)
	}
	mustRun(t, nil, "idp", "pool", "delete", pool.Id, "--data-dir", dir)
	mustFail(t, nil, []string{"ResourceNotFoundException"}, "idp", "client", "list", "--pool", pool.Id, "--data-dir", dir)
}
