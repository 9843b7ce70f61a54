package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/config"
)

// remoteMCP is an independent MCP server (go-sdk, Streamable HTTP on
// 127.0.0.1) behind an authentication check.
type remoteMCP struct {
	srv    *httptest.Server
	server *mcp.Server
	calls  atomic.Int64 // HTTP requests that passed the check
	mu     sync.Mutex
	args   []string // arguments of forecast calls, as received
}

type forecastArgs struct {
	City string `json:"city"`
	Days int    `json:"days"`
}

type forecastOut struct {
	City  string   `json:"city"`
	Days  int      `json:"days"`
	Temps []string `json:"temps"`
}

func newRemoteMCP(t *testing.T, allow func(r *http.Request, body []byte) bool) *remoteMCP {
	t.Helper()
	rm := &remoteMCP{server: mcp.NewServer(&mcp.Implementation{Name: "weather-mcp", Version: "1"}, nil)}
	mcp.AddTool(rm.server, &mcp.Tool{Name: "forecast", Description: "Forecast for a city"},
		func(ctx context.Context, req *mcp.CallToolRequest, in forecastArgs) (*mcp.CallToolResult, forecastOut, error) {
			rm.mu.Lock()
			rm.args = append(rm.args, string(req.Params.Arguments))
			rm.mu.Unlock()
			out := forecastOut{City: in.City, Days: in.Days}
			for i := range in.Days {
				out.Temps = append(out.Temps, fmt.Sprintf("%d°C", 20+i))
			}
			return nil, out, nil
		})
	rm.server.AddTool(&mcp.Tool{Name: "alerts", Description: "Weather alerts", InputSchema: json.RawMessage(`{"type":"object","properties":{"region":{"type":"string"}}}`)},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "alerts feed unavailable"}}}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return rm.server }, nil)
	rm.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !allow(r, body) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rm.calls.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(rm.srv.Close)
	return rm
}

func (rm *remoteMCP) url() string { return rm.srv.URL + "/mcp" }

func mcpServerTarget(gatewayID *string, name, endpoint string, cpcs ...types.CredentialProviderConfiguration) *bedrockagentcorecontrol.CreateGatewayTargetInput {
	return &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gatewayID, Name: aws.String(name),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberMcpServer{
			Value: types.McpServerTargetConfiguration{Endpoint: aws.String(endpoint), ListingMode: types.ListingModeDefault},
		}},
		CredentialProviderConfigurations: cpcs,
	}
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("tools/call %s: %v", name, err)
	}
	return res
}

func firstText(res *mcp.CallToolResult) string {
	if len(res.Content) == 0 {
		return ""
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		return tc.Text
	}
	return fmt.Sprintf("%T", res.Content[0])
}

func sortedToolNames(t *testing.T, cs *mcp.ClientSession) []string {
	names := toolNames(t, cs)
	slices.Sort(names)
	return names
}

