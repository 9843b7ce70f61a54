package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/config"
)

// gatewayRoleWorld is the AWS side of the gateway-role tests: STS that
// issues the role's credentials to toolgate's base key, a Lambda service
// that only the role may invoke, an S3 whose objects only the role may read
// (s3_test.go), and an HTTP API behind SigV4 (API Gateway style,
// execute-api in eu-west-2) that accepts only the role.
type gatewayRoleWorld struct {
	base   aws.Credentials
	sts    *awsfake.STS
	lambda *awsfake.Lambda
	s3     *awsfake.S3
	api    *httptest.Server

	mu      sync.Mutex
	apiSeen []string
}

const (
	e2eRole    = "arn:aws:iam::123456789012:role/orders-gateway"
	e2eAccount = "123456789012"
)

func newGatewayRoleWorld(t *testing.T) *gatewayRoleWorld {
	w := &gatewayRoleWorld{base: aws.Credentials{AccessKeyID: "AKIATOOLGATEBASE0001", SecretAccessKey: "base-SECRET-MARKER-0123456789abcdefghij"}}
	w.sts = awsfake.NewSTS(t, "us-east-1", w.base)
	w.lambda = awsfake.NewLambda(t, "us-east-1", e2eAccount, w.sts.Keys())
	w.lambda.Allow(func(c aws.Credentials, _ string) bool {
		s, ok := w.sts.SessionOf(c.AccessKeyID)
		return ok && s.RoleArn == e2eRole
	})
	w.lambda.Add("orders", func(_ context.Context, event json.RawMessage, cc awsfake.ClientContext) (any, error) {
		var args struct {
			OrderID string `json:"orderId"`
		}
		if err := json.Unmarshal(event, &args); err != nil {
			return nil, err
		}
		if args.OrderID == "" {
			return map[string]any{"content": []any{map[string]any{"type": "text", "text": "orderId is required"}}, "isError": true}, nil
		}
		return map[string]any{"orderId": args.OrderID, "status": "shipped", "tool": cc.Custom["bedrockAgentCoreToolName"]}, nil
	})
	w.s3 = awsfake.NewS3(t, "us-east-1", w.sts.Keys())
	w.s3.Allow(func(c aws.Credentials, _, key string) bool {
		s, ok := w.sts.SessionOf(c.AccessKeyID)
		return ok && s.RoleArn == e2eRole && !strings.HasPrefix(key, "private/")
	})
	w.lambda.Add("crash", func(context.Context, json.RawMessage, awsfake.ClientContext) (any, error) {
		return nil, &awsfake.Error{Type: "KeyError", Message: "'warehouse'"}
	})
	w.api = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s, err := awsfake.Verify(r, body, w.sts.Keys(), time.Now())
		w.mu.Lock()
		defer w.mu.Unlock()
		if err != nil {
			w.apiSeen = append(w.apiSeen, "refused: "+err.Error())
			http.Error(rw, `{"message":"Forbidden"}`, http.StatusForbidden)
			return
		}
		sess, _ := w.sts.SessionOf(s.Credentials.AccessKeyID)
		w.apiSeen = append(w.apiSeen, fmt.Sprintf("%s %s %s/%s as %s", r.Method, r.URL.RequestURI(), s.Service, s.Region, sess.RoleArn))
		if s.Service != "execute-api" || s.Region != "eu-west-2" || sess.RoleArn != e2eRole {
			http.Error(rw, `{"message":"wrong scope or role"}`, http.StatusForbidden)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(rw, `{"city":%q,"days":%s}`, strings.TrimPrefix(r.URL.Path, "/v1/forecast/"), r.URL.Query().Get("days"))
	}))
	t.Cleanup(w.api.Close)
	return w
}

func (w *gatewayRoleWorld) apiRequests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.apiSeen...)
}

// configure points toolgate's aws block at the fakes, with the base key in
// environment variables.
func (w *gatewayRoleWorld) configure(t *testing.T) func(*config.Config) {
	t.Setenv("TG_TEST_AWS_KEY", w.base.AccessKeyID)
	t.Setenv("TG_TEST_AWS_SECRET", w.base.SecretAccessKey)
	return func(c *config.Config) {
		c.AWS = config.AWS{
			AccessKeyIDEnv: "TG_TEST_AWS_KEY", SecretAccessKeyEnv: "TG_TEST_AWS_SECRET",
			Endpoints: map[string]string{"sts": w.sts.URL, "lambda": w.lambda.URL, "s3": w.s3.URL},
		}
	}
}

