package dataplane

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/authn"
)

// Portable MCP sessions: any replica serves any request of a session.
//
// Clients of the session-era protocol revisions (2025-11-25 and older) send
// the Mcp-Session-Id they got from initialize on every request, and a load
// balancer without stickiness hands those requests to any replica. toolgate
// therefore makes the session id itself carry the session's state, sealed
// (AES-256-GCM, with a key every replica derives from the vault root key
// they share): the gateway, the principal the session is bound to, the
// gateway settings it was negotiated under and the client's initialize
// parameters (protocol version, capabilities, client info).
//
// A replica that receives a request for a session it does not hold opens the
// id, checks that it belongs to this gateway and to the caller, and adopts
// the session: it replays the client's initialize (and initialized) into its
// own go-sdk handler under the same id, then serves the request. From then on
// the session is local there too, GET streams and list_changed
// notifications included. Replays are deterministic (same parameters, same
// gateway settings), so every replica negotiates what the first one did.
//
// What stays per replica: a GET event stream and the server-to-client
// messages sent on it (notifications/tools/list_changed) reach the client
// only from the replica that holds the stream; the logging level a client
// set with logging/setLevel; and DELETE, which ends the session on the
// replica that receives it (an id stays adoptable elsewhere, but a client
// that deleted its session does not send it again). Because a session id
// carries no authority — every request is authenticated on its own and the
// id is bound to its principal — an adopted session grants nothing a fresh
// one would not.

const (
	sessionIDPrefix = "tg1-"
	// maxSessionIDLen bounds what is decoded from a header.
	maxSessionIDLen = 8 << 10
	// maxSealedInitParams bounds the client's initialize parameters kept in
	// a session id, so ids stay small enough for any proxy's header limits.
	maxSealedInitParams = 2 << 10
	sessionAAD          = "toolgate mcp session v1"
	// maxMCPBody matches go-sdk's default request body limit.
	maxMCPBody = mcp.DefaultMaxRequestBodyBytes
)

// sessionState is what a session id carries.
type sessionState struct {
	V        int             `json:"v"`
	Gateway  string          `json:"g"`
	Settings string          `json:"s"`           // settingsTag of the gateway when created
	User     string          `json:"u,omitempty"` // authn.Principal.UserID, "" when unauthenticated
	Init     json.RawMessage `json:"i,omitempty"` // trimmed initialize params
	Created  int64           `json:"t"`
}

// sessionCodec seals and opens session ids.
type sessionCodec struct{ aead cipher.AEAD }

