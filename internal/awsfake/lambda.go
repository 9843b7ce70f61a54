package awsfake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Function is a Go stand-in for a Lambda function: it gets the event (the
// invocation payload) and the client context, and returns the value to
// serialise as the response payload. An error is reported as an unhandled
// function error, as a Lambda runtime does.
type Function func(ctx context.Context, event json.RawMessage, cc ClientContext) (any, error)

// Error is a function error with a type name, as runtimes report
// exceptions (errorType "ValueError", "KeyError", ...).
type Error struct{ Type, Message string }

func (e *Error) Error() string     { return e.Message }
func (e *Error) ErrorType() string { return e.Type }

// ClientContext is the decoded X-Amz-Client-Context header.
type ClientContext struct {
	Custom map[string]string `json:"custom,omitempty"`
	Client map[string]any    `json:"client,omitempty"`
	Env    map[string]any    `json:"env,omitempty"`
}

// Invocation records one Invoke request that passed the signature check.
type Invocation struct {
	// Function is the function name the request resolved to.
	Function  string
	Qualifier string
	// FunctionName is the path label as sent (name or ARN).
	FunctionName   string
	InvocationType string
	Event          json.RawMessage
	ClientContext  ClientContext
	// RawClientContext is the header as sent (base64).
	RawClientContext string
	AccessKeyID      string
	Service, Region  string
}

// Lambda is a fake of the Lambda Invoke API (restJson1,
// POST /2015-03-31/functions/{FunctionName}/invocations).
type Lambda struct {
	URL     string
	Region  string
	Account string

	keys Keys
	now  func() time.Time

	mu          sync.Mutex
	functions   map[string]Function
	allow       func(creds aws.Credentials, functionArn string) bool
	throttle    int
	invocations []Invocation
}

// NewLambda starts a fake Lambda service on 127.0.0.1 for region and
// account. Requests must be signed with credentials keys knows.
func NewLambda(t testing.TB, region, account string, keys Keys) *Lambda {
	l := &Lambda{Region: region, Account: account, keys: keys, now: time.Now, functions: map[string]Function{}}
	srv := httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(srv.Close)
	l.URL = srv.URL
	return l
}

// Add deploys fn under name and returns its ARN.
func (l *Lambda) Add(name string, fn Function) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.functions[name] = fn
	return l.ARN(name)
}

// ARN is the ARN of function name.
func (l *Lambda) ARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", l.Region, l.Account, name)
}

// Allow sets the permission check: Invoke answers AccessDeniedException
// when allow returns false. nil allows every verified caller.
func (l *Lambda) Allow(allow func(creds aws.Credentials, functionArn string) bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.allow = allow
}

// Throttle makes the next n invocations fail with TooManyRequestsException.
func (l *Lambda) Throttle(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.throttle = n
}

// Invocations returns the invocations so far.
func (l *Lambda) Invocations() []Invocation {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Invocation(nil), l.invocations...)
}

var (
	reInvokePath = regexp.MustCompile(`^/2015-03-31/functions/([^/]+)/invocations$`)
	// Function name forms Invoke accepts: name, partial ARN
	// ACCOUNT:function:NAME, or full ARN; each with an optional :QUALIFIER.
	reFunctionName = regexp.MustCompile(`^(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):([0-9]{12}):function:|([0-9]{12}):function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$`)
)

