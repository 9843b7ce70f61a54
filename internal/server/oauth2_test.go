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
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// oauthSecret is the OAuth2 client secret of the tests: it must never
// appear in an API response, a log line, a tool result or the data
// directory's files.
const oauthSecret = "cs-MARKER-5e1b-oauth2-client-secret"

// goIdP is an OAuth 2.0 authorization server written for the tests: a
// discovery document and a client-credentials token endpoint that checks
// the client, counts requests and can revoke what it issued.
type goIdP struct {
	*httptest.Server
	requests atomic.Int64
	delay    atomic.Int64 // nanoseconds each token request takes
	mu       sync.Mutex
	valid    map[string]bool
	forms    []url.Values
	basic    []bool
}

func newGoIdP(t *testing.T) *goIdP {
	idp := &goIdP{valid: map[string]bool{}}
	idp.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": idp.URL, "authorization_endpoint": idp.URL + "/authorize", "token_endpoint": idp.URL + "/token",
				"response_types_supported": []string{"code"}, "grant_types_supported": []string{"client_credentials", "authorization_code"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
			})
		case "/token":
			n := idp.requests.Add(1)
			time.Sleep(time.Duration(idp.delay.Load()))
			r.ParseForm()
			id, sec, basic := r.BasicAuth()
			if basic {
				id, _ = url.QueryUnescape(id)
				sec, _ = url.QueryUnescape(sec)
			} else {
				id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
			}
			idp.mu.Lock()
			idp.forms, idp.basic = append(idp.forms, r.PostForm), append(idp.basic, basic)
			idp.mu.Unlock()
			if id != "gateway-client" || sec != oauthSecret {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
				return
			}
			tok := fmt.Sprintf("at-%d", n)
			idp.mu.Lock()
			idp.valid[tok] = true
			idp.mu.Unlock()
			fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600,"scope":%q}`, tok, r.PostForm.Get("scope"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(idp.Close)
	return idp
}

func (idp *goIdP) isValid(tok string) bool {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return idp.valid[tok]
}

// revokeAll invalidates every token issued so far, as an authorization
// server does when a client's tokens are revoked.
func (idp *goIdP) revokeAll() {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	clear(idp.valid)
}

func (idp *goIdP) last() (url.Values, bool) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	return idp.forms[len(idp.forms)-1], idp.basic[len(idp.basic)-1]
}

// bearerUpstream is the weather API behind OAuth: it answers only requests
// whose bearer token check accepts, and counts the 401s it sends.
func bearerUpstream(t *testing.T, check func(token string) bool) (*httptest.Server, *atomic.Int64) {
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !check(tok) {
			refused.Add(1)
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"city":%q,"days":%s}`, strings.TrimPrefix(r.URL.Path, "/v1/forecast/"), r.URL.Query().Get("days"))
	}))
	t.Cleanup(srv.Close)
	return srv, &refused
}

// recorder keeps every control-plane response body an SDK client received.
type recorder struct {
	mu     sync.Mutex
	bodies bytes.Buffer
}

func (rec *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	rec.mu.Lock()
	rec.bodies.Write(body)
	rec.bodies.WriteByte('\n')
	rec.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (rec *recorder) String() string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.bodies.String()
}

func recordingControl(tg *instance) (*bedrockagentcorecontrol.Client, *recorder) {
	rec := &recorder{}
	return bedrockagentcorecontrol.New(tg.control.Options(), func(o *bedrockagentcorecontrol.Options) {
		o.HTTPClient = &http.Client{Transport: rec}
	}), rec
}

func customProvider(name, discoveryURL, secret string, method types.ClientAuthenticationMethodType) *bedrockagentcorecontrol.CreateOauth2CredentialProviderInput {
	return &bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
		Name: aws.String(name), CredentialProviderVendor: types.CredentialProviderVendorTypeCustomOauth2,
		Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig{Value: types.CustomOauth2ProviderConfigInput{
			OauthDiscovery: &types.Oauth2DiscoveryMemberDiscoveryUrl{Value: discoveryURL},
			ClientId:       aws.String("gateway-client"), ClientSecret: aws.String(secret), ClientAuthenticationMethod: method,
		}},
	}
}

