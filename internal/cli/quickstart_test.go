package cli_test

import (
	"context"
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
	}
}

func hostOf(u string) string {
	p, _ := url.Parse(u)
	return p.Host
}
