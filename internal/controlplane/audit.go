package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/store"
)

// Auditor receives the audit event of every control-plane call;
// *audit.Recorder is one. Record must not block.
type Auditor interface{ Record(audit.Event) }

// The audit trail of the control plane: audited wraps the whole handler, so
// every request (authentication failures, refusals and unknown operations
// included) yields exactly one event, recorded when the handler returns.
// The stages a request passes through tell its call what they learn: the
// claimed access key and the principal (authenticate), the operation and its
// parameters (resolve, authorizeService); the response tells the outcome.

type callKey struct{}

// call is what one control-plane request's stages learned about it.
type call struct {
	start       time.Time
	requestID   string
	accessKeyID string // claimed, then verified
	principal   *store.Principal
	op          *Operation
	pathParams  map[string]string
	params      json.RawMessage // requestParameters, redacted
	// bodyHead is the start of the request body as the stages read it, to
	// name requests refused before their operation was resolved.
	bodyHead []byte
}

// maxBodyHead bounds call.bodyHead.
const maxBodyHead = 16 << 10

// headReader keeps the first maxBodyHead bytes read from a request body.
type headReader struct {
	io.ReadCloser
	c *call
}

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.ReadCloser.Read(p)
	if room := maxBodyHead - len(h.c.bodyHead); room > 0 && n > 0 {
		h.c.bodyHead = append(h.c.bodyHead, p[:min(room, n)]...)
	}
	return n, err
}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// noteAccessKey records the access key id a request claims to be signed
// with (before its signature is checked).
func noteAccessKey(ctx context.Context, id string) {
	if c := callFrom(ctx); c != nil {
		c.accessKeyID = id
	}
}

// notePrincipal records the authenticated principal.
func notePrincipal(ctx context.Context, p store.Principal) {
	if c := callFrom(ctx); c != nil {
		c.principal = &p
	}
}

// noteOperation records the resolved operation of r and its parameters
// (body is the request body).
func noteOperation(r *http.Request, op Operation, body []byte) {
	c := callFrom(r.Context())
	if c == nil {
		return
	}
	c.op = &op
	c.pathParams = pathParams(r)
	c.params = requestParameters(r, c.pathParams, body)
}

// noteRoute remembers the operation name of an AgentCore route, to name the
// events of requests refused before they are routed (authentication
// failures).
func (a *api) noteRoute(pattern, name string) {
	if a.routeNames == nil {
		a.routeNames = map[string]string{}
		a.routeMux = http.NewServeMux()
	}
	a.routeNames[pattern] = name
	a.routeMux.Handle(pattern, http.NotFoundHandler())
}

// audited records one event per request when an Auditor is configured.
func (a *api) audited(next http.Handler) http.Handler {
	if a.Audit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			next.ServeHTTP(w, r)
			return
		}
		c := &call{start: a.Now(), requestID: newRequestID()}
		ctx := context.WithValue(r.Context(), callKey{}, c)
		r = r.WithContext(context.WithValue(ctx, requestIDKey{}, c.requestID))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &headReader{ReadCloser: r.Body, c: c}
		}
		aw := &auditWriter{ResponseWriter: w, c: c}
		defer func() { a.Audit.Record(a.callEvent(r, c, aw)) }()
		next.ServeHTTP(aw, r)
	})
}

// callEvent builds the event of a finished request.
func (a *api) callEvent(r *http.Request, c *call, aw *auditWriter) audit.Event {
	var e audit.Event
	if c.op != nil {
		e = audit.NewControlPlaneEvent(c.op.Name, c.op.ReadOnly)
		e.EventSource = audit.EventSourceFor(c.op.Service)
		e.Resources = a.resources(*c.op, c.pathParams)
	} else {
		name, service := a.unresolvedName(r, c)
		e = audit.NewControlPlaneEvent(name, readOnlyName(name))
		e.EventSource = audit.EventSourceFor(service)
	}
	e.EventTime = c.start
	e.AWSRegion = a.Region
	e.RecipientAccountID = a.AccountID
	e.SourceIPAddress = audit.SourceIP(r, a.TrustForwardedHeaders)
	e.UserAgent = r.UserAgent()
	e.RequestID = aw.Header().Get("X-Amzn-Requestid")
	if e.RequestID == "" {
		e.RequestID = c.requestID
	}
	e.UserIdentity = a.identity(c)
	// The parameters of unauthenticated requests are not recorded: anyone
	// could fill the trail with them.
	if c.principal != nil {
		e.RequestParameters = c.params
	}
	status := aw.statusCode()
	switch {
	case status >= 400:
		e.ErrorCode, e.ErrorMessage = aw.apiError()
	case c.op != nil && !c.op.ReadOnly:
		e.ResponseElements = aw.responseElements()
	}
	return e
}