func metadataProvider(name, tokenURL, secret string) *bedrockagentcorecontrol.CreateOauth2CredentialProviderInput {
	return &bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
		Name: aws.String(name), CredentialProviderVendor: types.CredentialProviderVendorTypeCustomOauth2,
		Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig{Value: types.CustomOauth2ProviderConfigInput{
			OauthDiscovery: &types.Oauth2DiscoveryMemberAuthorizationServerMetadata{Value: types.Oauth2AuthorizationServerMetadata{
				Issuer: aws.String("https://idp.example"), AuthorizationEndpoint: aws.String("https://idp.example/authorize"), TokenEndpoint: aws.String(tokenURL),
			}},
			ClientId: aws.String("gateway-client"), ClientSecret: aws.String(secret),
		}},
	}
}

// oauthTarget adds the weather OpenAPI target to a gateway, authenticated
// with an OAUTH (client credentials) provider.
func oauthTarget(t *testing.T, c *bedrockagentcorecontrol.Client, gatewayID *string, name, upstreamURL, providerArn string) {
	t.Helper()
	_, err := c.CreateGatewayTarget(context.Background(), &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gatewayID, Name: aws.String(name),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(upstreamURL, "http://"))},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeOauth,
			CredentialProvider: &types.CredentialProviderMemberOauthCredentialProvider{Value: types.OAuthCredentialProvider{
				ProviderArn: aws.String(providerArn), Scopes: []string{"weather.read"},
				CustomParameters: map[string]string{"audience": "weather-api"}, GrantType: types.OAuthGrantTypeClientCredentials,
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func openGateway(t *testing.T, c *bedrockagentcorecontrol.Client, name string) *bedrockagentcorecontrol.CreateGatewayOutput {
	t.Helper()
	gw, err := c.CreateGateway(context.Background(), &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String(name), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

func forecast(t *testing.T, cs *mcp.ClientSession, tool string) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"city": "Paris", "days": 2}})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestOAuth2ClientCredentialsEndToEnd drives OAUTH targets with the real
// AWS SDK and the go-sdk MCP client against a token endpoint that counts
// requests and an upstream that checks the bearer token: caching, one
// request for 1,000 concurrent calls on a cold cache, the 401 retry,
// token-endpoint failures as isError results, and no secret anywhere.
func TestOAuth2ClientCredentialsEndToEnd(t *testing.T) {
	idp := newGoIdP(t)
	dir := t.TempDir()
	tg := start(t, dir)
	control, rec := recordingControl(tg)
	ctx := context.Background()
	up, refused := bearerUpstream(t, idp.isValid)

	prov, err := control.CreateOauth2CredentialProvider(ctx, customProvider("corp-idp", idp.URL+"/.well-known/openid-configuration", oauthSecret, types.ClientAuthenticationMethodTypeClientSecretBasic))
	if err != nil {
		t.Fatal(err)
	}
	if prov.Status != types.StatusReady || !strings.HasPrefix(aws.ToString(prov.CallbackUrl), "http://"+tg.addrs.Data+"/identities/oauth2/callback/") ||
		prov.ClientSecretArn == nil || aws.ToString(prov.CredentialProviderArn) != "arn:aws:bedrock-agentcore:us-east-1:"+accountOf(t, prov.CredentialProviderArn)+":token-vault/default/oauth2credentialprovider/corp-idp" {
		t.Errorf("CreateOauth2CredentialProvider = %+v", prov)
	}
	gw := openGateway(t, control, "oauth-gw")
	oauthTarget(t, control, gw.GatewayId, "weather", up.URL, aws.ToString(prov.CredentialProviderArn))
	cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)

	// First call: one token request, with the target's scopes and
	// parameters, the client authenticated with HTTP Basic.
	res := forecast(t, cs, "weather___getForecast")
	if res.IsError || !strings.Contains(resultText(res), `"city":"Paris"`) {
		t.Fatalf("first call: %+v %s", res, resultText(res))
	}
	form, basic := idp.last()
	if d := cmp.Diff(url.Values{"grant_type": {"client_credentials"}, "scope": {"weather.read"}, "audience": {"weather-api"}}, form); d != "" || !basic {
		t.Errorf("token request (basic %v) (-want +got):\n%s", basic, d)
	}
	// Cached: no new token request.
	for range 3 {
		if res := forecast(t, cs, "weather___getForecast"); res.IsError {
			t.Fatalf("cached call: %s", resultText(res))
		}
	}
	if n := idp.requests.Load(); n != 1 {
		t.Errorf("%d token requests for 4 calls, want 1", n)
	}

	// The authorization server revokes the token: the upstream answers 401,
	// the gateway drops the token, gets a new one and retries once.
	idp.revokeAll()
	before := refused.Load()
	if res := forecast(t, cs, "weather___getForecast"); res.IsError {
		t.Fatalf("call after revocation: %s", resultText(res))
	}
	if n, r := idp.requests.Load(), refused.Load()-before; n != 2 || r != 1 {
		t.Errorf("after revocation: %d token requests (want 2), %d upstream refusals (want 1)", n, r)
	}

	// Cold cache: updating the provider (to client_secret_post, keeping the
	// secret) makes its old tokens unusable; 1,000 concurrent tool calls
	// then share exactly one token request.
	_, err = control.UpdateOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.UpdateOauth2CredentialProviderInput{
		Name: aws.String("corp-idp"), CredentialProviderVendor: types.CredentialProviderVendorTypeCustomOauth2,
		Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig{Value: types.CustomOauth2ProviderConfigInput{
			OauthDiscovery: &types.Oauth2DiscoveryMemberDiscoveryUrl{Value: idp.URL + "/.well-known/openid-configuration"},
			ClientId:       aws.String("gateway-client"), ClientAuthenticationMethod: types.ClientAuthenticationMethodTypeClientSecretPost,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	idp.delay.Store(int64(300 * time.Millisecond))
	start := idp.requests.Load()
	const calls = 1000
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstFailure atomic.Value
	for range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}})
			if err != nil || res.IsError {
				failed.Add(1)
				firstFailure.CompareAndSwap(nil, fmt.Sprint(err, res))
			}
		}()
	}
	wg.Wait()
	idp.delay.Store(0)
	if n := idp.requests.Load() - start; n != 1 {
		t.Errorf("%d token requests for %d concurrent calls on a cold cache, want exactly 1", n, calls)
	}
	if f := failed.Load(); f != 0 {
		t.Errorf("%d of %d concurrent calls failed; first: %v", f, calls, firstFailure.Load())
	}
	if form, basic := idp.last(); basic || form.Get("client_id") != "gateway-client" {
		t.Errorf("after the update the client should authenticate with client_secret_post (basic %v, form has client_id %q)", basic, form.Get("client_id"))
	}

	// Token endpoint down: the call is an isError result that says so,
	// and the log explains.
	down := closedURL(t)
	dp, err := control.CreateOauth2CredentialProvider(ctx, metadataProvider("down-idp", down+"/token", oauthSecret))
	if err != nil {
		t.Fatal(err)
	}
	oauthTarget(t, control, gw.GatewayId, "weatherdown", up.URL, aws.ToString(dp.CredentialProviderArn))
	// A client the authorization server refuses (RFC 6749 invalid_client).
	wp, err := control.CreateOauth2CredentialProvider(ctx, metadataProvider("wrong-secret", idp.URL+"/token", "not-the-secret"))
	if err != nil {
		t.Fatal(err)
	}
	oauthTarget(t, control, gw.GatewayId, "weatherrefused", up.URL, aws.ToString(wp.CredentialProviderArn))
	cs2 := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
	for tool, want := range map[string]string{
		"weatherdown___getForecast":    `tool getForecast: the gateway could not get an access token from OAuth2 credential provider "down-idp": the token endpoint could not be reached`,
		"weatherrefused___getForecast": `tool getForecast: the gateway could not get an access token from OAuth2 credential provider "wrong-secret": the token endpoint refused the request (invalid_client)`,
	} {
		res := forecast(t, cs2, tool)
		if !res.IsError || resultText(res) != want {
			t.Errorf("%s: isError %v, text %q\nwant %q", tool, res.IsError, resultText(res), want)
		}
	}
	logs := tg.logs.String()
	for _, want := range []string{`msg="OAuth2 token request failed" provider=down-idp`, `provider=wrong-secret`, `invalid_client (Client authentication failed)`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}

	// Get, List and Delete; then the secret is nowhere.
	got, err := control.GetOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.GetOauth2CredentialProviderInput{Name: aws.String("corp-idp")})
	if err != nil {
		t.Fatal(err)
	}
	custom, ok := got.Oauth2ProviderConfigOutput.(*types.Oauth2ProviderConfigOutputMemberCustomOauth2ProviderConfig)
	if !ok || custom.Value.ClientAuthenticationMethod != types.ClientAuthenticationMethodTypeClientSecretPost || aws.ToString(custom.Value.ClientId) != "gateway-client" {
		t.Errorf("Get config = %#v", got.Oauth2ProviderConfigOutput)
	} else if d, ok := custom.Value.OauthDiscovery.(*types.Oauth2DiscoveryMemberDiscoveryUrl); !ok || d.Value != idp.URL+"/.well-known/openid-configuration" {
		t.Errorf("Get oauthDiscovery = %#v", custom.Value.OauthDiscovery)
	}
	if got.CredentialProviderVendor != types.CredentialProviderVendorTypeCustomOauth2 || got.CreatedTime == nil || got.LastUpdatedTime.Before(*got.CreatedTime) ||
		aws.ToString(got.CallbackUrl) != aws.ToString(prov.CallbackUrl) {
		t.Errorf("Get = %+v (callback %s, created with %s)", got, aws.ToString(got.CallbackUrl), aws.ToString(prov.CallbackUrl))
	}
	list, err := control.ListOauth2CredentialProviders(ctx, &bedrockagentcorecontrol.ListOauth2CredentialProvidersInput{MaxResults: aws.Int32(2)})
	if err != nil || len(list.CredentialProviders) != 2 || list.NextToken == nil || aws.ToString(list.CredentialProviders[0].Name) != "corp-idp" {
		t.Errorf("List = %+v, %v", list, err)
	}
	if _, err := control.DeleteOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.DeleteOauth2CredentialProviderInput{Name: aws.String("wrong-secret")}); err != nil {
		t.Fatal(err)
	}
	if _, err := control.GetOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.GetOauth2CredentialProviderInput{Name: aws.String("wrong-secret")}); apiErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("Get after delete: %v", err)
	}
	// The deleted provider's target now explains itself too.
	if res := forecast(t, cs2, "weatherrefused___getForecast"); !res.IsError ||
		resultText(res) != `tool getForecast: OAuth2 credential provider "wrong-secret" does not exist` {
		t.Errorf("call through a deleted provider: %s", resultText(res))
	}

	tg.stop()
	assertNoSecret(t, oauthSecret, map[string]string{"control-plane responses": rec.String(), "log": tg.logs.String(), "stdout": tg.out.String()})
	assertNoSecretInDir(t, oauthSecret, dir)
}

