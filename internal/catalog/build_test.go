package catalog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/store"
)

func TestBuildGatewaySettings(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		id     string
		mutate func(*agentcore.UpdateGatewayRequest)
		want   catalog.Gateway
	}{
		{
			id:     "defaults",
			mutate: func(*agentcore.UpdateGatewayRequest) {},
			want:   catalog.Gateway{AuthorizerType: "NONE", SessionTimeoutSeconds: 3600},
		},
		{
			id: "everything-set",
			mutate: func(c *agentcore.UpdateGatewayRequest) {
				c.AuthorizerType = agentcore.AuthorizerTypeCustomJWT
				c.ExceptionLevel = agentcore.ExceptionLevelDebug
				c.ProtocolConfiguration = &agentcore.GatewayProtocolConfiguration{MCP: &agentcore.MCPGatewayConfiguration{
					SupportedVersions:             []string{"2025-03-26", "2025-06-18"},
					Instructions:                  ptr("Use the order tools."),
					DisableMcpListToolsPagination: ptr(true),
					SessionConfiguration:          &agentcore.SessionConfiguration{SessionTimeoutInSeconds: i32(900)},
				}}
			},
			want: catalog.Gateway{
				AuthorizerType: "CUSTOM_JWT", Debug: true, SupportedVersions: []string{"2025-03-26", "2025-06-18"},
				Instructions: "Use the order tools.", DisablePagination: true, SessionTimeoutSeconds: 900,
			},
		},
		{
			id: "mcp-without-session",
			mutate: func(c *agentcore.UpdateGatewayRequest) {
				c.AuthorizerType = agentcore.AuthorizerTypeAWSIAM
				c.ProtocolConfiguration = &agentcore.GatewayProtocolConfiguration{MCP: &agentcore.MCPGatewayConfiguration{
					Instructions: ptr("hi"), DisableMcpListToolsPagination: ptr(false),
				}}
			},
			want: catalog.Gateway{AuthorizerType: "AWS_IAM", Instructions: "hi", SessionTimeoutSeconds: 3600},
		},
		{
			id: "session-without-timeout",
			mutate: func(c *agentcore.UpdateGatewayRequest) {
				c.ProtocolConfiguration = &agentcore.GatewayProtocolConfiguration{MCP: &agentcore.MCPGatewayConfiguration{
					SessionConfiguration: &agentcore.SessionConfiguration{},
				}}
			},
			want: catalog.Gateway{AuthorizerType: "NONE", SessionTimeoutSeconds: 3600},
		},
		{
			id: "empty-protocol-configuration",
			mutate: func(c *agentcore.UpdateGatewayRequest) {
				c.AuthorizerType = agentcore.AuthorizerTypeAuthenticateOnly
				c.ProtocolConfiguration = &agentcore.GatewayProtocolConfiguration{}
			},
			want: catalog.Gateway{AuthorizerType: "AUTHENTICATE_ONLY", SessionTimeoutSeconds: 3600},
		},
	}
	for _, tc := range tests {
		cfg := baseGateway(tc.id)
		tc.mutate(&cfg)
		e.createGateway(tc.id, cfg)
	}
	snap := e.build(e.builder(nil), nil)
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			got := snap.Gateway(tc.id)
			if got == nil {
				t.Fatalf("gateway %s missing from the snapshot (has %v)", tc.id, gatewayIDs(snap))
			}
			want := tc.want
			want.ID, want.Name, want.ARN = tc.id, tc.id, arn.Gateway(testRegion, testAccount, tc.id)
			// Every test gateway's tags and role (helpers_test.go).
			want.Tags, want.RoleARN = map[string]string{"team": "t"}, "arn:aws:iam::"+testAccount+":role/toolgate"
			if diff := cmp.Diff(&want, got, cmpopts.IgnoreFields(catalog.Gateway{}, "Tools", "ByName", "Server")); diff != "" {
				t.Errorf("compiled gateway (-want +got):\n%s", diff)
			}
			if len(got.Tools) != 0 || len(got.ByName) != 0 || got.ByName == nil {
				t.Errorf("gateway without targets: Tools %v, ByName %v; want none and a non-nil index", toolNames(got.Tools), got.ByName)
			}
			if got.Server == "" {
				t.Error("Server key is empty; Finish was not applied")
			}
		})
	}
}

