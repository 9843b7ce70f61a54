package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
)

// maxDetail bounds the function output or error shown in DEBUG detail.
const maxDetail = 4 << 10

// resultKeys are the members of an MCP CallToolResult. A function output
// whose members are all among them, with a content array, is taken to be a
// tool result already and passed through.
var resultKeys = map[string]bool{"content": true, "isError": true, "structuredContent": true, "_meta": true}

// payloadResult turns a successful invocation's output into a tool result.
func payloadResult(payload []byte) *mcp.CallToolResult {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 {
		p = []byte("null") // what a function that returns nothing produces
	}
	if res, ok := passThrough(p); ok {
		return res
	}
	if !utf8.Valid(p) {
		return textResult(strings.ToValidUTF8(string(p), "\uFFFD"))
	}
	res := textResult(string(p))
	if p[0] == '{' && json.Valid(p) {
		// The raw bytes: re-encoding a decoded map would cost more than
		// the rest of the call.
		res.StructuredContent = json.RawMessage(p)
	}
	return res
}

// passThrough decodes an output that is an MCP tool result itself, as
// functions written for AgentCore return to report errors:
// {"content": [{"type": "text", "text": "..."}], "isError": true}.
func passThrough(p []byte) (*mcp.CallToolResult, bool) {
	if p[0] != '{' {
		return nil, false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(p, &top) != nil {
		return nil, false
	}
	content, ok := top["content"]
	if !ok || len(content) == 0 || content[0] != '[' {
		return nil, false
	}
	for k := range top {
		if !resultKeys[k] {
			return nil, false
		}
	}
	var res mcp.CallToolResult
	if err := json.Unmarshal(p, &res); err != nil {
		return nil, false // not valid MCP content after all: shown as JSON
	}
	if res.Content == nil {
		res.Content = []mcp.Content{}
	}
	return &res, true
}

// fnError is the error document Lambda runtimes return with
// X-Amz-Function-Error.
type fnError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// functionFailure reports a function that ran and failed (kind is the
// X-Amz-Function-Error value, "Unhandled" or "Handled").
func functionFailure(tool, kind string, payload []byte, debug bool) *mcp.CallToolResult {
	msg := fmt.Sprintf("tool %s: the Lambda function failed with an error", tool)
	if !debug {
		return errorResult(msg)
	}
	var e fnError
	_ = json.Unmarshal(payload, &e)
	summary := kind + " function error"
	if e.ErrorType != "" || e.ErrorMessage != "" {
		summary = strings.TrimPrefix(e.ErrorType+": "+e.ErrorMessage, ": ")
	}
	return debugResult(msg+": "+excerpt(summary, maxDetail), excerpt(string(payload), maxDetail))
}

// invokeFailure reports an invocation that did not run the function.
func (t *fnTarget) invokeFailure(tool string, err error, debug bool) *mcp.CallToolResult {
	var (
		msg    string
		detail = err.Error()
		ce     *awsiam.CredentialsError
		ae     smithy.APIError
		ne     net.Error
	)
	status := 0
	if re := (*awshttp.ResponseError)(nil); errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	switch {
	case errors.As(err, &ce):
		msg = fmt.Sprintf("tool %s: the gateway could not obtain the credentials of its IAM role", tool)
		detail = ce.Error()
	case errors.Is(err, context.Canceled):
		msg = fmt.Sprintf("tool %s: the call was cancelled", tool)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		msg = fmt.Sprintf("tool %s: the Lambda function did not answer in time", tool)
	case code == "ResourceNotFoundException" || status == http.StatusNotFound:
		msg = fmt.Sprintf("tool %s: the Lambda function does not exist", tool)
		detail = fmt.Sprintf("Lambda function %s not found: %s", t.arn, apiDetail(ae, err))
	case code == "AccessDeniedException" || status == http.StatusForbidden:
		msg = fmt.Sprintf("tool %s: the gateway is not allowed to invoke its Lambda function", tool)
		detail = fmt.Sprintf("Access denied while invoking Lambda function %s. Check the permissions of the gateway role %s (lambda:InvokeFunction on the function): %s", t.arn, t.role, apiDetail(ae, err))
	case code == "TooManyRequestsException" || status == http.StatusTooManyRequests:
		msg = fmt.Sprintf("tool %s: the Lambda function is throttled; try again later", tool)
		detail = fmt.Sprintf("Lambda throttled the invocation of %s: %s", t.arn, apiDetail(ae, err))
	case code == "RequestTooLargeException" || status == http.StatusRequestEntityTooLarge:
		msg = fmt.Sprintf("tool %s: the arguments exceed the Lambda payload limit", tool)
	case code == "ResourceNotReadyException" || code == "ResourceConflictException":
		msg = fmt.Sprintf("tool %s: the Lambda function is being created or updated; try again later", tool)
	case status >= 500:
		msg = fmt.Sprintf("tool %s: the Lambda service failed to run the function", tool)
	case status > 0:
		msg = fmt.Sprintf("tool %s: the Lambda invocation was refused", tool)
	default:
		msg = fmt.Sprintf("tool %s: the Lambda service could not be reached", tool)
	}
	if !debug {
		return errorResult(msg)
	}
	return debugResult(msg+": "+detail, detail)
}

// apiDetail is "Code: message" of a service error, or the whole error.
func apiDetail(ae smithy.APIError, err error) string {
	if ae != nil {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	return err.Error()
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

func errorResult(text string) *mcp.CallToolResult {
	res := textResult(text)
	res.IsError = true
	return res
}

// debugResult is an error result with the detail AgentCore adds at
// exceptionLevel DEBUG: in the text and in _meta.debug.
func debugResult(text, detail string) *mcp.CallToolResult {
	res := errorResult(text)
	res.Meta = mcp.Meta{"debug": map[string]any{"type": "text", "text": detail}}
	return res
}

// failure is an error result whose detail only DEBUG shows.
func failure(msg string, debug bool, detail string) *mcp.CallToolResult {
	if !debug {
		return errorResult(msg)
	}
	return debugResult(msg+": "+detail, detail)
}

// excerpt cuts s to at most max bytes on a rune boundary, marking the cut.
func excerpt(s string, max int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
