package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/idp"
)

// TestEmbeddedIdPEndToEnd follows the seed documents' set-up with the
// Cognito API (user pool, resource server, client_credentials app client),
// points a CUSTOM_JWT gateway at the embedded issuer, and calls a tool with
// a token from the embedded token endpoint.
func TestEmbeddedIdPEndToEnd(t *testing.T) {
	testEmbeddedIdP(t, false)
}

// TestEmbeddedIdPWithDenyPrivate: egress.deny_private refuses the loopback
// tool upstream but not the (loopback) embedded identity provider.
func TestEmbeddedIdPWithDenyPrivate(t *testing.T) {
	testEmbeddedIdP(t, true)
}

func testEmbeddedIdP(t *testing.T, denyPrivate bool) {
	ctx := context.Background()
	tg := startWith(t, t.TempDir(), func(c *config.Config) { c.Egress.DenyPrivate = denyPrivate })
	up, seen := upstream(t)
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"),
		awsconfig.WithSharedCredentialsFiles([]string{filepath.Join(tg.dir, "credentials")}),
		awsconfig.WithSharedConfigFiles([]string{filepath.Join(tg.dir, "no-config")}))
	if err != nil {
		t.Fatal(err)
	}
	cog := cip.NewFromConfig(awsCfg, func(o *cip.Options) { o.BaseEndpoint = aws.String("http://" + tg.addrs.Control + "/cognito-idp/") })

	pool, err := cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("sre-agents")})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	if _, err := cog.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(poolID), Identifier: aws.String("sre-gateway"), Name: aws.String("SRE gateway"),
		Scopes: []ciptypes.ResourceServerScopeType{{ScopeName: aws.String("invoke"), ScopeDescription: aws.String("call tools")}},
	}); err != nil {
		t.Fatal(err)
	}
	client, err := cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String("sre-assistant"), GenerateSecret: true,
		AllowedOAuthFlows: []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"sre-gateway/invoke"},
	})
	if err != nil {
		t.Fatal(err)
	}
	clientID, secret := aws.ToString(client.UserPoolClient.ClientId), aws.ToString(client.UserPoolClient.ClientSecret)
	if clientID == "" || secret == "" {
		t.Fatalf("client %+v", client.UserPoolClient)
	}

	dataURL := "http://" + tg.addrs.Data
	gwURL := jwtGateway(t, tg, "sre", types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(idp.DiscoveryURL(dataURL, poolID)), AllowedClients: []string{clientID}, AllowedScopes: []string{"sre-gateway/invoke"},
	}, up.URL)

	// client_credentials with client_secret_basic, as the seed documents' curl does.
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"sre-gateway/invoke"}}
	req, _ := http.NewRequest("POST", idp.TokenEndpoint(dataURL, poolID), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &tok) != nil {
		t.Fatalf("token endpoint: %d %s", resp.StatusCode, body)
	}

	cs, err := connectWith(gwURL, tok.AccessToken)
	if err != nil {
		t.Fatalf("connect with an embedded-IdP token: %v\n%s", err, tg.logs)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___getForecast", Arguments: map[string]any{"city": "Oslo"}})
	switch {
	case err != nil || !res.IsError:
		t.Fatalf("call: %v %+v", err, res)
	case denyPrivate && len(*seen) != 0:
		t.Fatalf("deny_private let a call reach the loopback upstream: %v", *seen)
	case !denyPrivate && !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "401"):
		// The upstream wants an API key this target does not have: reaching
		// it (and being refused by it) proves the gateway let the call in.
		t.Fatalf("call: %+v", res)
	}
	// The gateway's metadata names the embedded issuer.
	mresp, err := http.Get(dataURL + "/.well-known/oauth-protected-resource/gateways/" + strings.Split(strings.TrimPrefix(gwURL, dataURL+"/gateways/"), "/")[0] + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		AuthorizationServers []string `json:"authorization_servers"`
	}
	json.NewDecoder(mresp.Body).Decode(&md)
	mresp.Body.Close()
	if len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != idp.Issuer(dataURL, poolID) {
		t.Fatalf("authorization_servers %v, want %s", md.AuthorizationServers, idp.Issuer(dataURL, poolID))
	}
	if strings.Contains(tg.logs.String(), secret) || strings.Contains(tg.logs.String(), tok.AccessToken) {
		t.Fatal("client secret or token in the log")
	}
}
