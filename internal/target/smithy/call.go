package smithy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/target"
)

// maxBody bounds a response body read into a tool result.
const maxBody = 8 << 20

type smithyTarget struct {
	svc      *Service
	byName   map[string]*operation
	client   *http.Client
	creds    cred.Injector
	endpoint string // "" with endpointErr set when none can be formed
	epErr    error
}

// Open returns the target serving svc. env.Credentials (OAuth client
// credentials) is injected when set; otherwise calls are signed as env.AWS
// (GATEWAY_IAM_ROLE) with SigV4 for the model's signing name in the
// gateway's region. env.AWS also gives the region and endpoint overrides. The endpoint is
// the aws.endpoints override for the service's endpoint prefix or
// https://{prefix}.{region}.amazonaws.com.
func Open(svc *Service, env target.Env) target.Target {
	t := &smithyTarget{svc: svc, byName: map[string]*operation{}, client: env.HTTPClient, creds: env.Credentials}
	for _, op := range svc.ops {
		t.byName[op.name] = op
	}
	if t.client == nil {
		t.client = http.DefaultClient
	}
	region := ""
	if env.AWS != nil {
		region = env.AWS.Region
		if env.AWS.HTTPClient != nil {
			// The endpoint is AWS's or the operator's override, never the
			// model's choice, so it goes out as other AWS calls (Lambda, S3).
			t.client = env.AWS.HTTPClient
		}
		if ep := env.AWS.Endpoint(svc.EndpointPrefix); ep != "" {
			t.endpoint = strings.TrimRight(ep, "/")
		}
	}
	switch {
	case env.Credentials != nil: // OAuth client credentials
	case env.AWS != nil: // GATEWAY_IAM_ROLE
		s, err := awsiam.NewSigner(env.AWS, svc.SigningName, "")
		if err != nil {
			t.creds = failing(err)
		} else {
			t.creds = s
		}
	default:
		t.creds = failing(errors.New("toolgate has no AWS configuration to sign as the gateway role (see the aws block of the bootstrap configuration)"))
	}
	if t.endpoint == "" {
		if region == "" {
			t.epErr = errors.New("no AWS region to form the endpoint of " + svc.EndpointPrefix + " (set aws.region in the bootstrap configuration)")
		} else {
			t.endpoint = "https://" + svc.EndpointPrefix + "." + region + ".amazonaws.com"
		}
	}
	return t
}

func (t *smithyTarget) Tools() []target.Tool { return t.svc.Tools() }

func (t *smithyTarget) Call(ctx context.Context, tool string, args json.RawMessage, info target.CallInfo) (*mcp.CallToolResult, error) {
	op := t.byName[tool]
	if op == nil {
		return nil, fmt.Errorf("smithy: unknown tool %q", tool)
	}
	if t.epErr != nil {
		return errorResult("tool " + tool + ": " + t.epErr.Error()), nil
	}
	var in map[string]json.RawMessage
	if len(bytes.TrimSpace(args)) > 0 && string(bytes.TrimSpace(args)) != "null" {
		if err := json.Unmarshal(args, &in); err != nil {
			return errorResult("tool " + tool + ": the arguments are not a JSON object"), nil
		}
	}
	hr, err := t.svc.Serialize(op, in)
	if err != nil {
		return errorResult("tool " + tool + ": " + err.Error()), nil
	}
	req, err := hr.Request(ctx, t.endpoint)
	if err != nil {
		return errorResult("tool " + tool + ": " + err.Error()), nil
	}
	if t.creds != nil {
		if err := t.creds.Inject(ctx, req); err != nil {
			msg := "the outbound credential could not be used"
			var pe interface{ Public() string }
			if errors.As(err, &pe) {
				msg = pe.Public()
			} else if info.Debug {
				msg += ": " + err.Error()
			}
			return errorResult("tool " + tool + ": " + msg), nil
		}
	}
	resp, err := t.client.Do(req)
	if err != nil {
		msg := "the service could not be reached"
		if info.Debug {
			msg += ": " + err.Error()
		}
		return errorResult("tool " + tool + ": " + msg), nil
	}
	return result(tool, resp), nil
}

// failing is an injector that fails every call with err, whose text
// names only configuration.
func failing(err error) cred.Injector {
	return cred.InjectorFunc(func(context.Context, *http.Request) error { return publicError{err} })
}

type publicError struct{ error }

func (e publicError) Public() string { return e.Error() }

