package dataplane

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/catalog"
)

// tokenVerifier accepts "token-<user>" and refuses anything else.
type tokenVerifier struct{}

func (tokenVerifier) Verify(_ context.Context, token string) (*authn.Principal, *authn.Refusal) {
	if user, ok := strings.CutPrefix(token, "token-"); ok {
		return &authn.Principal{Subject: user, ClientID: "app", Scopes: []string{"sre/invoke"}, ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	return nil, &authn.Refusal{Status: 401, Code: "invalid_token", Description: "token is not valid"}
}
func (tokenVerifier) Scopes() []string { return []string{"sre/invoke"} }
func (tokenVerifier) AuthorizationServers(context.Context) []string {
	return []string{"https://idp.example/pool"}
}

// bearer adds an Authorization header to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

func jwtServer(t *testing.T) (*httptest.Server, *Server) {
	gw := gateway("gw-jwt0000000", &echoTarget{}, "a")
	gw.AuthorizerType, gw.Verifier = "CUSTOM_JWT", tokenVerifier{}
	catalog.Finish(gw)
	open := gateway("gw-open000000", &echoTarget{}, "a")
	srv := httptest.NewServer(nil)
	dp := New(Options{Addresses: address.New(srv.URL, "")})
	dp.Apply(snapshot(1, gw, open))
	srv.Config.Handler = dp.Handler()
	t.Cleanup(srv.Close)
	return srv, dp
}

func TestBearerGateway(t *testing.T) {
	srv, _ := jwtServer(t)
	url := srv.URL + "/gateways/gw-jwt0000000/mcp"
	prm := srv.URL + "/.well-known/oauth-protected-resource/gateways/gw-jwt0000000/mcp"

	// Without a token: 401 and a challenge pointing at the metadata.
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := `Bearer scope="sre/invoke", resource_metadata="` + prm + `"`; resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != want {
		t.Fatalf("no token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	// With tokens, in both protocol eras.
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
		cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url,
			HTTPClient: &http.Client{Transport: bearer{"token-alice", http.DefaultTransport}}}, &mcp.ClientSessionOptions{ProtocolVersion: version})
		if err != nil {
			t.Fatalf("%s: connect with a token: %v", version, err)
		}
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___a"}); err != nil {
			t.Fatalf("%s: call: %v", version, err)
		}
		cs.Close()
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	if _, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url,
		HTTPClient: &http.Client{Transport: bearer{"forged", http.DefaultTransport}}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}); err == nil {
		t.Fatal("connected with an invalid token")
	}
}

