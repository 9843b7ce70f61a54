package dataplane

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/target"
)

// echoTarget answers every call with the tool name and arguments.
type echoTarget struct {
	calls atomic.Int64
	fail  error
}

func (e *echoTarget) Tools() []target.Tool { return nil }
func (e *echoTarget) Call(_ context.Context, tool string, args json.RawMessage, info target.CallInfo) (*mcp.CallToolResult, error) {
	e.calls.Add(1)
	if e.fail != nil {
		return nil, e.fail
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: tool + " " + string(args)}}}, nil
}

func gateway(id string, tgt target.Target, names ...string) *catalog.Gateway {
	gw := &catalog.Gateway{ID: id, Name: id, AuthorizerType: "NONE", SessionTimeoutSeconds: 3600}
	for _, n := range names {
		gw.Tools = append(gw.Tools, &catalog.Tool{
			Name: "t___" + n, TargetID: "TGT0000001", TargetName: "t", Local: n, Target: tgt,
			Def: target.Tool{Name: n, Description: "tool " + n, InputSchema: json.RawMessage(`{"type":"object","properties":{"x":{"type":"string"}}}`)},
		})
	}
	return catalog.Finish(gw)
}

func snapshot(rev int64, gws ...*catalog.Gateway) *catalog.Snapshot {
	s := &catalog.Snapshot{Revision: rev, Gateways: map[string]*catalog.Gateway{}}
	for _, g := range gws {
		s.Gateways[g.ID] = g
	}
	return s
}

func connect(t *testing.T, url, version string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, opts)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url}, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect %s (%s): %v", url, version, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func listAll(t *testing.T, cs *mcp.ClientSession) (names []string, pages int) {
	t.Helper()
	cursor := ""
	for {
		res, err := cs.ListTools(context.Background(), &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tl := range res.Tools {
			names = append(names, tl.Name)
		}
		if res.NextCursor == "" {
			return names, pages
		}
		cursor = res.NextCursor
	}
}

