package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/vault"
)

// The token vault (GetTokenVault, SetTokenVaultCMK,
// ResetTokenVaultKeyMaterial) and workload identities, over the AgentCore
// control API like every other management command.

func newVaultCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "vault", Short: "Inspect the token vault and rotate its key (GetTokenVault & co.)"}
	conn.register(cmd)

	get := &cobra.Command{
		Use: "get", Short: "Show the token vault's key configuration", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.GetTokenVault(ctx, &bedrockagentcorecontrol.GetTokenVaultInput{})
			})
		},
	}
	var keyArn string
	var serviceManaged bool
	setCMK := &cobra.Command{
		Use:   "set-cmk",
		Short: "Wrap the vault's secrets under a customer key (an AWS KMS key ARN or file:NAME in vault_cmk_dir), or back under toolgate's own key",
		Long: `Set the token vault's key (SetTokenVaultCMK). Every call makes a new data key:
new secrets are sealed with it at once and every stored secret is re-sealed in
the background, without downtime; so "set-cmk" with the current key rotates it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (keyArn == "") == !serviceManaged {
				return fmt.Errorf("give --kms-key-arn ARN|file:NAME, or --service-managed")
			}
			kc := &types.KmsConfiguration{KeyType: types.KeyTypeServiceManagedKey}
			if keyArn != "" {
				kc = &types.KmsConfiguration{KeyType: types.KeyTypeCustomerManagedKey, KmsKeyArn: aws.String(keyArn)}
			}
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.SetTokenVaultCMK(ctx, &bedrockagentcorecontrol.SetTokenVaultCMKInput{KmsConfiguration: kc})
			})
		},
	}
	setCMK.Flags().StringVar(&keyArn, "kms-key-arn", "", "customer key: an AWS KMS key ARN, or file:NAME for <vault_cmk_dir>/NAME.key")
	setCMK.Flags().BoolVar(&serviceManaged, "service-managed", false, "use toolgate's own root key")

	var cmkDir string
	newKey := &cobra.Command{
		Use:   "create-local-key NAME",
		Short: "Generate a local customer key <vault_cmk_dir>/NAME.key (0600) for set-cmk --kms-key-arn file:NAME",
		Long: `Generate a random 256-bit customer key into the directory the server's
vault_cmk_dir names (default <data-dir>/cmk). Back it up: secrets wrapped under it
cannot be read without it. Replicas need the same file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if name == "" || strings.ContainsAny(name, `/\.`) {
				return fmt.Errorf("key name %q: use letters, digits, - and _", name)
			}
			dir := cmkDir
			if dir == "" {
				dir = filepath.Join(conn.dataDir, "cmk")
			}
			path := filepath.Join(dir, name+".key")
			if _, err := os.Stat(path); err == nil {
				return fmt.Errorf("%s exists; choose another name", path)
			}
			if _, _, err := vault.LoadOrCreateKeyFile(path); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\nuse it with: toolgate vault set-cmk --kms-key-arn file:%s\n", path, name)
			return nil
		},
	}
	newKey.Flags().StringVar(&cmkDir, "cmk-dir", "", "the server's vault_cmk_dir (default <data-dir>/cmk)")

	var yes bool
	reset := &cobra.Command{
		Use:   "reset-key-material",
		Short: "Move the vault to new service-managed key material; cached OAuth tokens are deleted",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !yes {
				return fmt.Errorf("reset-key-material permanently deletes cached OAuth tokens and any secret whose customer key is gone; pass --yes to go ahead")
			}
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.ResetTokenVaultKeyMaterial(ctx, &bedrockagentcorecontrol.ResetTokenVaultKeyMaterialInput{TokenVaultId: aws.String("default")})
			})
		},
	}
	reset.Flags().BoolVar(&yes, "yes", false, "confirm")
	cmd.AddCommand(get, setCMK, newKey, reset)
	return cmd
}

func newWorkloadIdentityCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{Use: "workload-identity", Aliases: []string{"wi"}, Short: "Manage workload identities (CreateWorkloadIdentity & co.)"}
	conn.register(cmd)

	var returnURLs []string
	create := &cobra.Command{
		Use: "create NAME", Short: "Create a workload identity", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.CreateWorkloadIdentity(ctx, &bedrockagentcorecontrol.CreateWorkloadIdentityInput{
					Name: aws.String(args[0]), AllowedResourceOauth2ReturnUrls: returnURLs,
				})
			})
		},
	}
	create.Flags().StringSliceVar(&returnURLs, "return-url", nil, "allowed OAuth2 return URL (repeatable)")
	list := &cobra.Command{
		Use: "list", Short: "List workload identities (each gateway has one)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return allPages(ctx, bedrockagentcorecontrol.NewListWorkloadIdentitiesPaginator(c, &bedrockagentcorecontrol.ListWorkloadIdentitiesInput{}),
					func(page *bedrockagentcorecontrol.ListWorkloadIdentitiesOutput) []types.WorkloadIdentityType {
						return page.WorkloadIdentities
					})
			})
		},
	}
	get := &cobra.Command{
		Use: "get NAME", Short: "Show a workload identity", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.run(cmd, func(ctx context.Context, c *bedrockagentcorecontrol.Client) (any, error) {
				return c.GetWorkloadIdentity(ctx, &bedrockagentcorecontrol.GetWorkloadIdentityInput{Name: aws.String(args[0])})
			})
		},
	}
	del := &cobra.Command{
		Use: "delete NAME", Short: "Delete a workload identity (a gateway's goes with its gateway)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := conn.client(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if _, err := c.DeleteWorkloadIdentity(cmd.Context(), &bedrockagentcorecontrol.DeleteWorkloadIdentityInput{Name: aws.String(args[0])}); err != nil {
				return conn.explain(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted workload identity %s\n", strings.TrimSpace(args[0]))
			return nil
		},
	}
	cmd.AddCommand(create, list, get, del)
	return cmd
}
