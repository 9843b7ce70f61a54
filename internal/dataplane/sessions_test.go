package dataplane

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/catalog"
)

const (
	jwtGW  = "gw-jwt0000000"
	openGW = "gw-open000000"
)

// replica is one data plane of a multi-replica set.
type replica struct {
	srv    *httptest.Server
	dp     *Server
	target *echoTarget
}

// replicaSnapshot is the configuration every replica serves: a
// token-protected gateway and an open one, with the tools named.
func replicaSnapshot(rev int64, tgt *echoTarget, instructions string, tools ...string) *catalog.Snapshot {
	gw := gateway(jwtGW, tgt, tools...)
	gw.AuthorizerType, gw.Verifier, gw.Instructions = "CUSTOM_JWT", tokenVerifier{}, instructions
	catalog.Finish(gw)
	return snapshot(rev, gw, gateway(openGW, tgt, tools...))
}

// startReplicas starts n data planes sharing key, all serving the same
// configuration, as replicas fed by one store would.
func startReplicas(t *testing.T, n int, key []byte) []*replica {
	t.Helper()
	var rs []*replica
	for range n {
		r := &replica{target: &echoTarget{}}
		r.srv = httptest.NewServer(nil)
		r.dp = New(Options{Addresses: address.New(r.srv.URL, ""), SessionKey: key})
		r.dp.Apply(replicaSnapshot(1, r.target, "", "a", "b"))
		r.srv.Config.Handler = r.dp.Handler()
		t.Cleanup(r.srv.Close)
		rs = append(rs, r)
	}
	return rs
}

func newKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// roundRobin sends each request to the next replica, as a load balancer
// without session affinity does.
type roundRobin struct {
	hosts []string
	next  atomic.Uint64
	token string
}

func (rr *roundRobin) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host = rr.hosts[rr.next.Add(1)%uint64(len(rr.hosts))]
	r.Host = ""
	if rr.token != "" {
		r.Header.Set("Authorization", "Bearer "+rr.token)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func hostsOf(rs []*replica) []string {
	var hs []string
	for _, r := range rs {
		u, _ := url.Parse(r.srv.URL)
		hs = append(hs, u.Host)
	}
	return hs
}

// mcpPost sends one JSON-RPC message to a replica's gateway and returns the
// response with its body read.
func mcpPost(t *testing.T, r *replica, gw, token, session, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", r.srv.URL+"/gateways/"+gw+"/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(data)
}

const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"roots":{"listChanged":true}},"clientInfo":{"name":"agent-x","version":"7.1"}}}`

// newSession initialises a session on r and returns its id.
func newSession(t *testing.T, r *replica, gw, token string) string {
	t.Helper()
	resp, body := mcpPost(t, r, gw, token, "", initialize)
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || !strings.HasPrefix(sid, sessionIDPrefix) {
		t.Fatalf("initialize: %d, session %q: %s", resp.StatusCode, sid, body)
	}
	if resp, body := mcpPost(t, r, gw, token, sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); resp.StatusCode != 202 {
		t.Fatalf("initialized: %d %s", resp.StatusCode, body)
	}
	return sid
}

func localSessions(r *replica, gw, sid string) []*mcp.ServerSession {
	var out []*mcp.ServerSession
	for ss := range (*r.dp.gateways.Load())[gw].server.Sessions() {
		if ss.ID() == sid {
			out = append(out, ss)
		}
	}
	return out
}

// TestSessionServedByEveryReplica: a session-era go-sdk client behind a
// round-robin balancer works as against one server: every request lands on
// another replica, each adopts the session, and every replica serves calls.
func TestSessionServedByEveryReplica(t *testing.T) {
	rs := startReplicas(t, 3, newKey())
	ctx := context.Background()
	c := mcp.NewClient(&mcp.Implementation{Name: "rr", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{
		Endpoint:   rs[0].srv.URL + "/gateways/" + jwtGW + "/mcp",
		HTTPClient: &http.Client{Transport: &roundRobin{hosts: hostsOf(rs), token: "token-alice"}},
	}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatalf("connect through the balancer: %v", err)
	}
	if !strings.HasPrefix(cs.ID(), sessionIDPrefix) {
		t.Fatalf("session id %q is not a portable one", cs.ID())
	}
	for i := range 9 {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "t___a", Arguments: map[string]any{"x": fmt.Sprint(i)}})
		if err != nil || res.IsError {
			t.Fatalf("call %d: %v %+v", i, err, res)
		}
	}
	if _, err := cs.ListTools(ctx, nil); err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	for i, r := range rs {
		if n := r.target.calls.Load(); n == 0 {
			t.Errorf("replica %d served no call", i)
		}
		if n := len(localSessions(r, jwtGW, cs.ID())); n != 1 {
			t.Errorf("replica %d holds %d copies of the session, want 1", i, n)
		}
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// TestAdoptedSessionKeepsItsState: the replica that adopts a session
// negotiates what the first one did (the replayed initialize carries the
// client's protocol version, capabilities and client info), and concurrent
// first requests create one session, not several.
func TestAdoptedSessionKeepsItsState(t *testing.T) {
	rs := startReplicas(t, 2, newKey())
	sid := newSession(t, rs[0], jwtGW, "token-alice")
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() {
			resp, _ := mcpPost(t, rs[1], jwtGW, "token-alice", sid, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`, 10+i))
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("concurrent request %d on the other replica: %d", i, c)
		}
	}
	ss := localSessions(rs[1], jwtGW, sid)
	if len(ss) != 1 {
		t.Fatalf("adopting replica holds %d sessions with the id, want 1", len(ss))
	}
	p := ss[0].InitializeParams()
	if p == nil || p.ProtocolVersion != "2025-06-18" || p.ClientInfo == nil || p.ClientInfo.Name != "agent-x" ||
		p.ClientInfo.Version != "7.1" || p.Capabilities == nil || !p.Capabilities.Roots.ListChanged {
		got, _ := json.Marshal(p)
		t.Fatalf("adopted session's initialize params = %s", got)
	}
}

