package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// s3Marker is in every document kept in S3: no control-plane response may
// carry it (targets echo the s3 form they were given, never what was read).
const s3Marker = "S3-DOCUMENT-TEXT-MARKER"

const (
	ordersToolsV1 = `[{"name":"get_order","description":"Get an order ` + s3Marker + `",
  "inputSchema":{"type":"object","properties":{"orderId":{"type":"string","description":"Order id"}},"required":["orderId"]},
  "outputSchema":{"type":"object","properties":{"status":{"type":"string"}}}}]`
	ordersToolsV2 = `[{"name":"get_order","description":"Get an order ` + s3Marker + `",
  "inputSchema":{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}},
 {"name":"cancel_order","description":"Cancel an order",
  "inputSchema":{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}}]`
)

func s3OpenAPITarget(name, uri, owner string) *bedrockagentcorecontrol.CreateGatewayTargetInput {
	s3 := types.S3Configuration{Uri: aws.String(uri)}
	if owner != "" {
		s3.BucketOwnerAccountId = aws.String(owner)
	}
	return &bedrockagentcorecontrol.CreateGatewayTargetInput{
		Name: aws.String(name),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberS3{Value: s3},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeGatewayIamRole,
			CredentialProvider: &types.CredentialProviderMemberIamCredentialProvider{Value: types.IamCredentialProvider{
				Service: aws.String("execute-api"), Region: aws.String("eu-west-2"),
			}},
		}},
	}
}

func s3LambdaTarget(name, fnArn, uri string) *bedrockagentcorecontrol.CreateGatewayTargetInput {
	in := lambdaTarget(name, fnArn, nil)
	in.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberLambda).Value.ToolSchema =
		&types.ToolSchemaMemberS3{Value: types.S3Configuration{Uri: aws.String(uri)}}
	return in
}

// bodyRecorder is an HTTP client for the control client that keeps every
// response body.
type bodyRecorder struct {
	mu     sync.Mutex
	bodies []string
}

func (b *bodyRecorder) Do(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.bodies = append(b.bodies, string(raw))
	b.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp, nil
}

func (b *bodyRecorder) all() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.bodies, "\n")
}