// TestBuildServerKey checks that Gateway.Server moves exactly when a setting
// that shapes the MCP server moves, and not when only tools change.
func TestBuildServerKey(t *testing.T) {
	e := newEnv(t)
	base := func(name string) agentcore.UpdateGatewayRequest {
		c := baseGateway(name)
		c.ProtocolConfiguration = &agentcore.GatewayProtocolConfiguration{MCP: &agentcore.MCPGatewayConfiguration{
			SupportedVersions:             []string{"2025-03-26"},
			Instructions:                  ptr("v1"),
			DisableMcpListToolsPagination: ptr(false),
			SessionConfiguration:          &agentcore.SessionConfiguration{SessionTimeoutInSeconds: i32(600)},
		}}
		return c
	}
	mcpCfg := func(c *agentcore.UpdateGatewayRequest) *agentcore.MCPGatewayConfiguration {
		return c.ProtocolConfiguration.MCP
	}
	tests := []struct {
		id          string
		change      func(e *testEnv, id string)
		wantChanged bool
	}{
		{"versions", func(e *testEnv, id string) {
			e.updateGateway(id, func(c *agentcore.UpdateGatewayRequest) {
				mcpCfg(c).SupportedVersions = []string{"2025-03-26", "2025-06-18"}
			})
		}, true},
		{"instructions", func(e *testEnv, id string) {
			e.updateGateway(id, func(c *agentcore.UpdateGatewayRequest) { mcpCfg(c).Instructions = ptr("v2") })
		}, true},
		{"pagination", func(e *testEnv, id string) {
			e.updateGateway(id, func(c *agentcore.UpdateGatewayRequest) { mcpCfg(c).DisableMcpListToolsPagination = ptr(true) })
		}, true},
		{"session-timeout", func(e *testEnv, id string) {
			e.updateGateway(id, func(c *agentcore.UpdateGatewayRequest) {
				mcpCfg(c).SessionConfiguration.SessionTimeoutInSeconds = i32(1200)
			})
		}, true},
		{"session-timeout-to-default", func(e *testEnv, id string) {
			e.updateGateway(id, func(c *agentcore.UpdateGatewayRequest) { mcpCfg(c).SessionConfiguration = nil })
		}, true},
		{"authorizer", func(e *testEnv, id string) {
			e.updateGateway(id, func(c *agentcore.UpdateGatewayRequest) { c.AuthorizerType = agentcore.AuthorizerTypeAWSIAM })
		}, true},
		{"description-only", func(e *testEnv, id string) {
			e.updateGateway(id, func(c *agentcore.UpdateGatewayRequest) { c.Description = ptr("new words") })
		}, false},
		{"unchanged", func(*testEnv, string) {}, false},
		{"target-added", func(e *testEnv, id string) {
			e.createTarget(id, "T"+strings.ToUpper(id[:3])+"000001", "added", specDoc(e.up.URL(""), "ping"), nil)
		}, false},
	}
	for _, tc := range tests {
		e.createGateway(tc.id, base(tc.id))
	}
	b := e.builder(nil)
	before := e.build(b, nil)
	for _, tc := range tests {
		tc.change(e, tc.id)
	}
	after := e.build(b, before)
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			g1, g2 := before.Gateway(tc.id), after.Gateway(tc.id)
			if g1 == nil || g2 == nil {
				t.Fatalf("gateway %s missing: before %v, after %v", tc.id, g1 != nil, g2 != nil)
			}
			if changed := g1.Server != g2.Server; changed != tc.wantChanged {
				t.Errorf("Server key changed = %v, want %v\nbefore: %s\nafter:  %s", changed, tc.wantChanged, g1.Server, g2.Server)
			}
		})
	}
	if got := toolNames(mustGateway(t, after, "target-added").Tools); !cmp.Equal(got, []string{"added___ping"}) {
		t.Errorf("target-added tools = %v, want [added___ping]", got)
	}
}