// HTTPRequest is a serialised call, before it gets an endpoint.
type HTTPRequest struct {
	Method      string
	Path        string // escaped
	Query       url.Values
	Header      http.Header
	Body        []byte
	ContentType string
}

// Request returns the request against endpoint (scheme, host and an
// optional base path).
func (h *HTTPRequest) Request(ctx context.Context, endpoint string) (*http.Request, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid endpoint %q", endpoint)
	}
	base := strings.TrimRight(u.EscapedPath(), "/")
	raw := base + h.Path
	u.RawPath = raw
	if p, err := url.PathUnescape(raw); err == nil {
		u.Path = p
	}
	u.RawQuery = encodeQuery(h.Query)
	var body io.Reader
	if h.Body != nil {
		body = bytes.NewReader(h.Body)
	}
	req, err := http.NewRequestWithContext(ctx, h.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range h.Header {
		req.Header[k] = v
	}
	if h.ContentType != "" {
		req.Header.Set("Content-Type", h.ContentType)
	}
	return req, nil
}

// encodeQuery is url.Values.Encode with %20 for spaces, as AWS signs them.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// Serialize binds the arguments in (by member name) to op's HTTP request
// as restJson1 does.
func (s *Service) Serialize(op *operation, in map[string]json.RawMessage) (*HTTPRequest, error) {
	h := &HTTPRequest{Method: op.method, Path: op.path, Query: url.Values{}, Header: http.Header{}}
	if op.query != "" {
		lit, err := url.ParseQuery(op.query)
		if err == nil {
			for k, v := range lit {
				h.Query[k] = v
			}
		}
	}
	if op.input == "" {
		return h, nil
	}
	shape := s.shapes[op.input]
	for name := range in {
		if _, ok := shape.Members[name]; !ok {
			return nil, fmt.Errorf("unknown argument %q", name)
		}
	}
	body := map[string]any{}
	hasBody := false
	var queryParams []string
	for _, name := range sortedKeys(shape.Members) {
		m := shape.Members[name]
		raw, present := in[name]
		if present && string(raw) == "null" {
			present = false
		}
		if !present && has(m, tIdemToken) { // filled in as the AWS SDKs do
			raw, present = json.RawMessage(strconv.Quote(newToken())), true
		}
		if _, req := m.Traits[tRequired]; req && !present {
			return nil, fmt.Errorf("missing required argument %q", name)
		}
		switch {
		case has(m, tLabel):
			if !present {
				return nil, fmt.Errorf("missing required argument %q", name)
			}
			v, err := s.scalar(m, raw, "date-time")
			if err != nil {
				return nil, fmt.Errorf("argument %q: %v", name, err)
			}
			if v == "" {
				return nil, fmt.Errorf("argument %q must not be empty", name)
			}
			if strings.Contains(h.Path, "{"+name+"+}") {
				segs := strings.Split(v, "/")
				for i := range segs {
					segs[i] = escape(segs[i])
				}
				h.Path = strings.Replace(h.Path, "{"+name+"+}", strings.Join(segs, "/"), 1)
			} else {
				h.Path = strings.Replace(h.Path, "{"+name+"}", escape(v), 1)
			}
		case has(m, tQuery):
			if !present {
				continue
			}
			key := traitString(m, tQuery)
			vals, err := s.scalars(m, raw, "date-time")
			if err != nil {
				return nil, fmt.Errorf("argument %q: %v", name, err)
			}
			h.Query[key] = vals
		case has(m, tQueryParams):
			if present {
				queryParams = append(queryParams, name)
			}
		case has(m, tHeader):
			if !present {
				continue
			}
			vals, err := s.scalars(m, raw, "http-date")
			if err != nil {
				return nil, fmt.Errorf("argument %q: %v", name, err)
			}
			if s.kind(m.Target) == "string" && has(shapeMember(s.shapes[m.Target]), tMediaType) {
				for i, v := range vals {
					vals[i] = base64.StdEncoding.EncodeToString([]byte(v))
				}
			}
			h.Header.Set(traitString(m, tHeader), strings.Join(vals, ", "))
		case has(m, tPrefixHdrs):
			if !present {
				continue
			}
			var kv map[string]string
			if err := json.Unmarshal(raw, &kv); err != nil {
				return nil, fmt.Errorf("argument %q must be an object of strings", name)
			}
			for k, v := range kv {
				h.Header.Set(traitString(m, tPrefixHdrs)+k, v)
			}
		case has(m, tPayload):
			if !present {
				continue
			}
			switch s.kind(m.Target) {
			case "blob":
				var b64 string
				if json.Unmarshal(raw, &b64) != nil {
					return nil, fmt.Errorf("argument %q must be a base64 string", name)
				}
				b, err := base64.StdEncoding.DecodeString(b64)
				if err != nil {
					return nil, fmt.Errorf("argument %q is not valid base64", name)
				}
				h.Body, h.ContentType = b, cmpOr(mediaType(s.shapes[m.Target]), "application/octet-stream")
			case "string", "enum":
				var str string
				if json.Unmarshal(raw, &str) != nil {
					return nil, fmt.Errorf("argument %q must be a string", name)
				}
				h.Body, h.ContentType = []byte(str), cmpOr(mediaType(s.shapes[m.Target]), "text/plain")
			default:
				v, err := s.encode(m, raw, 0)
				if err != nil {
					return nil, fmt.Errorf("argument %q: %v", name, err)
				}
				b, err := json.Marshal(v)
				if err != nil {
					return nil, err
				}
				h.Body, h.ContentType = b, "application/json"
			}
		default:
			hasBody = true
			if !present {
				continue
			}
			v, err := s.encode(m, raw, 0)
			if err != nil {
				return nil, fmt.Errorf("argument %q: %v", name, err)
			}
			body[jsonName(m, name)] = v
		}
	}
	for _, name := range queryParams { // httpQuery members win over these
		var mv map[string]json.RawMessage
		if err := json.Unmarshal(in[name], &mv); err != nil {
			return nil, fmt.Errorf("argument %q must be an object", name)
		}
		for k, raw := range mv {
			if _, taken := h.Query[k]; taken {
				continue
			}
			var one string
			if json.Unmarshal(raw, &one) == nil {
				h.Query[k] = []string{one}
				continue
			}
			var many []string
			if json.Unmarshal(raw, &many) != nil {
				return nil, fmt.Errorf("argument %q: %q must be a string or a list of strings", name, k)
			}
			h.Query[k] = many
		}
	}
	if strings.Contains(h.Path, "{") {
		return nil, fmt.Errorf("the URI %s has a label no argument fills", op.path)
	}
	if hasBody && h.Body == nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		h.Body, h.ContentType = b, "application/json"
	}
	return h, nil
}

