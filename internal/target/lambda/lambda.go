// Package lambda exposes an AWS Lambda function as MCP tools, as an AgentCore
// Lambda target (targetConfiguration.mcp.lambda) does: the tools are the
// ToolDefinitions of the target's tool schema, and calling one invokes the
// function synchronously, as the gateway's IAM role, with the tool's
// arguments as the event and the tool's identity in the client context
// (agentcore-api.md §11.5):
//
//	bedrockAgentCoreToolName        "{target}___{tool}" (functions strip the prefix)
//	bedrockAgentCoreGatewayId       the gateway id
//	bedrockAgentCoreTargetId        the target id
//	bedrockAgentCoreMcpMessageId    the JSON-RPC id of the tools/call request
//	bedrockAgentCoreAwsRequestId    the gateway's request id
//	bedrockAgentCoreMessageVersion  "1.0"
//
// The function's JSON output becomes the tool result's text (and its
// structuredContent when it is an object); an output that is itself an MCP
// tool result ({"content": [...], "isError": true}) is passed through.
// Function errors (X-Amz-Function-Error) and failed invocations (denied,
// missing function, throttling) are results with isError set, worded for the
// agent; their detail is shown only when the gateway's exceptionLevel is
// DEBUG.
package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsarn "github.com/aws/aws-sdk-go-v2/aws/arn"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/target"
)

// MaxPayload is Lambda's limit on a synchronous invocation's request and
// response payloads (6 MB).
const MaxPayload = 6 << 20

// MessageVersion is the value of bedrockAgentCoreMessageVersion.
const MessageVersion = "1.0"

// Invoker is the part of the Lambda client a target uses.
type Invoker interface {
	Invoke(ctx context.Context, in *awslambda.InvokeInput, optFns ...func(*awslambda.Options)) (*awslambda.InvokeOutput, error)
}

// Config is what Open needs.
type Config struct {
	// FunctionARN is the target's lambdaArn, possibly with a qualifier.
	FunctionARN string
	// Tools come from Convert.
	Tools []target.Tool
	// Env identifies the gateway and target and carries the gateway role
	// (Env.AWS). Without a role the target lists its tools but every call
	// fails with an explanation.
	Env target.Env
	// Client, when set, replaces the Lambda client built from Env.AWS.
	Client Invoker
	// ClientOptions adjust the Lambda client built from Env.AWS.
	ClientOptions []func(*awslambda.Options)
}

// Open makes the target callable. It fails only when FunctionARN is not a
// Lambda function ARN.
func Open(c Config) (target.Target, error) {
	a, err := awsarn.Parse(c.FunctionARN)
	if err != nil || a.Service != "lambda" || a.Region == "" {
		return nil, fmt.Errorf("%q is not a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", c.FunctionARN)
	}
	t := &fnTarget{
		arn: c.FunctionARN, tools: c.Tools, byName: make(map[string]bool, len(c.Tools)),
		targetName: c.Env.TargetName, client: c.Client,
	}
	for _, tool := range c.Tools {
		t.byName[tool.Name] = true
	}
	if role := c.Env.AWS; role != nil {
		t.role = role.ARN
		if t.client == nil {
			t.client = NewClient(role, a.Region, c.ClientOptions...)
		}
	}
	// The parts of the client context that are the same for every call.
	t.ccGateway, _ = json.Marshal(c.Env.GatewayID)
	t.ccTarget, _ = json.Marshal(c.Env.TargetID)
	return t, nil
}

// NewClient returns a Lambda client for region that signs as role and uses
// the endpoint override for "lambda", if any.
func NewClient(role *awsiam.Role, region string, optFns ...func(*awslambda.Options)) *awslambda.Client {
	o := awslambda.Options{Region: region, Credentials: role.Credentials}
	if role.HTTPClient != nil {
		o.HTTPClient = role.HTTPClient
	}
	if ep := role.Endpoint("lambda"); ep != "" {
		o.BaseEndpoint = aws.String(ep)
	}
	return awslambda.New(o, optFns...)
}

type fnTarget struct {
	arn        string
	role       string
	tools      []target.Tool
	byName     map[string]bool
	targetName string
	client     Invoker
	// JSON-encoded gateway and target ids.
	ccGateway, ccTarget []byte
}

func (t *fnTarget) Tools() []target.Tool { return t.tools }

// Call invokes the function for tool. See the package documentation for
// how results and failures are reported.
func (t *fnTarget) Call(ctx context.Context, tool string, args json.RawMessage, info target.CallInfo) (*mcp.CallToolResult, error) {
	if !t.byName[tool] {
		return nil, fmt.Errorf("lambda target: unknown tool %q", tool)
	}
	name := t.targetName + "___" + tool
	event := bytes.TrimSpace(args)
	switch {
	case len(event) == 0 || bytes.Equal(event, []byte("null")):
		event = []byte("{}")
	case event[0] != '{':
		return errorResult(fmt.Sprintf("tool %s: the arguments must be a JSON object", name)), nil
	case len(event) > MaxPayload:
		return errorResult(fmt.Sprintf("tool %s: the arguments are %d bytes; a Lambda invocation takes at most %d", name, len(event), MaxPayload)), nil
	}
	if t.client == nil {
		return failure(fmt.Sprintf("tool %s: the gateway has no AWS credentials to invoke its Lambda function", name),
			info.Debug, "toolgate was started without an AWS configuration for this gateway"), nil
	}
	cc := t.clientContext(name, info)
	out, err := t.client.Invoke(ctx, &awslambda.InvokeInput{
		FunctionName:   aws.String(t.arn),
		InvocationType: types.InvocationTypeRequestResponse,
		ClientContext:  &cc,
		Payload:        event,
	})
	if err != nil {
		return t.invokeFailure(name, err, info.Debug), nil
	}
	if out.FunctionError != nil {
		return functionFailure(name, *out.FunctionError, out.Payload, info.Debug), nil
	}
	return payloadResult(out.Payload), nil
}

// clientContext is the X-Amz-Client-Context header: base64 of
// {"custom": {...}} with the keys of §11.5, in a fixed order.
func (t *fnTarget) clientContext(tool string, info target.CallInfo) string {
	var b bytes.Buffer
	b.Grow(256 + len(tool))
	b.WriteString(`{"custom":{"bedrockAgentCoreToolName":`)
	writeJSONString(&b, tool)
	b.WriteString(`,"bedrockAgentCoreGatewayId":`)
	b.Write(t.ccGateway)
	b.WriteString(`,"bedrockAgentCoreTargetId":`)
	b.Write(t.ccTarget)
	b.WriteString(`,"bedrockAgentCoreMcpMessageId":`)
	writeJSONString(&b, info.MessageID)
	b.WriteString(`,"bedrockAgentCoreAwsRequestId":`)
	writeJSONString(&b, info.RequestID)
	b.WriteString(`,"bedrockAgentCoreMessageVersion":"` + MessageVersion + `"}}`)
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}
