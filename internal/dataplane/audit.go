package dataplane

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/catalog"
)

// Auditor receives data-plane audit events; *audit.Recorder is one. Record
// must not block: it is called on the tool-call path.
type Auditor interface{ Record(audit.Event) }

// The data plane's audit trail: one event per tools/call and tools/list
// (recorded by a go-sdk receiving middleware, so it sees every call,
// including those refused before a tool ran) and per request refused by the
// gateway's inbound authorizer (recorded in serveMCP).
//
// The caller reaches the middleware in the request's headers, the one
// per-request channel go-sdk hands to method handlers (RequestExtra.Header)
// in stateful and stateless mode alike: stampCaller sets these on every
// authenticated request, replacing whatever a client sent under the same
// names, so they cannot be forged.
const (
	hdrSourceIP = "Toolgate-Audit-Source-Ip"
	hdrSubject  = "Toolgate-Audit-Sub"       // JWT sub, or the SigV4 principal's ARN
	hdrClientID = "Toolgate-Audit-Client-Id" // JWT client_id, or the SigV4 access key id
)

// stampCaller records the caller of an authenticated MCP request in its
// headers for the audit middleware.
func (s *Server) stampCaller(r *http.Request) {
	if s.opts.Audit == nil {
		return
	}
	h := r.Header
	h.Set(hdrSourceIP, audit.SourceIP(r, false))
	p := authn.PrincipalFrom(r.Context())
	if p == nil {
		h.Del(hdrSubject)
		h.Del(hdrClientID)
		return
	}
	setOrDel(h, hdrSubject, p.Subject)
	setOrDel(h, hdrClientID, p.ClientID)
}

func setOrDel(h http.Header, k, v string) {
	if v == "" {
		h.Del(k)
		return
	}
	h.Set(k, v)
}

// callerIdentity is the userIdentity of a data-plane caller: the SigV4
// principal of an AWS_IAM gateway, or a bearer token's sub and client_id
// (nothing else of the token).
func callerIdentity(gw *catalog.Gateway, sub, clientID string) audit.UserIdentity {
	if sub == "" && clientID == "" {
		return audit.UserIdentity{Type: audit.IdentityUnknown}
	}
	if gw.AuthorizerType == "AWS_IAM" {
		account := ""
		if a, err := arn.Parse(sub); err == nil {
			account = a.Account
		}
		return audit.IAMIdentity(audit.IdentityTypeFromARN(sub), "", sub, account, clientID, "")
	}
	return audit.JWTIdentity(sub, clientID)
}

// callNote is how a tool handler tells the audit middleware what only it
// knows: that the gateway itself failed, and the request id it logged.
type callNote struct {
	requestID string
	fault     bool
}

type callNoteKey struct{}

// noteToolCall records, for the audit middleware, the log's request id of a
// tool call and whether the gateway failed to make it (err != nil).
func noteToolCall(ctx context.Context, requestID string, err error) {
	if n, ok := ctx.Value(callNoteKey{}).(*callNote); ok {
		n.requestID, n.fault = requestID, err != nil
	}
}

// addAuditMiddleware makes gs's MCP server record its tools/call and
// tools/list requests.
func (s *Server) addAuditMiddleware(gs *gatewayServer) {
	if s.opts.Audit == nil {
		return
	}
	gs.server.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "tools/call" && method != "tools/list" {
				return next(ctx, method, req)
			}
			start := time.Now()
			var note *callNote
			if method == "tools/call" {
				note = &callNote{}
				ctx = context.WithValue(ctx, callNoteKey{}, note)
			}
			res, err := next(ctx, method, req)
			s.opts.Audit.Record(mcpEvent(gs.gw.Load(), method, req, res, err, note, start))
			return res, err
		}
	})
}

