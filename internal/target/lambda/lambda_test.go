package lambda_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/lambda"
)

const (
	gatewayRegion = "us-east-1"
	fnRegion      = "eu-central-1"
	account       = "111122223333"
	gatewayRole   = "arn:aws:iam::111122223333:role/orders-gateway"
	gatewayID     = "orders-gw-a1b2c3d4e5"
)

var base = aws.Credentials{AccessKeyID: "AKIABASEBASEBASE0001", SecretAccessKey: "base-secret-MARKER-0123456789abcdefghij"}

// world is toolgate's view of a small AWS: STS, Lambda with a few
// functions, and the gateway role's credentials through the Provider.
type world struct {
	sts      *awsfake.STS
	lambda   *awsfake.Lambda
	provider *awsiam.Provider
}

func newWorld(t *testing.T) *world {
	w := &world{sts: awsfake.NewSTS(t, gatewayRegion, base)}
	w.lambda = awsfake.NewLambda(t, fnRegion, account, w.sts.Keys())
	w.provider = awsiam.New(awsiam.Options{Region: gatewayRegion, Static: base,
		Endpoints: map[string]string{"sts": w.sts.URL, "lambda": w.lambda.URL}})
	// Only the gateway role may invoke, and not the "private" function.
	w.lambda.Allow(func(c aws.Credentials, fn string) bool {
		s, ok := w.sts.SessionOf(c.AccessKeyID)
		return ok && s.RoleArn == gatewayRole && !strings.HasSuffix(fn, ":private")
	})
	w.lambda.Add("orders", func(_ context.Context, event json.RawMessage, cc awsfake.ClientContext) (any, error) {
		var args struct {
			OrderID string `json:"orderId"`
		}
		json.Unmarshal(event, &args)
		_, tool, _ := strings.Cut(cc.Custom["bedrockAgentCoreToolName"], "___")
		switch tool {
		case "get_order":
			if args.OrderID == "missing" {
				return map[string]any{"content": []any{map[string]any{"type": "text", "text": "order missing not found"}}, "isError": true}, nil
			}
			return map[string]any{"orderId": args.OrderID, "status": "shipped"}, nil
		case "search-orders":
			return []string{"o-1", "o-2"}, nil
		case "ping.v2":
			return "pong", nil
		}
		return nil, fmt.Errorf("unknown tool %q", tool)
	})
	w.lambda.Add("crash", func(context.Context, json.RawMessage, awsfake.ClientContext) (any, error) {
		return nil, &awsfake.Error{Type: "ValueError", Message: "order id malformed"}
	})
	w.lambda.Add("private", func(context.Context, json.RawMessage, awsfake.ClientContext) (any, error) { return "secret", nil })
	return w
}

