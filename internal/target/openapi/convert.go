package openapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/toolgate/toolgate/internal/target"
)

// Spec is a converted OpenAPI document: the tools it exposes and, for each,
// the plan of the HTTP request a call makes. It holds no I/O resources; Open
// turns it into a callable target.Target.
type Spec struct {
	tools []target.Tool // sorted by name
	ops   []*operation  // ops[i] is the plan of tools[i]
}

// Tools returns the tools, sorted by name. The slice must not be modified.
func (s *Spec) Tools() []target.Tool { return s.tools }

// operation is the call plan of one tool, in terms of the document.
type operation struct {
	name   string
	method string
	server string // absolute http(s) URL, no trailing slash
	path   string // template, e.g. /pets/{petId}
	params []param
	body   *reqBody
	accept string // preferred response media type, "" for none
}

// param is one path, query or header parameter.
type param struct {
	name     string // on the wire
	qname    string // name, escaped for a query string (set by Open)
	arg      string // the input-schema property that carries it
	in       string // "path", "query" or "header"
	required bool
	shape    shape  // what JSON the schema expects, to serialise and check it
	style    string // "form", "simple", "spaceDelimited", "pipeDelimited", "deepObject"
	explode  bool
	asJSON   bool // declared with content: application/json, sent as JSON text
}

type reqBody struct {
	arg         string
	required    bool
	contentType string
	form        bool // application/x-www-form-urlencoded
}

// shape is the kind of JSON value a parameter's schema expects.
type shape uint8

const (
	shapeAny shape = iota
	shapeScalar
	shapeArray
	shapeObject
)

// methods in the order operations of one path are visited.
var methods = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodOptions, http.MethodHead, http.MethodPatch,
}

// Convert turns an OpenAPI 3.0 or 3.1 document (JSON or YAML) into tools.
// It is pure: no I/O, and the same input always gives the same output.
//
// An error means the target cannot be created at all: the document does not
// parse, is not OpenAPI 3.0/3.1, has no usable server URL, or yields no tool.
// Warnings name everything else that was left out or changed.
func Convert(spec []byte) (_ *Spec, _ []target.Warning, err error) {
	defer func() {
		// A stored document must never bring the gateway down, whatever
		// kin-openapi or this package make of it.
		if r := recover(); r != nil {
			err = fmt.Errorf("the document could not be converted (internal error: %v)", r)
		}
	}()
	doc, err := load(spec)
	if err != nil {
		return nil, nil, err
	}
	c := &converter{doc: doc, taken: map[string]string{}}
	c.docServer, c.docServerErr = resolveServers(doc.Servers)
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		msg := "the document has no paths, so no operation to expose as a tool"
		if len(doc.Webhooks) > 0 {
			msg += " (webhooks describe calls the API makes, not calls toolgate can make)"
		}
		return nil, nil, errors.New(msg)
	}
	paths := doc.Paths.Map()
	for _, path := range sortedKeys(paths) {
		if err := c.pathItem(path, paths[path]); err != nil {
			return nil, c.warnings, err
		}
	}
	c.summarizeRenames()
	if len(c.spec.tools) == 0 {
		return nil, c.warnings, fmt.Errorf("no operation could be converted into a tool (%d warnings explain why)", len(c.warnings))
	}
	c.spec.sort()
	return &c.spec, c.warnings, nil
}

type converter struct {
	doc          *openapi3.T
	docServer    string
	docServerErr error
	spec         Spec
	warnings     []target.Warning
	taken        map[string]string // tool name -> where it was defined
	renamed      []string          // "original → new" of sanitized operationIds
}

func (c *converter) warn(where, format string, args ...any) {
	c.warnings = append(c.warnings, target.Warning{Where: where, Message: fmt.Sprintf(format, args...)})
}