// newToken returns a fresh idempotency token (a random UUID).
var newToken = func() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func has(m member, trait string) bool {
	_, ok := m.Traits[trait]
	return ok
}

func shapeMember(sh shape) member { return member{Traits: sh.Traits} }

func traitString(m member, trait string) string {
	var s string
	_ = json.Unmarshal(m.Traits[trait], &s)
	return s
}

func mediaType(sh shape) string { return traitString(shapeMember(sh), tMediaType) }

func jsonName(m member, name string) string {
	if n := traitString(m, tJSONName); n != "" {
		return n
	}
	return name
}

// escape percent-encodes all but RFC 3986 unreserved characters.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// scalars is scalar for a member that may be a list (query, header).
func (s *Service) scalars(m member, raw json.RawMessage, tsDef string) ([]string, error) {
	k := s.kind(m.Target)
	if k == "list" || k == "set" {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, errors.New("must be a list")
		}
		el := *s.shapes[m.Target].Member
		out := make([]string, len(items))
		for i, it := range items {
			v, err := s.scalar(el, it, s.tsFormat(m, tsDef))
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	v, err := s.scalar(m, raw, tsDef)
	return []string{v}, err
}

// scalar formats a simple value for a label, query or header.
func (s *Service) scalar(m member, raw json.RawMessage, tsDef string) (string, error) {
	switch k := s.kind(m.Target); k {
	case "string", "enum":
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return "", errors.New("must be a string")
		}
		return v, nil
	case "boolean":
		var v bool
		if json.Unmarshal(raw, &v) != nil {
			return "", errors.New("must be a boolean")
		}
		return strconv.FormatBool(v), nil
	case "byte", "short", "integer", "long", "bigInteger", "intEnum", "float", "double", "bigDecimal":
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return "", errors.New("must be a number")
		}
		return n.String(), nil
	case "timestamp":
		t, err := parseTime(raw)
		if err != nil {
			return "", err
		}
		switch s.tsFormat(m, tsDef) {
		case "epoch-seconds":
			return formatEpoch(t), nil
		case "http-date":
			return t.UTC().Format(http.TimeFormat), nil
		default:
			return t.UTC().Format(time.RFC3339Nano), nil
		}
	case "blob":
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return "", errors.New("must be a base64 string")
		}
		return v, nil
	default:
		return "", fmt.Errorf("a %s cannot be sent in a URI or header", k)
	}
}

