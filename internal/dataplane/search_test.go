package dataplane

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/catalog"
)

func semanticGateway(id string, on bool) *catalog.Gateway {
	gw := gateway(id, &echoTarget{}, "listIncidents", "restartService", "getRunbook", "listPullRequests")
	gw.Semantic = on
	return catalog.Finish(gw)
}

// searchResult calls the search tool and returns the names it found.
func searchResult(t *testing.T, cs *mcp.ClientSession, args any) (*mcp.CallToolResult, []string) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: SearchToolName, Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		return res, nil
	}
	var body struct {
		Tools []mcp.Tool `json:"tools"`
	}
	if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &body); err != nil {
		t.Fatalf("text content is not {\"tools\":[...]}: %v", err)
	}
	var names []string
	for _, tl := range body.Tools {
		names = append(names, tl.Name)
		if tl.InputSchema == nil || tl.Description == "" {
			t.Errorf("%s: definition without description or inputSchema: %+v", tl.Name, tl)
		}
	}
	structured, _ := json.Marshal(res.StructuredContent)
	var again struct {
		Tools []mcp.Tool `json:"tools"`
	}
	if err := json.Unmarshal(structured, &again); err != nil || len(again.Tools) != len(body.Tools) {
		t.Errorf("structuredContent %s differs from the text content", structured)
	}
	return res, names
}

func TestSearchTool(t *testing.T) {
	dp := New(Options{})
	dp.Apply(snapshot(1, semanticGateway("gw-search0000", true), semanticGateway("gw-plain00000", false)))
	srv := httptest.NewServer(dp.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()

	for _, version := range []string{"2025-06-18", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			cs := connect(t, srv.URL+"/gateways/gw-search0000/mcp", version, nil)
			res, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var search *mcp.Tool
			for _, tl := range res.Tools {
				if tl.Name == SearchToolName {
					search = tl
				}
			}
			if search == nil {
				t.Fatalf("tools/list has no %s: %v", SearchToolName, res.Tools)
			}
			if diff := cmp.Diff(map[string]any{"type": "object", "required": []any{"query"}, "properties": map[string]any{
				"query": map[string]any{"type": "string", "description": "search query to use for finding tools"}}}, search.InputSchema); diff != "" {
				t.Errorf("inputSchema (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(search.Description, "A special tool that returns a trimmed down list of tools given a context.") {
				t.Errorf("description %q", search.Description)
			}

			for query, want := range map[string]string{
				"open incidents":     "t___listIncidents",
				"restart a service":  "t___restartService",
				"list pull requests": "t___listPullRequests",
			} {
				if _, names := searchResult(t, cs, map[string]any{"query": query}); len(names) == 0 || names[0] != want {
					t.Errorf("search %q = %v, want %s first", query, names, want)
				}
			}
			if _, names := searchResult(t, cs, map[string]any{"query": "zzz unrelated"}); len(names) != 0 {
				t.Errorf("unrelated query found %v", names)
			}
			for _, args := range []any{nil, map[string]any{}, map[string]any{"query": ""}, map[string]any{"query": 5}} {
				res, _ := searchResult(t, cs, args)
				if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "query") {
					t.Errorf("args %v: want an error result naming query, got %+v", args, res)
				}
			}
		})
	}

	plain := connect(t, srv.URL+"/gateways/gw-plain00000/mcp", "2025-06-18", nil)
	names, _ := listAll(t, plain)
	if diff := cmp.Diff([]string{"t___getRunbook", "t___listIncidents", "t___listPullRequests", "t___restartService"}, names); diff != "" {
		t.Errorf("gateway without SEMANTIC lists (-want +got):\n%s", diff)
	}

	// Toggling searchType adds and removes the tool in place.
	live := connect(t, srv.URL+"/gateways/gw-search0000/mcp", "2025-06-18", nil)
	dp.Apply(snapshot(2, semanticGateway("gw-search0000", false), semanticGateway("gw-plain00000", true)))
	if names, _ := listAll(t, live); len(names) != 4 || strings.Contains(strings.Join(names, ","), SearchToolName) {
		t.Errorf("after switching SEMANTIC off: %v", names)
	}
	if names, _ := listAll(t, plain); len(names) != 5 || names[len(names)-1] != SearchToolName {
		t.Errorf("after switching SEMANTIC on: %v", names)
	}
	// The index follows the tools: a new tool is found at once.
	grown := gateway("gw-plain00000", &echoTarget{}, "listIncidents", "rotateCertificate")
	grown.Semantic = true
	dp.Apply(snapshot(3, catalog.Finish(grown)))
	if _, names := searchResult(t, plain, map[string]any{"query": "rotate certificates"}); len(names) != 1 || names[0] != "t___rotateCertificate" {
		t.Errorf("search after a catalog change = %v", names)
	}
}

func TestSearchToolAuthAndAudit(t *testing.T) {
	gw := semanticGateway("gw-searchjwt0", true)
	gw.AuthorizerType, gw.Verifier = "CUSTOM_JWT", tokenVerifier{}
	catalog.Finish(gw)
	rec := &recorded{}
	srv := httptest.NewServer(nil)
	dp := New(Options{Addresses: address.New(srv.URL, ""), Audit: rec})
	dp.Apply(snapshot(1, gw))
	srv.Config.Handler = dp.Handler()
	t.Cleanup(srv.Close)
	ctx := context.Background()
	url := srv.URL + "/gateways/gw-searchjwt0/mcp"

	// Without a token the search is refused like any request.
	anon := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	if cs, err := anon.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil); err == nil {
		_, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: SearchToolName, Arguments: map[string]any{"query": "incidents"}})
		cs.Close()
		if err == nil {
			t.Fatal("search without a token succeeded")
		}
	}
	rec.take()

	c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url,
		HTTPClient: &http.Client{Transport: bearer{"token-alice", http.DefaultTransport}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, names := searchResult(t, cs, map[string]any{"query": "incidents"}); len(names) == 0 || names[0] != "t___listIncidents" {
		t.Fatalf("search = %v", names)
	}
	events := rec.take()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1: %+v", len(events), events)
	}
	e := events[0]
	if d := e.AdditionalEventData; e.EventName != audit.EventCallTool || d == nil || d.Tool != SearchToolName || d.Outcome != audit.OutcomeSuccess || d.Gateway != "gw-searchjwt0" {
		t.Errorf("event %+v %+v", e, e.AdditionalEventData)
	}
	if e.UserIdentity.Sub != "alice" {
		t.Errorf("userIdentity %+v, want alice", e.UserIdentity)
	}
}