func orderTools() []types.ToolDefinition {
	return []types.ToolDefinition{{
		Name: aws.String("get_order"), Description: aws.String("Get an order"),
		InputSchema: &types.SchemaDefinition{Type: types.SchemaTypeObject,
			Properties: map[string]types.SchemaDefinition{"orderId": {Type: types.SchemaTypeString, Description: aws.String("Order id")}},
			Required:   []string{"orderId"}},
		OutputSchema: &types.SchemaDefinition{Type: types.SchemaTypeObject,
			Properties: map[string]types.SchemaDefinition{"status": {Type: types.SchemaTypeString}}},
	}}
}

func lambdaTarget(name, fnArn string, tools []types.ToolDefinition) *bedrockagentcorecontrol.CreateGatewayTargetInput {
	return &bedrockagentcorecontrol.CreateGatewayTargetInput{
		Name: aws.String(name),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberLambda{Value: types.McpLambdaTargetConfiguration{
			LambdaArn: aws.String(fnArn), ToolSchema: &types.ToolSchemaMemberInlinePayload{Value: tools},
		}}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}},
	}
}

func TestGatewayRoleEndToEnd(t *testing.T) {
	ctx := context.Background()
	w := newGatewayRoleWorld(t)
	tg := startWith(t, t.TempDir(), w.configure(t))

	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("orders-gw"), RoleArn: aws.String(e2eRole), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	create := func(in *bedrockagentcorecontrol.CreateGatewayTargetInput) (*bedrockagentcorecontrol.CreateGatewayTargetOutput, error) {
		in.GatewayIdentifier = gw.GatewayId
		return tg.control.CreateGatewayTarget(ctx, in)
	}
	orders, err := create(lambdaTarget("orders", w.lambda.ARN("orders"), orderTools()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := create(lambdaTarget("crashy", w.lambda.ARN("crash"), orderTools())); err != nil {
		t.Fatal(err)
	}
	if _, err := create(&bedrockagentcorecontrol.CreateGatewayTargetInput{
		Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(w.api.URL, "http://"))},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeGatewayIamRole,
			CredentialProvider: &types.CredentialProviderMemberIamCredentialProvider{Value: types.IamCredentialProvider{
				Service: aws.String("execute-api"), Region: aws.String("eu-west-2"),
			}},
		}},
	}); err != nil {
		t.Fatal(err)
	}

	// The control plane returns the Lambda configuration as it was given.
	got, err := tg.control.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: orders.TargetId})
	if err != nil {
		t.Fatal(err)
	}
	l, ok := got.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberLambda)
	if !ok || aws.ToString(l.Value.LambdaArn) != w.lambda.ARN("orders") || got.Status != types.TargetStatusReady {
		t.Fatalf("GetGatewayTarget: %#v, status %s", got.TargetConfiguration, got.Status)
	}
	if diff := cmp.Diff(orderTools(), l.Value.ToolSchema.(*types.ToolSchemaMemberInlinePayload).Value, cmp.AllowUnexported(types.ToolDefinition{}, types.SchemaDefinition{})); diff != "" {
		t.Fatalf("tool schema round trip (-want +got):\n%s", diff)
	}
	list, err := tg.control.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]types.TargetType{}
	for _, it := range list.Items {
		kinds[aws.ToString(it.Name)] = it.TargetType
	}
	if diff := cmp.Diff(map[string]types.TargetType{"orders": "LAMBDA", "crashy": "LAMBDA", "weather": "OPEN_API_SCHEMA"}, kinds); diff != "" {
		t.Fatalf("target types (-want +got):\n%s", diff)
	}

	// The data plane, with the go-sdk MCP client.
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	if diff := cmp.Diff([]string{"crashy___get_order", "orders___get_order", "weather___alwaysFails", "weather___createAlert", "weather___getForecast"}, toolNames(t, cs)); diff != "" {
		t.Fatalf("tools (-want +got):\n%s", diff)
	}
	call := func(name string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res
	}
	text := func(res *mcp.CallToolResult) string { return res.Content[0].(*mcp.TextContent).Text }

	res := call("orders___get_order", map[string]any{"orderId": "o-42"})
	if res.IsError || text(res) != `{"orderId":"o-42","status":"shipped","tool":"orders___get_order"}` {
		t.Fatalf("orders___get_order: %v %s", res.IsError, text(res))
	}
	if sc, _ := json.Marshal(res.StructuredContent); string(sc) != `{"orderId":"o-42","status":"shipped","tool":"orders___get_order"}` {
		t.Fatalf("structuredContent %s", sc)
	}
	inv := w.lambda.Invocations()[0]
	if id := inv.ClientContext.Custom["bedrockAgentCoreMcpMessageId"]; !regexp.MustCompile(`^[0-9]+$`).MatchString(id) {
		t.Fatalf("bedrockAgentCoreMcpMessageId %q is not the JSON-RPC id", id)
	}
	if id := inv.ClientContext.Custom["bedrockAgentCoreAwsRequestId"]; id == "" {
		t.Fatal("no bedrockAgentCoreAwsRequestId")
	}
	delete(inv.ClientContext.Custom, "bedrockAgentCoreMcpMessageId")
	delete(inv.ClientContext.Custom, "bedrockAgentCoreAwsRequestId")
	if diff := cmp.Diff(map[string]string{
		"bedrockAgentCoreToolName": "orders___get_order", "bedrockAgentCoreGatewayId": aws.ToString(gw.GatewayId),
		"bedrockAgentCoreTargetId": aws.ToString(orders.TargetId), "bedrockAgentCoreMessageVersion": "1.0",
	}, inv.ClientContext.Custom); diff != "" {
		t.Fatalf("client context (-want +got):\n%s", diff)
	}
	if sess, _ := w.sts.SessionOf(inv.AccessKeyID); sess.RoleArn != e2eRole || sess.SessionName != "toolgate-"+aws.ToString(gw.GatewayId) {
		t.Fatalf("invoked as %+v", sess)
	}
	if string(inv.Event) != `{"orderId":"o-42"}` {
		t.Fatalf("event %s", inv.Event)
	}

	res = call("orders___get_order", map[string]any{})
	if !res.IsError || text(res) != "orderId is required" {
		t.Fatalf("tool error from the function: %v %s", res.IsError, text(res))
	}
	res = call("crashy___get_order", map[string]any{"orderId": "o-1"})
	if !res.IsError || text(res) != "tool crashy___get_order: the Lambda function failed with an error" || res.Meta["debug"] != nil {
		t.Fatalf("function error: %v %s %v", res.IsError, text(res), res.Meta)
	}
	res = call("weather___getForecast", map[string]any{"city": "Oslo", "days": 3})
	if res.IsError || text(res) != `{"city":"Oslo","days":3}` {
		t.Fatalf("weather___getForecast: %v %s (upstream saw %v)", res.IsError, text(res), w.apiRequests())
	}
	if diff := cmp.Diff([]string{"GET /v1/forecast/Oslo?days=3 execute-api/eu-west-2 as " + e2eRole}, w.apiRequests()); diff != "" {
		t.Fatalf("SigV4 API saw (-want +got):\n%s", diff)
	}
	// One AssumeRole served every call: the credentials are cached.
	if calls := w.sts.Calls(); len(calls) != 1 {
		t.Fatalf("%d AssumeRole calls, want 1: %+v", len(calls), calls)
	}

	// With exceptionLevel DEBUG the function's error is shown.
	if _, err := tg.control.UpdateGateway(ctx, &bedrockagentcorecontrol.UpdateGatewayInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("orders-gw"), RoleArn: aws.String(e2eRole),
		AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp, ExceptionLevel: types.ExceptionLevelDebug,
	}); err != nil {
		t.Fatal(err)
	}
	cs = mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	res = call("crashy___get_order", map[string]any{"orderId": "o-1"})
	if !res.IsError || !strings.Contains(text(res), "KeyError: 'warehouse'") || res.Meta["debug"] == nil {
		t.Fatalf("DEBUG function error: %v %s %v", res.IsError, text(res), res.Meta)
	}

	// Secrets never reach the log.
	logs := tg.logs.String()
	if strings.Contains(logs, w.base.SecretAccessKey) {
		t.Fatal("the base secret key is in the log")
	}
	if sess, ok := w.sts.SessionOf(inv.AccessKeyID); ok && (strings.Contains(logs, sess.Credentials.SecretAccessKey) || strings.Contains(logs, sess.Credentials.SessionToken)) {
		t.Fatal("assumed-role credentials are in the log")
	}
}

