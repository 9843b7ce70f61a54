package dataplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/mcpserver"
)

// liveTarget is a DYNAMIC target whose listing is set by the test.
type liveTarget struct {
	echoTarget
	tools []target.Tool
	err   error
}

func (l *liveTarget) LiveTools(context.Context) mcpserver.Listing {
	return mcpserver.Listing{Tools: l.tools, Err: l.err, Fresh: true}
}

func liveTools(names ...string) []target.Tool {
	var out []target.Tool
	for _, n := range names {
		out = append(out, target.Tool{Name: n, Description: "live " + n, InputSchema: json.RawMessage(`{"type":"object"}`)})
	}
	return out
}

func toolNames(tools []*mcp.Tool) []string {
	var out []string
	for _, t := range tools {
		out = append(out, t.Name)
	}
	return out
}

func TestMergePage(t *testing.T) {
	mk := func(names ...string) []*mcp.Tool {
		var out []*mcp.Tool
		for _, n := range names {
			out = append(out, &mcp.Tool{Name: n})
		}
		return out
	}
	for _, tc := range []struct {
		name         string
		static       []string
		more         bool
		live         []string
		after        string
		pageSize     int
		want         []string
		wantNextFrom string // "" = no next page
	}{
		{"all fit", []string{"a", "c"}, false, []string{"b", "d"}, "", 10, []string{"a", "b", "c", "d"}, ""},
		{"cut by page size", []string{"a", "c"}, false, []string{"b", "d"}, "", 3, []string{"a", "b", "c"}, "c"},
		{"static has more", []string{"a", "c"}, true, nil, "", 2, []string{"a", "c"}, "c"},
		{"live after cursor", []string{"d"}, false, []string{"a", "b", "e"}, "c", 10, []string{"d", "e"}, ""},
		{"only live", nil, false, []string{"a", "b", "c"}, "a", 1, []string{"b"}, "b"},
		{"nothing left", nil, false, []string{"a"}, "a", 10, []string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, cursor := mergePage(mk(tc.static...), tc.more, mk(tc.live...), tc.after, tc.pageSize)
			if diff := cmp.Diff(tc.want, toolNames(got), cmpEmpty); diff != "" {
				t.Errorf("page (-want +got):\n%s", diff)
			}
			from := ""
			if cursor != "" {
				var err error
				if from, err = decodeCursor(cursor); err != nil {
					t.Fatal(err)
				}
			}
			if from != tc.wantNextFrom {
				t.Errorf("next page after %q, want %q", from, tc.wantNextFrom)
			}
		})
	}
}

var cmpEmpty = cmp.Transformer("nilEmpty", func(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
})

func TestDynamicTargets(t *testing.T) {
	var static []string
	for i := range 150 {
		static = append(static, fmt.Sprintf("op%03d", i))
	}
	gw := gateway("gw-dynamic000", &echoTarget{}, static...)
	up := &liveTarget{tools: liveTools("get_weather", "alerts")}
	down := &liveTarget{err: errors.New("connection refused")}
	var many []string
	for i := range 120 {
		many = append(many, fmt.Sprintf("x%03d", i))
	}
	big := &liveTarget{tools: liveTools(many...)}
	gw.Dynamic = []*catalog.DynamicTarget{
		{TargetID: "TGTWEATHER", TargetName: "weather", Target: up},
		{TargetID: "TGTDOWN000", TargetName: "down", Target: down},
		{TargetID: "TGTBIG0000", TargetName: "a", Target: big},
	}
	catalog.Finish(gw)
	flat := gateway("gw-flat000000", &echoTarget{}, "one")
	flat.DisablePagination = true
	flat.Dynamic = []*catalog.DynamicTarget{{TargetID: "TGTWEATHER", TargetName: "weather", Target: up}}
	catalog.Finish(flat)
	dp := New(Options{})
	dp.Apply(snapshot(1, gw, flat))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)

	var want []string
	for _, n := range static {
		want = append(want, "t___"+n)
	}
	want = append(want, "weather___get_weather", "weather___alerts")
	for _, n := range many {
		want = append(want, "a___"+n)
	}
	sort.Strings(want)
	for _, version := range []string{"2026-07-28", "2025-11-25"} {
		t.Run(version, func(t *testing.T) {
			cs := connect(t, srv.URL+"/gateways/gw-dynamic000/mcp", version, nil)
			got, pages := listAll(t, cs)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("tools (-want +got):\n%s", diff)
			}
			if pages != 3 {
				t.Errorf("%d tools in %d pages, want 3", len(got), pages)
			}
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "weather___get_weather", Arguments: map[string]any{"city": "Oslo"}})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Content[0].(*mcp.TextContent).Text; got != `get_weather {"city":"Oslo"}` {
				t.Errorf("DYNAMIC call result %q", got)
			}
			// Static tools are still served by the go-sdk server.
			res, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___op007", Arguments: map[string]any{"x": "1"}})
			if err != nil || res.Content[0].(*mcp.TextContent).Text != `op007 {"x":"1"}` {
				t.Errorf("static call: %v %+v", err, res)
			}
			// A name naming no target is refused as before.
			if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "nope___x"}); err == nil {
				t.Error("unknown tool accepted")
			}
		})
	}
	got, pages := listAll(t, connect(t, srv.URL+"/gateways/gw-flat000000/mcp", "2025-11-25", nil))
	if diff := cmp.Diff([]string{"t___one", "weather___alerts", "weather___get_weather"}, got); diff != "" || pages != 1 {
		t.Errorf("unpaginated gateway: %d pages (-want +got):\n%s", pages, diff)
	}
}