func TestBuildToolNamesAndIndex(t *testing.T) {
	e := newEnv(t)
	e.createGateway("shop", baseGateway("shop"))
	e.createGateway("empty", baseGateway("empty"))
	// Created in an order that differs from the sorted tool order.
	weather := e.createTarget("shop", "WEATHER001", "weather", specDoc(e.up.URL("/w"), "listCities", "getForecast"), nil)
	inv := e.createTarget("shop", "INVENTORY1", "inventory", specDoc(e.up.URL("/i"), "listItems", "getItem"), nil)

	snap := e.build(e.builder(nil), nil)
	if got, want := gatewayIDs(snap), []string{"empty", "shop"}; !cmp.Equal(got, want) {
		t.Fatalf("gateways = %v, want %v", got, want)
	}

	type toolView struct{ Name, TargetID, TargetName, Local, DefName, Description string }
	view := func(tools []*catalog.Tool) []toolView {
		out := []toolView{}
		for _, tl := range tools {
			out = append(out, toolView{tl.Name, tl.TargetID, tl.TargetName, tl.Local, tl.Def.Name, tl.Def.Description})
		}
		return out
	}
	shop := mustGateway(t, snap, "shop")
	want := []toolView{
		{"inventory___getItem", inv.ID, "inventory", "getItem", "getItem", "getItem operation"},
		{"inventory___listItems", inv.ID, "inventory", "listItems", "listItems", "listItems operation"},
		{"weather___getForecast", weather.ID, "weather", "getForecast", "getForecast", "getForecast operation"},
		{"weather___listCities", weather.ID, "weather", "listCities", "listCities", "listCities operation"},
	}
	if diff := cmp.Diff(want, view(shop.Tools)); diff != "" {
		t.Errorf("shop tools (-want +got):\n%s", diff)
	}
	if len(shop.ByName) != len(shop.Tools) {
		t.Errorf("ByName has %d entries for %d tools", len(shop.ByName), len(shop.Tools))
	}
	for _, tl := range shop.Tools {
		if shop.ByName[tl.Name] != tl {
			t.Errorf("ByName[%q] does not point at the tool", tl.Name)
		}
		if tl.Target == nil {
			t.Errorf("%s has no Target", tl.Name)
		}
	}
	// Tools of one target share one opened Target; each routes to its own path.
	if mustTool(t, shop, "weather___getForecast").Target != mustTool(t, shop, "weather___listCities").Target {
		t.Error("the tools of one target do not share its opened Target")
	}
	res := e.call(mustTool(t, shop, "inventory___getItem"), false)
	if res.IsError || e.up.last(t).Path != "/i/getItem" {
		t.Errorf("inventory___getItem: isError %v, upstream path %q; want the call at /i/getItem", res.IsError, e.up.last(t).Path)
	}
	if g := mustGateway(t, snap, "empty"); len(g.Tools) != 0 || len(g.ByName) != 0 {
		t.Errorf("gateway without targets has tools %v", toolNames(g.Tools))
	}

	// Deleting a target, then a whole gateway, shows in the next snapshot.
	e.deleteTarget("shop", weather.ID)
	if err := e.store.DeleteGateway(e.ctx, "empty"); err != nil {
		t.Fatal(err)
	}
	next := e.build(e.builder(nil), snap)
	if got, want := gatewayIDs(next), []string{"shop"}; !cmp.Equal(got, want) {
		t.Errorf("after deleting gateway empty: gateways = %v, want %v", got, want)
	}
	if next.Gateway("empty") != nil {
		t.Error("Snapshot.Gateway returns a deleted gateway")
	}
	if diff := cmp.Diff(want[:2], view(mustGateway(t, next, "shop").Tools)); diff != "" {
		t.Errorf("after deleting target weather (-want +got):\n%s", diff)
	}
	if mustGateway(t, next, "shop").ByName["weather___getForecast"] != nil {
		t.Error("ByName still indexes a deleted target's tool")
	}
	if snap.Gateway("shop").ByName["weather___getForecast"] == nil {
		t.Error("the previous snapshot changed: snapshots must be immutable")
	}
	if next.Revision <= snap.Revision {
		t.Errorf("Revision went from %d to %d after writes", snap.Revision, next.Revision)
	}
}