// TestGatewayRoleValidation: what the contract forbids is refused with a
// ValidationException that names the field.
func TestGatewayRoleValidation(t *testing.T) {
	ctx := context.Background()
	w := newGatewayRoleWorld(t)
	tg := startWith(t, t.TempDir(), w.configure(t))
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("v-gw"), RoleArn: aws.String(e2eRole), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	prov, err := tg.control.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("k"), ApiKey: aws.String("not-a-real-key-123"),
	})
	if err != nil {
		t.Fatal(err)
	}
	badName := orderTools()
	badName[0].Name = aws.String("get order")
	deep := orderTools()
	deep[0].InputSchema.Properties["orderId"] = types.SchemaDefinition{Type: types.SchemaTypeString, Items: &types.SchemaDefinition{Type: types.SchemaTypeString}}
	const lp = "targetConfiguration.mcp.lambda."
	for _, tc := range []struct {
		name  string
		in    *bedrockagentcorecontrol.CreateGatewayTargetInput
		field string
	}{
		{"lambda without credentials", func() *bedrockagentcorecontrol.CreateGatewayTargetInput {
			in := lambdaTarget("a", w.lambda.ARN("orders"), orderTools())
			in.CredentialProviderConfigurations = nil
			return in
		}(), "credentialProviderConfigurations"},
		{"lambda with an API key", func() *bedrockagentcorecontrol.CreateGatewayTargetInput {
			in := lambdaTarget("a", w.lambda.ARN("orders"), orderTools())
			in.CredentialProviderConfigurations = []types.CredentialProviderConfiguration{{
				CredentialProviderType: types.CredentialProviderTypeApiKey,
				CredentialProvider:     &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{ProviderArn: prov.CredentialProviderArn}},
			}}
			return in
		}(), "credentialProviderConfigurations[0].credentialProviderType"},
		{"tool name", lambdaTarget("a", w.lambda.ARN("orders"), badName), lp + "toolSchema.inlinePayload[0].name"},
		{"items on a string", lambdaTarget("a", w.lambda.ARN("orders"), deep), lp + "toolSchema.inlinePayload[0].inputSchema.properties.orderId.items"},
		{"S3 tool schema", func() *bedrockagentcorecontrol.CreateGatewayTargetInput {
			in := lambdaTarget("a", w.lambda.ARN("orders"), nil)
			in.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberLambda).Value.ToolSchema =
				&types.ToolSchemaMemberS3{Value: types.S3Configuration{Uri: aws.String("s3://bucket/tools.json")}}
			return in
		}(), lp + "toolSchema.s3.uri"}, // no such bucket (s3_test.go covers S3 documents)
		{"lambda ARN", lambdaTarget("a", "arn:aws:s3:::bucket", orderTools()), lp + "lambdaArn"},
		{"OpenAPI with the gateway role but no service", &bedrockagentcorecontrol.CreateGatewayTargetInput{
			Name: aws.String("a"),
			TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
				Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, "example.com")},
			}},
			CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}},
		}, "credentialProviderConfigurations[0].credentialProvider.iamCredentialProvider"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.GatewayIdentifier = gw.GatewayId
			_, err := tg.control.CreateGatewayTarget(ctx, tc.in)
			var ve *types.ValidationException
			if !errors.As(err, &ve) {
				t.Fatalf("CreateGatewayTarget: %v, want a ValidationException", err)
			}
			var fields []string
			for _, f := range ve.FieldList {
				fields = append(fields, aws.ToString(f.Name))
			}
			found := false
			for _, f := range fields {
				found = found || f == tc.field
			}
			if !found {
				t.Fatalf("fieldList %v does not name %s (%s)", fields, tc.field, aws.ToString(ve.Message))
			}
		})
	}
}
