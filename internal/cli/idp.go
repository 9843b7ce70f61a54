package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/server"
)

func newIdPCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "idp", Short: "Operate the embedded identity provider (pools and clients: the Cognito API at /cognito-idp/)"}
	conn.register(cmd)
	var pool string
	rotate := &cobra.Command{
		Use:   "rotate-key --pool POOL_ID",
		Short: "Rotate a user pool's token-signing key (old tokens stay valid until they expire)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var out map[string]any
			if err := conn.extension(cmd.Context(), cmd.ErrOrStderr(), "/idp/rotate-signing-key", map[string]string{"userPoolId": pool}, &out); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	rotate.Flags().StringVar(&pool, "pool", "", "user pool id")
	rotate.MarkFlagRequired("pool")
	cmd.AddCommand(rotate, newIdPPoolCmd(&conn), newIdPClientCmd(&conn))
	return cmd
}

// newIdPPoolCmd: toolgate idp pool create|list|delete, over the Cognito API.
func newIdPPoolCmd(conn *connFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "pool", Short: "Manage user pools (each is an OAuth issuer)"}
	var name string
	var scopes []string
	create := &cobra.Command{
		Use: "create --name NAME [--resource-server ID --scopes a,b]", Short: "Create a user pool, optionally with a resource server and its scopes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cog, err := conn.cognito(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			out, err := cog.CreateUserPool(cmd.Context(), &cip.CreateUserPoolInput{PoolName: aws.String(name)})
			if err != nil {
				return conn.explain(err)
			}
			id := aws.ToString(out.UserPool.Id)
			rs, _ := cmd.Flags().GetString("resource-server")
			if rs != "" {
				in := &cip.CreateResourceServerInput{UserPoolId: aws.String(id), Identifier: aws.String(rs), Name: aws.String(rs)}
				for _, sc := range scopes {
					in.Scopes = append(in.Scopes, ciptypes.ResourceServerScopeType{ScopeName: aws.String(sc), ScopeDescription: aws.String(sc)})
				}
				if _, err := cog.CreateResourceServer(cmd.Context(), in); err != nil {
					return fmt.Errorf("pool %s created, but its resource server was not: %w", id, err)
				}
			}
			dataURL, err := conn.dataURL()
			if err != nil {
				return printJSON(cmd.OutOrStdout(), map[string]any{"Id": id, "Name": name})
			}
			return printJSON(cmd.OutOrStdout(), map[string]any{"Id": id, "Name": name, "Issuer": idp.Issuer(dataURL, id),
				"DiscoveryUrl": idp.DiscoveryURL(dataURL, id), "TokenEndpoint": idp.TokenEndpoint(dataURL, id)})
		},
	}
	create.Flags().StringVar(&name, "name", "", "pool name")
	create.Flags().String("resource-server", "", "resource server identifier (scopes become <identifier>/<scope>)")
	create.Flags().StringSliceVar(&scopes, "scopes", []string{"invoke"}, "scopes of the resource server")
	create.MarkFlagRequired("name")
	list := &cobra.Command{
		Use: "list", Short: "List user pools", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.runCognito(cmd, func(ctx context.Context, c *cip.Client) (any, error) {
				return allPages(ctx, cip.NewListUserPoolsPaginator(c, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}),
					func(o *cip.ListUserPoolsOutput) []ciptypes.UserPoolDescriptionType { return o.UserPools })
			})
		},
	}
	del := &cobra.Command{
		Use: "delete POOL_ID", Short: "Delete a user pool with its clients and keys", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.runCognito(cmd, func(ctx context.Context, c *cip.Client) (any, error) {
				_, err := c.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(args[0])})
				return map[string]string{"Deleted": args[0]}, err
			})
		},
	}
	cmd.AddCommand(create, list, del)
	return cmd
}

// newIdPClientCmd: toolgate idp client create|list|delete --pool, over the
// Cognito API.
func newIdPClientCmd(conn *connFlags) *cobra.Command {
	var pool string
	cmd := &cobra.Command{Use: "client", Short: "Manage client_credentials app clients of a user pool"}
	cmd.PersistentFlags().StringVar(&pool, "pool", "", "user pool id")
	cmd.MarkPersistentFlagRequired("pool")
	var name string
	var scopes []string
	create := &cobra.Command{
		Use: "create --pool ID --name NAME --scopes rs/scope,…", Short: "Create an app client; its secret is printed only now", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.runCognito(cmd, func(ctx context.Context, c *cip.Client) (any, error) {
				out, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
					UserPoolId: aws.String(pool), ClientName: aws.String(name), GenerateSecret: true,
					AllowedOAuthFlows: []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
					AllowedOAuthScopes: scopes,
				})
				if err != nil {
					return nil, err
				}
				return out.UserPoolClient, nil
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "client name")
	create.Flags().StringSliceVar(&scopes, "scopes", nil, "allowed scopes, as <resource-server>/<scope>")
	create.MarkFlagRequired("name")
	create.MarkFlagRequired("scopes")
	list := &cobra.Command{
		Use: "list --pool ID", Short: "List app clients", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.runCognito(cmd, func(ctx context.Context, c *cip.Client) (any, error) {
				return allPages(ctx, cip.NewListUserPoolClientsPaginator(c, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(pool), MaxResults: aws.Int32(60)}),
					func(o *cip.ListUserPoolClientsOutput) []ciptypes.UserPoolClientDescription { return o.UserPoolClients })
			})
		},
	}
	del := &cobra.Command{
		Use: "delete --pool ID CLIENT_ID", Short: "Delete an app client (its tokens stop being issued at once)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.runCognito(cmd, func(ctx context.Context, c *cip.Client) (any, error) {
				_, err := c.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(pool), ClientId: aws.String(args[0])})
				return map[string]string{"Deleted": args[0]}, err
			})
		},
	}
	cmd.AddCommand(create, list, del)
	return cmd
}

// extension POSTs in as JSON to toolgate's own extension API (/toolgate/…)
// and decodes the JSON answer into out.
func (c *connFlags) extension(ctx context.Context, stderr io.Writer, path string, in, out any) error {
	body, _ := json.Marshal(in)
	resp, err := c.extensionRequest(ctx, stderr, "POST", path, nil, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return json.Unmarshal(data, out)
}

// extensionRequest sends a request to toolgate's extension API, signed with
// SigV4 under the signing name "toolgate" with the same credentials the
// AWS-API commands use, and returns the successful response; errors carry
// the server's message. A non-nil body is sent as JSON.
func (c *connFlags) extensionRequest(ctx context.Context, stderr io.Writer, method, path string, query url.Values, body []byte) (*http.Response, error) {
	endpoint, cfg, err := c.resolve(ctx, stderr)
	if err != nil {
		return nil, err
	}
	u := strings.TrimSuffix(endpoint, "/") + "/toolgate" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), server.ExtensionSigningName, cfg.Region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, c.explain(err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var e struct{ Message string }
		json.Unmarshal(data, &e)
		return nil, fmt.Errorf("%s: %s (HTTP %d)", resp.Header.Get("X-Amzn-ErrorType"), e.Message, resp.StatusCode)
	}
	return resp, nil
}