func TestMCPServerTargetEndToEnd(t *testing.T) {
	ctx := context.Background()
	rm := newRemoteMCP(t, func(r *http.Request, _ []byte) bool { return r.Header.Get("X-Api-Key") == secretMarker })
	tg := start(t, t.TempDir())
	c := tg.control

	prov, err := c.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("weather-mcp-key"), ApiKey: aws.String(secretMarker),
	})
	if err != nil {
		t.Fatal(err)
	}
	apiKey := types.CredentialProviderConfiguration{
		CredentialProviderType: types.CredentialProviderTypeApiKey,
		CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
			ProviderArn: prov.CredentialProviderArn, CredentialParameterName: aws.String("X-Api-Key"),
		}},
	}
	gw, err := c.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("mcp-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeNone, ExceptionLevel: types.ExceptionLevelDebug,
	})
	if err != nil {
		t.Fatal(err)
	}

	// Implicit synchronization: the target is created with the server's tools.
	created, err := c.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "weather", rm.url(), apiKey))
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != types.TargetStatusReady {
		t.Fatalf("status %s %v", created.Status, created.StatusReasons)
	}
	list, err := c.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
	if err != nil || len(list.Items) != 1 || list.Items[0].TargetType != types.TargetTypeMcpServer {
		t.Fatalf("ListGatewayTargets: %v %+v", err, list)
	}
	got, err := c.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: created.TargetId})
	if err != nil {
		t.Fatal(err)
	}
	ms := got.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberMcpServer).Value
	if aws.ToString(ms.Endpoint) != rm.url() || ms.ListingMode != types.ListingModeDefault {
		t.Errorf("GetGatewayTarget returned %+v", ms)
	}

	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	if diff := cmp.Diff([]string{"weather___alerts", "weather___forecast"}, sortedToolNames(t, cs)); diff != "" {
		t.Fatalf("tools (-want +got):\n%s", diff)
	}
	var schema map[string]any
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if tool.Name == "weather___forecast" {
			raw, _ := json.Marshal(tool.InputSchema)
			_ = json.Unmarshal(raw, &schema)
			if tool.Description != "Forecast for a city" {
				t.Errorf("forecast tool: %+v", tool)
			}
		}
	}
	if props, _ := schema["properties"].(map[string]any); props["city"] == nil || props["days"] == nil {
		t.Errorf("forecast inputSchema lost its properties: %v", schema)
	}

	// Calls are forwarded with their arguments; results come back intact.
	res := callTool(t, cs, "weather___forecast", map[string]any{"city": "Zürich", "days": 2})
	if res.IsError {
		t.Fatalf("forecast: %s", firstText(res))
	}
	sc, _ := json.Marshal(res.StructuredContent)
	if string(sc) != `{"city":"Zürich","days":2,"temps":["20°C","21°C"]}` {
		t.Errorf("structuredContent = %s", sc)
	}
	if firstText(res) != `{"city":"Zürich","days":2,"temps":["20°C","21°C"]}` {
		t.Errorf("text = %q", firstText(res))
	}
	rm.mu.Lock()
	if diff := cmp.Diff([]string{`{"city":"Zürich","days":2}`}, rm.args); diff != "" {
		t.Errorf("arguments at the remote (-want +got):\n%s", diff)
	}
	rm.mu.Unlock()
	// isError passes through.
	res = callTool(t, cs, "weather___alerts", map[string]any{"region": "north"})
	if !res.IsError || firstText(res) != "alerts feed unavailable" {
		t.Errorf("alerts: isError=%v %q", res.IsError, firstText(res))
	}
	// The remote validates arguments itself and says what is wrong.
	res = callTool(t, cs, "weather___forecast", map[string]any{"city": 7})
	if !res.IsError || !strings.Contains(firstText(res), "city") {
		t.Errorf("bad arguments: isError=%v %q", res.IsError, firstText(res))
	}

	// A new remote tool is served after SynchronizeGatewayTargets.
	rm.server.AddTool(&mcp.Tool{Name: "radar", Description: "Radar image", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.ImageContent{Data: []byte{0x89, 'P', 'N', 'G'}, MIMEType: "image/png"}}}, nil
		})
	// A name no LLM API accepts is left out, and said so.
	rm.server.AddTool(&mcp.Tool{Name: "radar map", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{}, nil
		})
	if names := sortedToolNames(t, cs); slices.Contains(names, "weather___radar") {
		t.Fatalf("radar listed before synchronization: %v", names)
	}
	syn, err := c.SynchronizeGatewayTargets(ctx, &bedrockagentcorecontrol.SynchronizeGatewayTargetsInput{
		GatewayIdentifier: gw.GatewayId, TargetIdList: []string{aws.ToString(created.TargetId)},
	})
	if err != nil || len(syn.Targets) != 1 || syn.Targets[0].Status != types.TargetStatusReady || syn.Targets[0].LastSynchronizedAt == nil {
		t.Fatalf("SynchronizeGatewayTargets: %v %+v", err, syn)
	}
	if r := syn.Targets[0].StatusReasons; len(r) != 1 || !strings.Contains(r[0], `"radar map"`) {
		t.Errorf("statusReasons = %q, want the left-out tool named", r)
	}
	if diff := cmp.Diff([]string{"weather___alerts", "weather___forecast", "weather___radar"}, sortedToolNames(t, cs)); diff != "" {
		t.Fatalf("tools after sync (-want +got):\n%s", diff)
	}
	res = callTool(t, cs, "weather___radar", nil)
	if img, ok := res.Content[0].(*mcp.ImageContent); !ok || img.MIMEType != "image/png" || string(img.Data) != "\x89PNG" {
		t.Errorf("radar: %#v", res.Content[0])
	}

	// Without the key the server refuses discovery: nothing is created.
	_, err = c.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "nokey", rm.url()))
	wantValidation(t, err, "targetConfiguration.mcp.mcpServer.endpoint", "cannot connect to the MCP server")
	// Public plain http never (DYNAMIC: mcpserver_dynamic_test.go).
	_, err = c.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "public", "http://mcp.example.com/mcp", apiKey))
	wantValidation(t, err, "targetConfiguration.mcp.mcpServer.endpoint", "")

	// A static mcpToolSchema needs no discovery.
	static := mcpServerTarget(gw.GatewayId, "static", rm.url(), apiKey)
	static.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberMcpServer).Value.McpToolSchema =
		&types.McpToolSchemaConfigurationMemberInlinePayload{Value: `[{"name":"forecast","description":"pinned","inputSchema":{"type":"object"}}]`}
	before := rm.calls.Load()
	if _, err := c.CreateGatewayTarget(ctx, static); err != nil {
		t.Fatal(err)
	}
	if n := rm.calls.Load() - before; n != 0 {
		t.Errorf("a static tool schema made %d requests to the server", n)
	}
	res = callTool(t, cs, "static___forecast", map[string]any{"city": "Oslo", "days": 1})
	if res.IsError || firstText(res) != `{"city":"Oslo","days":1,"temps":["20°C"]}` {
		t.Errorf("static___forecast: %q", firstText(res))
	}

	// The server goes away: calls are error results, a synchronization
	// fails and the target keeps serving what it listed.
	rm.srv.CloseClientConnections()
	rm.srv.Close()
	res = callTool(t, cs, "weather___forecast", map[string]any{"city": "Bern", "days": 1})
	if !res.IsError || !strings.Contains(firstText(res), "could not be reached") || res.Meta["debug"] == nil {
		t.Errorf("server down: isError=%v %q meta=%v", res.IsError, firstText(res), res.Meta)
	}
	if strings.Contains(firstText(res), secretMarker) {
		t.Error("the API key leaked into the result")
	}
	syn, err = c.SynchronizeGatewayTargets(ctx, &bedrockagentcorecontrol.SynchronizeGatewayTargetsInput{
		GatewayIdentifier: gw.GatewayId, TargetIdList: []string{aws.ToString(created.TargetId)},
	})
	if err != nil || syn.Targets[0].Status != types.TargetStatusSynchronizeUnsuccessful || len(syn.Targets[0].StatusReasons) == 0 {
		t.Fatalf("sync while down: %v %+v", err, syn)
	}
	if !slices.Contains(sortedToolNames(t, cs), "weather___radar") {
		t.Error("a failed synchronization dropped the listed tools")
	}
}