// TestSessionBindingAcrossReplicas: a session id stays bound to its
// principal and gateway on every replica, only replicas sharing the key
// accept it, and a tampered id is unknown.
func TestSessionBindingAcrossReplicas(t *testing.T) {
	key := newKey()
	rs := startReplicas(t, 3, key)
	stranger := startReplicas(t, 1, newKey())[0]
	sid := newSession(t, rs[0], jwtGW, "token-alice")
	ping := `{"jsonrpc":"2.0","id":2,"method":"ping"}`

	if resp, body := mcpPost(t, rs[1], jwtGW, "token-mallory", sid, ping); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another principal on a replica that never saw the session: %d %s, want 403", resp.StatusCode, body)
	}
	if n := len(localSessions(rs[1], jwtGW, sid)); n != 0 {
		t.Errorf("a refused request made the replica adopt the session (%d)", n)
	}
	if resp, body := mcpPost(t, rs[1], jwtGW, "token-alice", sid, ping); resp.StatusCode != 200 {
		t.Fatalf("owner on another replica: %d %s", resp.StatusCode, body)
	}
	if resp, _ := mcpPost(t, rs[1], jwtGW, "token-mallory", sid, ping); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another principal after adoption: %d, want 403", resp.StatusCode)
	}
	if resp, _ := mcpPost(t, rs[2], openGW, "", sid, ping); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the id on another gateway: %d, want 404", resp.StatusCode)
	}
	if resp, _ := mcpPost(t, stranger, jwtGW, "token-alice", sid, ping); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a replica with another key: %d, want 404", resp.StatusCode)
	}
	tampered := []byte(sid)
	i := len(tampered) - 5
	tampered[i] = map[bool]byte{true: 'A', false: 'B'}[tampered[i] != 'A']
	if resp, _ := mcpPost(t, rs[2], jwtGW, "token-alice", string(tampered), ping); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a tampered id: %d, want 404", resp.StatusCode)
	}
	if resp, _ := mcpPost(t, rs[2], jwtGW, "token-alice", "4f2a9c", ping); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a foreign id: %d, want 404", resp.StatusCode)
	}

	// Settings the session was negotiated under changed: it ends everywhere
	// (go-sdk drops sessions when a gateway's server is rebuilt).
	rs[2].dp.Apply(replicaSnapshot(2, rs[2].target, "new instructions", "a", "b"))
	if resp, _ := mcpPost(t, rs[2], jwtGW, "token-alice", sid, ping); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after a settings change: %d, want 404", resp.StatusCode)
	}
}