// unresolvedName names a request whose operation was not resolved: refused
// before (authentication), or naming no operation.
func (a *api) unresolvedName(r *http.Request, c *call) (name, service string) {
	for _, svc := range a.Services {
		if !strings.HasPrefix(r.URL.Path, svc.Prefix) {
			continue
		}
		if op, ok := svc.Classify(r, c.bodyHead); ok && op.Name != "" {
			return op.Name, svc.SigningName
		}
		// AWS Query APIs name the action in the query or the form.
		act := r.URL.Query().Get("Action")
		if form, err := url.ParseQuery(string(c.bodyHead)); act == "" && err == nil {
			act = form.Get("Action")
		}
		if act != "" && len(act) <= 64 {
			return act, svc.SigningName
		}
		return clip(r.Method + " " + r.URL.Path), svc.SigningName
	}
	if a.routeMux != nil {
		if _, pattern := a.routeMux.Handler(r); pattern != "" {
			if name, ok := a.routeNames[pattern]; ok {
				return name, SigningName
			}
		}
	}
	return clip(operationName(r)), SigningName
}

// clip bounds a name taken from the request line.
func clip(s string) string {
	if len(s) > 128 {
		return s[:128] + "…"
	}
	return s
}

// identity is the caller: the principal with the key it signed with, or
// for an unauthenticated request only the access key id it claimed.
func (a *api) identity(c *call) audit.UserIdentity {
	p := c.principal
	if p == nil {
		return audit.UserIdentity{Type: audit.IdentityUnknown, AccessKeyID: c.accessKeyID}
	}
	typ, name := audit.IdentityIAMUser, p.Name
	switch p.Kind {
	case store.PrincipalRoot:
		typ, name = audit.IdentityRoot, ""
	case store.PrincipalRole:
		typ = audit.IdentityRole
	}
	return audit.IAMIdentity(typ, p.ID, p.ARN, a.AccountID, c.accessKeyID, name)
}

// resources lists the resource an operation is authorised on, and the
// gateway target a target operation names.
func (a *api) resources(op Operation, path map[string]string) []audit.Resource {
	if op.Resource == "" || op.Resource == "*" {
		return nil
	}
	out := []audit.Resource{{ARN: op.Resource, AccountID: a.AccountID, Type: resourceType(op.Resource)}}
	if t := path["targetId"]; t != "" && strings.Contains(op.Resource, ":gateway/") {
		out = append(out, audit.Resource{ARN: op.Resource + "/target/" + t, AccountID: a.AccountID, Type: audit.ResourceGatewayTarget})
	}
	return out
}

// resourceType is CloudTrail's resources[].type of an ARN.
func resourceType(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return "Unknown"
	}
	res := a.Resource
	switch a.Service {
	case arn.Service:
		switch {
		case strings.HasPrefix(res, "gateway/") && strings.Contains(res, "/target/"):
			return audit.ResourceGatewayTarget
		case strings.HasPrefix(res, "gateway/"):
			return audit.ResourceGateway
		case strings.Contains(res, "/apikeycredentialprovider/"):
			return audit.ResourceAPIKeyCredentialProvider
		case strings.Contains(res, "/oauth2credentialprovider/"):
			return audit.ResourceOAuth2CredentialProvider
		case strings.HasPrefix(res, "token-vault/"):
			return audit.ResourceTokenVault
		case strings.Contains(res, "workload-identity/"):
			return audit.ResourceWorkloadIdentity
		}
		return "AWS::BedrockAgentCore::Resource"
	case "iam":
		switch {
		case strings.HasPrefix(res, "user/"):
			return audit.ResourceIAMUser
		case strings.HasPrefix(res, "role/"):
			return audit.ResourceIAMRole
		case strings.HasPrefix(res, "policy/"):
			return audit.ResourceIAMPolicy
		}
		return "AWS::IAM::Resource"
	case "cognito-idp":
		if strings.HasPrefix(res, "userpool/") {
			return "AWS::Cognito::UserPool"
		}
		return "AWS::Cognito::Resource"
	}
	return "AWS::" + a.Service + "::Resource"
}

// pathParams returns the wildcards of the route r matched.
func pathParams(r *http.Request) map[string]string {
	var out map[string]string
	for p := r.Pattern; ; {
		i := strings.IndexByte(p, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(p[i:], '}')
		if j < 0 {
			return out
		}
		name := strings.TrimSuffix(p[i+1:i+j], "...")
		p = p[i+j+1:]
		if name == "$" || name == "" {
			continue
		}
		if v := r.PathValue(name); v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = v
		}
	}
}

// requestParameters is CloudTrail's requestParameters of a request: its
// path wildcards, query parameters and body members in one JSON object
// (the parameters of a form-encoded AWS Query request as members named in
// lower camel case, without Action and Version), redacted and bounded.
func requestParameters(r *http.Request, path map[string]string, body []byte) json.RawMessage {
	params := map[string]any{}
	for k, v := range path {
		params[k] = v
	}
	addValues := func(vals url.Values, rename func(string) string) {
		for k, vs := range vals {
			if k == "Action" || k == "Version" || strings.HasPrefix(strings.ToLower(k), "x-amz-") {
				continue // the event name; SigV4 query authentication
			}
			if len(vs) == 1 {
				params[rename(k)] = vs[0]
			} else {
				params[rename(k)] = vs
			}
		}
	}
	addValues(r.URL.Query(), func(k string) string { return k })
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
	case ct == "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(body)); err == nil {
			addValues(form, lowerFirst)
		} else {
			params["bodySizeBytes"] = len(body)
		}
	case body[0] == '{':
		var members map[string]json.RawMessage
		if json.Unmarshal(body, &members) != nil {
			params["bodySizeBytes"] = len(body)
			break
		}
		for k, v := range members {
			params[k] = v
		}
	case json.Valid(body):
		if len(params) == 0 {
			return audit.RedactBounded(body)
		}
		params["body"] = json.RawMessage(body)
	default:
		params["bodySizeBytes"] = len(body)
	}
	if len(params) == 0 {
		return nil
	}
	out, err := json.Marshal(params)
	if err != nil {
		return nil
	}
	return audit.RedactBounded(out)
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// maxErrorCapture bounds the error response kept to read its code and
// message.
const maxErrorCapture = 16 << 10