func TestMCPServerTargetGatewayRole(t *testing.T) {
	ctx := context.Background()
	base := aws.Credentials{AccessKeyID: "AKIATOOLGATEBASE0002", SecretAccessKey: "base-secret-0123456789abcdefghijklmnop"}
	sts := awsfake.NewSTS(t, "us-east-1", base)
	var mu sync.Mutex
	var seen []string
	rm := newRemoteMCP(t, func(r *http.Request, body []byte) bool {
		s, err := awsfake.Verify(r, body, sts.Keys(), time.Now())
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			seen = append(seen, "refused: "+err.Error())
			return false
		}
		sess, _ := sts.SessionOf(s.Credentials.AccessKeyID)
		seen = append(seen, fmt.Sprintf("%s %s/%s as %s", r.Method, s.Service, s.Region, sess.RoleArn))
		return s.Service == "bedrock-agentcore" && s.Region == "us-west-2" && sess.RoleArn == e2eRole
	})
	t.Setenv("TG_TEST_AWS_KEY", base.AccessKeyID)
	t.Setenv("TG_TEST_AWS_SECRET", base.SecretAccessKey)
	tg := startWith(t, t.TempDir(), func(c *config.Config) {
		c.AWS = config.AWS{AccessKeyIDEnv: "TG_TEST_AWS_KEY", SecretAccessKeyEnv: "TG_TEST_AWS_SECRET", Endpoints: map[string]string{"sts": sts.URL}}
	})
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("role-gw"), RoleArn: aws.String(e2eRole), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	iam := func(region string) types.CredentialProviderConfiguration {
		return types.CredentialProviderConfiguration{
			CredentialProviderType: types.CredentialProviderTypeGatewayIamRole,
			CredentialProvider: &types.CredentialProviderMemberIamCredentialProvider{Value: types.IamCredentialProvider{
				Service: aws.String("bedrock-agentcore"), Region: aws.String(region),
			}},
		}
	}
	// The wrong signing scope is refused by the server, so creation fails.
	_, err = tg.control.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "wrong", rm.url(), iam("eu-west-1")))
	wantValidation(t, err, "targetConfiguration.mcp.mcpServer.endpoint", "")
	if _, err := tg.control.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "runtime", rm.url(), iam("us-west-2"))); err != nil {
		t.Fatal(err)
	}
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	res := callTool(t, cs, "runtime___forecast", map[string]any{"city": "Lima", "days": 1})
	if res.IsError || firstText(res) != `{"city":"Lima","days":1,"temps":["20°C"]}` {
		t.Fatalf("runtime___forecast: %q", firstText(res))
	}
	mu.Lock()
	defer mu.Unlock()
	// Every HTTP request of the transport (initialize, initialized,
	// tools/list, tools/call, DELETE) was signed.
	var refused []string
	for _, s := range seen {
		if strings.HasPrefix(s, "refused") {
			refused = append(refused, s)
		}
	}
	if len(refused) > 0 || len(seen) < 5 {
		t.Errorf("requests at the server: %v", seen)
	}
}

