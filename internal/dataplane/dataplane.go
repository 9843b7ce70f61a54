// Package dataplane serves MCP to agents: one MCP endpoint per gateway at
// /gateways/{gatewayId}/mcp (Streamable HTTP), built from the catalog's
// current snapshot. It owns the per-gateway go-sdk servers, keeps their tool
// sets in step with the catalog (so connected sessions receive
// notifications/tools/list_changed), checks Origin against DNS rebinding and
// applies each gateway's inbound authorizer on every HTTP request.
package dataplane

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/target"
)

// DefaultPageSize is the number of tools per tools/list page unless the
// gateway sets disableMcpListToolsPagination. AgentCore does not document its
// page size; 100 keeps pages small for clients while big specs (GitHub's
// ~1,000 operations) still list in a handful of round trips.
const DefaultPageSize = 100

// statelessVersion is the first MCP revision without sessions; go-sdk serves
// it only from a stateless handler.
const statelessVersion = "2026-07-28"

// Options configure a Server.
type Options struct {
	Logger *slog.Logger
	// AllowedOrigins are browser origins allowed besides same-origin ones.
	AllowedOrigins []string
	// Authorizer applies the gateway's authorizerType; nil = a default one.
	Authorizer *authn.Authorizer
	// Addresses computes gateway and metadata URLs; the zero value means
	// path-based addressing under http://127.0.0.1 (tests).
	Addresses address.Book
	// Implementation is reported to clients in initialize.
	Implementation *mcp.Implementation
	// Audit, if set, receives one event per tools/call, tools/list and
	// refused request (audit.go).
	Audit Auditor
	// SessionKey (32 bytes) seals MCP session ids so that every replica
	// sharing it can serve every session (sessions.go). Replicas derive it
	// from the vault root key they share; nil means a random key, valid for
	// this process only.
	SessionKey []byte
}

// Server is the data-plane HTTP handler.
type Server struct {
	opts     Options
	log      *slog.Logger
	origins  map[string]bool
	mu       sync.Mutex // serialises Apply
	gateways atomic.Pointer[map[string]*gatewayServer]
	reqSeq   atomic.Uint64
	sessions *sessionCodec
}

// gatewayServer is the MCP serving state of one gateway.
type gatewayServer struct {
	gw        atomic.Pointer[catalog.Gateway]
	server    *mcp.Server
	stateful  http.Handler
	stateless http.Handler
	// The same handlers behind handToSDK, for requests with a principal.
	statefulAuthed  http.Handler
	statelessAuthed http.Handler
	settings        string // catalog.Gateway.Server at build time
	settingsTag     string // settingsTag(settings), which sealed session ids carry
	sessions        *sessionHost
}

// New returns a Server with no gateways; feed it snapshots with Apply.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Authorizer == nil {
		o.Authorizer = authn.NewAuthorizer(o.Logger, nil)
	}
	if o.Addresses == (address.Book{}) {
		o.Addresses = address.New("http://127.0.0.1", "")
	}
	if o.Implementation == nil {
		o.Implementation = &mcp.Implementation{Name: "toolgate", Version: "dev"}
	}
	codec, err := newSessionCodec(o.SessionKey)
	if err != nil {
		panic(err) // a programming error: the server derives a 32-byte key
	}
	s := &Server{opts: o, log: o.Logger, origins: map[string]bool{}, sessions: codec}
	for _, origin := range o.AllowedOrigins {
		s.origins[strings.TrimSuffix(strings.ToLower(origin), "/")] = true
	}
	empty := map[string]*gatewayServer{}
	s.gateways.Store(&empty)
	return s
}

// Apply brings the served gateways in line with snap: new gateways get a
// server, removed ones disappear, and a gateway whose tools changed gets
// them added/removed in place (which notifies its sessions).
func (s *Server) Apply(snap *catalog.Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.gateways.Load()
	next := make(map[string]*gatewayServer, len(snap.Gateways))
	for id, gw := range snap.Gateways {
		gs := old[id]
		if gs == nil || gs.settings != gw.Server {
			gs = s.newGatewayServer(gw)
		} else {
			s.syncTools(gs, gw)
		}
		next[id] = gs
	}
	s.gateways.Store(&next)
}