// newSessionCodec returns a codec for a 32-byte key; a nil key draws a
// random one, which makes ids valid on this process only (one replica).
func newSessionCodec(key []byte) (*sessionCodec, error) {
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("dataplane: session key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sessionCodec{aead: aead}, nil
}

func (c *sessionCodec) seal(st sessionState) string {
	st.V = 1
	plain, _ := json.Marshal(st)
	buf := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	rand.Read(buf)
	buf = c.aead.Seal(buf, buf, plain, []byte(sessionAAD))
	return sessionIDPrefix + base64.RawURLEncoding.EncodeToString(buf)
}

var errBadSessionID = errors.New("not a session id of this installation")

func (c *sessionCodec) open(id string) (*sessionState, error) {
	if len(id) > maxSessionIDLen || !strings.HasPrefix(id, sessionIDPrefix) {
		return nil, errBadSessionID
	}
	raw, err := base64.RawURLEncoding.DecodeString(id[len(sessionIDPrefix):])
	if err != nil || len(raw) < c.aead.NonceSize()+c.aead.Overhead() {
		return nil, errBadSessionID
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, raw[:n], raw[n:], []byte(sessionAAD))
	if err != nil {
		return nil, errBadSessionID
	}
	var st sessionState
	if err := json.Unmarshal(plain, &st); err != nil || st.V != 1 {
		return nil, errBadSessionID
	}
	return &st, nil
}

// settingsTag identifies the gateway settings a session was negotiated
// under: when they change, the data plane builds a new MCP server and
// existing sessions end, on every replica alike.
func settingsTag(settings string) string {
	sum := sha256.Sum256([]byte(settings))
	return hex.EncodeToString(sum[:8])
}

// sessionHost is the session machinery of one gateway's MCP server.
type sessionHost struct {
	codec *sessionCodec
	log   *slog.Logger

	// slot hands the id of the session being created to go-sdk, which asks
	// for it through ServerOptions.GetSessionID (a function without
	// arguments). mu is held from withID until GetSessionID takes the id
	// (or the request ends without creating a session), so concurrent
	// creations cannot take each other's ids. go-sdk calls GetSessionID
	// synchronously, after its header checks and before reading the body,
	// so the lock is held only briefly.
	mu   sync.Mutex
	slot *idRequest

	// adoptions in flight, by session id, and sessions DELETEd on this
	// replica, which it does not adopt again (MCP: a terminated session's
	// id gets 404).
	amu      sync.Mutex
	inflight map[string]*adoption
	ended    map[string]time.Time
	server   *mcp.Server // set once the server is built
}

// maxEnded bounds the memory of ended sessions; the oldest are forgotten
// first (an id is random, so a forgotten one is as good as unknown).
const maxEnded = 10000

type idRequest struct {
	id   string
	used bool
}

type adoption struct {
	done chan struct{}
	err  error
}

func newSessionHost(codec *sessionCodec, log *slog.Logger) *sessionHost {
	return &sessionHost{codec: codec, log: log, inflight: map[string]*adoption{}, ended: map[string]time.Time{}}
}

// end records that sid was terminated on this replica.
func (h *sessionHost) end(sid string) {
	h.amu.Lock()
	defer h.amu.Unlock()
	if len(h.ended) >= maxEnded {
		var oldest time.Time
		for _, t := range h.ended {
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		// Forget the older half of the time span.
		cut := oldest.Add(time.Since(oldest) / 2)
		for id, t := range h.ended {
			if !t.After(cut) {
				delete(h.ended, id)
			}
		}
	}
	h.ended[sid] = time.Now()
}

func (h *sessionHost) isEnded(sid string) bool {
	h.amu.Lock()
	defer h.amu.Unlock()
	_, ok := h.ended[sid]
	return ok
}

// getSessionID is the MCP server's ServerOptions.GetSessionID.
func (h *sessionHost) getSessionID() string {
	req := h.slot
	if req == nil {
		// Not reached through withID: every session-creating request is.
		// A random id still works on this replica.
		h.log.Error("dataplane: MCP session created outside the session host; its id is not portable")
		return rand.Text()
	}
	h.slot = nil
	req.used = true
	h.mu.Unlock()
	return req.id
}

// withID runs serve, making id the id of any session it creates.
func (h *sessionHost) withID(id string, serve func()) {
	req := &idRequest{id: id}
	h.mu.Lock()
	h.slot = req
	defer func() {
		if !req.used {
			h.slot = nil
			h.mu.Unlock()
		}
	}()
	serve()
}

// exists reports whether the server holds a session with id.
func (h *sessionHost) exists(id string) bool {
	for ss := range h.server.Sessions() {
		if ss.ID() == id {
			return true
		}
	}
	return false
}

// serve handles a request of the session-era protocol: it creates
// portable sessions, checks the binding of session ids, and adopts sessions
// created by another replica (or by this one before a restart).
func (h *sessionHost) serve(w http.ResponseWriter, r *http.Request, gw gatewayInfo, handler http.Handler) {
	user := ""
	if p := authn.PrincipalFrom(r.Context()); p != nil {
		user = p.UserID()
	}
	sid := r.Header.Get("Mcp-Session-Id")
	if sid == "" {
		if r.Method != http.MethodPost {
			handler.ServeHTTP(w, r) // go-sdk answers 400: a session id is required
			return
		}
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		st := sessionState{Gateway: gw.id, Settings: gw.settings, User: user, Init: initParams(body), Created: time.Now().Unix()}
		h.withID(h.codec.seal(st), func() { handler.ServeHTTP(w, withBody(r, body)) })
		return
	}

	st, err := h.codec.open(sid)
	if err != nil || st.Gateway != gw.id || st.Settings != gw.settings {
		// As go-sdk answers for a session it does not know: the client
		// starts a new one.
		http.Error(w, "session not found", http.StatusNotFound)
		return
	}
	if st.User != user {
		h.log.Info("refused an MCP session id presented by another principal", "gateway", gw.id)
		http.Error(w, "session user mismatch", http.StatusForbidden)
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		var ok bool
		if body, ok = readBody(w, r); !ok {
			return
		}
	}
	hw := &holdNotFound{w: w, header: http.Header{}}
	handler.ServeHTTP(hw, withBody(r, body))
	if !hw.sessionMissing() {
		hw.release()
		if r.Method == http.MethodDelete && hw.code == http.StatusNoContent {
			h.end(sid)
		}
		return
	}
	// The session is valid but not held here.
	if r.Method == http.MethodDelete {
		// Nothing to end on this replica but the id; the client is done.
		h.end(sid)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if h.isEnded(sid) {
		http.Error(w, "session not found", http.StatusNotFound)
		return
	}
	if err := h.adopt(r, handler, sid, st); err != nil {
		h.log.Warn("could not adopt an MCP session created elsewhere; the client must start a new one", "gateway", gw.id, "err", err)
		http.Error(w, "session not found", http.StatusNotFound)
		return
	}
	handler.ServeHTTP(w, withBody(r, body))
}

// gatewayInfo is what sessions need to know about the gateway.
type gatewayInfo struct {
	id       string
	settings string // settingsTag
}

// adopt creates the session sid on this replica by replaying its
// initialize handshake. Concurrent adoptions of one id share one replay.
func (h *sessionHost) adopt(r *http.Request, handler http.Handler, sid string, st *sessionState) error {
	h.amu.Lock()
	if a := h.inflight[sid]; a != nil {
		h.amu.Unlock()
		<-a.done
		return a.err
	}
	a := &adoption{done: make(chan struct{})}
	h.inflight[sid] = a
	h.amu.Unlock()
	defer func() {
		h.amu.Lock()
		delete(h.inflight, sid)
		h.amu.Unlock()
		close(a.done)
	}()
	if h.exists(sid) { // adopted by a request that finished just before
		return nil
	}
	a.err = h.replay(r, handler, sid, st)
	return a.err
}

func (h *sessionHost) replay(r *http.Request, handler http.Handler, sid string, st *sessionState) error {
	params := st.Init
	if len(params) == 0 {
		params = json.RawMessage(`{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"unknown","version":""}}`)
	}
	initBody, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": "toolgate-adopt", "method": "initialize", "params": params})
	rec := newRecorder()
	h.withID(sid, func() { handler.ServeHTTP(rec, syntheticRequest(r, initBody, "")) })
	if rec.code != http.StatusOK || rec.header.Get("Mcp-Session-Id") != sid {
		return fmt.Errorf("replayed initialize answered HTTP %d: %.200s", rec.code, rec.body.String())
	}
	if bytes.Contains(rec.body.Bytes(), []byte(`"error":{`)) {
		return fmt.Errorf("replayed initialize failed: %.200s", rec.body.String())
	}
	rec = newRecorder()
	handler.ServeHTTP(rec, syntheticRequest(r, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized","params":{}}`), sid))
	if rec.code != http.StatusAccepted {
		return fmt.Errorf("replayed initialized notification answered HTTP %d: %.200s", rec.code, rec.body.String())
	}
	return nil
}

// syntheticRequest is a POST of body carrying r's context (its principal,
// its local address) and authentication headers, for replaying a handshake.
func syntheticRequest(r *http.Request, body []byte, sid string) *http.Request {
	req := r.Clone(r.Context())
	req.Method = http.MethodPost
	req.Header = http.Header{}
	for _, k := range []string{"Authorization", "Origin"} {
		if v := r.Header.Values(k); len(v) > 0 {
			req.Header[k] = v
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if sid != "" {
		req.Header.Set("Mcp-Session-Id", sid)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.GetBody = nil
	return req
}

// readBody reads a request body whole (it is replayed when a session is
// adopted), within go-sdk's limit.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil {
		return nil, true
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxMCPBody+1))
	if err != nil {
		http.Error(w, "failed to read body", http.StatusBadRequest)
		return nil, false
	}
	if len(body) > maxMCPBody {
		http.Error(w, fmt.Sprintf("request body exceeds %d bytes", maxMCPBody), http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return body, true
}

// withBody returns r with a fresh reader over body.
func withBody(r *http.Request, body []byte) *http.Request {
	if body == nil {
		return r
	}
	r2 := *r
	r2.Body = io.NopCloser(bytes.NewReader(body))
	return &r2
}

// initParams returns the trimmed parameters of an initialize request, or
// nil when body is not one.
func initParams(body []byte) json.RawMessage {
	var msg struct {
		Method string `json:"method"`
		Params struct {
			ProtocolVersion string                     `json:"protocolVersion"`
			Capabilities    map[string]json.RawMessage `json:"capabilities"`
			ClientInfo      struct {
				Name    string `json:"name"`
				Title   string `json:"title,omitempty"`
				Version string `json:"version"`
			} `json:"clientInfo"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Method != "initialize" {
		return nil
	}
	p := msg.Params
	caps := p.Capabilities
	if caps == nil {
		caps = map[string]json.RawMessage{}
	}
	out := func() json.RawMessage {
		b, _ := json.Marshal(map[string]any{"protocolVersion": p.ProtocolVersion, "capabilities": caps, "clientInfo": p.ClientInfo})
		return b
	}
	b := out()
	if len(b) > maxSealedInitParams {
		// Keep which capabilities the client has, not their details.
		for k, v := range caps {
			if len(v) > 64 {
				caps[k] = json.RawMessage(`{}`)
			}
		}
		b = out()
	}
	if len(b) > maxSealedInitParams {
		p.ClientInfo.Title = ""
		p.ClientInfo.Name = truncate(p.ClientInfo.Name, 64)
		p.ClientInfo.Version = truncate(p.ClientInfo.Version, 64)
		caps = map[string]json.RawMessage{}
		b = out()
	}
	return b
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// holdNotFound passes a response through, except a 404 written before
// anything else: that one is held back so the caller can tell go-sdk's
// "session not found" from other answers and adopt the session instead.
type holdNotFound struct {
	w      http.ResponseWriter
	header http.Header
	held   bool // a 404 is held
	passed bool // the response is going to w
	code   int  // status passed on
	buf    bytes.Buffer
}

func (h *holdNotFound) Header() http.Header {
	if h.passed {
		return h.w.Header()
	}
	return h.header
}

func (h *holdNotFound) pass() {
	if h.passed {
		return
	}
	h.passed = true
	dst := h.w.Header()
	for k, v := range h.header {
		dst[k] = v
	}
}

func (h *holdNotFound) WriteHeader(code int) {
	if h.held || h.passed {
		if h.passed {
			h.w.WriteHeader(code)
		}
		return
	}
	if code == http.StatusNotFound {
		h.held = true
		return
	}
	h.pass()
	h.code = code
	h.w.WriteHeader(code)
}

func (h *holdNotFound) Write(p []byte) (int, error) {
	if h.held {
		if h.buf.Len() < 1024 {
			h.buf.Write(p)
		}
		return len(p), nil
	}
	h.pass()
	return h.w.Write(p)
}

func (h *holdNotFound) Flush() {
	if h.held {
		return
	}
	h.pass()
	_ = http.NewResponseController(h.w).Flush()
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (h *holdNotFound) Unwrap() http.ResponseWriter { return h.w }

// sessionMissing reports whether the held answer is go-sdk's "session not
// found".
func (h *holdNotFound) sessionMissing() bool {
	return h.held && strings.TrimSpace(h.buf.String()) == "session not found"
}

// release sends a held answer on, if any.
func (h *holdNotFound) release() {
	if !h.held {
		return
	}
	h.held = false
	h.pass()
	h.w.WriteHeader(http.StatusNotFound)
	h.w.Write(h.buf.Bytes())
}

// recorder collects a replayed request's response.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	if r.body.Len() < 64<<10 {
		r.body.Write(p)
	}
	return len(p), nil
}
func (r *recorder) Flush() {}
