package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// promptServer is an MCP server (go-sdk, 127.0.0.1) with a tool, and the
// prompts, resources and templates add gives it; it records the API keys
// its requests carried.
type promptServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys []string
}

func newPromptServer(t *testing.T, name string, add func(*mcp.Server)) *promptServer {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: name, Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "ping", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "pong"}}}, nil
		})
	add(s)
	ps := &promptServer{}
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	ps.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		ps.keys = append(ps.keys, r.Header.Get("X-Api-Key"))
		ps.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.srv.Close)
	return ps
}

func textResource(uri, text string) mcp.ResourceHandler {
	return func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/plain", Text: text}}}, nil
	}
}

func TestMCPServerTargetPromptsAndResources(t *testing.T) {
	ctx := context.Background()
	docs := newPromptServer(t, "docs-mcp", func(s *mcp.Server) {
		s.AddPrompt(&mcp.Prompt{Name: "greet", Description: "Greets someone", Arguments: []*mcp.PromptArgument{{Name: "who", Required: true}, {Name: "tone"}}},
			func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
				a := req.Params.Arguments
				return &mcp.GetPromptResult{Description: "greeting", Messages: []*mcp.PromptMessage{
					{Role: "user", Content: &mcp.TextContent{Text: "Say hello to " + a["who"] + " (" + a["tone"] + ")"}},
				}}, nil
			})
		s.AddResource(&mcp.Resource{URI: "docs://readme", Name: "readme", MIMEType: "text/plain"}, textResource("docs://readme", "read me"))
		s.AddResource(&mcp.Resource{URI: "shared://config", Name: "config"}, textResource("shared://config", "config from docs"))
		s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "notes://{id}", Name: "note"},
			func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
				return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, Text: "note " + strings.TrimPrefix(req.Params.URI, "notes://")}}}, nil
			})
	})
	mirror := newPromptServer(t, "mirror-mcp", func(s *mcp.Server) {
		s.AddResource(&mcp.Resource{URI: "shared://config", Name: "config"}, textResource("shared://config", "config from mirror"))
	})
	tg := start(t, t.TempDir())
	c := tg.control
	prov, err := c.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("docs-key"), ApiKey: aws.String(secretMarker),
	})
	if err != nil {
		t.Fatal(err)
	}
	apiKey := types.CredentialProviderConfiguration{
		CredentialProviderType: types.CredentialProviderTypeApiKey,
		CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
			ProviderArn: prov.CredentialProviderArn, CredentialParameterName: aws.String("X-Api-Key"),
		}},
	}
	gw, err := c.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("prompts-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	// mirror lists shared://config with priority 10, docs with the default
	// 1000: mirror's is served, and docs is told.
	in := mcpServerTarget(gw.GatewayId, "mirror", mirror.srv.URL+"/mcp")
	in.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberMcpServer).Value.ResourcePriority = aws.Int32(10)
	mirrorTarget, err := c.CreateGatewayTarget(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "docs", docs.srv.URL+"/mcp", apiKey))
	if err != nil {
		t.Fatal(err)
	}
	if r := created.StatusReasons; len(r) != 1 || !strings.Contains(r[0], "shared://config") || !strings.Contains(r[0], "mirror") {
		t.Errorf("docs statusReasons = %q, want the lost resource named", r)
	}

	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	caps := cs.InitializeResult().Capabilities
	if caps.Prompts == nil || caps.Resources == nil {
		t.Fatalf("capabilities %+v: want prompts and resources", caps)
	}

	// prompts/list and prompts/get, arguments intact.
	var prompts []string
	for p, err := range cs.Prompts(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		prompts = append(prompts, p.Name)
		if p.Name == "docs___greet" && (p.Description != "Greets someone" || len(p.Arguments) != 2 || !p.Arguments[0].Required) {
			t.Errorf("prompt %+v", p)
		}
	}
	if diff := cmp.Diff([]string{"docs___greet"}, prompts); diff != "" {
		t.Errorf("prompts (-want +got):\n%s", diff)
	}
	pr, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "docs___greet", Arguments: map[string]string{"who": "Zoë", "tone": "warm"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.Messages) != 1 || pr.Messages[0].Content.(*mcp.TextContent).Text != "Say hello to Zoë (warm)" {
		t.Errorf("prompts/get: %+v", pr.Messages)
	}

	// resources/list: each URI once, from the target that owns it.
	var uris []string
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, r.URI)
	}
	slices.Sort(uris)
	if diff := cmp.Diff([]string{"docs://readme", "shared://config"}, uris); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	read := func(uri string) string {
		t.Helper()
		res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			t.Fatalf("resources/read %s: %v", uri, err)
		}
		if len(res.Contents) != 1 {
			t.Fatalf("resources/read %s: %+v", uri, res.Contents)
		}
		return res.Contents[0].Text
	}
	if got := read("docs://readme"); got != "read me" {
		t.Errorf("docs://readme = %q", got)
	}
	if got := read("shared://config"); got != "config from mirror" {
		t.Errorf("shared://config = %q, want mirror's (resourcePriority 10)", got)
	}

	// resources/templates/list and a read through the template.
	var templates []string
	for rt, err := range cs.ResourceTemplates(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		templates = append(templates, rt.URITemplate)
	}
	if diff := cmp.Diff([]string{"notes://{id}"}, templates); diff != "" {
		t.Errorf("templates (-want +got):\n%s", diff)
	}
	if got := read("notes://42"); got != "note 42" {
		t.Errorf("notes://42 = %q", got)
	}

	// A synchronization of the loser names the clash again.
	syn, err := c.SynchronizeGatewayTargets(ctx, &bedrockagentcorecontrol.SynchronizeGatewayTargetsInput{
		GatewayIdentifier: gw.GatewayId, TargetIdList: []string{aws.ToString(created.TargetId)},
	})
	if err != nil || len(syn.Targets) != 1 || syn.Targets[0].Status != types.TargetStatusReady {
		t.Fatalf("SynchronizeGatewayTargets: %v %+v", err, syn)
	}
	if r := syn.Targets[0].StatusReasons; len(r) != 1 || !strings.Contains(r[0], "shared://config") {
		t.Errorf("statusReasons after sync = %q", r)
	}
	// Without the winner, the other target's resource is served, in place.
	if _, err := c.DeleteGatewayTarget(ctx, &bedrockagentcorecontrol.DeleteGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: mirrorTarget.TargetId}); err != nil {
		t.Fatal(err)
	}
	if got := read("shared://config"); got != "config from docs" {
		t.Errorf("shared://config after mirror's deletion = %q", got)
	}

	// The docs server saw its key on every request, listing and forwarding.
	docs.mu.Lock()
	for _, k := range docs.keys {
		if k != secretMarker {
			t.Errorf("a request to the docs server carried key %q", k)
		}
	}
	docs.mu.Unlock()
}