func (c *converter) pathItem(path string, pi *openapi3.PathItem) error {
	if pi == nil {
		return nil
	}
	if ref, ok := pi.Extensions[unresolvedKey].(string); ok {
		c.warn(path, "path item $ref %q cannot be resolved; its operations are skipped", ref)
		return nil
	}
	known := map[string]bool{}
	for _, method := range methods {
		known[method] = true
		op := pi.GetOperation(method)
		if op == nil {
			continue
		}
		if err := c.operation(method, path, pi, op); err != nil {
			return err
		}
	}
	ops := pi.Operations()
	for _, method := range sortedKeys(ops) {
		if !known[method] {
			c.warn(method+" "+path, "HTTP method %s is not supported; operation skipped", method)
		}
	}
	return nil
}

// skip is returned by the parts of operation conversion that decide the
// operation cannot become a tool; its message becomes the warning.
type skip struct{ msg string }

func (s skip) Error() string { return s.msg }

func skipf(format string, args ...any) error { return skip{fmt.Sprintf(format, args...)} }

// operation converts one operation. It returns an error only for fatal
// problems (a document-level server URL that cannot be used).
func (c *converter) operation(method, path string, pi *openapi3.PathItem, op *openapi3.Operation) error {
	where := method + " " + path
	if op.OperationID == "" {
		c.warn(where, "operation has no operationId (the operationId becomes the tool name); skipped")
		return nil
	}
	name, err := c.toolName(op.OperationID)
	if err != nil {
		c.warn(where, "%v", err)
		return nil
	}

	server, err := c.server(pi, op)
	if err != nil {
		var s skip
		if errors.As(err, &s) {
			c.warn(where, "%v; operation skipped", err)
			return nil
		}
		return err
	}

	oc := opConverter{where: where}
	plan, tool, err := oc.convert(method, path, pi, op)
	if err != nil {
		c.warn(where, "%v; operation skipped", err)
		return nil
	}
	plan.name, plan.server = name, server
	tool.Name = name
	c.taken[name] = where
	if name != op.OperationID {
		c.renamed = append(c.renamed, op.OperationID+" → "+name)
	}
	if len(name) > longToolName {
		c.warn(where, "tool name %q is %d characters long: with the \"{target}___\" prefix it exceeds the 64 characters many LLM APIs accept", name, len(name))
	}
	c.spec.tools = append(c.spec.tools, tool)
	c.spec.ops = append(c.spec.ops, plan)
	c.warnings = append(c.warnings, oc.warnings...)
	return nil
}

// Tool-name rules. The gateway exposes "{targetName}___{toolName}" and many
// LLM APIs accept only ^[a-zA-Z0-9_-]{1,64}$ as a tool name (MCP itself
// allows [A-Za-z0-9_.-], up to 128 characters).
const (
	// maxToolName keeps "{t}___{name}" within MCP's 128 characters for the
	// shortest target name.
	maxToolName = 128 - len("t___")
	// longToolName is the length past which "{t}___{name}" cannot fit the
	// 64 characters of stricter LLM APIs, whatever the target name.
	longToolName = 64 - len("t___")
)

// toolName turns an operationId into a tool name. Characters outside
// [A-Za-z0-9_.-] are replaced by "_" rather than the operation being
// dropped: GitHub's REST description, for one, names every operation
// "area/verb-noun", and dropping them would leave no tool at all. The
// renames are summarised in one warning. A name already taken (a duplicate
// operationId, or a rename that collides) skips the later operation in the
// visiting order (paths sorted, then GET PUT POST DELETE OPTIONS HEAD PATCH).
func (c *converter) toolName(opID string) (string, error) {
	name := sanitize(opID)
	if prev, dup := c.taken[name]; dup {
		if name != opID {
			return "", fmt.Errorf("operationId %q becomes tool name %q, already used by %s; skipped", opID, name, prev)
		}
		return "", fmt.Errorf("duplicate operationId %q (already used by %s); skipped", opID, prev)
	}
	if len(name) > maxToolName {
		return "", fmt.Errorf("operationId %q is %d characters long; tool names are limited to %d; skipped", opID, len(name), maxToolName)
	}
	return name, nil
}