func TestSnapshotGatewayNil(t *testing.T) {
	var s *catalog.Snapshot
	if g := s.Gateway("x"); g != nil {
		t.Errorf("nil snapshot returned %v", g)
	}
	if g := (&catalog.Snapshot{}).Gateway("x"); g != nil {
		t.Errorf("empty snapshot returned %v", g)
	}
}

// TestBuildReusesCompiledTargets: a target is opened again only when its
// configuration or its credential changed.
func TestBuildReusesCompiledTargets(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	e.createProvider("svc-key", "key-one-AAAA")
	keyed := e.createTarget("gw", "KEYED00001", "keyed", specDoc(e.up.URL("/k"), "get"),
		&apiKeyRef{provider: "svc-key", location: agentcore.ApiKeyCredentialLocationHeader, param: "X-Api-Key"})
	plain := e.createTarget("gw", "PLAIN00001", "plain", specDoc(e.up.URL("/p"), "a", "b"), nil)
	b := e.builder(nil)

	toolsOf := func(t *testing.T, s *catalog.Snapshot, targetID string) []*catalog.Tool {
		t.Helper()
		var out []*catalog.Tool
		for _, tl := range mustGateway(t, s, "gw").Tools {
			if tl.TargetID == targetID {
				out = append(out, tl)
			}
		}
		if len(out) == 0 {
			t.Fatalf("no tools of target %s in the snapshot", targetID)
		}
		return out
	}
	keyOf := func(t *testing.T, s *catalog.Snapshot) string {
		t.Helper()
		res := e.call(mustTool(t, mustGateway(t, s, "gw"), "keyed___get"), false)
		if res.IsError {
			t.Fatalf("keyed___get failed: %s", resultText(res))
		}
		return e.up.last(t).Header.Get("X-Api-Key")
	}

	s1 := e.build(b, nil)
	if got := keyOf(t, s1); got != "key-one-AAAA" {
		t.Fatalf("upstream got X-Api-Key %q, want key-one-AAAA", got)
	}

	s2 := e.build(b, s1)
	if s2 == s1 {
		t.Fatal("the builder returned the previous snapshot itself")
	}
	if diff := cmp.Diff(mustGateway(t, s1, "gw").Tools, mustGateway(t, s2, "gw").Tools, sameTool); diff != "" {
		t.Errorf("nothing changed, yet tools were recompiled (-first +second):\n%s", diff)
	}

	steps := []struct {
		name        string
		change      func()
		recompiled  []string // target ids with new tool pointers
		reused      []string // target ids with the same pointers
		wantUpKey   string   // key the keyed target sends afterwards
		wantMissing bool     // the provider is gone: calls must fail
	}{
		{
			name:       "update target bumps its version",
			change:     func() { e.touchTarget("gw", plain.ID) },
			recompiled: []string{plain.ID}, reused: []string{keyed.ID}, wantUpKey: "key-one-AAAA",
		},
		{
			name:       "rotate the API key",
			change:     func() { e.rotateProvider("svc-key", "key-two-BBBB") },
			recompiled: []string{keyed.ID}, reused: []string{plain.ID}, wantUpKey: "key-two-BBBB",
		},
		{
			name:       "unrelated provider write",
			change:     func() { e.createProvider("other", "zzzz-zzzz") },
			recompiled: nil, reused: []string{keyed.ID, plain.ID}, wantUpKey: "key-two-BBBB",
		},
		{
			name:       "delete the provider",
			change:     func() { e.deleteProvider("svc-key") },
			recompiled: []string{keyed.ID}, reused: []string{plain.ID}, wantMissing: true,
		},
	}
	prev := s2
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change()
			next := e.build(b, prev)
			for _, id := range st.recompiled {
				for i, tl := range toolsOf(t, next, id) {
					if old := toolsOf(t, prev, id)[i]; old == tl || old.Target == tl.Target {
						t.Errorf("target %s: tool %s was reused, want it recompiled", id, tl.Name)
					}
				}
			}
			for _, id := range st.reused {
				if diff := cmp.Diff(toolsOf(t, prev, id), toolsOf(t, next, id), sameTool); diff != "" {
					t.Errorf("target %s recompiled, want reused (-before +after):\n%s", id, diff)
				}
			}
			if !st.wantMissing {
				if got := keyOf(t, next); got != st.wantUpKey {
					t.Errorf("upstream got X-Api-Key %q, want %q", got, st.wantUpKey)
				}
				prev = next
				return
			}
			// The tools stay listed; calling them names the provider (in
			// DEBUG) and never sends or shows a key.
			if got := toolNames(mustGateway(t, next, "gw").Tools); !cmp.Equal(got, toolNames(prev.Gateway("gw").Tools)) {
				t.Errorf("tools after deleting the provider = %v, want them still listed", got)
			}
			sent := len(e.up.requests())
			for _, debug := range []bool{false, true} {
				res := e.call(mustTool(t, next.Gateway("gw"), "keyed___get"), debug)
				text := resultText(res)
				if !res.IsError {
					t.Errorf("debug=%v: call with a deleted provider succeeded: %s", debug, text)
				}
				for _, key := range []string{"key-one-AAAA", "key-two-BBBB"} {
					if strings.Contains(text, key) {
						t.Errorf("debug=%v: result reveals a key: %q", debug, text)
					}
				}
				if debug && !strings.Contains(text, `"svc-key"`) {
					t.Errorf("debug=true: result %q does not name the missing provider svc-key", text)
				}
			}
			if n := len(e.up.requests()); n != sent {
				t.Errorf("the upstream was called %d times with a deleted provider, want 0", n-sent)
			}
			prev = next
		})
	}
}