func (l *Lambda) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "cannot read body")
		return
	}
	m := reInvokePath.FindStringSubmatch(r.URL.EscapedPath())
	if m == nil || r.Method != http.MethodPost {
		lambdaError(w, http.StatusNotFound, "UnknownOperationException", "this fake serves only Invoke")
		return
	}
	signed, err := Verify(r, body, l.keys, l.now())
	if err != nil {
		se := err.(*SigError)
		code := map[SigErrorKind]string{Missing: "MissingAuthenticationTokenException", Malformed: "IncompleteSignatureException",
			UnknownKey: "UnrecognizedClientException", Expired: "ExpiredTokenException", BadSignature: "InvalidSignatureException", Skewed: "InvalidSignatureException"}[se.Kind]
		lambdaError(w, http.StatusForbidden, code, se.Message)
		return
	}
	if signed.Service != "lambda" || signed.Region != l.Region {
		lambdaError(w, http.StatusForbidden, "InvalidSignatureException", fmt.Sprintf("Credential should be scoped to a valid region and service lambda/%s, not %s/%s", l.Region, signed.Service, signed.Region))
		return
	}
	label, err := url.PathUnescape(m[1])
	if err != nil {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "bad function name encoding")
		return
	}
	fm := reFunctionName.FindStringSubmatch(label)
	if fm == nil {
		lambdaError(w, http.StatusBadRequest, "ValidationException", "1 validation error detected: Value '"+label+"' at 'functionName' failed to satisfy constraint")
		return
	}
	region, account, name, qualifier := fm[1], fm[2]+fm[3], fm[4], fm[5]
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		qualifier = q
	}
	inv := Invocation{
		Function: name, Qualifier: qualifier, FunctionName: label,
		InvocationType: r.Header.Get("X-Amz-Invocation-Type"), Event: json.RawMessage(body),
		RawClientContext: r.Header.Get("X-Amz-Client-Context"), AccessKeyID: signed.Credentials.AccessKeyID,
		Service: signed.Service, Region: signed.Region,
	}
	if inv.InvocationType != "" && inv.InvocationType != "RequestResponse" {
		lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "this fake supports only RequestResponse invocations")
		return
	}
	if inv.RawClientContext != "" {
		raw, err := base64.StdEncoding.DecodeString(inv.RawClientContext)
		if err != nil || json.Unmarshal(raw, &inv.ClientContext) != nil {
			lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.")
			return
		}
		if len(inv.RawClientContext) > 3583 {
			lambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "Client context must be at most 3583 bytes")
			return
		}
	}
	if len(body) > 0 && !json.Valid(body) {
		lambdaError(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not parse request body into json")
		return
	}

	l.mu.Lock()
	fn := l.functions[name]
	allow := l.allow
	throttled := l.throttle > 0
	if throttled {
		l.throttle--
	}
	l.invocations = append(l.invocations, inv)
	l.mu.Unlock()

	arn := l.ARN(name)
	if fn == nil || (region != "" && region != l.Region) || (account != "" && account != l.Account) {
		lambdaError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+label)
		return
	}
	if allow != nil && !allow(signed.Credentials, arn) {
		lambdaError(w, http.StatusForbidden, "AccessDeniedException",
			fmt.Sprintf("User: %s is not authorized to perform: lambda:InvokeFunction on resource: %s because no identity-based policy allows the lambda:InvokeFunction action", signed.Credentials.AccessKeyID, arn))
		return
	}
	if throttled {
		w.Header().Set("Retry-After", "1")
		lambdaErrorBody(w, http.StatusTooManyRequests, "TooManyRequestsException", map[string]any{
			"Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
		})
		return
	}

	event := json.RawMessage(body)
	if len(body) == 0 {
		event = json.RawMessage("null")
	}
	out, ferr := fn(r.Context(), event, inv.ClientContext)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	w.Header().Set("X-Amzn-Requestid", randomUUID())
	if ferr != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		typ := "Exception"
		if t, ok := ferr.(interface{ ErrorType() string }); ok {
			typ = t.ErrorType()
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"errorMessage": ferr.Error(), "errorType": typ,
			"stackTrace": []string{"  File \"/var/task/handler.py\", line 12, in handler"},
		})
		return
	}
	payload, err := json.Marshal(out)
	if err != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		_ = json.NewEncoder(w).Encode(map[string]any{"errorMessage": "Unable to marshal response: " + err.Error(), "errorType": "Runtime.MarshalError"})
		return
	}
	_, _ = w.Write(payload)
}

func lambdaError(w http.ResponseWriter, status int, code, msg string) {
	lambdaErrorBody(w, status, code, map[string]any{"Type": "User", "message": msg})
}

func lambdaErrorBody(w http.ResponseWriter, status int, code string, body map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", code)
	w.Header().Set("X-Amzn-Requestid", randomUUID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
