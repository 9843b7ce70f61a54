package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/vault"
)

const (
	testRegion  = "us-east-1"
	testAccount = "123456789012"
)

// testEnv is one isolated installation: a real SQLite store, a real vault,
// a loopback upstream and a log buffer.
type testEnv struct {
	t     *testing.T
	ctx   context.Context
	store *sqlstore.Store
	vault *vault.Vault
	up    *upstream
	logs  *logBuffer
	log   *slog.Logger
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatalf("sqlstore.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	v, err := vault.New(vault.KeyFromRoot(bytes.Repeat([]byte{0x42}, 32)))
	if err != nil {
		t.Fatalf("vault.New: %v", err)
	}
	logs := &logBuffer{}
	return &testEnv{
		t: t, ctx: t.Context(), store: st, vault: v, up: newUpstream(t), logs: logs,
		log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

// builder returns a catalog builder reading from st (e.store when nil).
func (e *testEnv) builder(st store.Store) catalog.Builder {
	if st == nil {
		st = e.store
	}
	return catalog.NewBuilder(catalog.BuildEnv{Store: st, Vault: e.vault, HTTPClient: e.up.srv.Client(), Logger: e.log})
}

func (e *testEnv) build(b catalog.Builder, prev *catalog.Snapshot) *catalog.Snapshot {
	e.t.Helper()
	snap, err := b(e.ctx, prev)
	if err != nil {
		e.t.Fatalf("build: %v", err)
	}
	return snap
}

// gatewayDoc is how the control plane stores a gateway (controlplane.gatewayConfig).
type gatewayDoc struct {
	agentcore.UpdateGatewayRequest
	Tags map[string]string `json:"tags,omitempty"`
}

func baseGateway(name string) agentcore.UpdateGatewayRequest {
	return agentcore.UpdateGatewayRequest{
		Name:           &name,
		RoleArn:        ptr("arn:aws:iam::" + testAccount + ":role/toolgate"),
		ProtocolType:   agentcore.GatewayProtocolTypeMCP,
		AuthorizerType: agentcore.AuthorizerTypeNone,
	}
}

func (e *testEnv) createGateway(id string, cfg agentcore.UpdateGatewayRequest) store.Gateway {
	e.t.Helper()
	raw, err := json.Marshal(gatewayDoc{UpdateGatewayRequest: cfg, Tags: map[string]string{"team": "t"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.createRawGateway(id, raw)
}

func (e *testEnv) createRawGateway(id string, raw []byte) store.Gateway {
	e.t.Helper()
	g, err := e.store.CreateGateway(e.ctx, store.Gateway{
		ID: id, Name: id, ARN: arn.Gateway(testRegion, testAccount, id),
		Status: string(agentcore.GatewayStatusReady), Config: raw,
	})
	if err != nil {
		e.t.Fatalf("CreateGateway(%s): %v", id, err)
	}
	return g
}

func (e *testEnv) updateGateway(id string, mutate func(*agentcore.UpdateGatewayRequest)) {
	e.t.Helper()
	_, err := e.store.UpdateGateway(e.ctx, id, func(old store.Gateway) (store.Gateway, error) {
		var doc gatewayDoc
		if err := json.Unmarshal(old.Config, &doc); err != nil {
			return old, err
		}
		mutate(&doc.UpdateGatewayRequest)
		raw, err := json.Marshal(doc)
		if err != nil {
			return old, err
		}
		old.Config = raw
		return old, nil
	})
	if err != nil {
		e.t.Fatalf("UpdateGateway(%s): %v", id, err)
	}
}

// apiKeyRef is the credential part of a target: which provider, and where
// the key goes.
type apiKeyRef struct {
	provider string
	location agentcore.ApiKeyCredentialLocation
	param    string
	prefix   string
}

// targetDoc is a target configuration as the control plane stores it.
func targetDoc(name, payload string, cred *apiKeyRef) []byte {
	cfg := agentcore.UpdateGatewayTargetRequest{
		Name: &name,
		TargetConfiguration: &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{
			OpenAPISchema: &agentcore.ApiSchemaConfiguration{InlinePayload: &payload},
		}},
	}
	if cred != nil {
		ak := &agentcore.GatewayApiKeyCredentialProvider{
			ProviderArn:        ptr(arn.APIKeyProvider(testRegion, testAccount, cred.provider)),
			CredentialLocation: cred.location,
		}
		if cred.param != "" {
			ak.CredentialParameterName = &cred.param
		}
		if cred.prefix != "" {
			ak.CredentialPrefix = &cred.prefix
		}
		cfg.CredentialProviderConfigurations = []agentcore.CredentialProviderConfiguration{{
			CredentialProviderType: agentcore.CredentialProviderTypeAPIKey,
			CredentialProvider:     &agentcore.CredentialProvider{APIKeyCredentialProvider: ak},
		}}
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	return raw
}

func (e *testEnv) createTarget(gatewayID, id, name, payload string, cred *apiKeyRef) store.Target {
	e.t.Helper()
	return e.createRawTarget(gatewayID, id, name, targetDoc(name, payload, cred))
}

func (e *testEnv) createRawTarget(gatewayID, id, name string, raw []byte) store.Target {
	e.t.Helper()
	t, err := e.store.CreateTarget(e.ctx, store.Target{
		GatewayID: gatewayID, ID: id, Name: name, Status: string(agentcore.TargetStatusReady), Config: raw,
	})
	if err != nil {
		e.t.Fatalf("CreateTarget(%s/%s): %v", gatewayID, id, err)
	}
	return t
}

// touchTarget rewrites a target unchanged, which bumps its Version.
func (e *testEnv) touchTarget(gatewayID, id string) store.Target {
	e.t.Helper()
	t, err := e.store.UpdateTarget(e.ctx, gatewayID, id, func(old store.Target) (store.Target, error) { return old, nil })
	if err != nil {
		e.t.Fatalf("UpdateTarget(%s/%s): %v", gatewayID, id, err)
	}
	return t
}

func (e *testEnv) deleteTarget(gatewayID, id string) {
	e.t.Helper()
	if err := e.store.DeleteTarget(e.ctx, gatewayID, id); err != nil {
		e.t.Fatalf("DeleteTarget(%s/%s): %v", gatewayID, id, err)
	}
}

// createProvider seals key exactly as the control plane does.
func (e *testEnv) createProvider(name, key string) {
	e.t.Helper()
	sealed, err := e.vault.Seal(catalog.APIKeyAAD(name), []byte(key))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.CreateAPIKeyProvider(e.ctx, store.APIKeyProvider{
		Name: name, ARN: arn.APIKeyProvider(testRegion, testAccount, name), SealedKey: sealed,
	}); err != nil {
		e.t.Fatalf("CreateAPIKeyProvider(%s): %v", name, err)
	}
}

// rotateProvider replaces the key, as UpdateApiKeyCredentialProvider does.
func (e *testEnv) rotateProvider(name, key string) {
	e.t.Helper()
	sealed, err := e.vault.Seal(catalog.APIKeyAAD(name), []byte(key))
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.store.UpdateAPIKeyProvider(e.ctx, name, func(old store.APIKeyProvider) (store.APIKeyProvider, error) {
		old.SealedKey = sealed
		return old, nil
	}); err != nil {
		e.t.Fatalf("UpdateAPIKeyProvider(%s): %v", name, err)
	}
}

func (e *testEnv) deleteProvider(name string) {
	e.t.Helper()
	if err := e.store.DeleteAPIKeyProvider(e.ctx, name); err != nil {
		e.t.Fatalf("DeleteAPIKeyProvider(%s): %v", name, err)
	}
}

// call invokes tool the way the data plane does and fails the test on a
// gateway-side error.
func (e *testEnv) call(tool *catalog.Tool, debug bool) *mcp.CallToolResult {
	e.t.Helper()
	res, err := tool.Target.Call(e.ctx, tool.Local, json.RawMessage(`{}`), target.CallInfo{Debug: debug, RequestID: "test"})
	if err != nil {
		e.t.Fatalf("Call(%s): %v", tool.Name, err)
	}
	return res
}

// resultText joins the text contents of res.
func resultText(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// specDoc is a small OpenAPI 3 document whose servers entry is base and
// which has one GET /{op} operation per op, with operationId op.
func specDoc(base string, ops ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "openapi: 3.0.3\ninfo: {title: test, version: \"1\"}\nservers: [{url: %q}]\npaths:\n", base)
	for _, op := range ops {
		fmt.Fprintf(&b, "  /%s:\n    get:\n      operationId: %s\n      summary: %s operation\n", op, op, op)
		b.WriteString("      responses: {\"200\": {description: OK, content: {application/json: {schema: {type: object}}}}}\n")
	}
	return b.String()
}

// seen is one request as the upstream received it.
type seen struct {
	Path   string
	Header http.Header
	Query  url.Values
}

// upstream is a loopback HTTP API that records every request.
type upstream struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{Path: r.URL.Path, Header: r.Header.Clone(), Query: r.URL.Query()})
		u.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	t.Cleanup(u.srv.Close)
	return u
}

// URL is the upstream's base URL with a path prefix.
func (u *upstream) URL(prefix string) string { return u.srv.URL + prefix }

func (u *upstream) requests() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.reqs...)
}

func (u *upstream) last(t *testing.T) seen {
	t.Helper()
	r := u.requests()
	if len(r) == 0 {
		t.Fatal("the upstream received no request")
	}
	return r[len(r)-1]
}

// logBuffer is a goroutine-safe log sink that outlives the test (the
// Manager's watcher may still log while the test ends).
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func ptr[T any](v T) *T { return &v }

// toolNames lists the names of tools in order.
func toolNames(tools []*catalog.Tool) []string {
	out := []string{}
	for _, t := range tools {
		out = append(out, t.Name)
	}
	return out
}

// sameTool compares tools by identity, so cmp.Diff reports a recompiled
// target as a difference.
var sameTool = cmp.Comparer(func(a, b *catalog.Tool) bool { return a == b })

// sameSnapshot compares snapshots by identity.
var sameSnapshot = cmp.Comparer(func(a, b *catalog.Snapshot) bool { return a == b })

func gatewayIDs(s *catalog.Snapshot) []string {
	return slices.Sorted(maps.Keys(s.Gateways))
}

func i32(v int32) *int32 { return &v }

// mustGateway returns gateway id of snap or stops the test.
func mustGateway(t *testing.T, snap *catalog.Snapshot, id string) *catalog.Gateway {
	t.Helper()
	g := snap.Gateway(id)
	if g == nil {
		t.Fatalf("gateway %s is not in the snapshot (has %v)", id, gatewayIDs(snap))
	}
	return g
}

// mustTool returns tool name of gateway g or stops the test.
func mustTool(t *testing.T, g *catalog.Gateway, name string) *catalog.Tool {
	t.Helper()
	tl := g.ByName[name]
	if tl == nil {
		t.Fatalf("gateway %s has no tool %s (has %v)", g.ID, name, toolNames(g.Tools))
	}
	return tl
}
