package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/spf13/cobra"
)

// OAuth2 client-credentials providers (CustomOauth2): the friendly face of
// CreateOauth2CredentialProvider & co. Vendor configurations (Google,
// GitHub, ...) are available through any AWS SDK or the AWS CLI.

func newOAuth2ProviderCmds(conn *connFlags) []*cobra.Command {
	var name, discoveryURL, issuer, tokenEndpoint, authEndpoint, clientID, secretFile, secretEnv, method string
	create := &cobra.Command{
		Use:   "create-oauth2",
		Short: "Create an OAuth2 client-credentials provider (the client secret is read from a file, an env var or stdin)",
		Long: `Create a CustomOauth2 credential provider. Name the authorization server either by
its discovery document (--discovery-url, OIDC or RFC 8414; toolgate fetches it now)
or by its endpoints (--issuer and --token-endpoint). Targets then use it with
"toolgate target create --oauth-provider NAME --oauth-scope SCOPE".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (discoveryURL == "") == (tokenEndpoint == "") {
				return fmt.Errorf("give either --discovery-url or --token-endpoint (with --issuer)")
			}
			if tokenEndpoint != "" && issuer == "" {
				return fmt.Errorf("--token-endpoint needs --issuer")
			}
			authMethod, err := clientAuthMethod(method)
			if err != nil {
				return err
			}
			secret, err := readSecret(secretFile, secretEnv, cmd.InOrStdin())
			if err != nil {
				return err
			}
			cfg := types.CustomOauth2ProviderConfigInput{
				ClientId: aws.String(clientID), ClientSecret: aws.String(secret), ClientAuthenticationMethod: authMethod,
			}
			if discoveryURL != "" {
				cfg.OauthDiscovery = &types.Oauth2DiscoveryMemberDiscoveryUrl{Value: discoveryURL}
			} else {
				if authEndpoint == "" {
					// Client credentials never use it, but the contract
					// requires one; the issuer's conventional path will do.
					authEndpoint = strings.TrimSuffix(issuer, "/") + "/authorize"
				}
				cfg.OauthDiscovery = &types.Oauth2DiscoveryMemberAuthorizationServerMetadata{Value: types.Oauth2AuthorizationServerMetadata{
					Issuer: aws.String(issuer), TokenEndpoint: aws.String(tokenEndpoint), AuthorizationEndpoint: aws.String(authEndpoint),
				}}
			}
			c, err := conn.client(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out, err := c.CreateOauth2CredentialProvider(cmd.Context(), &bedrockagentcorecontrol.CreateOauth2CredentialProviderInput{
				Name:                      aws.String(name),
				CredentialProviderVendor:  types.CredentialProviderVendorTypeCustomOauth2,
				Oauth2ProviderConfigInput: &types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig{Value: cfg},
			})
			if err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	f := create.Flags()
	f.StringVar(&name, "name", "", "provider name")
	f.StringVar(&discoveryURL, "discovery-url", "", "the authorization server's .well-known/openid-configuration or oauth-authorization-server URL")
	f.StringVar(&issuer, "issuer", "", "issuer (with --token-endpoint, when there is no discovery document)")
	f.StringVar(&tokenEndpoint, "token-endpoint", "", "token endpoint (with --issuer)")
	f.StringVar(&authEndpoint, "authorization-endpoint", "", "authorization endpoint (optional with --token-endpoint)")
	f.StringVar(&clientID, "client-id", "", "OAuth2 client id")
	f.StringVar(&secretFile, "client-secret-file", "", "file holding the client secret")
	f.StringVar(&secretEnv, "client-secret-env", "", "environment variable holding the client secret")
	f.StringVar(&method, "client-auth", "basic", "how toolgate authenticates to the token endpoint: basic (client_secret_basic) or post (client_secret_post)")
	create.MarkFlagRequired("name")
	create.MarkFlagRequired("client-id")

	list := &cobra.Command{
		Use: "list-oauth2", Short: "List OAuth2 credential providers", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return allPages(ctx, bedrockagentcorecontrol.NewListOauth2CredentialProvidersPaginator(c, &bedrockagentcorecontrol.ListOauth2CredentialProvidersInput{}),
					func(page *bedrockagentcorecontrol.ListOauth2CredentialProvidersOutput) []types.Oauth2CredentialProviderItem {
						return page.CredentialProviders
					})
			})
		},
	}
	get := &cobra.Command{
		Use: "get-oauth2 NAME", Short: "Show an OAuth2 credential provider (never its secret)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.GetOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.GetOauth2CredentialProviderInput{Name: aws.String(args[0])})
			})
		},
	}
	del := &cobra.Command{
		Use: "delete-oauth2 NAME", Short: "Delete an OAuth2 credential provider", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				_, err := c.DeleteOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.DeleteOauth2CredentialProviderInput{Name: aws.String(args[0])})
				return map[string]string{"Deleted": args[0]}, err
			})
		},
	}
	return []*cobra.Command{create, list, get, del}
}

func clientAuthMethod(s string) (types.ClientAuthenticationMethodType, error) {
	switch strings.ToLower(s) {
	case "basic", "client_secret_basic":
		return types.ClientAuthenticationMethodTypeClientSecretBasic, nil
	case "post", "client_secret_post":
		return types.ClientAuthenticationMethodTypeClientSecretPost, nil
	}
	return "", fmt.Errorf("--client-auth %q: use basic or post", s)
}

// oauthTargetCredentials is the OAUTH credential configuration of a target
// using provider (looked up for its ARN) with scopes.
func oauthTargetCredentials(ctx context.Context, c *bedrockagentcorecontrol.Client, provider string, scopes []string) ([]types.CredentialProviderConfiguration, error) {
	p, err := c.GetOauth2CredentialProvider(ctx, &bedrockagentcorecontrol.GetOauth2CredentialProviderInput{Name: aws.String(provider)})
	if err != nil {
		return nil, fmt.Errorf("look up OAuth2 provider %s: %w", provider, err)
	}
	return []types.CredentialProviderConfiguration{{
		CredentialProviderType: types.CredentialProviderTypeOauth,
		CredentialProvider: &types.CredentialProviderMemberOauthCredentialProvider{Value: types.OAuthCredentialProvider{
			ProviderArn: p.CredentialProviderArn, Scopes: scopes, GrantType: types.OAuthGrantTypeClientCredentials,
		}},
	}}, nil
}
