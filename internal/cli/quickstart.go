package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/demo"
	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/server"
)

// Names of what the quickstart provisions. Re-running finds them by name.
const (
	qsPool           = "toolgate-quickstart"
	qsResourceServer = "sre-gateway"
	qsScope          = "sre-gateway/invoke"
	qsClient         = "sre-assistant"
	qsProvider       = "sre-backend-key"
	qsGateway        = "sre-assistant"
	qsTarget         = "sre"
)

func newQuickstart(stdout, stderr io.Writer) *cobra.Command {
	var sf serveFlags
	cmd := &cobra.Command{
		Use:   "quickstart",
		Short: "Run toolgate with a ready-to-use, token-protected demo gateway",
		Long: `Runs toolgate like "serve" and, through its own public APIs, provisions:
an embedded identity provider (a Cognito-style user pool with a
client_credentials app client), a CUSTOM_JWT gateway that trusts it, and an
OpenAPI target for a small API-key-protected SRE backend served on loopback.
Then prints the MCP URL, how to get a token and an MCP Inspector command.
Re-running reuses everything; the demo backend gets a fresh key each start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sf.config(cmd)
			if err != nil {
				return err
			}
			return runQuickstart(cmd.Context(), cfg, stdout, stderr)
		},
	}
	sf.register(cmd)
	return cmd
}

func runQuickstart(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	// A stale addresses.json from a killed run must not be mistaken for
	// this server's.
	os.Remove(filepath.Join(cfg.DataDir, "addresses.json"))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- server.Run(ctx, cfg, stdout, newLogger(cfg, stderr)) }()
	addrs, err := waitForAddresses(ctx, cfg.DataDir, done)
	if err != nil {
		return err
	}

	// The demo backend: loopback only, a fresh key each start.
	key := randomHex(24)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		<-done
		return fmt.Errorf("demo backend listener: %w", err)
	}
	backend := &http.Server{Handler: demo.New(key).Handler(), ReadHeaderTimeout: 10 * time.Second}
	go backend.Serve(ln)
	defer backend.Close()

	start := time.Now()
	qs, err := provision(ctx, cfg, addrs, "http://"+ln.Addr().String()+demo.PathPrefix, key, stderr)
	if err != nil {
		cancel()
		<-done
		return fmt.Errorf("quickstart provisioning: %w", err)
	}
	printQuickstart(stdout, qs, time.Since(start))
	return <-done
}

func waitForAddresses(ctx context.Context, dir string, done chan error) (server.Addresses, error) {
	var a server.Addresses
	for {
		data, err := os.ReadFile(filepath.Join(dir, "addresses.json"))
		if err == nil && json.Unmarshal(data, &a) == nil && a.Control != "" {
			return a, nil
		}
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("server stopped before it was ready")
			}
			return a, err
		case <-ctx.Done():
			return a, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// quickstartState is what a later run needs and cannot read back from the
// APIs: the app client's secret exists only as a hash in the store.
type quickstartState struct {
	PoolID       string `json:"poolId"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

type provisioned struct {
	quickstartState
	dataURL, mcpURL, tokenURL string
	tools                     []string
}

func provision(ctx context.Context, cfg config.Config, addrs server.Addresses, backendURL, key string, stderr io.Writer) (*provisioned, error) {
	conn := connFlags{dataDir: cfg.DataDir, region: cfg.Region, endpoint: "http://" + addrs.Control}
	agentcore, err := conn.client(ctx, stderr)
	if err != nil {
		return nil, err
	}
	cog, err := conn.cognito(ctx, stderr)
	if err != nil {
		return nil, err
	}
	dataURL := cfg.PublicDataURL
	if dataURL == "" {
		dataURL = "http://" + addrs.Data
	}
	statePath := filepath.Join(cfg.DataDir, "quickstart.json")
	st, err := ensureIdentity(ctx, cog, statePath)
	if err != nil {
		return nil, err
	}

	// The backend's key, sealed in the token vault: updated when a previous
	// run made the provider, created otherwise. Looking first (rather than
	// trying an update) keeps a first start free of refused calls in the log
	// and the audit trail.
	providers, err := allPages(ctx, bedrockagentcorecontrol.NewListApiKeyCredentialProvidersPaginator(agentcore, &bedrockagentcorecontrol.ListApiKeyCredentialProvidersInput{}),
		func(page *bedrockagentcorecontrol.ListApiKeyCredentialProvidersOutput) []types.ApiKeyCredentialProviderItem {
			return page.CredentialProviders
		})
	if err != nil {
		return nil, fmt.Errorf("API-key providers: %w", err)
	}
	if slices.ContainsFunc(providers, func(p types.ApiKeyCredentialProviderItem) bool { return aws.ToString(p.Name) == qsProvider }) {
		_, err = agentcore.UpdateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.UpdateApiKeyCredentialProviderInput{Name: aws.String(qsProvider), ApiKey: aws.String(key)})
	} else {
		_, err = agentcore.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{Name: aws.String(qsProvider), ApiKey: aws.String(key)})
	}
	if err != nil {
		return nil, fmt.Errorf("API-key provider: %w", err)
	}
	prov, err := agentcore.GetApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.GetApiKeyCredentialProviderInput{Name: aws.String(qsProvider)})
	if err != nil {
		return nil, err
	}

	gatewayID, mcpURL, err := ensureGateway(ctx, agentcore, idp.DiscoveryURL(dataURL, st.PoolID), st.ClientID)
	if err != nil {
		return nil, err
	}
	targetConfig := &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
		Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: demo.Spec(backendURL)},
	}}
	creds := []types.CredentialProviderConfiguration{{
		CredentialProviderType: types.CredentialProviderTypeApiKey,
		CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
			ProviderArn: prov.CredentialProviderArn, CredentialParameterName: aws.String(demo.KeyHeader), CredentialLocation: types.ApiKeyCredentialLocationHeader,
		}},
	}}
	targets, err := agentcore.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: aws.String(gatewayID)})
	if err != nil {
		return nil, err
	}
	targetID := ""
	for _, t := range targets.Items {
		if aws.ToString(t.Name) == qsTarget {
			targetID = aws.ToString(t.TargetId)
		}
	}
	if targetID == "" {
		_, err = agentcore.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
			GatewayIdentifier: aws.String(gatewayID), Name: aws.String(qsTarget), Description: aws.String("Demo SRE backend"),
			TargetConfiguration: targetConfig, CredentialProviderConfigurations: creds,
		})
	} else {
		// The backend listens on a new port each start.
		_, err = agentcore.UpdateGatewayTarget(ctx, &bedrockagentcorecontrol.UpdateGatewayTargetInput{
			GatewayIdentifier: aws.String(gatewayID), TargetId: aws.String(targetID), Name: aws.String(qsTarget), Description: aws.String("Demo SRE backend"),
			TargetConfiguration: targetConfig, CredentialProviderConfigurations: creds,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	return &provisioned{quickstartState: *st, dataURL: dataURL, mcpURL: mcpURL, tokenURL: idp.TokenEndpoint(dataURL, st.PoolID),
		tools: []string{"sre___listServices", "sre___getServiceHealth", "sre___listIncidents", "sre___acknowledgeIncident", "sre___getRunbook"}}, nil
}

// ensureIdentity finds or creates the user pool, its resource server and
// the app client, keeping the client's secret in a 0600 file.
func ensureIdentity(ctx context.Context, cog *cip.Client, statePath string) (*quickstartState, error) {
	var st quickstartState
	if data, err := os.ReadFile(statePath); err == nil {
		if json.Unmarshal(data, &st) == nil && st.PoolID != "" {
			if _, err := cog.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(st.PoolID), ClientId: aws.String(st.ClientID)}); err == nil {
				return &st, nil
			}
		}
	}
	pools, err := cog.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		return nil, fmt.Errorf("list user pools: %w", err)
	}
	st = quickstartState{}
	for _, p := range pools.UserPools {
		if aws.ToString(p.Name) == qsPool {
			st.PoolID = aws.ToString(p.Id)
		}
	}
	if st.PoolID == "" {
		out, err := cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(qsPool)})
		if err != nil {
			return nil, fmt.Errorf("create user pool: %w", err)
		}
		st.PoolID = aws.ToString(out.UserPool.Id)
		if _, err := cog.CreateResourceServer(ctx, &cip.CreateResourceServerInput{
			UserPoolId: aws.String(st.PoolID), Identifier: aws.String(qsResourceServer), Name: aws.String("SRE gateway"),
			Scopes: []ciptypes.ResourceServerScopeType{{ScopeName: aws.String("invoke"), ScopeDescription: aws.String("Call the SRE gateway's tools")}},
		}); err != nil {
			return nil, fmt.Errorf("create resource server: %w", err)
		}
	}
	// A client whose secret we no longer have is replaced.
	clients, err := cog.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(st.PoolID), MaxResults: aws.Int32(60)})
	if err != nil {
		return nil, err
	}
	for _, c := range clients.UserPoolClients {
		if aws.ToString(c.ClientName) == qsClient {
			if _, err := cog.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(st.PoolID), ClientId: c.ClientId}); err != nil {
				return nil, err
			}
		}
	}
	out, err := cog.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(st.PoolID), ClientName: aws.String(qsClient), GenerateSecret: true,
		AllowedOAuthFlows: []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{qsScope},
	})
	if err != nil {
		return nil, fmt.Errorf("create app client: %w", err)
	}
	st.ClientID, st.ClientSecret = aws.ToString(out.UserPoolClient.ClientId), aws.ToString(out.UserPoolClient.ClientSecret)
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(statePath, data, 0o600); err != nil {
		return nil, err
	}
	return &st, nil
}