func (s *Server) newGatewayServer(gw *catalog.Gateway) *gatewayServer {
	pageSize := DefaultPageSize
	if gw.DisablePagination {
		pageSize = math.MaxInt32
	}
	host := newSessionHost(s.sessions, s.log)
	srv := mcp.NewServer(s.opts.Implementation, &mcp.ServerOptions{
		Instructions:              gw.Instructions,
		PageSize:                  pageSize,
		SupportedProtocolVersions: gw.SupportedVersions,
		Capabilities:              &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{ListChanged: true}},
		// go-sdk logs every session at info; keep that at debug.
		Logger: slog.New(demote{s.log.Handler()}).With("gateway", gw.ID),
		// Portable, sealed session ids (sessions.go).
		GetSessionID: host.getSessionID,
	})
	host.server = srv
	gs := &gatewayServer{server: srv, settings: gw.Server, settingsTag: settingsTag(gw.Server), sessions: host}
	s.addDynamicMiddleware(gs) // dynamic.go; before the audit middleware, which then records its calls
	s.addAuditMiddleware(gs)
	gs.gw.Store(gw)
	for _, t := range gw.Tools {
		srv.AddTool(mcpTool(t), s.toolHandler(gs, t))
	}
	s.syncSearchTool(gs, nil, gw) // search.go
	s.syncExtras(gs, nil, gw)     // extras.go: prompts and resources
	timeout := time.Duration(gw.SessionTimeoutSeconds) * time.Second
	get := func(*http.Request) *mcp.Server { return srv }
	sdkLog := slog.New(demote{s.log.Handler()})
	// With host-based addressing, Host names gateways, so the SDK's
	// loopback-only Host check cannot apply; checkHost replaces it.
	ownHostCheck := s.opts.Addresses.Domain() != ""
	gs.stateful = mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{SessionTimeout: timeout, Logger: sdkLog, DisableLocalhostProtection: ownHostCheck})
	gs.stateless = mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: sdkLog, DisableLocalhostProtection: ownHostCheck})
	gs.statefulAuthed, gs.statelessAuthed = handToSDK(gs.stateful), handToSDK(gs.stateless)
	return gs
}

// syncTools updates gs in place to serve gw's tools.
func (s *Server) syncTools(gs *gatewayServer, gw *catalog.Gateway) {
	prev := gs.gw.Load()
	gs.gw.Store(gw)
	var removed []string
	for name := range prev.ByName {
		if gw.ByName[name] == nil {
			removed = append(removed, name)
		}
	}
	if len(removed) > 0 {
		gs.server.RemoveTools(removed...)
	}
	s.syncSearchTool(gs, prev, gw) // search.go
	s.syncExtras(gs, prev, gw)     // extras.go
	for _, t := range gw.Tools {
		if old := prev.ByName[t.Name]; old == t {
			continue // same compiled tool, nothing to do
		}
		gs.server.AddTool(mcpTool(t), s.toolHandler(gs, t))
	}
}

// mcpTool is the tool as listed to clients. Output schemas are not
// advertised: MCP obliges a server that declares one to return conforming
// structuredContent, and strict clients (the TypeScript SDK) reject results
// that do not — but real upstreams often deviate from their OpenAPI
// document, and an error-shaped 200 would turn into a client-side failure.
func mcpTool(t *catalog.Tool) *mcp.Tool {
	return &mcp.Tool{Name: t.Name, Description: t.Def.Description, InputSchema: t.Def.InputSchema}
}

// genericFailure is what callers see when the gateway itself fails and the
// gateway is not in DEBUG mode (agentcore-api.md §11.12).
const genericFailure = "An internal error occurred while calling the tool. Please try again later."

func (s *Server) toolHandler(gs *gatewayServer, t *catalog.Tool) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		gw := gs.gw.Load()
		reqID := fmt.Sprintf("%x-%d", time.Now().UnixNano()&0xffffff, s.reqSeq.Add(1))
		start := time.Now()
		res, err := t.Target.Call(ctx, t.Local, req.Params.Arguments, target.CallInfo{Debug: gw.Debug, RequestID: reqID, MessageID: messageID(req)})
		noteToolCall(ctx, reqID, err)
		if err != nil {
			s.log.Error("tool call failed in the gateway", "request_id", reqID, "gateway", gw.ID, "target", t.TargetID, "tool", t.Name, "err", err)
			res = &mcp.CallToolResult{IsError: true}
			if gw.Debug {
				msg := fmt.Sprintf("Tool %s failed in the gateway (request %s): %v", t.Name, reqID, err)
				res.Content = []mcp.Content{&mcp.TextContent{Text: msg}}
				res.Meta = mcp.Meta{"debug": map[string]any{"type": "text", "text": err.Error()}}
			} else {
				res.Content = []mcp.Content{&mcp.TextContent{Text: genericFailure + " (request " + reqID + ")"}}
			}
			return res, nil
		}
		s.log.Debug("tool call", "request_id", reqID, "gateway", gw.ID, "target", t.TargetID, "tool", t.Name, "is_error", res.IsError, "latency", time.Since(start))
		return res, nil
	}
}

// Handler returns the data-plane HTTP handler (MCP endpoints and /healthz).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("/gateways/{gatewayId}/mcp", func(w http.ResponseWriter, r *http.Request) { s.serveMCP(w, r, r.PathValue("gatewayId")) })
	mux.HandleFunc("/.well-known/oauth-protected-resource/", s.serveMetadata)
	var h http.Handler = mux
	if s.opts.Addresses.Domain() != "" {
		h = s.hostBased(mux)
	}
	return s.checkOrigin(h)
}

