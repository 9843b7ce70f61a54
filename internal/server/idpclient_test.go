package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/toolgate/toolgate/internal/idp"
)

// cognitoClient is a client of tg's Cognito user-pool API (the embedded
// identity provider), signing with tg's root credentials.
func cognitoClient(t *testing.T, tg *instance) *cip.Client {
	t.Helper()
	awsCfg, err := awsconfig.LoadDefaultConfig(t.Context(), awsconfig.WithRegion("us-east-1"),
		awsconfig.WithSharedCredentialsFiles([]string{filepath.Join(tg.dir, "credentials")}),
		awsconfig.WithSharedConfigFiles([]string{filepath.Join(tg.dir, "no-config")}))
	if err != nil {
		t.Fatal(err)
	}
	return cip.NewFromConfig(awsCfg, func(o *cip.Options) { o.BaseEndpoint = aws.String("http://" + tg.addrs.Control + "/cognito-idp/") })
}

// idpClient is a client_credentials app client of a user pool of the
// embedded identity provider, allowed one scope.
type idpClient struct {
	poolID, clientID, secret string
	scope                    string // <resource server>/<scope>
}

// newIdPClient creates through cog a user pool called poolName with a
// resource server defining scope, and an app client called clientName
// allowed <resourceServer>/<scope>.
func newIdPClient(t *testing.T, cog *cip.Client, poolName, resourceServer, scope, clientName string) idpClient {
	t.Helper()
	ctx := t.Context()
	pool, err := cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(poolName)})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	if _, err := cog.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(poolID), Identifier: aws.String(resourceServer), Name: aws.String(resourceServer),
		Scopes: []ciptypes.ResourceServerScopeType{{ScopeName: aws.String(scope), ScopeDescription: aws.String(scope)}},
	}); err != nil {
		t.Fatal(err)
	}
	c := idpClient{poolID: poolID, scope: resourceServer + "/" + scope}
	client, err := cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(poolID), ClientName: aws.String(clientName), GenerateSecret: true,
		AllowedOAuthFlows: []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{c.scope},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.clientID, c.secret = aws.ToString(client.UserPoolClient.ClientId), aws.ToString(client.UserPoolClient.ClientSecret)
	if c.clientID == "" || c.secret == "" {
		t.Fatalf("client %+v", client.UserPoolClient)
	}
	return c
}

// tokenFrom asks the pool's token endpoint at base (a data plane's URL, or
// a balancer's) for a client_credentials token, authenticating with
// client_secret_basic as the seed documents' curl does; host, when set, is
// sent as the Host header. It returns the access token (empty unless the
// status is 200), the status and the body.
func (c idpClient) tokenFrom(t *testing.T, base, host string) (string, int, []byte) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {c.scope}}
	req, _ := http.NewRequest("POST", idp.TokenEndpoint(base, c.poolID), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if host != "" {
		req.Host = host
	}
	req.SetBasicAuth(c.clientID, c.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode == http.StatusOK {
		json.Unmarshal(body, &tok)
	}
	return tok.AccessToken, resp.StatusCode, body
}

// token is tokenFrom base, failing the test unless it gives a token.
func (c idpClient) token(t *testing.T, base string) string {
	t.Helper()
	tok, status, body := c.tokenFrom(t, base, "")
	if tok == "" {
		t.Fatalf("token endpoint: %d %s", status, body)
	}
	return tok
}
