package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/config"
)

// secretMarker is the API key used throughout; it must never appear in a
// response, a log line or the database file.
const secretMarker = "sk-MARKER-7f3a9c1e-do-not-leak"

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type instance struct {
	dir     string
	addrs   Addresses
	out     *syncBuffer
	logs    *syncBuffer
	control *bedrockagentcorecontrol.Client
	stop    func()
}

// start runs toolgate exactly as `toolgate serve --data-dir DIR` with free
// ports, and returns an SDK client that uses the generated credentials file.
func start(t testing.TB, dir string) *instance {
	t.Helper()
	return startWith(t, dir, func(*config.Config) {})
}

// startWith is start with a configuration adjusted by edit.
func startWith(t testing.TB, dir string, edit func(*config.Config)) *instance {
	t.Helper()
	cfg := config.Config{DataDir: dir, DataListen: "127.0.0.1:0", ControlListen: "127.0.0.1:0", LogLevel: "debug"}
	edit(&cfg)
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	inst := &instance{dir: dir, out: &syncBuffer{}, logs: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(inst.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() { done <- Run(ctx, cfg, inst.out, log) }()
	var once sync.Once
	inst.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(inst.stop)
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(dir, "addresses.json"))
		if err == nil && json.Unmarshal(data, &inst.addrs) == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("toolgate exited during start: %v\n%s", err, inst.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("addresses.json not written\n%s", inst.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background(),
		awsconfig.WithRegion("us-east-1"),
		awsconfig.WithSharedCredentialsFiles([]string{filepath.Join(dir, "credentials")}),
		awsconfig.WithSharedConfigFiles([]string{filepath.Join(dir, "no-config")}),
		awsconfig.WithSharedConfigProfile("default"))
	if err != nil {
		t.Fatal(err)
	}
	inst.control = bedrockagentcorecontrol.NewFromConfig(awsCfg, func(o *bedrockagentcorecontrol.Options) {
		o.BaseEndpoint = aws.String("http://" + inst.addrs.Control)
	})
	return inst
}

// upstream is a weather API that insists on the API key.
func upstream(t testing.TB) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI())
		mu.Unlock()
		if r.Header.Get("X-Api-Key") != secretMarker {
			http.Error(w, `{"error":"missing or wrong api key"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/v1/forecast/"):
			fmt.Fprintf(w, `{"city":%q,"days":%s}`, strings.TrimPrefix(r.URL.Path, "/v1/forecast/"), r.URL.Query().Get("days"))
		case r.Method == "POST" && r.URL.Path == "/v1/alerts":
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusCreated)
			w.Write(body)
		case r.URL.Path == "/v1/broken":
			http.Error(w, strings.Repeat("stack trace line\n", 1000), http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func weatherSpec(t testing.TB, host string) string {
	b, err := os.ReadFile("testdata/weather.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "UPSTREAM_HOST", host)
}

// weatherGateway creates an API-key provider holding secretMarker, a NONE
// gateway and the weather OpenAPI target that injects the key as X-Api-Key.
func weatherGateway(t testing.TB, tg *instance, name, upstreamURL string) *bedrockagentcorecontrol.CreateGatewayOutput {
	t.Helper()
	ctx := context.Background()
	prov, err := tg.control.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String(name + "-key"), ApiKey: aws.String(secretMarker),
	})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(upstreamURL, "http://"))},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeApiKey,
			CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
				ProviderArn: prov.CredentialProviderArn, CredentialParameterName: aws.String("X-Api-Key"),
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

func mcpSession(t testing.TB, url, version string, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "e2e", Version: "1"}, opts)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url}, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("MCP connect %s: %v", url, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	var names []string
	for tool, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	return names
}

func apiErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tg := start(t, dir)
	up, seen := upstream(t)

	// First start: credentials written 0600 and printed once.
	st, err := os.Stat(filepath.Join(dir, "credentials"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v mode %v", err, st.Mode())
	}
	if !strings.Contains(tg.out.String(), "secret access key") {
		t.Fatalf("first start did not print the root key:\n%s", tg.out)
	}

	// API-key provider.
	prov, err := tg.control.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("weather-key"), ApiKey: aws.String(secretMarker),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(*prov.CredentialProviderArn, ":token-vault/default/apikeycredentialprovider/weather-key") {
		t.Fatalf("provider ARN %s", *prov.CredentialProviderArn)
	}
	got, err := tg.control.GetApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.GetApiKeyCredentialProviderInput{Name: aws.String("weather-key")})
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedTime == nil || time.Since(*got.CreatedTime) > time.Minute {
		t.Fatalf("createdTime not an epoch timestamp near now: %v", got.CreatedTime)
	}

	// Gateway.
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("weather-gw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"),
		AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp,
		ProtocolConfiguration: &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{
			Instructions: aws.String("Weather tools for the SRE assistant."),
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantURL := "http://" + tg.addrs.Data + "/gateways/" + *gw.GatewayId + "/mcp"
	if aws.ToString(gw.GatewayUrl) != wantURL || gw.Status != types.GatewayStatusReady || !strings.HasPrefix(*gw.GatewayId, "weather-gw-") {
		t.Fatalf("gateway: url=%s status=%s id=%s", aws.ToString(gw.GatewayUrl), gw.Status, *gw.GatewayId)
	}

	// OpenAPI target with the key injected as X-Api-Key.
	tgt, err := tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(up.URL, "http://"))},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeApiKey,
			CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
				ProviderArn: prov.CredentialProviderArn, CredentialParameterName: aws.String("X-Api-Key"), CredentialLocation: types.ApiKeyCredentialLocationHeader,
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tgt.Status != types.TargetStatusReady {
		t.Fatalf("target status %s %v", tgt.Status, tgt.StatusReasons)
	}
	if !strings.Contains(strings.Join(tgt.StatusReasons, "\n"), "/untitled") {
		t.Fatalf("operation without operationId not reported in statusReasons: %v", tgt.StatusReasons)
	}

	// MCP: list and call, in the stateless and the session era.
	changed := make(chan struct{}, 10)
	legacy := mcpSession(t, wantURL, "2025-06-18", &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	if got := legacy.InitializeResult().Instructions; got != "Weather tools for the SRE assistant." {
		t.Fatalf("instructions %q", got)
	}
	modern := mcpSession(t, wantURL, "", nil)
	wantTools := []string{"weather___alwaysFails", "weather___createAlert", "weather___getForecast"}
	for _, cs := range []*mcp.ClientSession{legacy, modern} {
		if diff := cmp.Diff(wantTools, toolNames(t, cs)); diff != "" {
			t.Fatalf("tools (-want +got):\n%s", diff)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo", "days": 3}})
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError || res.Content[0].(*mcp.TextContent).Text != `{"city":"Oslo","days":3}` {
			t.Fatalf("getForecast: %+v", res)
		}
		if diff := cmp.Diff(map[string]any{"city": "Oslo", "days": float64(3)}, res.StructuredContent); diff != "" {
			t.Fatalf("structuredContent (-want +got):\n%s", diff)
		}
	}
	res, err := modern.CallTool(ctx, &mcp.CallToolParams{Name: "weather___createAlert", Arguments: map[string]any{"body": map[string]any{"city": "Bergen", "threshold": 30}}})
	if err != nil || res.IsError {
		t.Fatalf("createAlert: %v %+v", err, res)
	}
	res, err = modern.CallTool(ctx, &mcp.CallToolParams{Name: "weather___alwaysFails"})
	if err != nil {
		t.Fatal(err)
	}
	text := res.Content[0].(*mcp.TextContent).Text
	if !res.IsError || !strings.Contains(text, "500") || len(text) > 4096 {
		t.Fatalf("upstream 500: isError=%v len=%d %.200q", res.IsError, len(text), text)
	}

	// A new target becomes visible without restart, with a notification.
	_, err = tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather2"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(up.URL, "http://"))},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(2 * time.Second):
		t.Fatal("no tools/list_changed within 2s of adding a target")
	}
	if n := len(toolNames(t, modern)); n != 6 {
		t.Fatalf("after adding a target: %d tools, want 6", n)
	}
	// weather2 has no credentials: the upstream refuses, the gateway says so.
	res, err = modern.CallTool(ctx, &mcp.CallToolParams{Name: "weather2___getForecast", Arguments: map[string]any{"city": "Oslo"}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "401") {
		t.Fatalf("uncredentialed call: %v %+v", err, res)
	}

	// Deleting a target removes its tools at once.
	targets, err := tg.control.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
	if err != nil {
		t.Fatal(err)
	}
	if len(targets.Items) != 2 || targets.Items[0].TargetType != types.TargetTypeOpenApiSchema {
		t.Fatalf("ListGatewayTargets: %+v", targets.Items)
	}
	for _, item := range targets.Items {
		if *item.Name == "weather2" {
			if _, err := tg.control.DeleteGatewayTarget(ctx, &bedrockagentcorecontrol.DeleteGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: item.TargetId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if diff := cmp.Diff(wantTools, toolNames(t, modern)); diff != "" {
		t.Fatalf("tools after delete (-want +got):\n%s", diff)
	}

	// Deleting a gateway with targets is refused; the target list is intact.
	_, err = tg.control.DeleteGateway(ctx, &bedrockagentcorecontrol.DeleteGatewayInput{GatewayIdentifier: gw.GatewayId})
	if code := apiErrorCode(err); code != "ConflictException" {
		t.Fatalf("DeleteGateway with targets: %v", err)
	}

	if len(*seen) == 0 {
		t.Fatal("upstream never called")
	}
	// The secret appears nowhere it must not.
	for name, text := range map[string]string{"stdout": tg.out.String(), "logs": tg.logs.String()} {
		if strings.Contains(text, secretMarker) {
			t.Errorf("API key leaked into %s", name)
		}
	}
	tg.stop()
	db, err := os.ReadFile(filepath.Join(dir, "toolgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(dir, "toolgate.db-wal"))
	if bytes.Contains(db, []byte(secretMarker)) || bytes.Contains(wal, []byte(secretMarker)) {
		t.Error("API key stored in plaintext in the SQLite files")
	}
}

func TestRestartKeepsStateAndCredentials(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tg := start(t, dir)
	creds, _ := os.ReadFile(filepath.Join(dir, "credentials"))
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("keep"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	tg.stop()

	tg2 := start(t, dir)
	if strings.Contains(tg2.out.String(), "secret access key") {
		t.Fatal("second start printed credentials again")
	}
	creds2, _ := os.ReadFile(filepath.Join(dir, "credentials"))
	if !bytes.Equal(creds, creds2) {
		t.Fatal("credentials file changed on restart")
	}
	got, err := tg2.control.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: gw.GatewayId})
	if err != nil || *got.GatewayArn != *gw.GatewayArn {
		t.Fatalf("gateway after restart: %v %v", err, got)
	}
	// The data plane serves it straight away.
	mcpSession(t, aws.ToString(got.GatewayUrl), "2025-11-25", nil)
}

func TestControlPlaneAuthentication(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	bad := bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + tg.addrs.Control),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAAAAAAAAAAAAAAAAA", "wrong", ""),
	})
	_, err := bad.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{})
	if code := apiErrorCode(err); code != "UnrecognizedClientException" {
		t.Fatalf("unknown key: %v", err)
	}
	// Right key id, wrong secret.
	data, _ := os.ReadFile(filepath.Join(tg.dir, "credentials"))
	var keyID string
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " = "); ok && k == "aws_access_key_id" {
			keyID = v
		}
	}
	bad = bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + tg.addrs.Control),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, "0000000000000000000000000000000000000000", ""),
	})
	_, err = bad.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{})
	if code := apiErrorCode(err); code != "InvalidSignatureException" {
		t.Fatalf("wrong secret: %v", err)
	}
	// Unauthenticated plain HTTP.
	resp, err := http.Get("http://" + tg.addrs.Control + "/gateways/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned request: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	// Health checks are open on both listeners.
	for _, addr := range []string{tg.addrs.Data, tg.addrs.Control} {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("healthz on %s: %d", addr, resp.StatusCode)
		}
	}
}
