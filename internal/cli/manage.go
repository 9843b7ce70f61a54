package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/spf13/cobra"
)

// defaultRoleArn satisfies CreateGateway's required roleArn when toolgate
// has no AWS role to assume (the account part may be empty per the pattern).
const defaultRoleArn = "arn:aws:iam:::role/toolgate-gateway"

func newGatewayCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "gateway", Short: "Manage gateways (AgentCore CreateGateway & co.)"}
	conn.register(cmd)

	var name, desc, authorizer, exceptionLevel, roleArn, discoveryURL string
	var allowedClients, allowedAudience, allowedScopes []string
	var ezAuth bool
	create := &cobra.Command{
		Use: "create", Short: "Create a gateway", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := conn.client(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			in := &bedrockagentcorecontrol.CreateGatewayInput{
				Name: aws.String(name), RoleArn: aws.String(roleArn), ProtocolType: types.GatewayProtocolTypeMcp,
				AuthorizerType: types.AuthorizerType(authorizer),
			}
			if desc != "" {
				in.Description = aws.String(desc)
			}
			if exceptionLevel != "" {
				in.ExceptionLevel = types.ExceptionLevel(exceptionLevel)
			}
			var ez *ezClient
			if ezAuth {
				if discoveryURL != "" || len(allowedClients) > 0 || len(allowedAudience) > 0 {
					return errors.New("--ez-auth sets up the authorizer itself: drop --discovery-url, --allowed-clients and --allowed-audience")
				}
				if ez, err = newEZClient(cmd.Context(), &conn, cmd.ErrOrStderr(), name); err != nil {
					return err
				}
				discoveryURL, allowedClients, allowedScopes = ez.discoveryURL, []string{ez.clientID}, []string{ez.scope}
			}
			if discoveryURL != "" {
				if !cmd.Flags().Changed("authorizer") {
					in.AuthorizerType = types.AuthorizerTypeCustomJwt
				}
				in.AuthorizerConfiguration = &types.AuthorizerConfigurationMemberCustomJWTAuthorizer{Value: types.CustomJWTAuthorizerConfiguration{
					DiscoveryUrl: aws.String(discoveryURL), AllowedClients: allowedClients,
					AllowedAudience: allowedAudience, AllowedScopes: allowedScopes,
				}}
			}
			out, err := c.CreateGateway(cmd.Context(), in)
			if err != nil {
				return err
			}
			if ez != nil {
				return ez.print(cmd.OutOrStdout(), aws.ToString(out.GatewayId), aws.ToString(out.GatewayUrl))
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	create.Flags().BoolVar(&ezAuth, "ez-auth", false, "protect the gateway with toolgate's embedded identity provider: creates an app client and prints its id, its secret (once) and a token command")
	create.Flags().StringVar(&name, "name", "", "gateway name (letters, digits, single hyphens)")
	create.Flags().StringVar(&desc, "description", "", "description")
	create.Flags().StringVar(&authorizer, "authorizer", "NONE", "authorizer type: NONE, CUSTOM_JWT or AUTHENTICATE_ONLY (CUSTOM_JWT when --discovery-url is given)")
	create.Flags().StringVar(&discoveryURL, "discovery-url", "", "OIDC discovery or RFC 8414 metadata URL of the identity provider (CUSTOM_JWT)")
	create.Flags().StringSliceVar(&allowedClients, "allowed-clients", nil, "client ids allowed to call (client_id or azp claim; Cognito-style tokens)")
	create.Flags().StringSliceVar(&allowedAudience, "allowed-audience", nil, "audiences allowed (aud claim; Auth0/Okta-style tokens)")
	create.Flags().StringSliceVar(&allowedScopes, "allowed-scopes", nil, "scopes of which a token must carry at least one")
	create.Flags().StringVar(&exceptionLevel, "exception-level", "", "DEBUG to return error detail to MCP callers")
	create.Flags().StringVar(&roleArn, "role-arn", defaultRoleArn, "gateway execution role ARN")
	create.MarkFlagRequired("name")

	list := &cobra.Command{
		Use: "list", Short: "List gateways", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return allPages(ctx, bedrockagentcorecontrol.NewListGatewaysPaginator(c, &bedrockagentcorecontrol.ListGatewaysInput{}),
					func(page *bedrockagentcorecontrol.ListGatewaysOutput) []types.GatewaySummary { return page.Items })
			})
		},
	}
	get := &cobra.Command{
		Use: "get GATEWAY_ID", Short: "Show a gateway", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: aws.String(args[0])})
			})
		},
	}
	del := &cobra.Command{
		Use: "delete GATEWAY_ID", Short: "Delete a gateway (its targets first)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.DeleteGateway(ctx, &bedrockagentcorecontrol.DeleteGatewayInput{GatewayIdentifier: aws.String(args[0])})
			})
		},
	}
	cmd.AddCommand(create, list, get, del)
	return cmd
}