// auditWriter passes a response through and keeps what the event needs:
// the status, the error body, and the body of a successful mutation
// (responseElements). It supports streaming (Flush) for audit tail.
type auditWriter struct {
	http.ResponseWriter
	c      *call
	status int
	limit  int
	buf    []byte
	size   int64
}

func (w *auditWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		switch {
		case code >= 400:
			w.limit = maxErrorCapture
		case code < 300 && w.c.op != nil && !w.c.op.ReadOnly:
			w.limit = maxBody
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *auditWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	w.size += int64(len(p))
	if room := w.limit - len(w.buf); room > 0 {
		w.buf = append(w.buf, p[:min(room, len(p))]...)
	}
	return w.ResponseWriter.Write(p)
}

// Flush implements http.Flusher.
func (w *auditWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *auditWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *auditWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// apiError reads an error response's code and message in any of the
// encodings the control plane's APIs use: X-Amzn-ErrorType with a JSON
// body (restJson1, the extension API), __type (JSON 1.1: Cognito), or an
// XML <Error> (AWS Query: IAM).
func (w *auditWriter) apiError() (code, message string) {
	code = w.Header().Get("X-Amzn-ErrorType")
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	body := bytes.TrimSpace(w.buf)
	switch {
	case len(body) > 0 && body[0] == '{':
		var m struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			Message2 string `json:"Message"`
			Code     string `json:"code"`
		}
		_ = json.Unmarshal(body, &m)
		message = m.Message
		if message == "" {
			message = m.Message2
		}
		if code == "" {
			code = m.Type
			if i := strings.LastIndexByte(code, '#'); i >= 0 {
				code = code[i+1:]
			}
		}
		if code == "" {
			code = m.Code
		}
	case len(body) > 0 && body[0] == '<':
		var x struct {
			Error struct {
				Code    string
				Message string
			}
		}
		_ = xml.Unmarshal(body, &x)
		if code == "" {
			code = x.Error.Code
		}
		message = x.Error.Message
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", w.statusCode())
	}
	return code, message
}

// responseElements is the body of a successful mutation as JSON (an XML
// response of an AWS Query API converted), redacted and bounded.
func (w *auditWriter) responseElements() json.RawMessage {
	if w.size > int64(len(w.buf)) {
		out, _ := json.Marshal(map[string]any{"omitted": "element too large to record", "sizeBytes": w.size})
		return out
	}
	body := bytes.TrimSpace(w.buf)
	if len(body) == 0 {
		return nil
	}
	ct, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
	if strings.HasSuffix(ct, "xml") || body[0] == '<' {
		return audit.RedactBounded(xmlResult(body))
	}
	if !json.Valid(body) {
		return nil
	}
	return audit.RedactBounded(body)
}

// xmlResult converts the <OpResult> element of an AWS Query response
// (<OpResponse><OpResult>…</OpResult><ResponseMetadata/></OpResponse>) to
// JSON as CloudTrail shows it: elements become members named in lower camel
// case, <member> lists become arrays, text becomes strings.
func xmlResult(body []byte) json.RawMessage {
	root, err := parseXML(body)
	if err != nil || root == nil {
		return nil
	}
	for _, k := range root.kids {
		if !strings.HasSuffix(k.name, "Result") {
			continue
		}
		if len(k.kids) == 0 {
			return nil
		}
		out, err := json.Marshal(k.value())
		if err != nil {
			return nil
		}
		return out
	}
	return nil
}

type xmlNode struct {
	name string
	kids []*xmlNode
	text strings.Builder
}

func parseXML(b []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var root *xmlNode
	var stack []*xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
}

func (n *xmlNode) value() any {
	if len(n.kids) == 0 {
		return strings.TrimSpace(n.text.String())
	}
	members := true
	for _, k := range n.kids {
		members = members && k.name == "member"
	}
	if members {
		list := make([]any, len(n.kids))
		for i, k := range n.kids {
			list[i] = k.value()
		}
		return list
	}
	count := map[string]int{}
	for _, k := range n.kids {
		count[k.name]++
	}
	obj := map[string]any{}
	for _, k := range n.kids {
		key := lowerFirst(k.name)
		if count[k.name] == 1 {
			obj[key] = k.value()
			continue
		}
		list, _ := obj[key].([]any)
		obj[key] = append(list, k.value())
	}
	return obj
}
