package mcpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/apikey"
	"github.com/toolgate/toolgate/internal/target"
)

func TestCheckEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" = accepted; else a substring of the error
	}{
		{"https://mcp.example.com/mcp", ""},
		{"http://127.0.0.1:8080/mcp", ""},
		{"http://localhost/mcp", ""},
		{"http://10.1.2.3/mcp", ""},
		{"http://[::1]:9/mcp", ""},
		{"http://[fd00::1]/mcp", ""},
		{"http://mcp.example.com/mcp", "http:// is accepted only for loopback and private addresses"},
		{"http://8.8.8.8/mcp", "http:// is accepted only"},
		{"ftp://127.0.0.1/x", "must be https://"},
		{"https://user:pw@mcp.example.com/", "user information"},
		{"/relative", "not an absolute URL"},
		{"https://mcp.example.com/#frag", "fragment"},
	} {
		err := CheckEndpoint(tc.in)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("CheckEndpoint(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTools(t *testing.T) {
	obj := json.RawMessage(`{"type":"object"}`)
	for _, tc := range []struct {
		name         string
		in           string
		strict       bool
		want         []target.Tool
		wantWarnings int
		wantErr      string
	}{
		{name: "array", in: `[{"name":"b","description":"B","inputSchema":{"type": "object"}},{"name":"a","inputSchema":{"type":"object"},"outputSchema":{"type":"object"},"title":"ignored"}]`,
			want: []target.Tool{{Name: "a", InputSchema: obj, OutputSchema: obj}, {Name: "b", Description: "B", InputSchema: obj}}},
		{name: "tools/list result", in: `{"tools":[{"name":"a","inputSchema":{"type":"object"}}],"nextCursor":""}`,
			want: []target.Tool{{Name: "a", InputSchema: obj}}},
		{name: "empty", in: `[]`, want: []target.Tool{}},
		{name: "not a list", in: `"x"`, wantErr: "must be a JSON array"},
		{name: "object without tools", in: `{"x":1}`, wantErr: "has no tools array"},
		{name: "strict bad name", in: `[{"name":"a b","inputSchema":{"type":"object"}}]`, strict: true, wantErr: "[0].name: tool name \"a b\""},
		{name: "strict duplicate", in: `[{"name":"a","inputSchema":{"type":"object"}},{"name":"a","inputSchema":{"type":"object"}}]`, strict: true, wantErr: "[1].name"},
		{name: "strict no input schema", in: `[{"name":"a"}]`, strict: true, wantErr: "[0].inputSchema: inputSchema is required"},
		{name: "strict output not object", in: `[{"name":"a","inputSchema":{"type":"object"},"outputSchema":{"type":"string"}}]`, strict: true, wantErr: "[0].outputSchema"},
		{name: "lenient skips", in: `[{"name":"a b","inputSchema":{"type":"object"}},{"name":"ok","inputSchema":{"type":"object"}},{"name":"ok","inputSchema":{"type":"object"}},{"name":"c","inputSchema":{"type":"array"}}]`,
			want: []target.Tool{{Name: "ok", InputSchema: obj}}, wantWarnings: 3},
		{name: "long name warns", in: `[{"name":"` + strings.Repeat("x", 70) + `","inputSchema":{"type":"object"}}]`,
			want: []target.Tool{{Name: strings.Repeat("x", 70), InputSchema: obj}}, wantWarnings: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := ParseTools([]byte(tc.in), tc.strict)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("tools (-want +got):\n%s", diff)
			}
			if len(warnings) != tc.wantWarnings {
				t.Errorf("warnings = %v, want %d", warnings, tc.wantWarnings)
			}
			// What is stored reads back the same.
			raw, err := EncodeTools(got)
			if err != nil {
				t.Fatal(err)
			}
			again, _, err := ParseTools(raw, true)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("round trip (-first +second):\n%s", diff)
			}
		})
	}
}

type echoArgs struct {
	Text string `json:"text"`
}