// TestBuildHotPathDoesNotTouchStore: once a snapshot is built, tool calls use
// only what it holds (no store access), and the API key reaches the
// upstream where the target's credential configuration says.
func TestBuildHotPathDoesNotTouchStore(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	tests := []struct {
		name string
		id   string
		ref  apiKeyRef
		key  string
		// where extracts the credential the upstream received.
		where func(seen) string
		want  string
	}{
		{
			name: "header", id: "HEADER0001",
			ref: apiKeyRef{location: agentcore.ApiKeyCredentialLocationHeader, param: "X-Api-Key"},
			key: "hdr-key-1111", where: func(s seen) string { return s.Header.Get("X-Api-Key") }, want: "hdr-key-1111",
		},
		{
			name: "header-prefixed", id: "BEARER0001",
			ref: apiKeyRef{location: agentcore.ApiKeyCredentialLocationHeader, param: "Authorization", prefix: "Bearer"},
			key: "bearer-key-2222", where: func(s seen) string { return s.Header.Get("Authorization") }, want: "Bearer bearer-key-2222",
		},
		{
			name: "query", id: "QUERY00001",
			ref: apiKeyRef{location: agentcore.ApiKeyCredentialLocationQueryParameter, param: "api_key"},
			key: "query-key-3333", where: func(s seen) string { return strings.Join(s.Query["api_key"], ",") }, want: "query-key-3333",
		},
	}
	for _, tc := range tests {
		tc.ref.provider = tc.name + "-provider"
		e.createProvider(tc.ref.provider, tc.key)
		e.createTarget("gw", tc.id, tc.name,
			specDoc(e.up.URL("/"+tc.name), "ping", "pong"), &tc.ref)
	}

	cs := &countingStore{Store: e.store}
	snap := e.build(e.builder(cs), nil)
	if cs.calls() == 0 {
		t.Fatal("building did not go through the counting store")
	}
	tools := mustGateway(t, snap, "gw").Tools
	if len(tools) != 2*len(tests) {
		t.Fatalf("tools = %v, want two per target", toolNames(tools))
	}

	const calls, workers = 200, 8
	before := cs.calls()
	var wg sync.WaitGroup
	errs := make(chan string, calls)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < calls; i += workers {
				res := e.call(tools[i%len(tools)], false)
				if res.IsError {
					errs <- tools[i%len(tools)].Name + ": " + resultText(res)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Errorf("call failed: %s", msg)
	}
	if got := cs.calls() - before; got != 0 {
		t.Errorf("%d tool calls made %d store calls, want 0", calls, got)
	}

	reqs := e.up.requests()
	if len(reqs) != calls {
		t.Fatalf("upstream received %d requests, want %d", len(reqs), calls)
	}
	perTarget := map[string]int{}
	for _, r := range reqs {
		prefix := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")[0]
		for _, tc := range tests {
			if tc.name != prefix {
				continue
			}
			perTarget[prefix]++
			if got := tc.where(r); got != tc.want {
				t.Errorf("%s: upstream got credential %q at %s, want %q", r.Path, got, tc.name, tc.want)
			}
			// The key is where it was configured and nowhere else.
			for _, other := range tests {
				if other.name != tc.name && other.where(r) != "" {
					t.Errorf("%s: credential also found where %s puts it: %q", r.Path, other.name, other.where(r))
				}
			}
		}
	}
	want := map[string]int{}
	for i := range calls {
		want[tools[i%len(tools)].TargetName]++
	}
	if diff := cmp.Diff(want, perTarget); diff != "" {
		t.Errorf("requests per target (-want +got):\n%s", diff)
	}
}

// TestBuildSkipsUnreadableConfiguration: one bad gateway or target does not
// take the others down.
func TestBuildSkipsUnreadableConfiguration(t *testing.T) {
	e := newEnv(t)
	e.createRawGateway("broken", []byte(`{"name": "broken", "protocolConfiguration": `))
	e.createGateway("good", baseGateway("good"))
	e.createGateway("also-good", baseGateway("also-good"))
	e.createTarget("good", "OKTARGET01", "ok", specDoc(e.up.URL(""), "ping"), nil)
	e.createRawTarget("good", "BADJSON001", "badjson", []byte(`{"targetConfiguration": [}`))
	e.createRawTarget("good", "BADSPEC001", "badspec", targetDoc("badspec", "this is: [not openapi", nil))
	e.createRawTarget("good", "LAMBDA0001", "lambda", []byte(`{"name":"lambda","targetConfiguration":{"mcp":{"lambda":{"lambdaArn":"arn:aws:lambda:us-east-1:123456789012:function:f"}}}}`))

	snap, err := e.builder(nil)(e.ctx, nil)
	if err != nil {
		t.Fatalf("build failed because of one unreadable gateway: %v", err)
	}
	if got, want := gatewayIDs(snap), []string{"also-good", "good"}; !cmp.Equal(got, want) {
		t.Errorf("gateways = %v, want %v", got, want)
	}
	if got, want := toolNames(mustGateway(t, snap, "good").Tools), []string{"ok___ping"}; !cmp.Equal(got, want) {
		t.Errorf("good tools = %v, want %v", got, want)
	}
	logs := e.logs.String()
	for _, want := range []string{"gateway=broken", "target=BADJSON001", "target=BADSPEC001", "target=LAMBDA0001"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log does not mention %s:\n%s", want, logs)
		}
	}
}