func newTargetCmd() *cobra.Command {
	var conn connFlags
	var gateway string
	cmd := &cobra.Command{Use: "target", Short: "Manage gateway targets (AgentCore CreateGatewayTarget & co.)"}
	conn.register(cmd)
	cmd.PersistentFlags().StringVar(&gateway, "gateway", "", "gateway id")
	cmd.MarkPersistentFlagRequired("gateway")

	var name, desc, specFile, mcpServer, smithyFile, provider, location, paramName, prefix, oauthProvider string
	var oauthScopes []string
	var role gatewayRoleFlags
	create := &cobra.Command{
		Use: "create", Short: "Add an OpenAPI, Lambda, Smithy or MCP-server target to a gateway", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := conn.client(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			in := &bedrockagentcorecontrol.CreateGatewayTargetInput{
				GatewayIdentifier: aws.String(gateway), Name: aws.String(name),
				CredentialProviderConfigurations: role.credentials(),
			}
			switch {
			case role.lambdaArn != "":
				if in.TargetConfiguration, err = role.lambdaTarget(); err != nil {
					return err
				}
			case smithyFile != "":
				var model types.ApiSchemaConfiguration
				if strings.HasPrefix(smithyFile, "s3://") {
					model = &types.ApiSchemaConfigurationMemberS3{Value: types.S3Configuration{Uri: aws.String(smithyFile)}}
				} else {
					data, err := os.ReadFile(smithyFile)
					if err != nil {
						return fmt.Errorf("read Smithy model: %w", err)
					}
					model = &types.ApiSchemaConfigurationMemberInlinePayload{Value: string(data)}
				}
				in.TargetConfiguration = &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberSmithyModel{Value: model}}
				if oauthProvider == "" {
					// Smithy targets call AWS-style services as the gateway's
					// role unless they use OAuth client credentials.
					in.CredentialProviderConfigurations = []types.CredentialProviderConfiguration{{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}}
				}
			case mcpServer != "":
				in.TargetConfiguration = &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberMcpServer{
					Value: types.McpServerTargetConfiguration{Endpoint: aws.String(mcpServer)},
				}}
			case strings.HasPrefix(specFile, "s3://"):
				// Fetched by the gateway, as its role, when the target is
				// created and on every synchronize.
				in.TargetConfiguration = &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
					Value: &types.ApiSchemaConfigurationMemberS3{Value: types.S3Configuration{Uri: aws.String(specFile)}},
				}}
			default:
				spec, err := os.ReadFile(specFile)
				if err != nil {
					return fmt.Errorf("read OpenAPI document: %w", err)
				}
				in.TargetConfiguration = &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
					Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: string(spec)},
				}}
			}
			if desc != "" {
				in.Description = aws.String(desc)
			}
			if provider != "" && oauthProvider != "" {
				return fmt.Errorf("give --api-key-provider or --oauth-provider, not both")
			}
			if oauthProvider != "" {
				if in.CredentialProviderConfigurations, err = oauthTargetCredentials(cmd.Context(), c, oauthProvider, oauthScopes); err != nil {
					return err
				}
			}
			if provider != "" {
				p, err := c.GetApiKeyCredentialProvider(cmd.Context(), &bedrockagentcorecontrol.GetApiKeyCredentialProviderInput{Name: aws.String(provider)})
				if err != nil {
					return fmt.Errorf("look up API-key provider %s: %w", provider, err)
				}
				ak := &types.GatewayApiKeyCredentialProvider{ProviderArn: p.CredentialProviderArn, CredentialLocation: types.ApiKeyCredentialLocation(location)}
				if paramName != "" {
					ak.CredentialParameterName = aws.String(paramName)
				}
				if prefix != "" {
					ak.CredentialPrefix = aws.String(prefix)
				}
				in.CredentialProviderConfigurations = []types.CredentialProviderConfiguration{{
					CredentialProviderType: types.CredentialProviderTypeApiKey,
					CredentialProvider:     &types.CredentialProviderMemberApiKeyCredentialProvider{Value: *ak},
				}}
			}
			out, err := c.CreateGatewayTarget(cmd.Context(), in)
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	f := create.Flags()
	f.StringVar(&name, "name", "", "target name (tools are exposed as <name>___<operationId>)")
	f.StringVar(&desc, "description", "", "description")
	f.StringVar(&specFile, "openapi", "", "OpenAPI 3.0/3.1 document (JSON or YAML): a local file, or s3://bucket/key read by the gateway's role")
	f.StringVar(&smithyFile, "smithy", "", "Smithy JSON AST model of a restJson1 service (a local file or s3://bucket/key); calls are signed as the gateway's role unless --oauth-provider is given")
	f.StringVar(&mcpServer, "mcp-server", "", "endpoint of a remote MCP server (Streamable HTTP) whose tools the gateway lists and proxies")
	f.StringVar(&provider, "api-key-provider", "", "name of an API-key credential provider to inject")
	f.StringVar(&location, "credential-location", "HEADER", "HEADER or QUERY_PARAMETER")
	f.StringVar(&paramName, "credential-parameter-name", "", "header or query parameter name (default Authorization / api_key)")
	f.StringVar(&prefix, "credential-prefix", "", `prefix such as "Bearer"`)
	f.StringVar(&oauthProvider, "oauth-provider", "", "name of an OAuth2 credential provider: calls carry a client-credentials bearer token")
	f.StringSliceVar(&oauthScopes, "oauth-scope", nil, "scope to request with --oauth-provider (repeatable)")
	create.MarkFlagRequired("name")
	role.register(create)

	list := &cobra.Command{
		Use: "list", Short: "List a gateway's targets", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return allPages(ctx, bedrockagentcorecontrol.NewListGatewayTargetsPaginator(c, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: aws.String(gateway)}),
					func(page *bedrockagentcorecontrol.ListGatewayTargetsOutput) []types.TargetSummary { return page.Items })
			})
		},
	}
	get := &cobra.Command{
		Use: "get TARGET_ID", Short: "Show a target", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: aws.String(gateway), TargetId: aws.String(args[0])})
			})
		},
	}
	del := &cobra.Command{
		Use: "delete TARGET_ID", Short: "Delete a target", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.DeleteGatewayTarget(ctx, &bedrockagentcorecontrol.DeleteGatewayTargetInput{GatewayIdentifier: aws.String(gateway), TargetId: aws.String(args[0])})
			})
		},
	}
	cmd.AddCommand(create, list, get, del)
	return cmd
}

func newCredentialProviderCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "credential-provider", Aliases: []string{"cp"}, Short: "Manage outbound credential providers (token vault)"}
	conn.register(cmd)

	var name, keyFile, keyEnv string
	create := &cobra.Command{
		Use:   "create-api-key",
		Short: "Create an API-key credential provider (the key is read from a file, an env var or stdin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			key, err := readSecret(keyFile, keyEnv, cmd.InOrStdin())
			if err != nil {
				return err
			}
			c, err := conn.client(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out, err := c.CreateApiKeyCredentialProvider(cmd.Context(), &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
				Name: aws.String(name), ApiKey: aws.String(key),
			})
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	create.Flags().StringVar(&name, "name", "", "provider name")
	create.Flags().StringVar(&keyFile, "api-key-file", "", "file holding the API key")
	create.Flags().StringVar(&keyEnv, "api-key-env", "", "environment variable holding the API key")
	create.MarkFlagRequired("name")

	list := &cobra.Command{
		Use: "list", Short: "List API-key credential providers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return allPages(ctx, bedrockagentcorecontrol.NewListApiKeyCredentialProvidersPaginator(c, &bedrockagentcorecontrol.ListApiKeyCredentialProvidersInput{}),
					func(page *bedrockagentcorecontrol.ListApiKeyCredentialProvidersOutput) []types.ApiKeyCredentialProviderItem {
						return page.CredentialProviders
					})
			})
		},
	}
	del := &cobra.Command{
		Use: "delete NAME", Short: "Delete an API-key credential provider", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				_, err := c.DeleteApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.DeleteApiKeyCredentialProviderInput{Name: aws.String(args[0])})
				return map[string]string{"Deleted": args[0]}, err
			})
		},
	}
	cmd.AddCommand(create, list, del)
	cmd.AddCommand(newOAuth2ProviderCmds(&conn)...)
	return cmd
}
