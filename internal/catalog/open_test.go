package catalog_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/target"
)

func TestOpenTargetFieldErrors(t *testing.T) {
	mcpOf := func(m agentcore.McpTargetConfiguration) *agentcore.TargetConfiguration {
		return &agentcore.TargetConfiguration{MCP: &m}
	}
	inline := func(doc string) *agentcore.ApiSchemaConfiguration {
		return &agentcore.ApiSchemaConfiguration{InlinePayload: &doc}
	}
	tests := []struct {
		name      string
		cfg       *agentcore.TargetConfiguration
		wantField string
		wantMsg   string // part of the message
	}{
		{"nil", nil, "targetConfiguration", "required"},
		{"http", &agentcore.TargetConfiguration{HTTP: agentcore.HttpTargetConfiguration(`{"passthrough":{}}`)}, "targetConfiguration", "only mcp"},
		{"s3 schema not fetched", mcpOf(agentcore.McpTargetConfiguration{OpenAPISchema: &agentcore.ApiSchemaConfiguration{
			S3: &agentcore.S3Configuration{URI: ptr("s3://bucket/spec.json")},
		}}), "targetConfiguration.mcp.openApiSchema.s3.uri", "has not been fetched"},
		{"lambda without tool schema", mcpOf(agentcore.McpTargetConfiguration{Lambda: &agentcore.McpLambdaTargetConfiguration{
			LambdaArn: ptr("arn:aws:lambda:us-east-1:123456789012:function:f"),
		}}), "targetConfiguration.mcp.lambda.toolSchema", "required"},
		{"lambda s3 tool schema not fetched", mcpOf(agentcore.McpTargetConfiguration{Lambda: &agentcore.McpLambdaTargetConfiguration{
			LambdaArn:  ptr("arn:aws:lambda:us-east-1:123456789012:function:f"),
			ToolSchema: &agentcore.ToolSchema{S3: &agentcore.S3Configuration{URI: ptr("s3://bucket/tools.json")}},
		}}), "targetConfiguration.mcp.lambda.toolSchema.s3.uri", "has not been fetched"},
		{"lambda tool name", mcpOf(agentcore.McpTargetConfiguration{Lambda: &agentcore.McpLambdaTargetConfiguration{
			LambdaArn: ptr("arn:aws:lambda:us-east-1:123456789012:function:f"),
			ToolSchema: &agentcore.ToolSchema{InlinePayload: []agentcore.ToolDefinition{{
				Name: ptr("get order"), Description: ptr("d"), InputSchema: &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject}}}},
		}}), "targetConfiguration.mcp.lambda.toolSchema.inlinePayload[0].name", "may contain only"},
		{"lambda arn", mcpOf(agentcore.McpTargetConfiguration{Lambda: &agentcore.McpLambdaTargetConfiguration{
			LambdaArn: ptr("arn:aws:sqs:us-east-1:123456789012:q"),
			ToolSchema: &agentcore.ToolSchema{InlinePayload: []agentcore.ToolDefinition{{
				Name: ptr("t"), Description: ptr("d"), InputSchema: &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject}}}},
		}}), "targetConfiguration.mcp.lambda.lambdaArn", "not a Lambda function ARN"},
		{"mcp server not listed", mcpOf(agentcore.McpTargetConfiguration{MCPServer: &agentcore.McpServerTargetConfiguration{
			Endpoint: ptr("https://mcp.example.com/mcp"),
		}}), "targetConfiguration.mcp.mcpServer.endpoint", "have not been listed"},
		{"mcp server dynamic with a tool schema", mcpOf(agentcore.McpTargetConfiguration{MCPServer: &agentcore.McpServerTargetConfiguration{
			Endpoint: ptr("https://mcp.example.com/mcp"), ListingMode: agentcore.ListingModeDynamic,
			MCPToolSchema: &agentcore.McpToolSchemaConfiguration{InlinePayload: ptr(`[]`)},
		}}), "targetConfiguration.mcp.mcpServer.mcpToolSchema", "cannot be combined"},
		{"mcp server dynamic public http", mcpOf(agentcore.McpTargetConfiguration{MCPServer: &agentcore.McpServerTargetConfiguration{
			Endpoint: ptr("http://mcp.example.com/mcp"), ListingMode: agentcore.ListingModeDynamic,
		}}), "targetConfiguration.mcp.mcpServer.endpoint", "must be https://"},
		{"mcp server public http", mcpOf(agentcore.McpTargetConfiguration{MCPServer: &agentcore.McpServerTargetConfiguration{
			Endpoint: ptr("http://mcp.example.com/mcp"),
		}}), "targetConfiguration.mcp.mcpServer.endpoint", "must be https://"},
		{"mcp server inline tool schema", mcpOf(agentcore.McpTargetConfiguration{MCPServer: &agentcore.McpServerTargetConfiguration{
			Endpoint: ptr("https://mcp.example.com/mcp"), MCPToolSchema: &agentcore.McpToolSchemaConfiguration{InlinePayload: ptr(`[{"name":"a b","inputSchema":{"type":"object"}}]`)},
		}}), "targetConfiguration.mcp.mcpServer.mcpToolSchema.inlinePayload[0].name", "may contain only"},
		{"mcp server s3 tool schema not fetched", mcpOf(agentcore.McpTargetConfiguration{MCPServer: &agentcore.McpServerTargetConfiguration{
			Endpoint: ptr("https://mcp.example.com/mcp"), MCPToolSchema: &agentcore.McpToolSchemaConfiguration{S3: &agentcore.S3Configuration{URI: ptr("s3://b/tools.json")}},
		}}), "targetConfiguration.mcp.mcpServer.mcpToolSchema.s3.uri", "has not been fetched"},
		{"smithy without service", mcpOf(agentcore.McpTargetConfiguration{SmithyModel: inline(`{"smithy":"2.0","shapes":{}}`)}),
			"targetConfiguration.mcp.smithyModel.inlinePayload", "no service shape"},
		{"smithy awsJson1_0", mcpOf(agentcore.McpTargetConfiguration{SmithyModel: inline(`{"smithy":"2.0","shapes":{"a#S":{"type":"service","traits":{"aws.protocols#awsJson1_0":{}}}}}`)}),
			"targetConfiguration.mcp.smithyModel.inlinePayload", "only aws.protocols#restJson1"},
		{"smithy s3 not fetched", mcpOf(agentcore.McpTargetConfiguration{SmithyModel: &agentcore.ApiSchemaConfiguration{S3: &agentcore.S3Configuration{URI: ptr("s3://b/model.json")}}}),
			"targetConfiguration.mcp.smithyModel.s3.uri", "has not been fetched"},
		{"api gateway", mcpOf(agentcore.McpTargetConfiguration{APIGateway: &agentcore.ApiGatewayTargetConfiguration{
			RestAPIID: ptr("abc123"), Stage: ptr("prod"),
		}}), "targetConfiguration.mcp.apiGateway", "API Gateway"},
		{"connector", mcpOf(agentcore.McpTargetConfiguration{Connector: &agentcore.ConnectorTargetConfiguration{}}),
			"targetConfiguration.mcp.connector", "connector"},
		{"unparsable inline payload", mcpOf(agentcore.McpTargetConfiguration{OpenAPISchema: inline("{not: [json")}),
			"targetConfiguration.mcp.openApiSchema.inlinePayload", ""},
		{"swagger 2", mcpOf(agentcore.McpTargetConfiguration{OpenAPISchema: inline(`{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}`)}),
			"targetConfiguration.mcp.openApiSchema.inlinePayload", ""},
		{"relative server url", mcpOf(agentcore.McpTargetConfiguration{OpenAPISchema: inline(specDoc("/relative", "op"))}),
			"targetConfiguration.mcp.openApiSchema.inlinePayload", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tgt, warnings, err := catalog.OpenTarget(tc.cfg, target.Env{})
			var fe *catalog.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("OpenTarget error = %v (%T), want a *catalog.FieldError", err, err)
			}
			if fe.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", fe.Field, tc.wantField)
			}
			if fe.Message == "" || !strings.Contains(fe.Message, tc.wantMsg) {
				t.Errorf("Message = %q, want it non-empty and containing %q", fe.Message, tc.wantMsg)
			}
			if got, want := err.Error(), fe.Field+": "+fe.Message; got != want {
				t.Errorf("Error() = %q, want %q", got, want)
			}
			if tgt != nil || warnings != nil {
				t.Errorf("OpenTarget returned a target (%v) or warnings (%v) with an error", tgt, warnings)
			}
		})
	}
}

