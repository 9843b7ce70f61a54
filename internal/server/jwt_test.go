package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mockIdP starts testdata/mock-idp.mjs (oauth2-mock-server from npm) and
// returns its issuer URL.
func mockIdP(t *testing.T) string {
	t.Helper()
	npmBin(t, "oauth2-mock-server")
	nodeBin := npmBin(t, "node")
	script, _ := filepath.Abs("testdata/mock-idp.mjs")
	cmd := exec.Command(nodeBin, script)
	cmd.Env = append(os.Environ(), "MOCK_IDP_NODE_MODULES="+filepath.Join(filepath.Dir(nodeBin), ".."))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("mock IdP did not start: %v", err)
	}
	var out struct{ Issuer string }
	if err := json.Unmarshal([]byte(line), &out); err != nil || out.Issuer == "" {
		t.Fatalf("mock IdP said %q", line)
	}
	return out.Issuer
}

// clientToken fetches a client-credentials token from the mock IdP.
func clientToken(t *testing.T, issuer, client, scope, audience string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	if audience != "" {
		form.Set("aud", audience)
	}
	req, _ := http.NewRequest("POST", issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("token request: %d %s", resp.StatusCode, body)
	}
	return tok.AccessToken
}

func jwtGateway(t *testing.T, tg *instance, name string, jwt types.CustomJWTAuthorizerConfiguration, upstreamURL string) string {
	t.Helper()
	ctx := context.Background()
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeCustomJwt,
		AuthorizerConfiguration: &types.AuthorizerConfigurationMemberCustomJWTAuthorizer{Value: jwt},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(upstreamURL, "http://"))},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(gw.GatewayUrl)
}

type withBearer struct{ token string }

func (b withBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func connectWith(url, token string) (*mcp.ClientSession, error) {
	c := mcp.NewClient(&mcp.Implementation{Name: "jwt-e2e", Version: "1"}, nil)
	return c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: withBearer{token}}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
}

// TestCustomJWTWithIndependentIdP runs CUSTOM_JWT gateways against
// oauth2-mock-server with both real token shapes.
func TestCustomJWTWithIndependentIdP(t *testing.T) {
	issuer := mockIdP(t)
	tg := start(t, t.TempDir())
	up, seen := upstream(t)
	discovery := issuer + "/.well-known/openid-configuration"
	byClient := jwtGateway(t, tg, "cognito-style", types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(discovery), AllowedClients: []string{"cognito-client"}, AllowedScopes: []string{"sre/invoke"},
	}, up.URL)
	byAudience := jwtGateway(t, tg, "auth0-style", types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(discovery), AllowedAudience: []string{"https://weather.example/api"},
	}, up.URL)

	cognito := clientToken(t, issuer, "cognito-client", "sre/invoke", "")
	auth0 := clientToken(t, issuer, "auth0-client", "read:weather", "https://weather.example/api")

	// The right token shape for each gateway works end to end.
	for _, c := range []struct{ url, token string }{{byClient, cognito}, {byAudience, auth0}} {
		cs, err := connectWith(c.url, c.token)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.url, err, tg.logs)
		}
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}})
		if err != nil {
			t.Fatal(err)
		}
		// The upstream refuses (no API key configured): what matters is that
		// the call got through the gateway, and not with the caller's token.
		if !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "401") {
			t.Fatalf("call through %s: %+v", c.url, res)
		}
		cs.Close()
	}
	if len(*seen) != 2 {
		t.Fatalf("upstream calls: %v", *seen)
	}

	// The crossed-over shapes are refused with a diagnosis in the log.
	status := func(url, token string) (int, string) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
	}
	if code, ch := status(byAudience, cognito); code != 401 || !strings.Contains(ch, `error="invalid_token"`) {
		t.Fatalf("Cognito token on an allowedAudience gateway: %d %s", code, ch)
	}
	if code, _ := status(byClient, auth0); code != 401 {
		t.Fatalf("Auth0 token on an allowedClients gateway: %d", code)
	}
	if code, ch := status(byClient, clientToken(t, issuer, "cognito-client", "other/scope", "")); code != 403 || !strings.Contains(ch, `error="insufficient_scope"`) {
		t.Fatalf("token without the scope: %d %s", code, ch)
	}
	logs := tg.logs.String()
	if !strings.Contains(logs, "allowedClients") || !strings.Contains(logs, "allowedAudience") {
		t.Fatalf("refusals not diagnosed in the log:\n%s", logs)
	}
	for _, tok := range []string{cognito, auth0} {
		if strings.Contains(logs, tok) {
			t.Fatal("a bearer token reached the log")
		}
	}
}
