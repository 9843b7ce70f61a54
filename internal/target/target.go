// Package target defines what a gateway target is to the rest of toolgate: a
// set of immutable tool definitions and a way to call one of them. One
// sub-package per target kind (openapi, later lambda, smithy, mcpserver) turns
// a stored target configuration into a Target.
//
// Conversion (configuration -> tools) is pure and done once, when the
// configuration changes; Call is the hot path and must not parse schemas,
// read the store or fetch keys.
package target

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
)

// Tool is one tool of a target, as the target names it (without the
// "{targetName}___" prefix the gateway adds).
type Tool struct {
	Name        string
	Description string
	// InputSchema is a JSON Schema object ({"type":"object",...}), serialised.
	InputSchema json.RawMessage
	// OutputSchema is optional; nil when unknown.
	OutputSchema json.RawMessage
}

// Warning reports something in the configuration that could not be converted
// and was left out, so users see it in the target's statusReasons instead of
// silently losing a tool.
type Warning struct {
	// Where points at the source, e.g. "paths./pets.post" or "operationId listPets".
	Where   string
	Message string
}

func (w Warning) String() string {
	if w.Where == "" {
		return w.Message
	}
	return w.Where + ": " + w.Message
}

// CallInfo carries per-call facts a target may need besides the arguments.
type CallInfo struct {
	// Debug is true when the gateway's exceptionLevel is DEBUG: results of
	// failed calls may then include upstream detail.
	Debug bool
	// RequestID identifies the MCP request in logs and upstream calls.
	RequestID string
	// MessageID is the JSON-RPC id of the tools/call request: a number as
	// the client wrote it, or a string's value; "" when unknown.
	MessageID string
}

// Target is an opened, ready-to-call target.
type Target interface {
	// Tools returns the target's tools. The slice and its contents are
	// immutable after Open.
	Tools() []Tool
	// Call invokes tool with the JSON arguments. Upstream failures (HTTP
	// 4xx/5xx, unreachable upstream) are returned as a result with IsError
	// set; an error return means the gateway itself failed.
	Call(ctx context.Context, tool string, args json.RawMessage, info CallInfo) (*mcp.CallToolResult, error)
}

// Env is what a target kind may use when it is opened.
type Env struct {
	// HTTPClient sends upstream requests. It already enforces timeouts,
	// response size limits and the egress policy.
	HTTPClient *http.Client
	// Credentials injects outbound credentials into each upstream request;
	// nil when the target has no credential provider.
	Credentials cred.Injector
	// AWS gives targets that call AWS APIs themselves (Lambda) the
	// gateway role's credentials and endpoints; nil when only validating.
	AWS *awsiam.Role
	// GatewayID, TargetID and TargetName identify what is opened (Lambda
	// functions receive them in their client context); empty when only
	// validating.
	GatewayID, TargetID, TargetName string
}
