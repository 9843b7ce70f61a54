package mcpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/target"
)

func serveMCP(t *testing.T, s *mcp.Server) string {
	t.Helper()
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(srv.Close)
	return srv.URL + "/mcp"
}

func TestDiscoverExtras(t *testing.T) {
	// PageSize 1 makes every list take several pages.
	s := mcp.NewServer(&mcp.Implementation{Name: "x", Version: "1"}, &mcp.ServerOptions{PageSize: 1})
	s.AddTool(&mcp.Tool{Name: "ping", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{}, nil
		})
	for _, n := range []string{"b", "a"} {
		s.AddPrompt(&mcp.Prompt{Name: n, Arguments: []*mcp.PromptArgument{{Name: "x"}}},
			func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: req.Params.Name + ":" + req.Params.Arguments["x"]}}}}, nil
			})
	}
	read := func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "got " + req.Params.URI}}}, nil
	}
	s.AddResource(&mcp.Resource{URI: "r://2", Name: "two"}, read)
	s.AddResource(&mcp.Resource{URI: "r://1", Name: "one"}, read)
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "t://{id}", Name: "t"}, read)
	endpoint := serveMCP(t, s)

	_, raw, err := Discover(context.Background(), endpoint, target.Env{})
	if err != nil {
		t.Fatal(err)
	}
	e, warnings, err := ParseExtras(raw)
	if err != nil || len(warnings) != 0 {
		t.Fatalf("ParseExtras: %v %v", err, warnings)
	}
	type listed struct{ Prompts, Resources, Templates []string }
	var got listed
	for _, p := range e.Prompts {
		got.Prompts = append(got.Prompts, p.Name)
	}
	for _, r := range e.Resources {
		got.Resources = append(got.Resources, r.URI)
	}
	for _, r := range e.Templates {
		got.Templates = append(got.Templates, r.URITemplate)
	}
	if diff := cmp.Diff(listed{[]string{"a", "b"}, []string{"r://1", "r://2"}, []string{"t://{id}"}}, got); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}

	tgt, err := Open(Config{Endpoint: endpoint, Extras: e})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.(*openTarget).Close()
	ot := tgt.(*openTarget)
	pr, err := ot.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "b", Arguments: map[string]string{"x": "y"}})
	if err != nil || pr.Messages[0].Content.(*mcp.TextContent).Text != "b:y" {
		t.Errorf("GetPrompt: %v %+v", err, pr)
	}
	rr, err := ot.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "t://9"})
	if err != nil || rr.Contents[0].Text != "got t://9" {
		t.Errorf("ReadResource: %v %+v", err, rr)
	}
}

func TestDiscoverWithoutExtras(t *testing.T) {
	s := mcp.NewServer(&mcp.Implementation{Name: "x", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "ping", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{}, nil
		})
	tools, extras, err := Discover(context.Background(), serveMCP(t, s), target.Env{})
	if err != nil || extras != nil || len(tools) == 0 {
		t.Fatalf("Discover: %v extras=%s tools=%s", err, extras, tools)
	}
}

func TestParseExtrasLeavesOut(t *testing.T) {
	raw := `{"prompts":[{"name":"p"},{"name":"p"}],"resources":[{"uri":"x"},{"uri":"a://1"},{"uri":"a://1"}],"resourceTemplates":[{"uriTemplate":"a://{"},{"uriTemplate":"n://{id}"}]}`
	e, warnings, err := ParseExtras([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Prompts) != 1 || len(e.Resources) != 1 || len(e.Templates) != 1 {
		t.Errorf("kept %+v", e)
	}
	var where []string
	for _, w := range warnings {
		where = append(where, w.Where)
	}
	want := []string{"prompt [1] p", "resource [0] x", "resource [2] a://1", "resource template [0] a://{"}
	if diff := cmp.Diff(want, where); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}
