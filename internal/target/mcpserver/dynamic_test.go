package mcpserver

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred/apikey"
	"github.com/toolgate/toolgate/internal/target"
)

func liveNames(l Listing) []string {
	var names []string
	for _, tl := range l.Tools {
		names = append(names, tl.Name)
	}
	return names
}

func TestLiveTools(t *testing.T) {
	srv, s, requests := remote(t, "k1")
	inj, err := apikey.New(apikey.Config{Key: "k1", ParameterName: "X-Api-Key"})
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := Open(Config{Endpoint: srv.URL, Env: target.Env{HTTPClient: srv.Client(), Credentials: inj}, Dynamic: true})
	if err != nil {
		t.Fatal(err)
	}
	lt := tgt.(*liveTarget)
	defer lt.Close()
	if got := tgt.Tools(); len(got) != 0 {
		t.Fatalf("Tools() = %v, want none: a DYNAMIC target's tools are listed live", got)
	}
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	lt.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ctx := context.Background()

	// A burst of concurrent listings reaches the server once.
	var wg sync.WaitGroup
	results := make([]Listing, 8)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = lt.LiveTools(ctx) }()
	}
	wg.Wait()
	fresh := 0
	for _, l := range results {
		if l.Err != nil {
			t.Fatal(l.Err)
		}
		if l.Fresh {
			fresh++
		}
		if diff := cmp.Diff([]string{"echo", "fail"}, liveNames(l)); diff != "" {
			t.Fatalf("tools (-want +got):\n%s", diff)
		}
	}
	if fresh != 1 {
		t.Errorf("%d of the concurrent listings listed the server, want 1", fresh)
	}

	// The server gains a tool: it shows once the listing is older than the TTL.
	s.AddTool(&mcp.Tool{Name: "added", InputSchema: json.RawMessage(`{"type":"object"}`)}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "new"}}}, nil
	})
	before := requests.Load()
	if l := lt.LiveTools(ctx); l.Fresh || len(l.Tools) != 2 {
		t.Fatalf("within the TTL: fresh=%v tools=%v, want the cached two", l.Fresh, liveNames(l))
	}
	if n := requests.Load() - before; n != 0 {
		t.Errorf("a cached listing made %d requests", n)
	}
	advance(LiveTTL)
	l := lt.LiveTools(ctx)
	if diff := cmp.Diff([]string{"added", "echo", "fail"}, liveNames(l)); diff != "" || !l.Fresh {
		t.Fatalf("after the TTL, fresh=%v (-want +got):\n%s", l.Fresh, diff)
	}
	// Calls are forwarded on the same pooled session.
	res, err := tgt.Call(ctx, "added", nil, target.CallInfo{})
	if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "new" {
		t.Fatalf("call: %v %+v", err, res)
	}

	// The server goes away: the listing fails, and the failure is reused.
	srv.Close()
	advance(LiveTTL)
	l = lt.LiveTools(ctx)
	if l.Err == nil || !l.Fresh || l.Tools != nil {
		t.Fatalf("server down: %+v, want a fresh error and no tools", l)
	}
	if !strings.Contains(l.Err.Error(), srv.URL) {
		t.Errorf("error %q does not name the server", l.Err)
	}
	if again := lt.LiveTools(ctx); again.Err == nil || again.Fresh {
		t.Errorf("within the TTL of a failure: %+v, want the cached failure", again)
	}
}
