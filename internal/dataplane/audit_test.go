package dataplane

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/address"
	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/target"
)

type recorded struct {
	mu  sync.Mutex
	all []audit.Event
}

func (r *recorded) Record(e audit.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, e)
}

// take returns and forgets what was recorded.
func (r *recorded) take() []audit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.all
	r.all = nil
	return out
}

// outcomeTarget answers by tool name: "ok", "toolerr" (isError), "fault"
// (the gateway fails), with a small delay so latency is measurable.
type outcomeTarget struct{}

func (outcomeTarget) Tools() []target.Tool { return nil }
func (outcomeTarget) Call(_ context.Context, tool string, _ json.RawMessage, _ target.CallInfo) (*mcp.CallToolResult, error) {
	time.Sleep(2 * time.Millisecond)
	switch tool {
	case "toolerr":
		return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "upstream said 500"}}}, nil
	case "fault":
		return nil, errors.New("dial tcp: connection refused (secret-ish detail)")
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil
}

// diagnosingVerifier accepts "token-<user>" and explains every refusal the
// way jwtauth does: the failed check, sub and client_id at most.
type diagnosingVerifier struct{}

func (diagnosingVerifier) Verify(_ context.Context, token string) (*authn.Principal, *authn.Refusal) {
	if user, ok := strings.CutPrefix(token, "token-"); ok {
		return &authn.Principal{Subject: user, ClientID: "app-" + user, Scopes: []string{"sre/invoke"},
			Claims: map[string]any{"email": user + "@example.com"}, Token: token, ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	if strings.HasPrefix(token, "noscope-") {
		return nil, &authn.Refusal{Status: 403, Code: "insufficient_scope", Description: "scope", Diagnosis: "scope: token of client_id app lacks sre/invoke"}
	}
	return nil, &authn.Refusal{Status: 401, Code: "invalid_token", Description: "audience",
		Diagnosis: "audience: the token has client_id app and no aud, but the gateway requires allowedAudience [api]"}
}
func (diagnosingVerifier) Scopes() []string                              { return []string{"sre/invoke"} }
func (diagnosingVerifier) AuthorizationServers(context.Context) []string { return nil }

func auditServer(t *testing.T) (*httptest.Server, *recorded) {
	t.Helper()
	gw := gateway("gw-audit00000", outcomeTarget{}, "ok", "toolerr", "fault")
	gw.ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-audit00000"
	gw.AuthorizerType, gw.Verifier = "CUSTOM_JWT", diagnosingVerifier{}
	catalog.Finish(gw)
	open := gateway("gw-open000000", outcomeTarget{}, "ok")
	rec := &recorded{}
	srv := httptest.NewServer(nil)
	dp := New(Options{Addresses: address.New(srv.URL, ""), Audit: rec})
	dp.Apply(snapshot(1, gw, open))
	srv.Config.Handler = dp.Handler()
	t.Cleanup(srv.Close)
	return srv, rec
}

// forging adds the audit headers a client must not be able to set.
type forging struct{ next http.RoundTripper }

func (f forging) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(hdrSubject, "mallory")
	r.Header.Set(hdrClientID, "mallory-app")
	r.Header.Set(hdrSourceIP, "203.0.113.9")
	return f.next.RoundTrip(r)
}

func TestAuditToolCalls(t *testing.T) {
	srv, rec := auditServer(t)
	ctx := context.Background()
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(version, func(t *testing.T) {
			c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL + "/gateways/gw-audit00000/mcp",
				HTTPClient: &http.Client{Transport: forging{bearer{"token-alice", http.DefaultTransport}}}}, &mcp.ClientSessionOptions{ProtocolVersion: version})
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			rec.take()
			if _, err := cs.ListTools(ctx, nil); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"t___ok", "t___toolerr", "t___fault"} {
				if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "t___nope"}); err == nil {
				t.Fatal("unknown tool called")
			}
			if version < statelessVersion { // ping is not audited (2026 has no ping)
				if err := cs.Ping(ctx, nil); err != nil {
					t.Fatal(err)
				}
			}
			events := rec.take()
			type want struct {
				name, tool, target string
				outcome            audit.Outcome
				code               string
			}
			wants := []want{
				{audit.EventListTools, "", "", audit.OutcomeSuccess, ""},
				{audit.EventCallTool, "t___ok", "t", audit.OutcomeSuccess, ""},
				{audit.EventCallTool, "t___toolerr", "t", audit.OutcomeToolError, ""},
				{audit.EventCallTool, "t___fault", "t", audit.OutcomeError, "GatewayError"},
				{audit.EventCallTool, "t___nope", "", audit.OutcomeError, "ProtocolError"},
			}
			if len(events) != len(wants) {
				t.Fatalf("%d events, want %d: %+v", len(events), len(wants), events)
			}
			for i, w := range wants {
				e := events[i]
				d := e.AdditionalEventData
				if e.EventName != w.name || d == nil || d.Gateway != "gw-audit00000" || d.Tool != w.tool || d.Target != w.target || d.Outcome != w.outcome || e.ErrorCode != w.code {
					t.Errorf("event %d: %+v %+v, want %+v", i, e, d, w)
					continue
				}
				if w.target != "" && d.LatencyMs < 2 {
					t.Errorf("%s: latency %vms, want ≥ 2", w.tool, d.LatencyMs)
				}
				if e.UserIdentity != audit.JWTIdentity("alice", "app-alice") {
					t.Errorf("%s: userIdentity %+v, want alice's sub and client_id only", w.tool, e.UserIdentity)
				}
				if e.SourceIPAddress != "127.0.0.1" || e.UserAgent == "" || e.EventSource != audit.EventSourceDataPlane {
					t.Errorf("%s: source %q agent %q", w.tool, e.SourceIPAddress, e.UserAgent)
				}
				if len(e.Resources) != 1 || !strings.HasSuffix(e.Resources[0].ARN, ":gateway/gw-audit00000") {
					t.Errorf("%s: resources %+v", w.tool, e.Resources)
				}
				b, _ := json.Marshal(audit.Defaults{}.Prepare(e))
				for _, leak := range []string{"token-alice", "alice@example.com", "secret-ish", "mallory"} {
					if strings.Contains(string(b), leak) {
						t.Errorf("%s: event holds %q: %s", w.tool, leak, b)
					}
				}
			}
			if e := events[3]; e.RequestID == "" || !strings.Contains(e.ErrorMessage, e.RequestID) {
				t.Errorf("gateway fault: request id %q, message %q", e.RequestID, e.ErrorMessage)
			}
		})
	}

	// A NONE gateway has no caller to record, whatever the client claims.
	c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL + "/gateways/gw-open000000/mcp",
		HTTPClient: &http.Client{Transport: forging{http.DefaultTransport}}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	rec.take()
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "t___ok"}); err != nil {
		t.Fatal(err)
	}
	events := rec.take()
	if len(events) != 1 || events[0].UserIdentity.Sub != "" || events[0].UserIdentity.ARN != "" || events[0].SourceIPAddress != "127.0.0.1" {
		t.Fatalf("NONE gateway events %+v", events)
	}
}

