package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/egress"
	"github.com/toolgate/toolgate/internal/target"
)

const (
	// protocolVersion is what toolgate asks remote servers for: the
	// newest revision with the initialize handshake, which every server
	// of the session era answers (the SDK negotiates down from it).
	protocolVersion = "2025-11-25"
	// ConnectTimeout bounds connecting and initializing a session.
	ConnectTimeout = 30 * time.Second
	// ListTimeout bounds a whole discovery (connect and every tools/list page).
	ListTimeout = 60 * time.Second
	// maxPages bounds tools/list paging against a server whose cursors
	// never end.
	maxPages = 100
)

// implementation is how toolgate introduces itself to remote servers.
var implementation = &mcp.Implementation{Name: "toolgate-gateway", Version: "1"}

// Config is what Open needs.
type Config struct {
	Endpoint string
	Tools    []target.Tool
	Env      target.Env
	// Dynamic is listing mode DYNAMIC: Tools is unused, the server's tools
	// are listed live (dynamic.go).
	Dynamic bool
	// Extras are the prompts and resources discovery stored (extras.go).
	Extras *Extras
}

type openTarget struct {
	endpoint string
	client   *mcp.Client
	env      target.Env
	tools    []target.Tool
	extras   *Extras

	connect sync.Mutex // held while a session is being established
	mu      sync.Mutex
	sess    *mcp.ClientSession
	closed  bool
}

// Open returns a target serving tools from the server at the endpoint. No
// connection is made until the first call; then one session is kept for
// the target and re-established when it fails.
func Open(cfg Config) (target.Target, error) {
	if err := CheckEndpoint(cfg.Endpoint); err != nil {
		return nil, err
	}
	t := &openTarget{
		endpoint: cfg.Endpoint, env: cfg.Env, tools: cfg.Tools, extras: cfg.Extras,
		client: mcp.NewClient(implementation, &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}}),
	}
	if cfg.Dynamic {
		return newLiveTarget(t), nil
	}
	return t, nil
}

func (t *openTarget) Tools() []target.Tool { return t.tools }

// errClosed fails calls on a target that was replaced and closed.
var errClosed = errors.New("the target was replaced by a newer configuration")

// Close ends the pooled session, if any; later calls fail.
func (t *openTarget) Close() error {
	t.mu.Lock()
	s := t.sess
	t.sess, t.closed = nil, true
	t.mu.Unlock()
	if s != nil {
		return s.Close()
	}
	return nil
}

func (t *openTarget) session(ctx context.Context) (*mcp.ClientSession, error) {
	t.mu.Lock()
	s := t.sess
	t.mu.Unlock()
	if s != nil {
		return s, nil
	}
	t.connect.Lock()
	defer t.connect.Unlock()
	t.mu.Lock()
	s = t.sess
	t.mu.Unlock()
	if s != nil {
		return s, nil
	}
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	s, err := dial(ctx, t.client, t.endpoint, t.env)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		s.Close()
		return nil, errClosed
	}
	t.sess = s
	t.mu.Unlock()
	return s, nil
}

// drop forgets s as the pooled session (if it still is) and closes it.
func (t *openTarget) drop(s *mcp.ClientSession) {
	t.mu.Lock()
	if t.sess == s {
		t.sess = nil
	}
	t.mu.Unlock()
	go s.Close() // a DELETE to a server that may be gone: not on the call's time
}

func dial(ctx context.Context, c *mcp.Client, endpoint string, env target.Env) (*mcp.ClientSession, error) {
	ctx, release := detached(ctx)
	defer release()
	ctx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	defer cancel()
	tr := &mcp.StreamableClientTransport{
		Endpoint:   endpoint,
		HTTPClient: httpClient(env.HTTPClient, env.Credentials),
		// Replies come on the POST that asked; the standalone GET stream
		// (server-initiated messages) is not used and would be cut by the
		// egress client's timeout anyway.
		DisableStandaloneSSE: true,
		MaxRetries:           -1,
	}
	return c.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: protocolVersion})
}

// detached returns a context that ends when ctx ends but carries none of
// its values. A tool call's context is the inbound MCP request's, and
// go-sdk's client transport takes the protocol version of an initialize
// from a server-side context value when it has one: without this, a
// gateway client speaking 2026-07-28 would make toolgate initialize the
// remote server with that version instead of protocolVersion (and servers
// that do not speak it refuse with 400).
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	if d, ok := ctx.Deadline(); ok {
		var cancelDeadline context.CancelFunc
		out, cancelDeadline = context.WithDeadline(out, d)
		return out, func() { stop(); cancelDeadline(); cancel() }
	}
	return out, func() { stop(); cancel() }
}

// codeRejected is the code of the go-sdk's "rejected by transport" error,
// which wraps every request that did not reach the server (a refused
// connection, a failed credential).
const codeRejected = -32005

// retryable reports whether a failed call never reached a live session,
// so sending it again on a new one cannot run the tool twice.
func retryable(err error) bool {
	return errors.Is(err, mcp.ErrSessionMissing) || errors.Is(err, mcp.ErrConnectionClosed)
}