// ensureGateway finds or creates the CUSTOM_JWT gateway; an existing one is
// updated to trust the current pool and client.
func ensureGateway(ctx context.Context, c *bedrockagentcorecontrol.Client, discoveryURL, clientID string) (id, url string, err error) {
	auth := &types.AuthorizerConfigurationMemberCustomJWTAuthorizer{Value: types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl: aws.String(discoveryURL), AllowedClients: []string{clientID}, AllowedScopes: []string{qsScope},
	}}
	desc := aws.String("toolgate quickstart: an SRE assistant's tools behind the embedded identity provider")
	instructions := aws.String("Tools of the SRE team: service health, incidents (list, acknowledge) and runbooks.")
	proto := &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{Instructions: instructions}}
	list, err := c.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{MaxResults: aws.Int32(1000)})
	if err != nil {
		return "", "", err
	}
	for _, g := range list.Items {
		if aws.ToString(g.Name) == qsGateway {
			out, err := c.UpdateGateway(ctx, &bedrockagentcorecontrol.UpdateGatewayInput{
				GatewayIdentifier: g.GatewayId, Name: aws.String(qsGateway), RoleArn: aws.String(defaultRoleArn), Description: desc,
				AuthorizerType: types.AuthorizerTypeCustomJwt, AuthorizerConfiguration: auth, ProtocolType: types.GatewayProtocolTypeMcp,
				ProtocolConfiguration: proto, ExceptionLevel: types.ExceptionLevelDebug,
			})
			if err != nil {
				return "", "", fmt.Errorf("update gateway: %w", err)
			}
			return aws.ToString(out.GatewayId), aws.ToString(out.GatewayUrl), nil
		}
	}
	out, err := c.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String(qsGateway), RoleArn: aws.String(defaultRoleArn), Description: desc,
		AuthorizerType: types.AuthorizerTypeCustomJwt, AuthorizerConfiguration: auth, ProtocolType: types.GatewayProtocolTypeMcp,
		ProtocolConfiguration: proto, ExceptionLevel: types.ExceptionLevelDebug,
	})
	if err != nil {
		return "", "", fmt.Errorf("create gateway: %w", err)
	}
	return aws.ToString(out.GatewayId), aws.ToString(out.GatewayUrl), nil
}

func printQuickstart(w io.Writer, p *provisioned, took time.Duration) {
	fmt.Fprintf(w, `
toolgate quickstart is ready (provisioned in %s)

  MCP URL:    %s
  Tools:      %s, …
  Client:     %s (secret in %s)

Get a token (client credentials, embedded identity provider):

  TOKEN=$(curl -s -u '%s:%s' -d grant_type=client_credentials -d scope=%s \
    %s | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

List and call the tools with the MCP Inspector:

  npx -y @modelcontextprotocol/inspector@1.0.3 --cli %s --transport http \
    --header "Authorization: Bearer $TOKEN" --method tools/list
  npx -y @modelcontextprotocol/inspector@1.0.3 --cli %s --transport http \
    --header "Authorization: Bearer $TOKEN" --method tools/call --tool-name sre___listIncidents --tool-arg status=open

Press Ctrl-C to stop.
`, took.Round(time.Millisecond), p.mcpURL, p.tools[0], p.ClientID, "quickstart.json in the data directory",
		p.ClientID, p.ClientSecret, qsScope, p.tokenURL, p.mcpURL, p.mcpURL)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