func TestListAndCallBothProtocolEras(t *testing.T) {
	tgt := &echoTarget{}
	dp := New(Options{})
	dp.Apply(snapshot(1, gateway("gw-aaaaaaaaaa", tgt, "a", "b")))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)

	for _, version := range []string{"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"} {
		t.Run(version, func(t *testing.T) {
			cs := connect(t, srv.URL+"/gateways/gw-aaaaaaaaaa/mcp", version, nil)
			if got := cs.InitializeResult().ProtocolVersion; got != version {
				t.Fatalf("negotiated %s, want %s", got, version)
			}
			names, _ := listAll(t, cs)
			if diff := cmp.Diff([]string{"t___a", "t___b"}, names); diff != "" {
				t.Fatalf("tools (-want +got):\n%s", diff)
			}
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___b", Arguments: map[string]any{"x": "1"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Content[0].(*mcp.TextContent).Text; got != `b {"x":"1"}` {
				t.Fatalf("call result %q", got)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	var names []string
	for i := range 250 {
		names = append(names, fmt.Sprintf("op%03d", i))
	}
	gw := gateway("gw-pages00000", &echoTarget{}, names...)
	flat := gateway("gw-flat000000", &echoTarget{}, names...)
	flat.DisablePagination = true
	catalog.Finish(flat)
	dp := New(Options{})
	dp.Apply(snapshot(1, gw, flat))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)

	got, pages := listAll(t, connect(t, srv.URL+"/gateways/gw-pages00000/mcp", "2025-11-25", nil))
	if len(got) != 250 || pages != 3 {
		t.Fatalf("paginated: %d tools in %d pages, want 250 in 3", len(got), pages)
	}
	got, pages = listAll(t, connect(t, srv.URL+"/gateways/gw-flat000000/mcp", "2025-11-25", nil))
	if len(got) != 250 || pages != 1 {
		t.Fatalf("unpaginated: %d tools in %d pages, want 250 in 1", len(got), pages)
	}
}

func TestSupportedVersionsRestrictNegotiation(t *testing.T) {
	gw := gateway("gw-versions00", &echoTarget{}, "a")
	gw.SupportedVersions = []string{"2025-03-26"}
	catalog.Finish(gw)
	dp := New(Options{})
	dp.Apply(snapshot(1, gw))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)
	cs := connect(t, srv.URL+"/gateways/gw-versions00/mcp", "2025-03-26", nil)
	if v := cs.InitializeResult().ProtocolVersion; v != "2025-03-26" {
		t.Fatalf("negotiated %s", v)
	}
	// A client asking for the stateless revision is refused by the handler
	// with 400 naming the supported versions.
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`
	req, _ := http.NewRequest("POST", srv.URL+"/gateways/gw-versions00/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
	req.Header.Set("Mcp-Method", "tools/list")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("2026-07-28 on a 2025-03-26-only gateway: status %d, want 400", resp.StatusCode)
	}
}

func TestToolListChangedNotification(t *testing.T) {
	tgt := &echoTarget{}
	dp := New(Options{})
	dp.Apply(snapshot(1, gateway("gw-changes000", tgt, "a")))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)

	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			changed := make(chan struct{}, 10)
			cs := connect(t, srv.URL+"/gateways/gw-changes000/mcp", version, &mcp.ClientOptions{
				ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
			})
			if version == "2025-11-25" {
				// The stateful era delivers notifications on the GET stream; give
				// the client a moment to open it.
				time.Sleep(100 * time.Millisecond)
			}
			dp.Apply(snapshot(2, gateway("gw-changes000", tgt, "a", "c")))
			select {
			case <-changed:
			case <-time.After(3 * time.Second):
				t.Fatal("no notifications/tools/list_changed after a tool was added")
			}
			names, _ := listAll(t, cs)
			if diff := cmp.Diff([]string{"t___a", "t___c"}, names); diff != "" {
				t.Fatalf("tools after change (-want +got):\n%s", diff)
			}
			dp.Apply(snapshot(3, gateway("gw-changes000", tgt, "a")))
		})
	}
}

func TestRemovedGatewayAndUnknownTool(t *testing.T) {
	dp := New(Options{})
	dp.Apply(snapshot(1, gateway("gw-going00000", &echoTarget{}, "a")))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)
	cs := connect(t, srv.URL+"/gateways/gw-going00000/mcp", "2025-11-25", nil)
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___nope"}); err == nil {
		t.Fatal("unknown tool call succeeded")
	}
	dp.Apply(snapshot(2))
	resp, err := http.Post(srv.URL+"/gateways/gw-going00000/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted gateway: status %d, want 404", resp.StatusCode)
	}
}

func TestGatewayFaultIsErrorResult(t *testing.T) {
	tgt := &echoTarget{fail: fmt.Errorf("upstream pool exhausted at 10.0.0.7")}
	plain := gateway("gw-plain00000", tgt, "a")
	debug := gateway("gw-debug00000", tgt, "a")
	debug.Debug = true
	dp := New(Options{})
	dp.Apply(snapshot(1, plain, debug))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		gw         string
		wantDetail bool
	}{{"gw-plain00000", false}, {"gw-debug00000", true}} {
		cs := connect(t, srv.URL+"/gateways/"+tc.gw+"/mcp", "2025-11-25", nil)
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___a"})
		if err != nil {
			t.Fatal(err)
		}
		text := res.Content[0].(*mcp.TextContent).Text
		if !res.IsError {
			t.Fatalf("%s: gateway fault not reported as isError", tc.gw)
		}
		if got := strings.Contains(text, "10.0.0.7"); got != tc.wantDetail {
			t.Fatalf("%s: detail shown=%v, want %v: %q", tc.gw, got, tc.wantDetail, text)
		}
	}
}

func TestOriginValidation(t *testing.T) {
	dp := New(Options{AllowedOrigins: []string{"https://console.example"}})
	dp.Apply(snapshot(1, gateway("gw-origin0000", &echoTarget{}, "a")))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)
	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"", 200},
		{"http://evil.example", 403},
		{"https://console.example", 200},
		{srv.URL, 200}, // same origin
		{"null", 403},
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/gateways/gw-origin0000/mcp", strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("Origin %q: status %d, want %d", tc.origin, resp.StatusCode, tc.want)
		}
	}
	// The go-sdk's DNS-rebinding protection: loopback listener, foreign Host.
	req, _ := http.NewRequest("POST", srv.URL+"/gateways/gw-origin0000/mcp", strings.NewReader(init))
	req.Host = "attacker.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host on loopback: status %d, want 403", resp.StatusCode)
	}
}