// parseTime accepts an RFC 3339 string or epoch seconds.
func parseTime(raw json.RawMessage) (time.Time, error) {
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC(), nil
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		if t, err := time.Parse(time.RFC3339Nano, str); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("must be an RFC 3339 date-time or seconds since the Unix epoch")
}

func formatEpoch(t time.Time) string {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10)
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
}

// encode converts an argument to its restJson1 body form: members renamed
// to their jsonName, timestamps in their format, unknown members refused.
func (s *Service) encode(m member, raw json.RawMessage, depth int) (any, error) {
	if depth > 64 {
		return nil, errors.New("nested too deeply")
	}
	sh := s.shapes[m.Target]
	switch k := s.kind(m.Target); k {
	case "structure", "union":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			return nil, errors.New("must be an object")
		}
		if k == "union" && len(obj) != 1 {
			return nil, errors.New("must set exactly one member")
		}
		out := make(map[string]any, len(obj))
		for name, v := range obj {
			mm, ok := sh.Members[name]
			if !ok {
				return nil, fmt.Errorf("unknown member %q", name)
			}
			if string(v) == "null" {
				continue
			}
			ev, err := s.encode(mm, v, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
			out[jsonName(mm, name)] = ev
		}
		return out, nil
	case "list", "set":
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, errors.New("must be a list")
		}
		out := make([]any, len(items))
		for i, it := range items {
			ev, err := s.encode(*sh.Member, it, depth+1)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %v", i, err)
			}
			out[i] = ev
		}
		return out, nil
	case "map":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
			return nil, errors.New("must be an object")
		}
		out := make(map[string]any, len(obj))
		for key, v := range obj {
			ev, err := s.encode(*sh.Value, v, depth+1)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", key, err)
			}
			out[key] = ev
		}
		return out, nil
	case "timestamp":
		t, err := parseTime(raw)
		if err != nil {
			return nil, err
		}
		switch s.tsFormat(m, "epoch-seconds") {
		case "epoch-seconds":
			return json.Number(formatEpoch(t)), nil
		case "http-date":
			return t.UTC().Format(http.TimeFormat), nil
		default:
			return t.UTC().Format(time.RFC3339Nano), nil
		}
	default:
		return raw, nil
	}
}

// result turns a response into a tool result.
func result(tool string, resp *http.Response) *mcp.CallToolResult {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return errorResult("tool " + tool + ": the response could not be read")
	}
	if len(body) > maxBody {
		return errorResult(fmt.Sprintf("tool %s: the response is larger than %d MB", tool, maxBody>>20))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return errorResult(errorText(resp, body))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "{}"}}}
	}
	if !utf8.Valid(body) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("binary response of %d bytes (Content-Type: %s), not shown", len(body), cmpOr(resp.Header.Get("Content-Type"), "unknown"))}}}
	}
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(body)}}}
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '{' && json.Valid(b) {
		res.StructuredContent = json.RawMessage(b)
	}
	return res
}

// errorText describes an error response as restJson1 clients do: the type
// from X-Amzn-ErrorType, __type or code (namespace and ":…" suffix cut),
// the message from message or Message.
func errorText(resp *http.Response, body []byte) string {
	var e struct {
		Type     string `json:"__type"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		MessageU string `json:"Message"`
		ErrorMsg string `json:"errorMessage"`
	}
	_ = json.Unmarshal(body, &e)
	typ := cmpOr(resp.Header.Get("X-Amzn-ErrorType"), e.Type, e.Code)
	if i := strings.IndexByte(typ, ':'); i >= 0 {
		typ = typ[:i]
	}
	if i := strings.LastIndexByte(typ, '#'); i >= 0 {
		typ = typ[i+1:]
	}
	msg := cmpOr(e.Message, e.MessageU, e.ErrorMsg)
	if msg == "" && !json.Valid(body) && utf8.Valid(body) {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 2048 {
			msg = msg[:2048] + "…"
		}
	}
	out := "HTTP " + strconv.Itoa(resp.StatusCode)
	if t := http.StatusText(resp.StatusCode); t != "" {
		out += " " + t
	}
	if typ != "" {
		out += ": " + typ
	}
	if msg != "" {
		out += ": " + msg
	}
	return out
}

func errorResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}