// remote is a go-sdk MCP server with an API-key check.
func remote(t *testing.T, key string) (*httptest.Server, *mcp.Server, *atomic.Int64) {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "remote", Version: "1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "echoes"}, func(ctx context.Context, req *mcp.CallToolRequest, in echoArgs) (*mcp.CallToolResult, map[string]string, error) {
		return nil, map[string]string{"echo": in.Text}, nil
	})
	s.AddTool(&mcp.Tool{Name: "fail", InputSchema: json.RawMessage(`{"type":"object"}`)}, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "it broke"}}}, nil
	})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("X-Api-Key") != key {
			http.Error(w, "bad key", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, s, &requests
}

func TestListAndCall(t *testing.T) {
	srv, s, requests := remote(t, "k1")
	inj, err := apikey.New(apikey.Config{Key: "k1", ParameterName: "X-Api-Key"})
	if err != nil {
		t.Fatal(err)
	}
	env := target.Env{HTTPClient: srv.Client(), Credentials: inj}
	ctx := context.Background()

	listed, err := List(ctx, srv.URL, env)
	if err != nil {
		t.Fatal(err)
	}
	tools, warnings, err := ParseTools(listed, false)
	if err != nil || len(warnings) != 0 {
		t.Fatal(err, warnings)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	if diff := cmp.Diff([]string{"echo", "fail"}, names); diff != "" {
		t.Fatalf("names (-want +got):\n%s", diff)
	}

	tgt, err := Open(Config{Endpoint: srv.URL, Tools: tools, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.(*openTarget).Close()
	res, err := tgt.Call(ctx, "echo", json.RawMessage(`{"text":"héllo"}`), target.CallInfo{})
	if err != nil || res.IsError {
		t.Fatalf("echo: %v %+v", err, res)
	}
	got, _ := json.Marshal(res.StructuredContent)
	if string(got) != `{"echo":"héllo"}` {
		t.Errorf("structuredContent = %s", got)
	}
	res, err = tgt.Call(ctx, "fail", nil, target.CallInfo{})
	if err != nil || !res.IsError || res.Content[0].(*mcp.TextContent).Text != "it broke" {
		t.Fatalf("fail: %v %+v", err, res)
	}
	// A remote JSON-RPC error is an error result.
	res, _ = tgt.Call(ctx, "nope", nil, target.CallInfo{Debug: true})
	if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "refused the call") || res.Meta["debug"] == nil {
		t.Errorf("unknown tool: %+v", res.Content[0])
	}
	// The session is pooled: a second call reuses it.
	before := requests.Load()
	if res, _ := tgt.Call(ctx, "echo", json.RawMessage(`{"text":"x"}`), target.CallInfo{}); res.IsError {
		t.Fatal(res.Content[0])
	}
	if n := requests.Load() - before; n != 1 {
		t.Errorf("a call on a pooled session took %d HTTP requests, want 1", n)
	}

	// The server forgets the session: the target re-establishes it.
	_ = s
	tgt.(*openTarget).sess.Close()
	if res, _ := tgt.Call(ctx, "echo", json.RawMessage(`{"text":"again"}`), target.CallInfo{}); res.IsError {
		t.Fatalf("after the session ended: %v", res.Content[0])
	}

	// Wrong key: refused, with a clear text.
	bad, _ := apikey.New(apikey.Config{Key: "wrong", ParameterName: "X-Api-Key"})
	tgt2, _ := Open(Config{Endpoint: srv.URL, Tools: tools, Env: target.Env{HTTPClient: srv.Client(), Credentials: bad}})
	res, _ = tgt2.Call(ctx, "echo", nil, target.CallInfo{})
	if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "could not be reached") {
		t.Errorf("wrong key: %+v", res.Content[0])
	}
	if _, err := List(ctx, srv.URL, target.Env{HTTPClient: srv.Client(), Credentials: bad}); err == nil || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("List with a wrong key: %v", err)
	}

	// Down: an error result, detail only with debug.
	srv.Close()
	res, _ = tgt.Call(ctx, "echo", nil, target.CallInfo{})
	if !res.IsError || res.Meta != nil {
		t.Errorf("down: %+v", res)
	}
	res, _ = tgt.Call(ctx, "echo", nil, target.CallInfo{Debug: true})
	if !res.IsError || res.Meta["debug"] == nil {
		t.Errorf("down, debug: %+v", res)
	}
}

// renewing refuses its first token with 401 once, like a revoked OAuth2 token.
type renewing struct{ gen atomic.Int64 }

func (r *renewing) Inject(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer t"+string(rune('0'+r.gen.Load())))
	return nil
}

func (r *renewing) Renew(context.Context, *http.Request) bool { r.gen.Add(1); return true }

var _ cred.Renewer = (*renewing)(nil)

func TestCredTransportRenewsOn401(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") != "Bearer t1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := httpClient(srv.Client(), &renewing{})
	resp, err := c.Post(srv.URL, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("status %d", resp.StatusCode)
	}
	if diff := cmp.Diff([]string{"Bearer t0", "Bearer t1"}, seen); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDescribeDropsQueries(t *testing.T) {
	err := &strErr{`Post "http://127.0.0.1:1/mcp?api_key=SECRET": dial tcp: refused`}
	if got := Describe(err); strings.Contains(got, "SECRET") || !strings.Contains(got, "http://127.0.0.1:1/mcp") {
		t.Errorf("Describe = %q", got)
	}
}

type strErr struct{ s string }

func (e *strErr) Error() string { return e.s }

func TestClosedTargetRefusesCalls(t *testing.T) {
	srv, _, requests := remote(t, "k")
	inj, _ := apikey.New(apikey.Config{Key: "k", ParameterName: "X-Api-Key"})
	tgt, err := Open(Config{Endpoint: srv.URL, Env: target.Env{HTTPClient: srv.Client(), Credentials: inj}})
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := tgt.Call(context.Background(), "echo", json.RawMessage(`{"text":"a"}`), target.CallInfo{}); res.IsError {
		t.Fatal(res.Content[0])
	}
	if err := tgt.(*openTarget).Close(); err != nil {
		t.Fatal(err)
	}
	before := requests.Load()
	res, _ := tgt.Call(context.Background(), "echo", json.RawMessage(`{"text":"b"}`), target.CallInfo{Debug: true})
	if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "replaced") {
		t.Errorf("call after Close: %+v", res.Content[0])
	}
	if n := requests.Load() - before; n != 0 {
		t.Errorf("a closed target sent %d requests", n)
	}
}