func TestAuditInboundRefusals(t *testing.T) {
	srv, rec := auditServer(t)
	url := srv.URL + "/gateways/gw-audit00000/mcp"
	const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWF1ZGl0LXRlc3Q"
	for _, tc := range []struct {
		name, auth, code, msg string
		outcome               audit.Outcome
	}{
		{"no token", "", "missing_token", "no bearer token", audit.OutcomeAuthFailed},
		{"wrong audience", "Bearer " + token, "invalid_token", "audience: the token has client_id app and no aud, but the gateway requires allowedAudience [api]", audit.OutcomeAuthFailed},
		{"missing scope", "Bearer noscope-x", "insufficient_scope", "scope: token of client_id app lacks sre/invoke", audit.OutcomeDenied},
	} {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("User-Agent", "refused-agent/2")
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		events := rec.take()
		if len(events) != 1 {
			t.Fatalf("%s: %d events, want 1", tc.name, len(events))
		}
		e := events[0]
		if e.EventName != audit.EventInvokeGateway || e.ErrorCode != tc.code || e.ErrorMessage != tc.msg || e.AdditionalEventData.Outcome != tc.outcome ||
			e.AdditionalEventData.Gateway != "gw-audit00000" || e.UserAgent != "refused-agent/2" || e.SourceIPAddress != "127.0.0.1" {
			t.Errorf("%s: event %+v %+v", tc.name, e, e.AdditionalEventData)
		}
		b, _ := json.Marshal(audit.Defaults{}.Prepare(e))
		if strings.Contains(string(b), "eyJ") || strings.Contains(string(b), "noscope-x") {
			t.Errorf("%s: token in the event: %s", tc.name, b)
		}
	}
}