func (w *world) open(t *testing.T, function string, role *awsiam.Role, opts ...func(*awslambda.Options)) target.Target {
	t.Helper()
	tools, _, err := lambda.Convert(loadDefs(t, "tools.json"))
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := lambda.Open(lambda.Config{
		FunctionARN: w.lambda.ARN(function), Tools: tools, ClientOptions: opts,
		Env: target.Env{AWS: role, GatewayID: gatewayID, TargetID: "TGT0000001", TargetName: "orders"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tgt
}

// summary is what a caller sees of a result.
type summary struct {
	IsError    bool
	Text       string
	Structured string
	Debug      string
}

func summarize(t *testing.T, r *mcp.CallToolResult) summary {
	t.Helper()
	var s summary
	s.IsError = r.IsError
	for _, c := range r.Content {
		s.Text += c.(*mcp.TextContent).Text
	}
	if r.StructuredContent != nil {
		b, _ := json.Marshal(r.StructuredContent)
		s.Structured = string(b)
	}
	if d, ok := r.Meta["debug"].(map[string]any); ok {
		s.Debug = d["text"].(string)
	}
	return s
}

func noRetries(o *awslambda.Options) { o.RetryMaxAttempts = 1 }

func TestCallInvokesTheFunction(t *testing.T) {
	w := newWorld(t)
	role := w.provider.Role(gatewayID, gatewayRole)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		function string
		tool     string
		args     string
		debug    bool
		want     summary
		// wantDebug lists what the detail of a DEBUG result must mention.
		wantDebug []string
	}{
		{name: "object output", function: "orders", tool: "get_order", args: `{"orderId":"o-1"}`,
			want: summary{Text: `{"orderId":"o-1","status":"shipped"}`, Structured: `{"orderId":"o-1","status":"shipped"}`}},
		{name: "array output", function: "orders", tool: "search-orders", args: `{}`, want: summary{Text: `["o-1","o-2"]`}},
		{name: "string output, no arguments", function: "orders", tool: "ping.v2", args: ``, want: summary{Text: `"pong"`}},
		{name: "MCP-shaped error passed through", function: "orders", tool: "get_order", args: `{"orderId":"missing"}`,
			want: summary{IsError: true, Text: "order missing not found"}},
		{name: "function error", function: "crash", tool: "get_order", args: `{"orderId":"x"}`,
			want: summary{IsError: true, Text: "tool orders___get_order: the Lambda function failed with an error"}},
		{name: "function error, DEBUG", function: "crash", tool: "get_order", args: `{"orderId":"x"}`, debug: true,
			want:      summary{IsError: true, Text: "tool orders___get_order: the Lambda function failed with an error: ValueError: order id malformed"},
			wantDebug: []string{`"errorType":"ValueError"`, "stackTrace", "handler.py"}},
		{name: "missing function", function: "ghost", tool: "get_order", args: `{}`,
			want: summary{IsError: true, Text: "tool orders___get_order: the Lambda function does not exist"}},
		{name: "missing function, DEBUG", function: "ghost", tool: "get_order", args: `{}`, debug: true,
			wantDebug: []string{"Lambda function arn:aws:lambda:eu-central-1:111122223333:function:ghost not found", "ResourceNotFoundException: Function not found"}},
		{name: "denied", function: "private", tool: "get_order", args: `{}`,
			want: summary{IsError: true, Text: "tool orders___get_order: the gateway is not allowed to invoke its Lambda function"}},
		{name: "denied, DEBUG", function: "private", tool: "get_order", args: `{}`, debug: true,
			wantDebug: []string{"Access denied while invoking Lambda function arn:aws:lambda:eu-central-1:111122223333:function:private. Check the permissions of the gateway role " + gatewayRole,
				"AccessDeniedException: User: ASIA"}},
		{name: "arguments not an object", function: "orders", tool: "get_order", args: `[1,2]`,
			want: summary{IsError: true, Text: "tool orders___get_order: the arguments must be a JSON object"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgt := w.open(t, tc.function, role, noRetries)
			res, err := tgt.Call(ctx, tc.tool, json.RawMessage(tc.args), target.CallInfo{Debug: tc.debug, RequestID: "req-1", MessageID: "7"})
			if err != nil {
				t.Fatal(err)
			}
			got := summarize(t, res)
			if tc.wantDebug != nil {
				if !got.IsError || !strings.HasPrefix(got.Text, "tool orders___get_order: ") {
					t.Fatalf("DEBUG result %+v", got)
				}
				for _, s := range tc.wantDebug {
					if !strings.Contains(got.Debug, s) {
						t.Errorf("DEBUG detail %q does not mention %q", got.Debug, s)
					}
				}
				if tc.want.Text != "" && !strings.HasPrefix(got.Text, tc.want.Text) {
					t.Errorf("text %q, want prefix %q", got.Text, tc.want.Text)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("result (-want +got):\n%s", diff)
			}
		})
	}
	for _, inv := range w.lambda.Invocations() {
		if strings.Contains(string(inv.Event), base.SecretAccessKey) {
			t.Fatal("secret in an event")
		}
	}
}

func TestInvocationCarriesEventAndClientContext(t *testing.T) {
	w := newWorld(t)
	tgt := w.open(t, "orders", w.provider.Role(gatewayID, gatewayRole))
	if _, err := tgt.Call(context.Background(), "get_order", json.RawMessage(` {"orderId":"o-9","note":"<&>"} `),
		target.CallInfo{RequestID: "req-42", MessageID: "call-7"}); err != nil {
		t.Fatal(err)
	}
	invs := w.lambda.Invocations()
	if len(invs) != 1 {
		t.Fatalf("%d invocations", len(invs))
	}
	inv := invs[0]
	sess, _ := w.sts.SessionOf(inv.AccessKeyID)
	got := struct {
		Function, FunctionName, InvocationType, Service, Region string
		Event                                                   string
		Custom                                                  map[string]string
		Role, Session                                           string
	}{inv.Function, inv.FunctionName, inv.InvocationType, inv.Service, inv.Region, string(inv.Event), inv.ClientContext.Custom, sess.RoleArn, sess.SessionName}
	want := got
	want.Function, want.FunctionName, want.InvocationType = "orders", w.lambda.ARN("orders"), "RequestResponse"
	want.Service, want.Region = "lambda", fnRegion // the function's region, not the gateway's
	want.Event = `{"orderId":"o-9","note":"<&>"}`
	want.Custom = map[string]string{
		"bedrockAgentCoreToolName":       "orders___get_order",
		"bedrockAgentCoreGatewayId":      gatewayID,
		"bedrockAgentCoreTargetId":       "TGT0000001",
		"bedrockAgentCoreMcpMessageId":   "call-7",
		"bedrockAgentCoreAwsRequestId":   "req-42",
		"bedrockAgentCoreMessageVersion": "1.0",
	}
	want.Role, want.Session = gatewayRole, "toolgate-"+gatewayID
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("invocation (-want +got):\n%s", diff)
	}
}

func TestQualifiedFunctionARN(t *testing.T) {
	w := newWorld(t)
	tools, _, _ := lambda.Convert(loadDefs(t, "tools.json"))
	tgt, err := lambda.Open(lambda.Config{FunctionARN: w.lambda.ARN("orders") + ":prod", Tools: tools,
		Env: target.Env{AWS: w.provider.Role(gatewayID, gatewayRole), TargetName: "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := tgt.Call(context.Background(), "ping.v2", nil, target.CallInfo{})
	if err != nil || res.IsError {
		t.Fatalf("%v %+v", err, res)
	}
	if inv := w.lambda.Invocations()[0]; inv.Function != "orders" || inv.Qualifier != "prod" {
		t.Fatalf("invoked %s qualifier %q", inv.Function, inv.Qualifier)
	}
	if _, err := lambda.Open(lambda.Config{FunctionARN: "arn:aws:sqs:us-east-1:111122223333:q"}); err == nil {
		t.Fatal("Open accepted an SQS ARN")
	}
}

func TestThrottling(t *testing.T) {
	w := newWorld(t)
	role := w.provider.Role(gatewayID, gatewayRole)
	w.lambda.Throttle(1)
	res, err := w.open(t, "orders", role, noRetries).Call(context.Background(), "ping.v2", nil, target.CallInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(summary{IsError: true, Text: "tool orders___ping.v2: the Lambda function is throttled; try again later"}, summarize(t, res)); diff != "" {
		t.Fatalf("throttled (-want +got):\n%s", diff)
	}
	// The SDK's retries absorb a passing throttle.
	w.lambda.Throttle(1)
	fast := func(o *awslambda.Options) {
		o.Retryer = retry.AddWithMaxBackoffDelay(retry.NewStandard(), 10*time.Millisecond)
	}
	res, err = w.open(t, "orders", role, fast).Call(context.Background(), "ping.v2", nil, target.CallInfo{})
	if err != nil || res.IsError {
		t.Fatalf("after one throttle with retries: %v %+v", err, summarize(t, res))
	}
}

func TestCredentialProblems(t *testing.T) {
	w := newWorld(t)
	const denied = "arn:aws:iam::111122223333:role/not-assumable"
	w.sts.Deny(denied)
	unknown := awsiam.New(awsiam.Options{Region: gatewayRegion, Direct: true, Endpoints: map[string]string{"lambda": w.lambda.URL},
		Static: aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN01", SecretAccessKey: "unknown-secret-0123456789abcdefghijklm"}})
	for _, tc := range []struct {
		name       string
		role       *awsiam.Role
		want       string
		wantDetail string
	}{
		{"role cannot be assumed", w.provider.Role(gatewayID, denied),
			"tool orders___ping.v2: the gateway could not obtain the credentials of its IAM role", "AccessDenied"},
		{"signature with unknown key", unknown.Role(gatewayID, gatewayRole),
			"tool orders___ping.v2: the gateway is not allowed to invoke its Lambda function", "UnrecognizedClientException"},
		{"no AWS configuration", nil,
			"tool orders___ping.v2: the gateway has no AWS credentials to invoke its Lambda function", "without an AWS configuration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgt := w.open(t, "orders", tc.role, noRetries)
			res, err := tgt.Call(context.Background(), "ping.v2", nil, target.CallInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(summary{IsError: true, Text: tc.want}, summarize(t, res)); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
			res, _ = tgt.Call(context.Background(), "ping.v2", nil, target.CallInfo{Debug: true})
			got := summarize(t, res)
			if !strings.Contains(got.Debug, tc.wantDetail) {
				t.Errorf("DEBUG detail %q does not mention %q", got.Debug, tc.wantDetail)
			}
			for _, s := range []string{base.SecretAccessKey, "unknown-secret"} {
				if strings.Contains(got.Text+got.Debug, s) {
					t.Fatalf("a secret leaked into the result: %+v", got)
				}
			}
		})
	}
	// None ran: STS refused the role, Lambda the unknown key's signature.
	if calls := w.lambda.Invocations(); len(calls) != 0 {
		t.Fatalf("%d invocations passed the signature check, want 0", len(calls))
	}
}

func TestUnknownToolIsAGatewayFault(t *testing.T) {
	w := newWorld(t)
	if _, err := w.open(t, "orders", nil).Call(context.Background(), "nope", nil, target.CallInfo{}); err == nil {
		t.Fatal("calling an unknown tool did not fail")
	}
}