func TestOpenTargetEmptyMCPUnion(t *testing.T) {
	tgt, _, err := catalog.OpenTarget(&agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{}}, target.Env{})
	if err == nil || tgt != nil {
		t.Fatalf("OpenTarget(mcp: {}) = %v, %v; want an error", tgt, err)
	}
	if !strings.Contains(err.Error(), "targetConfiguration.mcp") {
		t.Errorf("error %q does not name targetConfiguration.mcp", err)
	}
}

// TestOpenTargetInline: a valid inline OpenAPI document opens without
// calling anything (env is zero, as on the control plane), with its tools
// and the conversion warnings.
func TestOpenTargetInline(t *testing.T) {
	doc := `{
  "openapi": "3.0.3",
  "info": {"title": "pets", "version": "1"},
  "servers": [{"url": "https://api.example.com/v1"}],
  "paths": {
    "/pets": {
      "get": {"operationId": "listPets", "summary": "List pets", "responses": {"200": {"description": "OK"}}},
      "post": {"summary": "no operationId: skipped with a warning", "responses": {"201": {"description": "Created"}}}
    },
    "/pets/{id}": {
      "get": {
        "operationId": "getPet",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "OK"}}
      }
    }
  }
}`
	cfg := &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{
		OpenAPISchema: &agentcore.ApiSchemaConfiguration{InlinePayload: &doc},
	}}
	tgt, warnings, err := catalog.OpenTarget(cfg, target.Env{})
	if err != nil {
		t.Fatalf("OpenTarget: %v", err)
	}
	var names []string
	for _, tl := range tgt.Tools() {
		names = append(names, tl.Name)
		if !json.Valid(tl.InputSchema) {
			t.Errorf("%s: input schema is not JSON: %s", tl.Name, tl.InputSchema)
		}
	}
	if diff := cmp.Diff([]string{"getPet", "listPets"}, names); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	if len(warnings) == 0 {
		t.Error("the operation without operationId produced no warning")
	}
}
