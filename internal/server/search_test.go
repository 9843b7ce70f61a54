package server

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/demo"
)

const searchTool = "x_amz_bedrock_agentcore_search"

// sreGateway creates a NONE gateway with pc and the demo SRE OpenAPI target.
func sreGateway(t *testing.T, tg *instance, name string, pc types.GatewayProtocolConfiguration) *bedrockagentcorecontrol.CreateGatewayOutput {
	t.Helper()
	ctx := context.Background()
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp, ProtocolConfiguration: pc,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("sre"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: demo.Spec("http://127.0.0.1:9/demo/sre/v1")},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

// untilSearch retries check until it passes or five seconds went by (the
// catalog promises visibility within a second).
func untilSearch(t *testing.T, what string, check func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !check(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func searchTop(t *testing.T, cs *mcp.ClientSession, query string) []string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: searchTool, Arguments: map[string]any{"query": query}})
	if err != nil || res.IsError {
		t.Fatalf("search %q: %v %+v", query, err, res)
	}
	var body struct {
		Tools []struct {
			Name        string         `json:"name"`
			Description string         `json:"description"`
			InputSchema map[string]any `json:"inputSchema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &body); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range body.Tools {
		if tl.InputSchema["type"] != "object" {
			t.Errorf("%s: inputSchema %v", tl.Name, tl.InputSchema)
		}
		names = append(names, tl.Name)
	}
	return names
}

func TestSemanticSearchEndToEnd(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	semantic := sreGateway(t, tg, "sre-search", &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{
		SearchType: types.SearchTypeSemantic,
	}})
	plain := sreGateway(t, tg, "sre-plain", &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{}})

	// Stored and echoed.
	got, err := tg.control.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: semantic.GatewayId})
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := got.ProtocolConfiguration.(*types.GatewayProtocolConfigurationMemberMcp); !ok || m.Value.SearchType != types.SearchTypeSemantic {
		t.Fatalf("GetGateway protocolConfiguration %#v", got.ProtocolConfiguration)
	}
	if m, ok := semantic.ProtocolConfiguration.(*types.GatewayProtocolConfigurationMemberMcp); !ok || m.Value.SearchType != types.SearchTypeSemantic {
		t.Fatalf("CreateGateway protocolConfiguration %#v", semantic.ProtocolConfiguration)
	}

	cs := mcpSession(t, aws.ToString(semantic.GatewayUrl), "2025-06-18", nil)
	untilSearch(t, "the search tool and the SRE tools", func() bool {
		names := toolNames(t, cs)
		return slices.Contains(names, searchTool) && slices.Contains(names, "sre___listIncidents")
	})
	for query, want := range map[string]string{
		"open incidents":                     "sre___listIncidents",
		"acknowledge an incident":            "sre___acknowledgeIncident",
		"what is the error rate of checkout": "sre___getServiceHealth",
		"runbook":                            "sre___getRunbook",
	} {
		if names := searchTop(t, cs, query); len(names) == 0 || names[0] != want {
			t.Errorf("search %q = %v, want %s first", query, names, want)
		}
	}

	ps := mcpSession(t, aws.ToString(plain.GatewayUrl), "2025-06-18", nil)
	untilSearch(t, "the plain gateway's SRE tools", func() bool { return slices.Contains(toolNames(t, ps), "sre___listIncidents") })
	if names := toolNames(t, ps); slices.Contains(names, searchTool) {
		t.Fatalf("gateway without SEMANTIC lists the search tool: %v", names)
	}

	// UpdateGateway switches it on; connected sessions see the tool.
	_, err = tg.control.UpdateGateway(ctx, &bedrockagentcorecontrol.UpdateGatewayInput{
		GatewayIdentifier: plain.GatewayId, Name: aws.String("sre-plain"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp,
		ProtocolConfiguration: &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{SearchType: types.SearchTypeSemantic}},
	})
	if err != nil {
		t.Fatal(err)
	}
	untilSearch(t, "the search tool after UpdateGateway", func() bool { return slices.Contains(toolNames(t, ps), searchTool) })
	if names := searchTop(t, ps, "list services"); len(names) == 0 || names[0] != "sre___listServices" {
		t.Errorf("search after UpdateGateway = %v", names)
	}
}