// TestSessionDelete: DELETE ends the session on the replica that receives
// it, whether or not it held it, and that replica does not adopt it again.
func TestSessionDelete(t *testing.T) {
	rs := startReplicas(t, 2, newKey())
	sid := newSession(t, rs[0], jwtGW, "token-alice")
	del := func(r *replica) int {
		req, _ := http.NewRequest("DELETE", r.srv.URL+"/gateways/"+jwtGW+"/mcp", nil)
		req.Header.Set("Authorization", "Bearer token-alice")
		req.Header.Set("Mcp-Session-Id", sid)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	ping := `{"jsonrpc":"2.0","id":2,"method":"ping"}`
	for i, r := range []*replica{rs[1], rs[0]} { // not held, held
		if code := del(r); code != http.StatusNoContent {
			t.Fatalf("DELETE #%d: %d", i, code)
		}
		if resp, _ := mcpPost(t, r, jwtGW, "token-alice", sid, ping); resp.StatusCode != http.StatusNotFound {
			t.Errorf("request after DELETE #%d: %d, want 404", i, resp.StatusCode)
		}
	}
}

// TestAdoptedSessionGetsNotifications: a GET stream receives the
// tools/list_changed of the replica it is open on, whether that replica
// created the session or adopted it.
func TestAdoptedSessionGetsNotifications(t *testing.T) {
	rs := startReplicas(t, 2, newKey())
	sid := newSession(t, rs[0], jwtGW, "token-alice")
	for i, r := range []*replica{rs[1], rs[0]} { // adopting, then creating
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", r.srv.URL+"/gateways/"+jwtGW+"/mcp", nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer token-alice")
		req.Header.Set("Mcp-Session-Id", sid)
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("GET stream on replica %d: %d %s", i, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		got := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "notifications/tools/list_changed") {
					got <- sc.Text()
					return
				}
			}
		}()
		r.dp.Apply(replicaSnapshot(2, r.target, "", "a", "b", "c"))
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("no tools/list_changed on the GET stream of replica %d", i)
		}
	}
}

// TestInitParamsBounded: the initialize parameters sealed into an id are
// bounded, keeping the version and which capabilities the client has.
func TestInitParamsBounded(t *testing.T) {
	big := strings.Repeat("x", 5000)
	body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{"sampling":{},"experimental":{"blob":%q}},"clientInfo":{"name":"n","version":"1","icons":[{"src":%q}]}}}`, big, big)
	p := initParams([]byte(body))
	if len(p) > maxSealedInitParams {
		t.Fatalf("sealed params are %d bytes", len(p))
	}
	var got struct {
		ProtocolVersion string                     `json:"protocolVersion"`
		Capabilities    map[string]json.RawMessage `json:"capabilities"`
		ClientInfo      map[string]string          `json:"clientInfo"`
	}
	if err := json.Unmarshal(p, &got); err != nil {
		t.Fatal(err)
	}
	if got.ProtocolVersion != "2025-06-18" || got.Capabilities["sampling"] == nil || got.Capabilities["experimental"] == nil || got.ClientInfo["name"] != "n" {
		t.Fatalf("trimmed params lost too much: %s", p)
	}
	if initParams([]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`)) != nil {
		t.Error("params taken from a request that is not initialize")
	}
}