func (c *converter) summarizeRenames() {
	if len(c.renamed) == 0 {
		return
	}
	c.warn("operationId", "%d operationId(s) contain characters outside [A-Za-z0-9_.-]; each such character is replaced by \"_\" in the tool name (e.g. %s)",
		len(c.renamed), c.renamed[0])
}

// sanitize replaces every character outside [A-Za-z0-9_.-] by "_".
func sanitize(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if !nameChar(s[i]) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && nameChar(byte(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func nameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
}

// server picks the operation's base URL: the first of the operation's
// servers, else the path item's, else the document's.
func (c *converter) server(pi *openapi3.PathItem, op *openapi3.Operation) (string, error) {
	if op.Servers != nil && len(*op.Servers) > 0 {
		u, err := resolveServers(*op.Servers)
		if err != nil {
			return "", skip{"operation-level " + err.Error()}
		}
		return u, nil
	}
	if len(pi.Servers) > 0 {
		u, err := resolveServers(pi.Servers)
		if err != nil {
			return "", skip{"path-level " + err.Error()}
		}
		return u, nil
	}
	if c.docServerErr != nil {
		return "", fmt.Errorf("no usable server URL: %v", c.docServerErr)
	}
	return c.docServer, nil
}

// resolveServers returns the first server's URL with its variables replaced
// by their defaults. It must be absolute http or https: a stored spec has no
// location that a relative URL could be resolved against.
func resolveServers(servers openapi3.Servers) (string, error) {
	if len(servers) == 0 || servers[0] == nil {
		return "", errors.New(`"servers" is empty; toolgate needs servers[0].url to be the absolute http(s) URL of the API`)
	}
	s := servers[0]
	raw := s.URL
	var b strings.Builder
	for {
		open := strings.IndexByte(raw, '{')
		if open < 0 {
			b.WriteString(raw)
			break
		}
		end := strings.IndexByte(raw[open:], '}')
		if end < 0 {
			return "", fmt.Errorf("server URL %q has an unclosed {", s.URL)
		}
		name := raw[open+1 : open+end]
		v := s.Variables[name]
		if v == nil {
			return "", fmt.Errorf("server URL %q uses variable {%s}, which is not declared", s.URL, name)
		}
		if v.Default == "" {
			return "", fmt.Errorf("server variable {%s} of %q has no default", name, s.URL)
		}
		b.WriteString(raw[:open])
		b.WriteString(v.Default)
		raw = raw[open+end+1:]
	}
	u, err := parseServerURL(b.String())
	if err != nil {
		return "", fmt.Errorf("server URL %q: %v", s.URL, err)
	}
	return u, nil
}

func parseServerURL(s string) (string, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", errors.New("the URL is relative; toolgate has no document location to resolve it against, so servers[0].url must be an absolute http(s) URL")
	}
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("scheme %q is not supported (only http and https)", scheme)
	}
	host, path, _ := strings.Cut(rest, "/")
	if host == "" {
		return "", errors.New("the URL has no host")
	}
	if strings.ContainsAny(rest, "?#") {
		return "", errors.New("a server URL must not have a query or fragment")
	}
	if _, err := url.Parse(scheme + "://" + host); err != nil {
		return "", err
	}
	path = strings.TrimRight(path, "/")
	if path != "" {
		path = "/" + path
	}
	return scheme + "://" + host + path, nil
}

// sort orders tools (and their plans) by name.
func (s *Spec) sort() {
	idx := make([]int, len(s.tools))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return s.tools[idx[a]].Name < s.tools[idx[b]].Name })
	tools := make([]target.Tool, len(idx))
	ops := make([]*operation, len(idx))
	for i, j := range idx {
		tools[i], ops[i] = s.tools[j], s.ops[j]
	}
	s.tools, s.ops = tools, ops
}