// accountOf returns the account id of an ARN.
func accountOf(t *testing.T, a *string) string {
	parts := strings.Split(aws.ToString(a), ":")
	if len(parts) < 5 {
		t.Fatalf("not an ARN: %s", aws.ToString(a))
	}
	return parts[4]
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func assertNoSecret(t *testing.T, secret string, texts map[string]string) {
	t.Helper()
	for where, text := range texts {
		if strings.Contains(text, secret) {
			t.Errorf("the client secret appears in the %s", where)
		}
	}
}

func assertNoSecretInDir(t *testing.T, secret, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("the client secret appears in plaintext in %s", path)
		}
		return nil
	})
	if err != nil {
		t.Errorf("scanning %s for the client secret: %v", dir, err)
	} else if files == 0 {
		t.Errorf("no files under %s to scan for the client secret: the check would pass vacuously", dir)
	}
}

// TestOAuth2WithIndependentIdP gets tokens for an OAUTH target from
// oauth2-mock-server (an independent OAuth 2 implementation from npm),
// found through its discovery document; the upstream verifies the token's
// signature against the server's JWKS and its scope.
func TestOAuth2WithIndependentIdP(t *testing.T) {
	issuer := mockIdP(t)
	tg := start(t, t.TempDir())
	ctx := context.Background()
	discovery := issuer + "/.well-known/openid-configuration"
	resp, err := http.Get(discovery)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		JWKS string `json:"jwks_uri"`
	}
	json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	set, err := jwk.Fetch(ctx, doc.JWKS)
	if err != nil {
		t.Fatal(err)
	}
	// The mock signs for whichever client authenticated (HTTP Basic or
	// the form, per mock-idp.mjs): azp proves it read the client each way.
	var seen sync.Map
	up, _ := bearerUpstream(t, func(raw string) bool {
		tok, err := jwt.Parse([]byte(raw), jwt.WithKeySet(set), jwt.WithIssuer(issuer))
		if err != nil {
			return false
		}
		var scope, azp string
		tok.Get("scope", &scope)
		tok.Get("azp", &azp)
		seen.Store(azp, true)
		return strings.Contains(" "+scope+" ", " weather.read ") && strings.HasPrefix(azp, "client-")
	})
	for _, method := range []types.ClientAuthenticationMethodType{types.ClientAuthenticationMethodTypeClientSecretBasic, types.ClientAuthenticationMethodTypeClientSecretPost} {
		name := "mock-" + strings.ToLower(strings.ReplaceAll(string(method), "_", "-"))
		in := customProvider(name, discovery, oauthSecret, method)
		in.Oauth2ProviderConfigInput.(*types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig).Value.ClientId = aws.String("client-" + string(method))
		prov, err := tg.control.CreateOauth2CredentialProvider(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		gw := openGateway(t, tg.control, name)
		oauthTarget(t, tg.control, gw.GatewayId, "weather", up.URL, aws.ToString(prov.CredentialProviderArn))
		cs := mcpSession(t, aws.ToString(gw.GatewayUrl), "2025-11-25", nil)
		for range 2 {
			if res := forecast(t, cs, "weather___getForecast"); res.IsError {
				t.Fatalf("%s: %s", method, resultText(res))
			}
		}
	}
	for _, client := range []string{"client-CLIENT_SECRET_BASIC", "client-CLIENT_SECRET_POST"} {
		if _, ok := seen.Load(client); !ok {
			t.Errorf("the upstream saw no token issued to %s", client)
		}
	}
	assertNoSecret(t, oauthSecret, map[string]string{"log": tg.logs.String()})
}

