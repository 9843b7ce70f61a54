package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/server"
)

// ezPool is the user pool that holds the app clients of --ez-auth gateways.
const ezPool = "toolgate-ez-auth"

// ezClient is an app client made for one gateway by --ez-auth.
type ezClient struct {
	poolID, clientID, secret string
	scope, discoveryURL      string
	tokenURL                 string
}

// newEZClient creates, on the embedded identity provider, a resource server
// named after the gateway (scope <gateway>/invoke) and a client_credentials
// app client allowed that scope.
func newEZClient(ctx context.Context, conn *connFlags, stderr io.Writer, gateway string) (*ezClient, error) {
	cog, err := conn.cognito(ctx, stderr)
	if err != nil {
		return nil, err
	}
	dataURL, err := conn.dataURL()
	if err != nil {
		return nil, err
	}
	pools, err := cog.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		return nil, conn.explain(err)
	}
	ez := &ezClient{scope: gateway + "/invoke"}
	for _, p := range pools.UserPools {
		if aws.ToString(p.Name) == ezPool {
			ez.poolID = aws.ToString(p.Id)
		}
	}
	if ez.poolID == "" {
		out, err := cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(ezPool)})
		if err != nil {
			return nil, fmt.Errorf("create the EZ-auth user pool: %w", err)
		}
		ez.poolID = aws.ToString(out.UserPool.Id)
	}
	if _, err := cog.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
		UserPoolId: aws.String(ez.poolID), Identifier: aws.String(gateway), Name: aws.String(gateway),
		Scopes: []ciptypes.ResourceServerScopeType{{ScopeName: aws.String("invoke"), ScopeDescription: aws.String("Call the tools of gateway " + gateway)}},
	}); err != nil {
		return nil, fmt.Errorf("create resource server %s: %w", gateway, err)
	}
	out, err := cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(ez.poolID), ClientName: aws.String(gateway), GenerateSecret: true,
		AllowedOAuthFlows: []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{ez.scope},
	})
	if err != nil {
		return nil, fmt.Errorf("create app client: %w", err)
	}
	ez.clientID, ez.secret = aws.ToString(out.UserPoolClient.ClientId), aws.ToString(out.UserPoolClient.ClientSecret)
	ez.discoveryURL, ez.tokenURL = idp.DiscoveryURL(dataURL, ez.poolID), idp.TokenEndpoint(dataURL, ez.poolID)
	return ez, nil
}

// dataURL is the data plane's base URL, from the data directory's
// addresses.json (the server's public_data_url is not known to the CLI;
// use --endpoint setups with care).
func (c *connFlags) dataURL() (string, error) {
	data, err := os.ReadFile(filepath.Join(c.dataDir, "addresses.json"))
	if err != nil {
		return "", fmt.Errorf("--ez-auth needs the local toolgate's addresses.json in %s: %w", c.dataDir, err)
	}
	var a server.Addresses
	if err := json.Unmarshal(data, &a); err != nil {
		return "", err
	}
	return "http://" + a.Data, nil
}

func (ez *ezClient) print(w io.Writer, gatewayID, gatewayURL string) error {
	_, err := fmt.Fprintf(w, `gateway %s created, protected by toolgate's embedded identity provider
  MCP URL:        %s
  client id:      %s
  client secret:  %s
                  (shown only now: toolgate keeps a hash of it)
  token endpoint: %s

Get a token:

  curl -s -u '%s:%s' -d grant_type=client_credentials -d scope=%s %s

then call the gateway with "Authorization: Bearer <access_token>".
`, gatewayID, gatewayURL, ez.clientID, ez.secret, ez.tokenURL, ez.clientID, ez.secret, strings.ReplaceAll(ez.scope, " ", "%20"), ez.tokenURL)
	return err
}
