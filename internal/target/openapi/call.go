package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/target"
)

// maxResponseBody bounds how much of an upstream response is read. A tool
// result is relayed to an LLM; past this size it is a mistake, not data.
const maxResponseBody = 10 << 20

// Open makes spec callable. Everything a call needs that does not depend on
// the arguments (which argument goes where, the path template split into
// literal and parameter segments) is worked out here, once, so Call only
// decodes the arguments, writes the request and sends it.
//
// env.HTTPClient sends the requests (http.DefaultClient when nil);
// env.Credentials, when not nil, injects credentials into each request.
func Open(spec *Spec, env target.Env) target.Target {
	t := &openTarget{
		tools:   spec.tools,
		byName:  make(map[string]*compiled, len(spec.ops)),
		client:  env.HTTPClient,
		creds:   env.Credentials,
		maxBody: maxResponseBody,
	}
	if t.client == nil {
		t.client = http.DefaultClient
	}
	for _, op := range spec.ops {
		t.byName[op.name] = compile(op)
	}
	return t
}

type openTarget struct {
	tools   []target.Tool
	byName  map[string]*compiled
	client  *http.Client
	creds   cred.Injector
	maxBody int64
}

// compiled is an operation prepared for calls.
type compiled struct {
	method   string
	params   []param
	segments []segment // base URL and path, literal and parameter parts
	query    []int     // indexes into params
	headers  []int     // indexes into params
	body     *reqBody
	accept   string
	// fixedQuery is a query string written in the path template itself.
	fixedQuery string
	urlSize    int // the literal length of the URL, to size the builder
}

// segment is a literal part of the URL, or a path parameter (param >= 0).
type segment struct {
	lit   string
	param int
}

func compile(op *operation) *compiled {
	c := &compiled{method: op.method, params: slices.Clone(op.params), body: op.body, accept: op.accept}
	pathIndex := map[string]int{}
	for i, p := range c.params {
		c.params[i].qname = queryEscape(p.name)
		switch p.in {
		case "path":
			pathIndex[p.name] = i
		case "query":
			c.query = append(c.query, i)
		case "header":
			c.headers = append(c.headers, i)
		}
	}
	// Some documents tell operations of one path apart with a query or a
	// fragment in the path ("/search?type=user"): the fragment is not sent,
	// the query is kept in front of the parameters.
	rest, _, _ := strings.Cut(op.path, "#")
	rest, c.fixedQuery, _ = strings.Cut(rest, "?")
	lit := op.server
	for {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest[max(open, 0):], '}')
		if open < 0 || end < 0 {
			lit += rest
			break
		}
		lit += rest[:open]
		name := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		i, ok := pathIndex[name]
		if !ok { // cannot happen: Convert skips such operations
			lit += "{" + name + "}"
			continue
		}
		c.segments = append(c.segments, segment{lit: lit, param: -1}, segment{param: i})
		c.urlSize += len(lit)
		lit = ""
	}
	if lit != "" {
		c.segments = append(c.segments, segment{lit: lit, param: -1})
		c.urlSize += len(lit)
	}
	return c
}

func (t *openTarget) Tools() []target.Tool { return t.tools }

// Call sends the tool's HTTP request. Problems of the call itself (bad
// arguments, an unreachable upstream, an HTTP error status) are results with
// IsError set, worded for the LLM that made the call; the error return is
// kept for faults of the gateway (an unknown tool name means the catalog and
// the target disagree).
func (t *openTarget) Call(ctx context.Context, tool string, args json.RawMessage, info target.CallInfo) (*mcp.CallToolResult, error) {
	c := t.byName[tool]
	if c == nil {
		return nil, fmt.Errorf("openapi target: unknown tool %q", tool)
	}
	var in map[string]json.RawMessage
	if a := bytes.TrimSpace(args); len(a) > 0 && !bytes.Equal(a, []byte("null")) {
		if err := json.Unmarshal(a, &in); err != nil {
			return errorResult(fmt.Sprintf("tool %s: the arguments must be a JSON object", tool)), nil
		}
	}
	if msg := c.missing(in); msg != "" {
		return errorResult(fmt.Sprintf("tool %s: %s", tool, msg)), nil
	}
	req, query, msg := c.request(ctx, in)
	if msg != "" {
		return errorResult(fmt.Sprintf("tool %s: %s", tool, msg)), nil
	}
	if t.creds != nil {
		if err := t.creds.Inject(ctx, req); err != nil {
			return credentialFailure(tool, err, info.Debug, c.injected(req, query)), nil
		}
	}
	resp, err := t.client.Do(req)
	if err == nil && t.creds != nil && cred.ShouldRetry(ctx, t.creds, req, resp) {
		// The upstream refused a credential that can be renewed (an OAuth2
		// token revoked before it expired): once more with a fresh one.
		_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
		resp.Body.Close()
		if req, query, msg = c.request(ctx, in); msg != "" {
			return errorResult(fmt.Sprintf("tool %s: %s", tool, msg)), nil
		}
		if err := t.creds.Inject(ctx, req); err != nil {
			return credentialFailure(tool, err, info.Debug, c.injected(req, query)), nil
		}
		resp, err = t.client.Do(req)
	}
	if err != nil {
		return transportFailure(tool, err, info.Debug, c.injected(req, query)), nil
	}
	return t.result(tool, resp, info.Debug, func() []string { return c.injected(req, query) }), nil
}