// mcpEvent is the event of one tools/call or tools/list.
func mcpEvent(gw *catalog.Gateway, method string, req mcp.Request, res mcp.Result, err error, note *callNote, start time.Time) audit.Event {
	latency := time.Since(start)
	name, tool, target := audit.EventListTools, "", ""
	if method == "tools/call" {
		name = audit.EventCallTool
		if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && p != nil {
			tool = p.Name
		}
		if t := gw.ByName[tool]; t != nil {
			target = t.TargetName
		} else if d, _ := gw.DynamicFor(tool); d != nil {
			target = d.TargetName // dynamic.go
		} else if len(tool) > 256 {
			tool = tool[:256] + "…" // an unknown name, as the client sent it
		}
	}
	outcome, code, msg := audit.OutcomeSuccess, "", ""
	switch {
	case err != nil:
		outcome, code, msg = audit.OutcomeError, "ProtocolError", protocolError(err)
	case note != nil && note.fault:
		outcome, code = audit.OutcomeError, "GatewayError"
		msg = "the gateway failed to call the tool; the toolgate log has the cause under request_id " + note.requestID
	default:
		if r, ok := res.(*mcp.CallToolResult); ok && r != nil && r.IsError {
			outcome = audit.OutcomeToolError
		}
	}
	e := audit.NewDataPlaneEvent(name, gw.ID, target, tool, outcome, latency)
	e.EventTime = start
	e.ErrorCode, e.ErrorMessage = code, msg
	if note != nil {
		e.RequestID = note.requestID
	}
	e.Resources = []audit.Resource{{ARN: gw.ARN, Type: audit.ResourceGateway}}
	if extra := req.GetExtra(); extra != nil && extra.Header != nil {
		h := extra.Header
		e.SourceIPAddress = h.Get(hdrSourceIP)
		e.UserAgent = h.Get("User-Agent")
		e.UserIdentity = callerIdentity(gw, h.Get(hdrSubject), h.Get(hdrClientID))
	}
	return e
}

// protocolError words a JSON-RPC error of a tools/call or tools/list
// (unknown tool, invalid parameters) for the audit trail.
func protocolError(err error) string {
	msg := err.Error()
	var we *jsonrpc.Error
	if errors.As(err, &we) {
		msg = fmt.Sprintf("JSON-RPC error %d: %s", we.Code, we.Message)
	}
	if len(msg) > 512 {
		msg = msg[:512] + "…"
	}
	return msg
}

// auditRefusal records a request the gateway's inbound authorizer refused:
// the error code the client got, and the diagnosis (which names the failed
// check and at most the token's sub and client_id, never the token or its
// other claims) as the message. h is the response's header.
func (s *Server) auditRefusal(r *http.Request, gw *catalog.Gateway, err error, h http.Header) {
	if s.opts.Audit == nil {
		return
	}
	code, outcome := refusalCode(err, h)
	msg := refusalMessage(err, code, gw)
	e := audit.NewDataPlaneEvent(audit.EventInvokeGateway, gw.ID, "", "", outcome, 0)
	e.ErrorCode, e.ErrorMessage = code, msg
	e.SourceIPAddress = audit.SourceIP(r, false)
	e.UserAgent = r.UserAgent()
	e.UserIdentity = audit.UserIdentity{Type: audit.IdentityUnknown}
	e.Resources = []audit.Resource{{ARN: gw.ARN, Type: audit.ResourceGateway}}
	s.opts.Audit.Record(e)
}

// refusalCode is the error code of an inbound refusal as the client saw it,
// and whether the caller was authenticated but not allowed (denied).
func refusalCode(err error, h http.Header) (string, audit.Outcome) {
	if c := h.Get("X-Amzn-ErrorType"); c != "" { // SigV4 (AWS_IAM) and unavailable authorizers
		if c == "AccessDeniedException" {
			return c, audit.OutcomeDenied
		}
		return c, audit.OutcomeAuthFailed
	}
	var ref *authn.Refusal
	switch {
	case errors.As(err, &ref):
		if ref.Status == http.StatusForbidden {
			return ref.Code, audit.OutcomeDenied
		}
		return ref.Code, audit.OutcomeAuthFailed
	case errors.Is(err, authn.ErrNoToken):
		return "missing_token", audit.OutcomeAuthFailed
	case errors.Is(err, authn.ErrMalformedToken), errors.Is(err, authn.ErrTokenInQuery):
		return "invalid_request", audit.OutcomeAuthFailed
	}
	return "invalid_token", audit.OutcomeAuthFailed
}

// refusalMessage is the errorMessage of a refusal: the diagnosis of a
// bearer-token refusal as it is; for SigV4 (whose error text is "<code>:
// <detail>") the detail, naming the action and resource of a denial, and
// without the canonical request an InvalidSignature detail goes on with.
func refusalMessage(err error, code string, gw *catalog.Gateway) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	msg = strings.TrimPrefix(msg, code+": ")
	if strings.HasSuffix(msg, ":") {
		msg = ""
	}
	if code == "AccessDeniedException" && gw.AuthorizerType == "AWS_IAM" {
		msg = strings.TrimSpace("not authorized to perform: " + authn.InvokeAction + " on resource: " + gw.ARN + "; " + msg)
	}
	return msg
}