func TestMCPServerTargetOAuth(t *testing.T) {
	ctx := context.Background()
	var issued atomic.Int64
	var valid sync.Map
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		if r.Form.Get("client_id") != "" {
			id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
		}
		if r.Form.Get("grant_type") != "client_credentials" || id != "gateway-client" || secret != "mcp-oauth-secret" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		tok := fmt.Sprintf("tok-%d", issued.Add(1))
		valid.Store(tok, true)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, tok)
	}))
	t.Cleanup(idp.Close)
	rm := newRemoteMCP(t, func(r *http.Request, _ []byte) bool {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		_, known := valid.Load(tok)
		return ok && known
	})
	tg := start(t, t.TempDir())
	prov, err := tg.control.CreateOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
		Name: aws.String("mcp-idp"), CredentialProviderVendor: types.CredentialProviderVendorTypeCustomOauth2,
		Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig{Value: types.CustomOauth2ProviderConfigInput{
			OauthDiscovery: &types.Oauth2DiscoveryMemberAuthorizationServerMetadata{Value: types.Oauth2AuthorizationServerMetadata{
				Issuer: aws.String("https://idp.example"), AuthorizationEndpoint: aws.String("https://idp.example/authorize"), TokenEndpoint: aws.String(idp.URL + "/token"),
			}},
			ClientId: aws.String("gateway-client"), ClientSecret: aws.String("mcp-oauth-secret"),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("oauth-mcp-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.control.CreateGatewayTarget(ctx, mcpServerTarget(gw.GatewayId, "weather", rm.url(), types.CredentialProviderConfiguration{
		CredentialProviderType: types.CredentialProviderTypeOauth,
		CredentialProvider: &types.CredentialProviderMemberOauthCredentialProvider{Value: types.OAuthCredentialProvider{
			ProviderArn: prov.CredentialProviderArn, Scopes: []string{"mcp.tools"}, GrantType: types.OAuthGrantTypeClientCredentials,
		}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	res := callTool(t, cs, "weather___forecast", map[string]any{"city": "Rome", "days": 1})
	if res.IsError {
		t.Fatalf("forecast: %q", firstText(res))
	}
	// The server revokes every token: the gateway renews on 401 and the
	// call still succeeds, on a new session.
	n := issued.Load()
	valid.Clear()
	res = callTool(t, cs, "weather___forecast", map[string]any{"city": "Rome", "days": 2})
	if res.IsError {
		t.Fatalf("forecast after revocation: %q", firstText(res))
	}
	if issued.Load() <= n {
		t.Errorf("no new token was fetched after the 401 (issued %d)", issued.Load())
	}
}

// wantValidation asserts err is a ValidationException naming field with a
// message containing msg.
func wantValidation(t *testing.T, err error, field, msg string) {
	t.Helper()
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want a ValidationException", err)
	}
	for _, f := range ve.FieldList {
		if aws.ToString(f.Name) == field && strings.Contains(aws.ToString(f.Message), msg) {
			return
		}
	}
	t.Errorf("ValidationException %q (%+v) does not name %s with %q", aws.ToString(ve.Message), ve.FieldList, field, msg)
}

// TestMCPServerTargetServerEverything puts the reference TypeScript server
// (@modelcontextprotocol/server-everything, pinned in .ci/run) behind an
// mcpServer target: discovery, a forwarded call and its result, through an
// MCP server toolgate did not write.
func TestMCPServerTargetServerEverything(t *testing.T) {
	node := npmBin(t, "node")
	script, err := filepath.EvalSymlinks(npmBin(t, "mcp-server-everything"))
	if err != nil {
		t.Fatal(err)
	}
	// The server listens on every interface and has no host option; a
	// preloaded module pins it to 127.0.0.1.
	dir := t.TempDir()
	preload := filepath.Join(dir, "loopback.cjs")
	if err := os.WriteFile(preload, []byte(`const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    const cb = typeof args[args.length - 1] === "function" ? args[args.length - 1] : undefined;
    return listen.call(this, Number(args[0]), "127.0.0.1", cb);
  }
  return listen.apply(this, args);
};
`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "--require", preload, script, "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server-everything did not start:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	tg := start(t, t.TempDir())
	gw, err := tg.control.CreateGateway(context.Background(), &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("everything-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tg.control.CreateGatewayTarget(context.Background(), mcpServerTarget(gw.GatewayId, "everything", endpoint)); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	names := sortedToolNames(t, cs)
	for _, want := range []string{"everything___echo", "everything___get-sum"} {
		if !slices.Contains(names, want) {
			t.Fatalf("%s not listed: %v", want, names)
		}
	}
	res := callTool(t, cs, "everything___echo", map[string]any{"message": "héllo gateway"})
	if res.IsError || firstText(res) != "Echo: héllo gateway" {
		t.Errorf("echo: isError=%v %q", res.IsError, firstText(res))
	}
	res = callTool(t, cs, "everything___get-sum", map[string]any{"a": 2, "b": 40})
	if res.IsError || !strings.Contains(firstText(res), "42") {
		t.Errorf("get-sum: isError=%v %q", res.IsError, firstText(res))
	}
	// The server validates arguments itself: an error result, not a failure.
	res = callTool(t, cs, "everything___echo", map[string]any{"message": 7})
	if !res.IsError {
		t.Errorf("echo with a number: %q", firstText(res))
	}
}

// TestMCPServerTargetEgressPolicy: target upstreams go through the egress
// client, so egress.deny_private refuses a server on loopback, by name.
func TestMCPServerTargetEgressPolicy(t *testing.T) {
	rm := newRemoteMCP(t, func(*http.Request, []byte) bool { return true })
	tg := startWith(t, t.TempDir(), func(c *config.Config) { c.Egress.DenyPrivate = true })
	gw, err := tg.control.CreateGateway(context.Background(), &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("private-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.control.CreateGatewayTarget(context.Background(), mcpServerTarget(gw.GatewayId, "weather", rm.url()))
	wantValidation(t, err, "targetConfiguration.mcp.mcpServer.endpoint", "egress.deny_private")
	if n := rm.calls.Load(); n != 0 {
		t.Errorf("the server got %d requests", n)
	}
}