func (t *openTarget) Call(ctx context.Context, tool string, args json.RawMessage, info target.CallInfo) (*mcp.CallToolResult, error) {
	params := &mcp.CallToolParams{Name: tool, Arguments: json.RawMessage("{}")}
	if a := strings.TrimSpace(string(args)); a != "" && a != "null" {
		if a[0] != '{' {
			return errorResult(fmt.Sprintf("tool %s: the arguments must be a JSON object", tool)), nil
		}
		params.Arguments = args
	}
	for attempt := 0; ; attempt++ {
		s, err := t.session(ctx)
		if err != nil {
			return failure(tool, "the MCP server could not be reached", err, info.Debug), nil
		}
		res, err := s.CallTool(ctx, params)
		if err == nil {
			if res.Content == nil {
				res.Content = []mcp.Content{}
			}
			return res, nil
		}
		var we *jsonrpc.Error
		rejected := errors.As(err, &we) && we.Code == codeRejected
		if we != nil && !rejected {
			// The server answered: the session is fine, the call is not.
			return failure(tool, "the MCP server refused the call", err, info.Debug), nil
		}
		t.drop(s)
		if attempt == 0 && (rejected || retryable(err)) && ctx.Err() == nil {
			continue
		}
		return failure(tool, "the MCP server could not be reached", err, info.Debug), nil
	}
}

// List connects to the server at endpoint, initializes and pages through
// tools/list (discovery for listing mode DEFAULT). It returns the tool
// definitions as listed, in the form ParseTools reads, which reports (and
// leaves out) those that cannot be served.
func List(ctx context.Context, endpoint string, env target.Env) ([]byte, error) {
	tools, _, err := Discover(ctx, endpoint, env)
	return tools, err
}

// Discover is List that also lists the server's prompts, resources and
// resource templates when it advertises them (extras.go); extras is the
// JSON ParseExtras reads, nil when the server has none.
func Discover(ctx context.Context, endpoint string, env target.Env) (tools, extras []byte, err error) {
	if err := CheckEndpoint(endpoint); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ListTimeout)
	defer cancel()
	c := mcp.NewClient(implementation, &mcp.ClientOptions{Capabilities: &mcp.ClientCapabilities{}})
	s, err := dial(ctx, c, endpoint, env)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot connect to the MCP server at %s: %s", endpoint, Describe(err))
	}
	defer s.Close()
	defs, err := listPages(ctx, s, endpoint)
	if err != nil {
		return nil, nil, err
	}
	if tools, err = json.Marshal(defs); err != nil {
		return nil, nil, err
	}
	e, err := listExtras(ctx, s, endpoint)
	if err != nil {
		return nil, nil, err
	}
	if !e.Empty() {
		if extras, err = json.Marshal(e); err != nil {
			return nil, nil, err
		}
	}
	return tools, extras, nil
}

// listPages pages through tools/list on s. A failed tools/list is returned
// wrapped, so callers can tell a broken session from a refusal.
func listPages(ctx context.Context, s *mcp.ClientSession, endpoint string) ([]wireTool, error) {
	defs := []wireTool{}
	params := &mcp.ListToolsParams{}
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("the MCP server at %s returned more than %d pages of tools", endpoint, maxPages)
		}
		res, err := s.ListTools(ctx, params)
		if err != nil {
			return nil, &listError{endpoint, err}
		}
		for _, tl := range res.Tools {
			d := wireTool{Name: tl.Name, Description: tl.Description}
			if d.InputSchema, err = marshalSchema(tl.InputSchema); err == nil {
				d.OutputSchema, err = marshalSchema(tl.OutputSchema)
			}
			if err != nil {
				return nil, fmt.Errorf("tool %q of the MCP server at %s: %v", tl.Name, endpoint, err)
			}
			defs = append(defs, d)
		}
		if len(defs) > MaxTools {
			return nil, fmt.Errorf("the MCP server at %s lists more than %d tools, the most a target may have", endpoint, MaxTools)
		}
		if res.NextCursor == "" {
			break
		}
		params = &mcp.ListToolsParams{Cursor: res.NextCursor}
	}
	return defs, nil
}

// listError is a failed tools/list; its text leaves out URL queries
// (Describe), where an API key may have been injected.
type listError struct {
	endpoint string
	err      error
}

func (e *listError) Error() string {
	return fmt.Sprintf("tools/list failed on the MCP server at %s: %s", e.endpoint, Describe(e.err))
}
func (e *listError) Unwrap() error { return e.err }

func marshalSchema(s any) (json.RawMessage, error) {
	if s == nil {
		return nil, nil
	}
	if r, ok := s.(json.RawMessage); ok {
		return r, nil
	}
	return json.Marshal(s)
}

func errorResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}, IsError: true}
}

// failure is an error result saying what failed; with debug (the
// gateway's exceptionLevel DEBUG) the detail is added to the text and, as
// AgentCore does, to _meta.debug.
func failure(tool, what string, err error, debug bool) *mcp.CallToolResult {
	msg := fmt.Sprintf("tool %s: %s", tool, what)
	var ie *injectError
	var ne net.Error
	switch {
	case errors.As(err, &ie):
		var pe cred.PublicError
		if errors.As(ie.err, &pe) {
			msg = fmt.Sprintf("tool %s: the outbound credential could not be obtained: %s", tool, pe.Public())
		} else {
			msg = fmt.Sprintf("tool %s: the outbound credential could not be obtained", tool)
		}
	case errors.Is(err, context.Canceled):
		msg = fmt.Sprintf("tool %s: the call was cancelled", tool)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		msg = fmt.Sprintf("tool %s: the MCP server did not answer in time", tool)
	case egress.IsDenied(err):
		msg = fmt.Sprintf("tool %s: the egress policy refuses the MCP server's address", tool)
	}
	if !debug {
		return errorResult(msg)
	}
	detail := Describe(err)
	res := errorResult(msg + ": " + detail)
	res.Meta = mcp.Meta{"debug": map[string]any{"type": "text", "text": detail}}
	return res
}

// Describe renders err without the queries of the URLs it names, where an
// API key may have been injected.
func Describe(err error) string {
	return reURLQuery.ReplaceAllString(err.Error(), "$1")
}

var reURLQuery = regexp.MustCompile(`(https?://[^\s?"']*)\?[^\s"']*`)