func TestSessionBoundToItsUser(t *testing.T) {
	srv, _ := jwtServer(t)
	url := srv.URL + "/gateways/gw-jwt0000000/mcp"
	post := func(token, session, body string) *http.Response {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+token)
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := post("token-alice", "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
	session := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || session == "" {
		t.Fatalf("initialize: %d session %q", resp.StatusCode, session)
	}
	if r := post("token-alice", session, `{"jsonrpc":"2.0","id":2,"method":"ping"}`); r.StatusCode != 200 {
		t.Fatalf("owner's request: %d", r.StatusCode)
	}
	// Another valid user replaying alice's session id is refused.
	if r := post("token-mallory", session, `{"jsonrpc":"2.0","id":3,"method":"ping"}`); r.StatusCode != http.StatusForbidden {
		t.Fatalf("session hijack: %d, want 403", r.StatusCode)
	}
}

func TestProtectedResourceMetadata(t *testing.T) {
	srv, _ := jwtServer(t)
	get := func(path, origin string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc map[string]any
		json.NewDecoder(resp.Body).Decode(&doc)
		return resp, doc
	}
	resp, doc := get("/.well-known/oauth-protected-resource/gateways/gw-jwt0000000/mcp", "https://claude.example")
	want := map[string]any{
		"resource":                 srv.URL + "/gateways/gw-jwt0000000/mcp",
		"authorization_servers":    []any{"https://idp.example/pool"},
		"scopes_supported":         []any{"sre/invoke"},
		"bearer_methods_supported": []any{"header"},
		"resource_name":            "gw-jwt0000000",
	}
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("metadata: %d CORS %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if diff := cmp.Diff(want, doc); diff != "" {
		t.Fatalf("metadata (-want +got):\n%s", diff)
	}
	for _, path := range []string{
		"/.well-known/oauth-protected-resource/gateways/gw-open000000/mcp", // NONE gateway: no AS to name
		"/.well-known/oauth-protected-resource/gateways/nope/mcp",
		"/.well-known/oauth-protected-resource/gateways/gw-jwt0000000",
		"/.well-known/oauth-protected-resource",
	} {
		if resp, _ := get(path, ""); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestMetadataGatewayID(t *testing.T) {
	tests := []struct {
		path, id string
		ok       bool
	}{
		{"/.well-known/oauth-protected-resource/gateways/g1/mcp", "g1", true},
		{"/.well-known/oauth-protected-resource/base/gateways/g1/mcp", "g1", true},
		{"/.well-known/oauth-protected-resource/", "", false},
		{"/.well-known/oauth-protected-resource/mcp", "", false},
		{"/.well-known/oauth-protected-resource/gateways//mcp", "", false},
		{"/.well-known/oauth-protected-resource/gateways/a/b/mcp", "", false},
		{"/.well-known/oauth-protected-resource/gateways/g1", "", false},
	}
	for _, tt := range tests {
		id, ok := metadataGatewayID(tt.path)
		if id != tt.id && tt.ok || ok != tt.ok {
			t.Errorf("metadataGatewayID(%q) = %q, %v; want %q, %v", tt.path, id, ok, tt.id, tt.ok)
		}
	}
}

// hostRT sends every request to the test server while keeping the Host of
// the URL the client used, like wildcard DNS pointing at the data plane.
type hostRT struct {
	addr  string
	token string
}

func (h hostRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = r.URL.Host
	r.URL.Host = h.addr
	if h.token != "" {
		r.Header.Set("Authorization", "Bearer "+h.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestHostBasedGateways(t *testing.T) {
	gw := gateway("gw-jwt0000000", &echoTarget{}, "a")
	gw.AuthorizerType, gw.Verifier = "CUSTOM_JWT", tokenVerifier{}
	catalog.Finish(gw)
	srv := httptest.NewServer(nil)
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	port := addr[strings.LastIndex(addr, ":"):]
	dp := New(Options{Addresses: address.New(srv.URL, "gw.test")})
	dp.Apply(snapshot(1, gw))
	srv.Config.Handler = dp.Handler()
	base := "http://gw-jwt0000000.gw.test" + port
	client := func(token string) *http.Client { return &http.Client{Transport: hostRT{addr, token}} }

	// No token: the challenge points at the root metadata of the host.
	resp, err := client("").Post(base+"/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := `resource_metadata="` + base + `/.well-known/oauth-protected-resource/mcp"`; resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), want) {
		t.Fatalf("challenge %d %q, want %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), want)
	}
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		resp, err := client("").Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Resource string }
		json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if resp.StatusCode != 200 || doc.Resource != base+"/mcp" {
			t.Fatalf("%s: %d resource %q", path, resp.StatusCode, doc.Resource)
		}
	}
	// MCP over the host-based URL.
	c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: base + "/mcp", HTTPClient: client("token-alice")}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatalf("host-based connect: %v", err)
	}
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___a"}); err != nil {
		t.Fatal(err)
	}
	cs.Close()
	// Path-based addressing keeps working, with path-based URLs.
	resp, err = http.Post(srv.URL+"/gateways/gw-jwt0000000/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("WWW-Authenticate"), srv.URL+"/.well-known/oauth-protected-resource/gateways/gw-jwt0000000/mcp") {
		t.Fatalf("path-based challenge %q", resp.Header.Get("WWW-Authenticate"))
	}
	// A Host that names neither a gateway nor this data plane is refused.
	req, _ := http.NewRequest("POST", "http://evil.example"+port+"/gateways/gw-jwt0000000/mcp", strings.NewReader(`{}`))
	resp, err = client("token-alice").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: %d, want 403", resp.StatusCode)
	}
}