// TestBuildTargetIDsAreScopedToTheirGateway: target ids are unique per
// gateway only (the store's primary key is (gateway_id, id)), so two
// gateways may each have a target with the same id. Each must keep serving
// its own tools on every build.
func TestBuildTargetIDsAreScopedToTheirGateway(t *testing.T) {
	e := newEnv(t)
	for _, gw := range []string{"alpha", "beta"} {
		e.createGateway(gw, baseGateway(gw))
		e.createTarget(gw, "SAMEID0001", gw+"-api", specDoc(e.up.URL("/"+gw), gw+"Op"), nil)
	}
	b := e.builder(nil)
	var prev *catalog.Snapshot
	for build := 1; build <= 2; build++ {
		snap := e.build(b, prev)
		for _, gw := range []string{"alpha", "beta"} {
			want := []string{gw + "-api___" + gw + "Op"}
			if got := toolNames(mustGateway(t, snap, gw).Tools); !cmp.Equal(got, want) {
				t.Errorf("build %d: gateway %s serves %v, want %v", build, gw, got, want)
			}
		}
		prev = snap
	}
}

// TestBuildProviderRecreatedBetweenBuilds: deleting an API-key provider and
// creating one with the same name and a new key, with no build in between
// (another replica wrote it, or two writes landed inside one poll), must
// still make the target send the new key.
func TestBuildProviderRecreatedBetweenBuilds(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	e.createProvider("svc", "old-key-1111")
	e.createTarget("gw", "KEYED00001", "keyed", specDoc(e.up.URL(""), "get"),
		&apiKeyRef{provider: "svc", location: agentcore.ApiKeyCredentialLocationHeader, param: "X-Api-Key"})
	b := e.builder(nil)
	s1 := e.build(b, nil)
	e.call(mustTool(t, mustGateway(t, s1, "gw"), "keyed___get"), false)
	if got := e.up.last(t).Header.Get("X-Api-Key"); got != "old-key-1111" {
		t.Fatalf("first key: upstream got %q", got)
	}

	e.deleteProvider("svc")
	e.createProvider("svc", "new-key-2222")
	s2 := e.build(b, s1)
	e.call(mustTool(t, mustGateway(t, s2, "gw"), "keyed___get"), false)
	if got := e.up.last(t).Header.Get("X-Api-Key"); got != "new-key-2222" {
		t.Errorf("after re-creating provider svc with a new key, upstream got X-Api-Key %q, want new-key-2222", got)
	}
}

