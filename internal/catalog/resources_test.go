package catalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/target"
)

func TestResolveResources(t *testing.T) {
	res := func(uri, target string, priority int) *Resource {
		return &Resource{URI: uri, TargetName: target, Priority: priority, Def: &mcp.Resource{URI: uri}}
	}
	tmpl := func(uri, target string, priority int) *Resource {
		return &Resource{URI: uri, TargetName: target, Priority: priority, Template: &mcp.ResourceTemplate{URITemplate: uri}}
	}
	type served struct{ URI, Target string }
	for _, tc := range []struct {
		name    string
		in      []*Resource
		want    []served
		clashes []Clash
	}{
		{"no clash", []*Resource{res("b://1", "t1", 1000), res("a://1", "t2", 1000)},
			[]served{{"a://1", "t2"}, {"b://1", "t1"}}, nil},
		{"lower priority wins", []*Resource{res("s://x", "alpha", 1000), res("s://x", "beta", 10)},
			[]served{{"s://x", "beta"}}, []Clash{{URI: "s://x", Winner: "beta", Loser: "alpha"}}},
		{"priority 0 beats the default", []*Resource{res("s://x", "a", DefaultResourcePriority), res("s://x", "z", 0)},
			[]served{{"s://x", "z"}}, []Clash{{URI: "s://x", Winner: "z", Loser: "a"}}},
		{"tie goes to name order", []*Resource{res("s://x", "zeta", 5), res("s://x", "alpha", 5), res("s://x", "mid", 5)},
			[]served{{"s://x", "alpha"}}, []Clash{{URI: "s://x", Winner: "alpha", Loser: "mid"}, {URI: "s://x", Winner: "alpha", Loser: "zeta"}}},
		{"templates", []*Resource{tmpl("n://{id}", "a", 1000), tmpl("n://{id}", "b", 999)},
			[]served{{"n://{id}", "b"}}, []Clash{{URI: "n://{id}", Template: true, Winner: "b", Loser: "a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, clashes := ResolveResources(tc.in)
			var got []served
			for _, r := range out {
				got = append(got, served{r.URI, r.TargetName})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("served (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.clashes, clashes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("clashes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStoredExtrasServed(t *testing.T) {
	endpoint := "http://127.0.0.1:1/mcp"
	body := `{"prompts":[{"name":"greet","arguments":[{"name":"who","required":true}]},{"name":""}],` +
		`"resources":[{"uri":"docs://readme","name":"readme"},{"uri":"relative","name":"bad"}],` +
		`"resourceTemplates":[{"uriTemplate":"notes://{id}","name":"note"}]}`
	cfg := mcpServerCfg(endpoint, 7)
	docs := Documents{
		DiscoveredToolsField:  {URI: endpoint, Body: `[]`},
		DiscoveredExtrasField: {URI: endpoint, Body: body},
	}
	tgt, warnings, err := OpenTargetWith(cfg, docs, targetEnvZero())
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 2 {
		t.Errorf("warnings = %v, want the nameless prompt and the relative URI", warnings)
	}
	e := extrasOf("id1", "docs", resourcePriority(cfg), tgt)
	if e == nil {
		t.Fatal("no extras")
	}
	var g Gateway
	if c := finishExtras(&g, []*targetExtras{e}); len(c) != 0 {
		t.Errorf("clashes %v", c)
	}
	type item struct {
		Key, Local string
		Priority   int
	}
	var got []item
	for _, p := range g.Prompts {
		got = append(got, item{p.Name, p.Local, 0})
	}
	for _, r := range g.Resources {
		got = append(got, item{r.URI, r.Def.Name, r.Priority})
	}
	for _, r := range g.Templates {
		got = append(got, item{r.URI, r.Template.Name, r.Priority})
	}
	want := []item{{"docs___greet", "greet", 0}, {"docs://readme", "readme", 7}, {"notes://{id}", "note", 7}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("served (-want +got):\n%s", diff)
	}
	// Stored for another endpoint: not served.
	docs[DiscoveredExtrasField] = Document{URI: "http://127.0.0.1:2/mcp", Body: body}
	cfg = mcpServerCfg(endpoint, 7)
	tgt, _, err = OpenTargetWith(cfg, Documents{DiscoveredToolsField: {URI: endpoint, Body: `[]`}}, targetEnvZero())
	if err != nil {
		t.Fatal(err)
	}
	if e := extrasOf("id1", "docs", 7, tgt); e != nil {
		t.Errorf("extras without a stored document: %+v", e)
	}
}

func mcpServerCfg(endpoint string, priority int32) *agentcore.TargetConfiguration {
	return &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{MCPServer: &agentcore.McpServerTargetConfiguration{
		Endpoint: &endpoint, ResourcePriority: &priority,
	}}}
}

func targetEnvZero() target.Env { return target.Env{} }