// TestOAuth2ProviderValidation: requests toolgate refuses, each with a
// ValidationException naming the field.
func TestOAuth2ProviderValidation(t *testing.T) {
	idp := newGoIdP(t)
	tg := start(t, t.TempDir())
	control, rec := recordingControl(tg)
	ctx := context.Background()
	okProv, err := control.CreateOauth2CredentialProvider(ctx, metadataProvider("ok", idp.URL+"/token", oauthSecret))
	if err != nil {
		t.Fatal(err)
	}
	const c = "oauth2ProviderConfigInput.customOauth2ProviderConfig"
	custom := func(mutate func(*types.CustomOauth2ProviderConfigInput)) *bedrockagentcorecontrol.CreateOauth2CredentialProviderInput {
		in := customProvider("p", idp.URL+"/.well-known/openid-configuration", oauthSecret, "")
		v := &in.Oauth2ProviderConfigInput.(*types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig).Value
		mutate(v)
		return in
	}
	discovery := func(u string) func(*types.CustomOauth2ProviderConfigInput) {
		return func(v *types.CustomOauth2ProviderConfigInput) {
			v.OauthDiscovery = &types.Oauth2DiscoveryMemberDiscoveryUrl{Value: u}
		}
	}
	down := closedURL(t)
	tests := []struct {
		name  string
		in    *bedrockagentcorecontrol.CreateOauth2CredentialProviderInput
		field string
		msg   string // a part of the field's message
	}{
		{"discovery unreachable", custom(discovery(down + "/.well-known/openid-configuration")), c + ".oauthDiscovery.discoveryUrl", "the discovery document could not be fetched"},
		{"discovery 404", custom(discovery(idp.URL + "/tenant/.well-known/oauth-authorization-server")), c + ".oauthDiscovery.discoveryUrl", "HTTP 404"},
		{"discovery URL of another shape", custom(discovery(idp.URL + "/token")), c + ".oauthDiscovery.discoveryUrl", "must match"},
		{"private_key_jwt", custom(func(v *types.CustomOauth2ProviderConfigInput) {
			v.ClientAuthenticationMethod = types.ClientAuthenticationMethodTypePrivateKeyJwt
		}), c + ".clientAuthenticationMethod", "not supported by this toolgate release yet"},
		{"external secret", custom(func(v *types.CustomOauth2ProviderConfigInput) {
			v.ClientSecret, v.ClientSecretSource = nil, types.SecretSourceTypeExternal
			v.ClientSecretConfig = &types.SecretReference{SecretId: aws.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:x"), JsonKey: aws.String("k")}
		}), c + ".clientSecretSource", "EXTERNAL (AWS Secrets Manager) is not supported"},
		{"no secret", custom(func(v *types.CustomOauth2ProviderConfigInput) { v.ClientSecret = nil }), c + ".clientSecret", "is required"},
		{"method the server does not list", custom(func(v *types.CustomOauth2ProviderConfigInput) {
			v.OauthDiscovery = &types.Oauth2DiscoveryMemberAuthorizationServerMetadata{Value: types.Oauth2AuthorizationServerMetadata{
				Issuer: aws.String("https://i"), AuthorizationEndpoint: aws.String("https://i/a"), TokenEndpoint: aws.String("https://i/t"),
				TokenEndpointAuthMethods: []string{"client_secret_post"},
			}}
			v.ClientAuthenticationMethod = types.ClientAuthenticationMethodTypeClientSecretBasic
		}), c + ".clientAuthenticationMethod", "is not among"},
		{"okta without endpoints", &bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
			Name: aws.String("okta"), CredentialProviderVendor: types.CredentialProviderVendorTypeOktaOauth2,
			Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberIncludedOauth2ProviderConfig{Value: types.IncludedOauth2ProviderConfigInput{
				ClientId: aws.String("c"), ClientSecret: aws.String(oauthSecret),
			}},
		}, "oauth2ProviderConfigInput.includedOauth2ProviderConfig.tokenEndpoint", "is required for OktaOauth2"},
		{"vendor and member disagree", &bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
			Name: aws.String("g"), CredentialProviderVendor: types.CredentialProviderVendorTypeGoogleOauth2,
			Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberGithubOauth2ProviderConfig{Value: types.GithubOauth2ProviderConfigInput{
				ClientId: aws.String("c"), ClientSecret: aws.String(oauthSecret),
			}},
		}, "oauth2ProviderConfigInput.githubOauth2ProviderConfig", "does not match credentialProviderVendor GoogleOauth2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := control.CreateOauth2CredentialProvider(ctx, tc.in)
			checkValidation(t, err, tc.field, tc.msg)
		})
	}
	if _, err := control.CreateOauth2CredentialProvider(ctx, metadataProvider("ok", idp.URL+"/token", oauthSecret)); apiErrorCode(err) != "ConflictException" {
		t.Errorf("duplicate name: %v", err)
	}

	// Vendors get their well-known endpoints.
	for _, v := range []struct {
		in        *bedrockagentcorecontrol.CreateOauth2CredentialProviderInput
		wantToken string
	}{
		{&bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
			Name: aws.String("gh"), CredentialProviderVendor: types.CredentialProviderVendorTypeGithubOauth2,
			Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberGithubOauth2ProviderConfig{Value: types.GithubOauth2ProviderConfigInput{
				ClientId: aws.String("c"), ClientSecret: aws.String(oauthSecret)}},
		}, "https://github.com/login/oauth/access_token"},
		{&bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
			Name: aws.String("ms"), CredentialProviderVendor: types.CredentialProviderVendorTypeMicrosoftOauth2,
			Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberMicrosoftOauth2ProviderConfig{Value: types.MicrosoftOauth2ProviderConfigInput{
				ClientId: aws.String("c"), ClientSecret: aws.String(oauthSecret), TenantId: aws.String("contoso.onmicrosoft.com")}},
		}, "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"},
		{&bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
			Name: aws.String("auth0"), CredentialProviderVendor: types.CredentialProviderVendorTypeAuth0Oauth2,
			Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberIncludedOauth2ProviderConfig{Value: types.IncludedOauth2ProviderConfigInput{
				ClientId: aws.String("c"), ClientSecret: aws.String(oauthSecret), Issuer: aws.String(idp.URL)}},
		}, idp.URL + "/token"},
	} {
		out, err := control.CreateOauth2CredentialProvider(ctx, v.in)
		if err != nil {
			t.Errorf("%s: %v", aws.ToString(v.in.Name), err)
			continue
		}
		if got := tokenEndpointOf(out.Oauth2ProviderConfigOutput); got != v.wantToken {
			t.Errorf("%s: token endpoint %q, want %q", aws.ToString(v.in.Name), got, v.wantToken)
		}
	}

	// Targets: only the client-credentials grant, no reserved parameters,
	// an existing provider.
	gw := openGateway(t, control, "validation-gw")
	target := func(mutate func(*types.OAuthCredentialProvider)) error {
		o := types.OAuthCredentialProvider{ProviderArn: okProv.CredentialProviderArn, Scopes: []string{"s"}}
		mutate(&o)
		_, err := control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
			GatewayIdentifier: gw.GatewayId, Name: aws.String("t"),
			TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
				Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, "127.0.0.1:9")},
			}},
			CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
				CredentialProviderType: types.CredentialProviderTypeOauth,
				CredentialProvider:     &types.CredentialProviderMemberOauthCredentialProvider{Value: o},
			}},
		})
		return err
	}
	const o = "credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider"
	for _, tc := range []struct {
		name   string
		mutate func(*types.OAuthCredentialProvider)
		field  string
		msg    string
	}{
		{"authorization code", func(o *types.OAuthCredentialProvider) { o.GrantType = types.OAuthGrantTypeAuthorizationCode }, o + ".grantType", "AUTHORIZATION_CODE is not supported by this toolgate release yet"},
		{"token exchange", func(o *types.OAuthCredentialProvider) { o.GrantType = types.OAuthGrantTypeTokenExchange }, o + ".grantType", "TOKEN_EXCHANGE is not supported by this toolgate release yet"},
		{"reserved parameter", func(o *types.OAuthCredentialProvider) { o.CustomParameters = map[string]string{"client_secret": "x"} }, o + ".customParameters", `"client_secret" is set by the client-credentials grant`},
		{"missing provider", func(o *types.OAuthCredentialProvider) {
			o.ProviderArn = aws.String(strings.Replace(aws.ToString(okProv.CredentialProviderArn), "/ok", "/nope", 1))
		}, o + ".providerArn", "no OAuth2 credential provider named nope exists"},
		{"API-key provider ARN", func(o *types.OAuthCredentialProvider) {
			o.ProviderArn = aws.String(strings.Replace(aws.ToString(okProv.CredentialProviderArn), "oauth2credentialprovider", "apikeycredentialprovider", 1))
		}, o + ".providerArn", "must match"},
	} {
		t.Run("target/"+tc.name, func(t *testing.T) { checkValidation(t, target(tc.mutate), tc.field, tc.msg) })
	}
	assertNoSecret(t, oauthSecret, map[string]string{"control-plane responses": rec.String(), "log": tg.logs.String()})
}

func checkValidation(t *testing.T, err error, field, msg string) {
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
	t.Errorf("ValidationException %q does not name %s with %q", aws.ToString(ve.Message), field, msg)
}

func tokenEndpointOf(out types.Oauth2ProviderConfigOutput) string {
	var d types.Oauth2Discovery
	switch v := out.(type) {
	case *types.Oauth2ProviderConfigOutputMemberGithubOauth2ProviderConfig:
		d = v.Value.OauthDiscovery
	case *types.Oauth2ProviderConfigOutputMemberMicrosoftOauth2ProviderConfig:
		d = v.Value.OauthDiscovery
	case *types.Oauth2ProviderConfigOutputMemberIncludedOauth2ProviderConfig:
		d = v.Value.OauthDiscovery
	}
	if m, ok := d.(*types.Oauth2DiscoveryMemberAuthorizationServerMetadata); ok {
		return aws.ToString(m.Value.TokenEndpoint)
	}
	return fmt.Sprintf("%T", d)
}