// smallPages forces the store to answer lists two items at a time, so the
// builder must follow the cursors to see everything.
type smallPages struct{ store.Store }

func (s smallPages) ListGateways(ctx context.Context, p store.Page) ([]store.Gateway, string, error) {
	p.Limit = 2
	return s.Store.ListGateways(ctx, p)
}

func (s smallPages) ListTargets(ctx context.Context, gatewayID string, p store.Page) ([]store.Target, string, error) {
	p.Limit = 2
	return s.Store.ListTargets(ctx, gatewayID, p)
}

func TestBuildFollowsPages(t *testing.T) {
	e := newEnv(t)
	var wantGWs, wantTools []string
	for i := range 5 {
		id := fmt.Sprintf("gw-%d", i)
		e.createGateway(id, baseGateway(id))
		wantGWs = append(wantGWs, id)
	}
	for i := range 5 {
		name := fmt.Sprintf("t%d", i)
		e.createTarget("gw-2", fmt.Sprintf("TARGET000%d", i), name, specDoc(e.up.URL(""), "op"), nil)
		wantTools = append(wantTools, name+"___op")
	}
	snap := e.build(e.builder(smallPages{e.store}), nil)
	if diff := cmp.Diff(wantGWs, gatewayIDs(snap)); diff != "" {
		t.Errorf("gateways (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantTools, toolNames(mustGateway(t, snap, "gw-2").Tools)); diff != "" {
		t.Errorf("tools of gw-2 (-want +got):\n%s", diff)
	}
}

// ghostGateway lists a gateway that is deleted by the time its targets are
// listed, as when a DeleteGateway commits in the middle of a build.
type ghostGateway struct{ store.Store }

func (s ghostGateway) ListGateways(ctx context.Context, p store.Page) ([]store.Gateway, string, error) {
	items, next, err := s.Store.ListGateways(ctx, p)
	if err == nil && p.After == "" {
		raw, _ := json.Marshal(gatewayDoc{UpdateGatewayRequest: baseGateway("ghost")})
		items = append([]store.Gateway{{ID: "ghost", Name: "ghost", Config: raw}}, items...)
	}
	return items, next, err
}

func TestBuildGatewayDeletedWhileBuilding(t *testing.T) {
	e := newEnv(t)
	e.createGateway("real", baseGateway("real"))
	e.createTarget("real", "TARGET0001", "api", specDoc(e.up.URL(""), "ping"), nil)
	snap, err := e.builder(ghostGateway{e.store})(e.ctx, nil)
	if err != nil {
		t.Fatalf("build failed because a gateway vanished mid-build: %v", err)
	}
	if diff := cmp.Diff([]string{"real"}, gatewayIDs(snap)); diff != "" {
		t.Errorf("gateways (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"api___ping"}, toolNames(mustGateway(t, snap, "real").Tools)); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
}

// TestBuildUnusableCredentials: a target whose credential cannot be used
// keeps its tools listed, and every call fails without reaching the upstream
// or showing a key; in DEBUG the result says what is wrong.
func TestBuildUnusableCredentials(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	// A key sealed for another provider: the vault refuses to open it here.
	moved, err := e.vault.Seal(catalog.APIKeyAAD("elsewhere"), []byte("moved-key-9999"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateAPIKeyProvider(e.ctx, store.APIKeyProvider{
		Name: "moved", ARN: arn.APIKeyProvider(testRegion, testAccount, "moved"), SealedKey: moved,
	}); err != nil {
		t.Fatal(err)
	}
	e.createProvider("hostile", "host-key-8888")

	header := agentcore.ApiKeyCredentialLocationHeader
	tests := []struct {
		name  string
		id    string
		ref   apiKeyRef
		arn   string // overrides the provider ARN
		debug string // part of the DEBUG result text
	}{
		{name: "never-created", id: "NEVER00001", ref: apiKeyRef{provider: "nobody", location: header}, debug: `"nobody"`},
		{name: "bad-arn", id: "BADARN0001", ref: apiKeyRef{provider: "x", location: header}, arn: "arn:aws:s3:::bucket", debug: "not an AgentCore API-key credential provider ARN"},
		{name: "wrong-seal", id: "SEALED0001", ref: apiKeyRef{provider: "moved", location: header}, debug: `"moved" cannot be unsealed`},
		{name: "reserved-header", id: "RESERV0001", ref: apiKeyRef{provider: "hostile", location: header, param: "Host"}, debug: `"hostile"`},
	}
	for _, tc := range tests {
		raw := targetDoc(tc.name, specDoc(e.up.URL(""), "get"), &tc.ref)
		if tc.arn != "" {
			var cfg agentcore.UpdateGatewayTargetRequest
			if err := json.Unmarshal(raw, &cfg); err != nil {
				t.Fatal(err)
			}
			cfg.CredentialProviderConfigurations[0].CredentialProvider.APIKeyCredentialProvider.ProviderArn = &tc.arn
			if raw, err = json.Marshal(cfg); err != nil {
				t.Fatal(err)
			}
		}
		e.createRawTarget("gw", tc.id, tc.name, raw)
	}
	snap := e.build(e.builder(nil), nil)
	gw := mustGateway(t, snap, "gw")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tool := mustTool(t, gw, tc.name+"___get")
			for _, debug := range []bool{false, true} {
				res := e.call(tool, debug)
				text := resultText(res)
				if !res.IsError {
					t.Errorf("debug=%v: call succeeded: %s", debug, text)
				}
				for _, key := range []string{"moved-key-9999", "host-key-8888"} {
					if strings.Contains(text, key) {
						t.Errorf("debug=%v: result reveals a key: %q", debug, text)
					}
				}
				if debug && !strings.Contains(text, tc.debug) {
					t.Errorf("debug=true: result %q does not contain %q", text, tc.debug)
				}
			}
		})
	}
	if n := len(e.up.requests()); n != 0 {
		t.Errorf("the upstream received %d requests; none should be sent without a usable credential", n)
	}
	if logs := e.logs.String(); strings.Contains(logs, "moved-key-9999") || strings.Contains(logs, "host-key-8888") {
		t.Errorf("a key reached the log:\n%s", logs)
	}
}