// credentialFailure reports an injector that could not provide credentials.
// The injector's error is its own report; the request, which may already
// carry part of a credential, is never echoed. An error meant for callers
// (cred.PublicError, such as a token endpoint refusing the gateway) is
// shown as is; the full error only with debug.
func credentialFailure(tool string, err error, debug bool, secrets []string) *mcp.CallToolResult {
	msg := fmt.Sprintf("tool %s: the outbound credentials could not be applied", tool)
	var pe cred.PublicError
	if errors.As(err, &pe) {
		msg = fmt.Sprintf("tool %s: %s", tool, pe.Public())
	}
	return failure(msg, debug, err.Error(), secrets)
}

// missing names the required arguments absent from in (null counts as
// absent), all at once so the caller can fix them in one go.
func (c *compiled) missing(in map[string]json.RawMessage) string {
	var names []string
	for i := range c.params {
		if p := &c.params[i]; p.required && isAbsent(in[p.arg]) {
			names = append(names, fmt.Sprintf("%q", p.arg))
		}
	}
	if c.body != nil && c.body.required && isAbsent(in[c.body.arg]) {
		names = append(names, fmt.Sprintf("%q", c.body.arg))
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "missing required argument " + names[0]
	}
	return "missing required arguments " + strings.Join(names, ", ")
}

// request builds the HTTP request from the arguments. It returns the query
// string it wrote, so that credentials added to the URL later can be told
// apart, or a message naming the argument that could not be used.
func (c *compiled) request(ctx context.Context, in map[string]json.RawMessage) (*http.Request, string, string) {
	var b strings.Builder
	b.Grow(c.urlSize + 64)
	for _, s := range c.segments {
		if s.param < 0 {
			b.WriteString(s.lit)
			continue
		}
		p := &c.params[s.param]
		if err := writePath(&b, p, in[p.arg]); err != nil {
			return nil, "", err.Error()
		}
	}
	queryStart := b.Len()
	first := true
	if c.fixedQuery != "" {
		b.WriteByte('?')
		b.WriteString(c.fixedQuery)
		first = false
	}
	for _, i := range c.query {
		p := &c.params[i]
		raw := in[p.arg]
		if isAbsent(raw) {
			continue
		}
		if err := writeQuery(&b, p, raw, &first); err != nil {
			return nil, "", err.Error()
		}
	}
	u := b.String()
	query := u[queryStart:]

	var body io.Reader
	var contentType string
	if c.body != nil {
		raw := in[c.body.arg]
		if !isAbsent(raw) {
			data := []byte(raw)
			if c.body.form {
				form, err := formBody(c.body.arg, raw)
				if err != nil {
					return nil, "", err.Error()
				}
				data = []byte(form)
			}
			body, contentType = bytes.NewReader(data), c.body.contentType
		}
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u, body)
	if err != nil {
		return nil, "", fmt.Sprintf("the request URL could not be built: %v", err)
	}
	if contentType != "" {
		req.Header["Content-Type"] = []string{contentType}
	}
	if c.accept != "" {
		req.Header["Accept"] = []string{c.accept}
	}
	for _, i := range c.headers {
		p := &c.params[i]
		raw := in[p.arg]
		if isAbsent(raw) {
			continue
		}
		v, err := headerValue(p, raw)
		if err != nil {
			return nil, "", err.Error()
		}
		req.Header.Set(p.name, v)
	}
	return req, strings.TrimPrefix(query, "?"), ""
}

// injected returns the values the credential injector added to req: every
// header this package did not set and every query parameter it did not
// write. They are scrubbed from any detail shown to the caller. This runs
// only on failure paths, so the hot path pays nothing for it.
func (c *compiled) injected(req *http.Request, ourQuery string) []string {
	ours := map[string]bool{"Content-Type": true, "Accept": true}
	for _, i := range c.headers {
		ours[http.CanonicalHeaderKey(c.params[i].name)] = true
	}
	var secrets []string
	for k, vs := range req.Header {
		if !ours[k] {
			secrets = append(secrets, vs...)
		}
	}
	if q := req.URL.RawQuery; q != ourQuery {
		mine := map[string]bool{}
		for _, kv := range strings.Split(ourQuery, "&") {
			mine[kv] = true
		}
		for _, kv := range strings.Split(q, "&") {
			if mine[kv] {
				continue
			}
			_, v, _ := strings.Cut(kv, "=")
			secrets = append(secrets, kv, v, unescapeQuery(v))
		}
	}
	// Bearer tokens and prefixed keys: scrub the bare value too.
	for _, s := range secrets {
		if _, v, ok := strings.Cut(s, " "); ok {
			secrets = append(secrets, v)
		}
	}
	return secrets
}
