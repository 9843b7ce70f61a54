package server

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/target/mcpserver"
)

func dynamicTarget(gatewayID *string, name, endpoint string, cpcs ...types.CredentialProviderConfiguration) *bedrockagentcorecontrol.CreateGatewayTargetInput {
	in := mcpServerTarget(gatewayID, name, endpoint, cpcs...)
	in.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberMcpServer).Value.ListingMode = types.ListingModeDynamic
	return in
}

// dynamicEventually polls cond until it holds or 10s pass.
func dynamicEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMCPServerTargetDynamicListing(t *testing.T) {
	ttl := mcpserver.LiveTTL
	mcpserver.LiveTTL = 300 * time.Millisecond
	t.Cleanup(func() { mcpserver.LiveTTL = ttl })
	ctx := context.Background()
	rm := newRemoteMCP(t, func(r *http.Request, _ []byte) bool { return r.Header.Get("X-Api-Key") == secretMarker })
	other := newRemoteMCP(t, func(*http.Request, []byte) bool { return true })
	tg := start(t, t.TempDir())
	c := tg.control

	prov, err := c.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("live-mcp-key"), ApiKey: aws.String(secretMarker),
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
		Name: aws.String("dyn-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeNone, ExceptionLevel: types.ExceptionLevelDebug,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "other", other.url())); err != nil {
		t.Fatal(err)
	}

	// Nothing is listed when a DYNAMIC target is created.
	before := rm.calls.Load()
	created, err := c.CreateGatewayTarget(ctx, dynamicTarget(gw.GatewayId, "live", rm.url(), apiKey))
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != types.TargetStatusReady {
		t.Fatalf("status %s %v", created.Status, created.StatusReasons)
	}
	if n := rm.calls.Load() - before; n != 0 {
		t.Errorf("creating a DYNAMIC target made %d requests to its server", n)
	}
	got, err := c.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: created.TargetId})
	if err != nil {
		t.Fatal(err)
	}
	if ms := got.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberMcpServer).Value; ms.ListingMode != types.ListingModeDynamic || ms.McpToolSchema != nil {
		t.Errorf("GetGatewayTarget returned %+v", ms)
	}
	// DYNAMIC with a static tool list is contradictory.
	both := dynamicTarget(gw.GatewayId, "both", rm.url(), apiKey)
	both.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberMcpServer).Value.McpToolSchema =
		&types.McpToolSchemaConfigurationMemberInlinePayload{Value: `[]`}
	_, err = c.CreateGatewayTarget(ctx, both)
	wantValidation(t, err, "targetConfiguration.mcp.mcpServer.mcpToolSchema", "cannot be combined")

	// The server's tools are listed live, next to the other targets' tools.
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	want := []string{"live___alerts", "live___forecast", "other___alerts", "other___forecast"}
	dynamicEventually(t, "the DYNAMIC target's tools listed", func() bool { return slices.Equal(sortedToolNames(t, cs), want) })
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tool.Name == "live___forecast" {
			raw, _ := json.Marshal(tool.InputSchema)
			if tool.Description != "Forecast for a city" || !strings.Contains(string(raw), `"city"`) {
				t.Errorf("live___forecast listed as %q %s", tool.Description, raw)
			}
		}
	}
	res := callTool(t, cs, "live___forecast", map[string]any{"city": "Oslo", "days": 1})
	if res.IsError || firstText(res) != `{"city":"Oslo","days":1,"temps":["20°C"]}` {
		t.Errorf("live___forecast: isError=%v %q", res.IsError, firstText(res))
	}
	if res := callTool(t, cs, "live___alerts", nil); !res.IsError || firstText(res) != "alerts feed unavailable" {
		t.Errorf("live___alerts: isError=%v %q", res.IsError, firstText(res))
	}

	// The server gains a tool: listed once the cached listing expires,
	// without SynchronizeGatewayTargets.
	rm.server.AddTool(&mcp.Tool{Name: "radar", Description: "Radar image", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "radar ok"}}}, nil
		})
	dynamicEventually(t, "live___radar listed", func() bool { return slices.Contains(sortedToolNames(t, cs), "live___radar") })
	if res := callTool(t, cs, "live___radar", nil); res.IsError || firstText(res) != "radar ok" {
		t.Errorf("live___radar: isError=%v %q", res.IsError, firstText(res))
	}
	// A burst of list calls within the TTL reaches the server at most once.
	before = rm.calls.Load()
	for range 5 {
		sortedToolNames(t, cs)
	}
	if n := rm.calls.Load() - before; n > 2 {
		t.Errorf("5 tools/list in a row made %d requests to the DYNAMIC server", n)
	}

	// The server goes away: its tools are left out, the others still listed,
	// and calls are error results.
	rm.srv.CloseClientConnections()
	rm.srv.Close()
	dynamicEventually(t, "the DYNAMIC target's tools left out", func() bool {
		return slices.Equal(sortedToolNames(t, cs), []string{"other___alerts", "other___forecast"})
	})
	res = callTool(t, cs, "live___forecast", map[string]any{"city": "Bern", "days": 1})
	if !res.IsError || !strings.Contains(firstText(res), "could not be reached") {
		t.Errorf("server down: isError=%v %q", res.IsError, firstText(res))
	}
	if strings.Contains(firstText(res), secretMarker) {
		t.Error("the API key leaked into the result")
	}
	if diff := cmp.Diff([]string{"other___alerts", "other___forecast"}, sortedToolNames(t, cs)); diff != "" {
		t.Errorf("tools while the DYNAMIC server is down (-want +got):\n%s", diff)
	}
}