// TestS3DocumentsEndToEnd: OpenAPI and Lambda targets whose documents are
// in S3, managed with the AWS SDK and used with the go-sdk MCP client. The
// gateway reads each object as its role (through STS, SigV4-checked by the
// fake S3) on create, update and synchronize, and serves what it read.
func TestS3DocumentsEndToEnd(t *testing.T) {
	ctx := context.Background()
	w := newGatewayRoleWorld(t)
	const bucket = "toolgate-specs"
	w.s3.CreateBucket(bucket, e2eAccount)
	spec := strings.Replace(weatherSpec(t, strings.TrimPrefix(w.api.URL, "http://")), "title: Weather API", "title: Weather API "+s3Marker, 1)
	w.s3.Put(bucket, "weather/openapi.yaml", []byte(spec))
	w.s3.Put(bucket, "orders/tools.json", []byte(ordersToolsV1))
	w.s3.Put(bucket, "private/openapi.yaml", []byte(spec))
	w.s3.Put(bucket, "weather/logo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00"))
	tg := startWith(t, t.TempDir(), w.configure(t))
	rec := &bodyRecorder{}
	opt := func(o *bedrockagentcorecontrol.Options) { o.HTTPClient = rec }

	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("s3-gw"), RoleArn: aws.String(e2eRole), AuthorizerType: types.AuthorizerTypeNone,
	}, opt)
	if err != nil {
		t.Fatal(err)
	}
	create := func(in *bedrockagentcorecontrol.CreateGatewayTargetInput) (*bedrockagentcorecontrol.CreateGatewayTargetOutput, error) {
		in.GatewayIdentifier = gw.GatewayId
		return tg.control.CreateGatewayTarget(ctx, in, opt)
	}
	weather, err := create(s3OpenAPITarget("weather", "s3://"+bucket+"/weather/openapi.yaml", e2eAccount))
	if err != nil {
		t.Fatal(err)
	}
	orders, err := create(s3LambdaTarget("orders", w.lambda.ARN("orders"), "s3://"+bucket+"/orders/tools.json"))
	if err != nil {
		t.Fatal(err)
	}
	if weather.Status != types.TargetStatusReady || orders.Status != types.TargetStatusReady {
		t.Fatalf("status %s / %s", weather.Status, orders.Status)
	}

	// The targets echo the s3 form they were given.
	getTarget := func(id *string) *bedrockagentcorecontrol.GetGatewayTargetOutput {
		t.Helper()
		got, err := tg.control.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: id}, opt)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	s3Of := func(tc types.TargetConfiguration) types.S3Configuration {
		t.Helper()
		switch m := tc.(*types.TargetConfigurationMemberMcp).Value.(type) {
		case *types.McpTargetConfigurationMemberOpenApiSchema:
			return m.Value.(*types.ApiSchemaConfigurationMemberS3).Value
		case *types.McpTargetConfigurationMemberLambda:
			return m.Value.ToolSchema.(*types.ToolSchemaMemberS3).Value
		}
		t.Fatalf("unexpected configuration %#v", tc)
		return types.S3Configuration{}
	}
	ignore := cmp.AllowUnexported(types.S3Configuration{})
	if diff := cmp.Diff(types.S3Configuration{Uri: aws.String("s3://" + bucket + "/weather/openapi.yaml"), BucketOwnerAccountId: aws.String(e2eAccount)},
		s3Of(getTarget(weather.TargetId).TargetConfiguration), ignore); diff != "" {
		t.Fatalf("weather s3 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(types.S3Configuration{Uri: aws.String("s3://" + bucket + "/orders/tools.json")},
		s3Of(getTarget(orders.TargetId).TargetConfiguration), ignore); diff != "" {
		t.Fatalf("orders s3 (-want +got):\n%s", diff)
	}

	// The data plane serves the documents' tools.
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	if diff := cmp.Diff([]string{"orders___get_order", "weather___alwaysFails", "weather___createAlert", "weather___getForecast"}, toolNames(t, cs)); diff != "" {
		t.Fatalf("tools (-want +got):\n%s", diff)
	}
	call := func(name string, args map[string]any) string {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text := res.Content[0].(*mcp.TextContent).Text
		if res.IsError {
			t.Fatalf("%s: isError: %s", name, text)
		}
		return text
	}
	if got := call("orders___get_order", map[string]any{"orderId": "o-7"}); got != `{"orderId":"o-7","status":"shipped","tool":"orders___get_order"}` {
		t.Fatalf("orders___get_order: %s", got)
	}
	if got := call("weather___getForecast", map[string]any{"city": "Oslo", "days": 2}); got != `{"city":"Oslo","days":2}` {
		t.Fatalf("weather___getForecast: %s", got)
	}

	// S3 was read as the gateway role (STS session naming the gateway),
	// with the expected bucket owner where one was given.
	type read struct{ Key, Owner, Role, Session string }
	reads := func() []read {
		var out []read
		for _, r := range w.s3.Requests() {
			if r.Status != http.StatusOK {
				continue
			}
			s, _ := w.sts.SessionOf(r.AccessKeyID)
			out = append(out, read{r.Key, r.ExpectedOwner, s.RoleArn, s.SessionName})
		}
		return out
	}
	session := "toolgate-" + aws.ToString(gw.GatewayId)
	if diff := cmp.Diff([]read{
		{"weather/openapi.yaml", e2eAccount, e2eRole, session},
		{"orders/tools.json", "", e2eRole, session},
	}, reads()); diff != "" {
		t.Fatalf("S3 reads (-want +got):\n%s", diff)
	}

	// A new version of the object is not served until the target is
	// synchronized; then its tools are.
	w.s3.Put(bucket, "orders/tools.json", []byte(ordersToolsV2))
	if diff := cmp.Diff([]string{"orders___get_order", "weather___alwaysFails", "weather___createAlert", "weather___getForecast"}, toolNames(t, cs)); diff != "" {
		t.Fatalf("tools before synchronizing (-want +got):\n%s", diff)
	}
	synchronize := func(id *string) types.GatewayTarget {
		t.Helper()
		out, err := tg.control.SynchronizeGatewayTargets(ctx, &bedrockagentcorecontrol.SynchronizeGatewayTargetsInput{
			GatewayIdentifier: gw.GatewayId, TargetIdList: []string{aws.ToString(id)},
		}, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Targets) != 1 {
			t.Fatalf("SynchronizeGatewayTargets returned %d targets", len(out.Targets))
		}
		return out.Targets[0]
	}
	synced := synchronize(orders.TargetId)
	if synced.Status != types.TargetStatusReady || synced.LastSynchronizedAt == nil || len(synced.StatusReasons) != 0 {
		t.Fatalf("synchronized: status %s, lastSynchronizedAt %v, reasons %v", synced.Status, synced.LastSynchronizedAt, synced.StatusReasons)
	}
	if diff := cmp.Diff([]string{"orders___cancel_order", "orders___get_order", "weather___alwaysFails", "weather___createAlert", "weather___getForecast"}, toolNames(t, cs)); diff != "" {
		t.Fatalf("tools after synchronizing (-want +got):\n%s", diff)
	}
	if got := call("orders___cancel_order", map[string]any{"orderId": "o-7"}); got != `{"orderId":"o-7","status":"shipped","tool":"orders___cancel_order"}` {
		t.Fatalf("orders___cancel_order: %s", got)
	}

	// A synchronization that cannot read the object fails visibly and
	// leaves the target serving what it had.
	w.s3.Delete(bucket, "orders/tools.json")
	failed := synchronize(orders.TargetId)
	if failed.Status != types.TargetStatusSynchronizeUnsuccessful || len(failed.StatusReasons) != 1 ||
		!strings.HasPrefix(failed.StatusReasons[0], "targetConfiguration.mcp.lambda.toolSchema.s3.uri: ") || !strings.Contains(failed.StatusReasons[0], "NoSuchKey") {
		t.Fatalf("failed synchronization: status %s, reasons %q", failed.Status, failed.StatusReasons)
	}
	if got := call("orders___cancel_order", map[string]any{"orderId": "o-8"}); !strings.Contains(got, "cancel_order") {
		t.Fatalf("orders___cancel_order after a failed synchronization: %s", got)
	}

	// UpdateGatewayTarget reads the object it names.
	w.s3.Put(bucket, "weather/v2.yaml", []byte(strings.Replace(spec, "operationId: createAlert", "operationId: raiseAlert", 1)))
	update := func(in *bedrockagentcorecontrol.CreateGatewayTargetInput, id *string) error {
		_, err := tg.control.UpdateGatewayTarget(ctx, &bedrockagentcorecontrol.UpdateGatewayTargetInput{
			GatewayIdentifier: gw.GatewayId, TargetId: id, Name: in.Name,
			TargetConfiguration: in.TargetConfiguration, CredentialProviderConfigurations: in.CredentialProviderConfigurations,
		}, opt)
		return err
	}
	if err := update(s3OpenAPITarget("weather", "s3://"+bucket+"/weather/v2.yaml", ""), weather.TargetId); err != nil {
		t.Fatal(err)
	}
	wantTools := []string{"orders___cancel_order", "orders___get_order", "weather___alwaysFails", "weather___getForecast", "weather___raiseAlert"}
	if diff := cmp.Diff(wantTools, toolNames(t, cs)); diff != "" {
		t.Fatalf("tools after the update (-want +got):\n%s", diff)
	}

	// Objects that cannot be read or used are ValidationExceptions naming
	// the uri member, and nothing is written.
	const openAPIURI, lambdaURI = "targetConfiguration.mcp.openApiSchema.s3.uri", "targetConfiguration.mcp.lambda.toolSchema.s3.uri"
	for _, tc := range []struct {
		name  string
		in    *bedrockagentcorecontrol.CreateGatewayTargetInput
		field string
		msg   string
	}{
		{"no such key", s3OpenAPITarget("bad", "s3://"+bucket+"/nope.yaml", ""), openAPIURI, "NoSuchKey"},
		{"no such bucket", s3OpenAPITarget("bad", "s3://no-such-bucket/x.yaml", ""), openAPIURI, "NoSuchBucket"},
		{"access denied", s3OpenAPITarget("bad", "s3://"+bucket+"/private/openapi.yaml", ""), openAPIURI, "access denied"},
		{"another owner", s3OpenAPITarget("bad", "s3://"+bucket+"/weather/openapi.yaml", "999999999999"), openAPIURI, "access denied"},
		{"not text", s3OpenAPITarget("bad", "s3://"+bucket+"/weather/logo.png", ""), openAPIURI, "not a text document"},
		{"not OpenAPI", s3OpenAPITarget("bad", "s3://"+bucket+"/orders/v2.json", ""), openAPIURI, "not a JSON or YAML object"},
		{"lambda no such key", s3LambdaTarget("bad", w.lambda.ARN("orders"), "s3://"+bucket+"/orders/tools.json"), lambdaURI, "NoSuchKey"},
		{"lambda not a tool list", s3LambdaTarget("bad", w.lambda.ARN("orders"), "s3://"+bucket+"/weather/openapi.yaml"), lambdaURI, "is not JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "not OpenAPI" {
				w.s3.Put(bucket, "orders/v2.json", []byte(ordersToolsV2))
			}
			_, err := create(tc.in)
			var ve *types.ValidationException
			if !errors.As(err, &ve) {
				t.Fatalf("CreateGatewayTarget: %v, want a ValidationException", err)
			}
			if len(ve.FieldList) != 1 || aws.ToString(ve.FieldList[0].Name) != tc.field || !strings.Contains(aws.ToString(ve.FieldList[0].Message), tc.msg) {
				t.Fatalf("fieldList %+v, want %s with %q (%s)", ve.FieldList, tc.field, tc.msg, aws.ToString(ve.Message))
			}
		})
	}
	list, err := tg.control.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 {
		t.Fatalf("%d targets after refused creates, want 2", len(list.Items))
	}
	// A refused update leaves the target as it was.
	var ve *types.ValidationException
	if err := update(s3OpenAPITarget("weather", "s3://"+bucket+"/nope.yaml", ""), weather.TargetId); !errors.As(err, &ve) {
		t.Fatalf("update to a missing object: %v", err)
	}
	if uri := aws.ToString(s3Of(getTarget(weather.TargetId).TargetConfiguration).Uri); uri != "s3://"+bucket+"/weather/v2.yaml" {
		t.Fatalf("after a refused update the target names %s", uri)
	}
	if diff := cmp.Diff(wantTools, toolNames(t, cs)); diff != "" {
		t.Fatalf("tools after a refused update (-want +got):\n%s", diff)
	}

	// Every S3 request verified: toolgate signs as S3 expects.
	for _, r := range w.s3.Requests() {
		if r.AccessKeyID == "" {
			t.Errorf("S3 refused a request's signature: %+v", r)
		}
	}
	// No control-plane response carries a document's text.
	bodies := rec.all()
	if !strings.Contains(bodies, "s3://"+bucket+"/weather/v2.yaml") {
		t.Fatal("the recorder saw no target response")
	}
	if strings.Contains(bodies, s3Marker) {
		t.Fatal("a control-plane response carries the text of an S3 document")
	}
}