// hostBased serves {id}.<domain>/mcp and its root metadata documents, and
// refuses Host headers that name neither a gateway nor this data plane.
func (s *Server) hostBased(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		book := s.opts.Addresses
		if !book.HostAllowed(r.Host) {
			writeJSONRPCError(w, http.StatusForbidden, -32000, "Forbidden: Host "+r.Host+" is not served here")
			return
		}
		id, ok := book.GatewayFromHost(r.Host)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		switch r.URL.Path {
		case "/mcp":
			s.serveMCP(w, r, id)
		case "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp":
			s.writeMetadata(w, r, id)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (s *Server) serveMCP(w http.ResponseWriter, r *http.Request, id string) {
	gs := (*s.gateways.Load())[id]
	if gs == nil {
		writeJSONRPCError(w, http.StatusNotFound, -32001, fmt.Sprintf("gateway %q not found", id))
		return
	}
	gw := gs.gw.Load()
	_, metadataURL := s.opts.Addresses.For(r, gw.ID)
	authed, err := s.opts.Authorizer.Authorize(w, r, authn.Gateway{
		ARN: gw.ARN, AuthorizerType: gw.AuthorizerType, Verifier: gw.Verifier, MetadataURL: metadataURL, Tags: gw.Tags,
	})
	if err != nil {
		// The diagnosis names the failed check; only sub/client_id ever
		// appear in it, never other claims or the token.
		s.log.Info("inbound request refused", "gateway", gw.ID, "authorizer", gw.AuthorizerType, "reason", err.Error(), "remote", r.RemoteAddr)
		s.auditRefusal(r, gw, err, w.Header())
		return
	}
	s.stampCaller(authed)
	authed = withMessageID(authed)
	stateful, stateless := gs.stateful, gs.stateless
	if authn.PrincipalFrom(authed.Context()) != nil {
		stateful, stateless = gs.statefulAuthed, gs.statelessAuthed
	}
	if authed.Header.Get("Mcp-Protocol-Version") >= statelessVersion {
		stateless.ServeHTTP(w, authed)
		return
	}
	gs.sessions.serve(w, authed, gatewayInfo{id: gw.ID, settings: gs.settingsTag}, stateful)
}

// handToSDK gives go-sdk the principal toolgate already verified. go-sdk
// then binds each stateful session to its user (a session id replayed with
// another user's token gets 403) and shows the caller to tool handlers as
// req.Extra.TokenInfo. Its context key is private and set only by
// auth.RequireBearerToken, so that middleware runs here with a verifier that
// returns the verified principal instead of checking the token again.
func handToSDK(next http.Handler) http.Handler {
	mw := auth.RequireBearerToken(func(_ context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
		p := authn.PrincipalFrom(r.Context())
		if p == nil {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: p.UserID(), Scopes: p.Scopes, Expiration: p.ExpiresAt}, nil
	}, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := authn.BearerToken(r); err != nil {
			// SigV4-authenticated (AWS_IAM): the middleware only reads
			// bearer headers, so show it a placeholder; the principal it
			// hands on comes from the context, verified already.
			r2 := *r
			r2.Header = r.Header.Clone()
			r2.Header.Set("Authorization", "Bearer sigv4")
			r = &r2
		}
		mw.ServeHTTP(w, r)
	})
}

// checkOrigin refuses browser requests from foreign origins with 403 (MCP
// transport spec: servers MUST validate Origin to prevent DNS rebinding).
// Requests without Origin (non-browser clients) pass; the go-sdk handler
// additionally rejects non-loopback Host headers on loopback listeners.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		// Discovery metadata is public and carries no credentials: browser
		// clients of any origin must be able to read it.
		public := strings.HasPrefix(r.URL.Path, "/.well-known/")
		if origin != "" && !public && !s.originAllowed(origin, r.Host) {
			s.log.Warn("refused cross-origin request", "origin", origin, "host", r.Host, "path", r.URL.Path)
			writeJSONRPCError(w, http.StatusForbidden, -32000, "Forbidden: Origin "+origin+" is not allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) originAllowed(origin, host string) bool {
	o := strings.TrimSuffix(strings.ToLower(origin), "/")
	if s.origins[o] {
		return true
	}
	// Same origin: the Origin's host[:port] equals the Host header.
	if i := strings.Index(o, "://"); i >= 0 && o[i+3:] == strings.ToLower(host) {
		return true
	}
	return false
}

// writeJSONRPCError writes a JSON-RPC error without id, the shape the MCP
// transport spec allows for HTTP-level refusals.
func writeJSONRPCError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"jsonrpc": "2.0",
		"error":   map[string]any{"code": code, "message": msg},
	})
}

// demote lowers go-sdk's info records to debug, so a busy gateway's log
// is not one line per MCP session.
type demote struct{ slog.Handler }

func (d demote) Enabled(ctx context.Context, l slog.Level) bool {
	if l == slog.LevelInfo {
		l = slog.LevelDebug
	}
	return d.Handler.Enabled(ctx, l)
}

func (d demote) Handle(ctx context.Context, r slog.Record) error {
	if r.Level == slog.LevelInfo {
		r.Level = slog.LevelDebug
	}
	return d.Handler.Handle(ctx, r)
}

func (d demote) WithAttrs(a []slog.Attr) slog.Handler { return demote{d.Handler.WithAttrs(a)} }
func (d demote) WithGroup(n string) slog.Handler      { return demote{d.Handler.WithGroup(n)} }
