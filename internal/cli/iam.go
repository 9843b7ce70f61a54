package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/toolgate/toolgate/internal/iamapi"
)

// iamClient returns an IAM client for toolgate's IAM API at /iam/.
func (c *connFlags) iamClient(ctx context.Context, stderr io.Writer) (*iamsdk.Client, error) {
	return sdkClient(ctx, c, stderr, "/iam/", iamsdk.NewFromConfig,
		func(o *iamsdk.Options, endpoint string) { o.BaseEndpoint = &endpoint })
}

// runIAM calls IAM operations and prints what call returns.
func (c *connFlags) runIAM(cmd *cobra.Command, call func(context.Context, *iamsdk.Client) (any, error)) error {
	return runWith(cmd, c, c.iamClient, call)
}

func newIAMCmd() *cobra.Command {
	var conn connFlags
	cmd := &cobra.Command{
		Use:   "iam",
		Short: "Manage who may call the control plane: users, roles, access keys and policies (the IAM API at /iam/)",
		Long: `Manage toolgate's management permissions over its AWS IAM API subset (/iam/ on the
control plane, the same API "aws iam --endpoint-url …/iam/" and the SDKs' IAM clients speak).

Users and roles hold policies; a policy is a built-in template (toolgate iam policy
templates) or an IAM JSON document of your own. Every control-plane call is authorised
as <service>:<Operation> on the ARN it touches (bedrock-agentcore:CreateGateway on the
gateway, iam:AttachUserPolicy on the user, ...). The root principal from the first
start is allowed everything and can be disabled once another administrator exists.

Roles: AWS roles are assumed through STS, which toolgate does not serve. Instead a role
may be given access keys of its own (toolgate iam access-key create --role NAME): the
keys sign as the role and are authorised by the role's policies.`,
	}
	conn.register(cmd)
	cmd.AddCommand(newIAMUserCmd(&conn), newIAMRoleCmd(&conn), newIAMAccessKeyCmd(&conn), newIAMPolicyCmd(&conn),
		newIAMSimulateCmd(&conn), newIAMRootCmd(&conn))
	return cmd
}

// parseTags reads k=v flags.
func parseTags(kvs []string) ([]iamtypes.Tag, error) {
	var tags []iamtypes.Tag
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--tag %q: want KEY=VALUE", kv)
		}
		tags = append(tags, iamtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return tags, nil
}

// --- users ---

func newIAMUserCmd(conn *connFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage IAM users (principals that sign with access keys)"}
	var path string
	var tags []string
	create := &cobra.Command{
		Use: "create NAME [--path /team/] [--tag k=v]", Short: "Create a user (it may do nothing until a policy is attached)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tt, err := parseTags(tags)
			if err != nil {
				return err
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				in := &iamsdk.CreateUserInput{UserName: aws.String(args[0]), Tags: tt}
				if path != "" {
					in.Path = aws.String(path)
				}
				out, err := c.CreateUser(ctx, in)
				if err != nil {
					return nil, err
				}
				return out.User, nil
			})
		},
	}
	create.Flags().StringVar(&path, "path", "", "IAM path, part of the ARN (default /)")
	create.Flags().StringArrayVar(&tags, "tag", nil, "tag KEY=VALUE (repeatable)")
	list := &cobra.Command{
		Use: "list", Short: "List users", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				return allPages(ctx, iamsdk.NewListUsersPaginator(c, &iamsdk.ListUsersInput{}),
					func(out *iamsdk.ListUsersOutput) []iamtypes.User { return out.Users })
			})
		},
	}
	get := &cobra.Command{
		Use: "get [NAME]", Short: "Show a user with its attached and inline policies and keys (no NAME: the caller)", Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				in := &iamsdk.GetUserInput{}
				if len(args) == 1 {
					in.UserName = aws.String(args[0])
				}
				out, err := c.GetUser(ctx, in)
				if err != nil {
					return nil, err
				}
				if out.User.UserName == nil { // the root principal
					return out.User, nil
				}
				name := out.User.UserName
				att, err := c.ListAttachedUserPolicies(ctx, &iamsdk.ListAttachedUserPoliciesInput{UserName: name})
				if err != nil {
					return nil, err
				}
				inline, err := c.ListUserPolicies(ctx, &iamsdk.ListUserPoliciesInput{UserName: name})
				if err != nil {
					return nil, err
				}
				keys, err := c.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: name})
				if err != nil {
					return nil, err
				}
				return map[string]any{"User": out.User, "AttachedPolicies": nonNil(att.AttachedPolicies),
					"InlinePolicies": nonNil(inline.PolicyNames), "AccessKeys": nonNil(keys.AccessKeyMetadata)}, nil
			})
		},
	}
	var force bool
	del := &cobra.Command{
		Use: "delete NAME [--force]", Short: "Delete a user (--force first deletes its keys and inline policies and detaches its policies)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				name := aws.String(args[0])
				if force {
					if err := emptyUser(ctx, c, name); err != nil {
						return nil, err
					}
				}
				_, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: name})
				if err != nil && !force && apiCode(err) == "DeleteConflict" {
					return nil, fmt.Errorf("%w\n(delete its access keys and policies first, or pass --force)", err)
				}
				return map[string]string{"Deleted": args[0]}, err
			})
		},
	}
	del.Flags().BoolVar(&force, "force", false, "delete the user's keys and inline policies and detach its policies first")
	cmd.AddCommand(create, list, get, del)
	return cmd
}

// emptyUser removes what keeps a user from being deleted.
func emptyUser(ctx context.Context, c *iamsdk.Client, name *string) error {
	keys, err := c.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: name})
	if err != nil {
		return err
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: name, AccessKeyId: k.AccessKeyId}); err != nil {
			return err
		}
	}
	att, err := c.ListAttachedUserPolicies(ctx, &iamsdk.ListAttachedUserPoliciesInput{UserName: name})
	if err != nil {
		return err
	}
	for _, p := range att.AttachedPolicies {
		if _, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: name, PolicyArn: p.PolicyArn}); err != nil {
			return err
		}
	}
	inline, err := c.ListUserPolicies(ctx, &iamsdk.ListUserPoliciesInput{UserName: name})
	if err != nil {
		return err
	}
	for _, p := range inline.PolicyNames {
		if _, err := c.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: name, PolicyName: aws.String(p)}); err != nil {
			return err
		}
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// --- roles ---

// defaultTrustPolicy is the trust policy of a role created without one:
// toolgate does not assume roles through STS, so it trusts nobody.
const defaultTrustPolicy = `{"Version":"2012-10-17","Statement":[]}`

func newIAMRoleCmd(conn *connFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "role", Short: "Manage IAM roles (policy holders; give one access keys with `iam access-key create --role`)"}
	var path, desc, trustFile string
	var tags []string
	create := &cobra.Command{
		Use: "create NAME [--description D] [--trust-policy FILE]", Short: "Create a role", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tt, err := parseTags(tags)
			if err != nil {
				return err
			}
			trust := defaultTrustPolicy
			if trustFile != "" {
				if trust, err = readDocument(trustFile, cmd.InOrStdin()); err != nil {
					return err
				}
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				in := &iamsdk.CreateRoleInput{RoleName: aws.String(args[0]), AssumeRolePolicyDocument: aws.String(trust), Tags: tt}
				if path != "" {
					in.Path = aws.String(path)
				}
				if desc != "" {
					in.Description = aws.String(desc)
				}
				out, err := c.CreateRole(ctx, in)
				if err != nil {
					return nil, err
				}
				return decodedRole(out.Role), nil
			})
		},
	}
	create.Flags().StringVar(&path, "path", "", "IAM path, part of the ARN (default /)")
	create.Flags().StringVar(&desc, "description", "", "description")
	create.Flags().StringVar(&trustFile, "trust-policy", "", "trust policy document file, - for stdin (kept and shown; toolgate does not assume roles)")
	create.Flags().StringArrayVar(&tags, "tag", nil, "tag KEY=VALUE (repeatable)")
	list := &cobra.Command{
		Use: "list", Short: "List roles", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				all, err := allPages(ctx, iamsdk.NewListRolesPaginator(c, &iamsdk.ListRolesInput{}),
					func(out *iamsdk.ListRolesOutput) []iamtypes.Role { return out.Roles })
				for i := range all {
					all[i] = decodedRole(&all[i])
				}
				return all, err
			})
		},
	}
	get := &cobra.Command{
		Use: "get NAME", Short: "Show a role with its policies and access keys", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := conn.iamClient(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx, name := cmd.Context(), aws.String(args[0])
			out, err := client.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: name})
			if err != nil {
				return conn.explain(err)
			}
			att, err := client.ListAttachedRolePolicies(ctx, &iamsdk.ListAttachedRolePoliciesInput{RoleName: name})
			if err != nil {
				return err
			}
			inline, err := client.ListRolePolicies(ctx, &iamsdk.ListRolePoliciesInput{RoleName: name})
			if err != nil {
				return err
			}
			var keys struct {
				AccessKeys []iamapi.RoleAccessKey `json:"accessKeys"`
			}
			if err := conn.extension(ctx, cmd.ErrOrStderr(), iamapi.RouteListRoleAccessKeys, iamapi.RoleKeyRequest{RoleName: args[0]}, &keys); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), map[string]any{"Role": decodedRole(out.Role), "AttachedPolicies": nonNil(att.AttachedPolicies),
				"InlinePolicies": nonNil(inline.PolicyNames), "AccessKeys": nonNil(keys.AccessKeys)})
		},
	}
	var force bool
	del := &cobra.Command{
		Use: "delete NAME [--force]", Short: "Delete a role (--force first deletes its keys and inline policies and detaches its policies)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := conn.iamClient(cmd.Context(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			ctx, name := cmd.Context(), aws.String(args[0])
			if force {
				if err := conn.emptyRole(cmd, client, args[0]); err != nil {
					return err
				}
			}
			if _, err := client.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: name}); err != nil {
				if !force && apiCode(err) == "DeleteConflict" {
					return fmt.Errorf("%w\n(delete its access keys and policies first, or pass --force)", err)
				}
				return conn.explain(err)
			}
			return printJSON(cmd.OutOrStdout(), map[string]string{"Deleted": args[0]})
		},
	}
	del.Flags().BoolVar(&force, "force", false, "delete the role's keys and inline policies and detach its policies first")
	cmd.AddCommand(create, list, get, del)
	return cmd
}

// emptyRole removes what keeps a role from being deleted.
func (conn *connFlags) emptyRole(cmd *cobra.Command, c *iamsdk.Client, role string) error {
	ctx, name := cmd.Context(), aws.String(role)
	var keys struct {
		AccessKeys []iamapi.RoleAccessKey `json:"accessKeys"`
	}
	if err := conn.extension(ctx, cmd.ErrOrStderr(), iamapi.RouteListRoleAccessKeys, iamapi.RoleKeyRequest{RoleName: role}, &keys); err != nil {
		return err
	}
	for _, k := range keys.AccessKeys {
		var out map[string]any
		if err := conn.extension(ctx, cmd.ErrOrStderr(), iamapi.RouteDeleteRoleAccessKey, iamapi.RoleKeyRequest{RoleName: role, AccessKeyID: k.AccessKeyID}, &out); err != nil {
			return err
		}
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iamsdk.ListAttachedRolePoliciesInput{RoleName: name})
	if err != nil {
		return err
	}
	for _, p := range att.AttachedPolicies {
		if _, err := c.DetachRolePolicy(ctx, &iamsdk.DetachRolePolicyInput{RoleName: name, PolicyArn: p.PolicyArn}); err != nil {
			return err
		}
	}
	inline, err := c.ListRolePolicies(ctx, &iamsdk.ListRolePoliciesInput{RoleName: name})
	if err != nil {
		return err
	}
	for _, p := range inline.PolicyNames {
		if _, err := c.DeleteRolePolicy(ctx, &iamsdk.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String(p)}); err != nil {
			return err
		}
	}
	return nil
}

// decodedRole shows a role's trust policy as the document, not URL-encoded.
func decodedRole(r *iamtypes.Role) iamtypes.Role {
	out := *r
	if r.AssumeRolePolicyDocument != nil {
		out.AssumeRolePolicyDocument = aws.String(decodeDocument(*r.AssumeRolePolicyDocument))
	}
	return out
}

// --- access keys ---

// keyOwner is --user or --role.
type keyOwner struct{ user, role string }

func (o *keyOwner) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.user, "user", "", "the user (default: the caller)")
	cmd.Flags().StringVar(&o.role, "role", "", "the role (keys of roles are a toolgate extension)")
	cmd.MarkFlagsMutuallyExclusive("user", "role")
}

func (o *keyOwner) userName() *string {
	if o.user == "" {
		return nil
	}
	return aws.String(o.user)
}

func newIAMAccessKeyCmd(conn *connFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "access-key", Aliases: []string{"key"}, Short: "Manage access keys of users and roles (two each, for rotation)"}
	var createOwner keyOwner
	create := &cobra.Command{
		Use: "create [--user U | --role R]", Short: "Create an access key; its secret is printed only now", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if createOwner.role != "" {
				var out struct {
					AccessKey iamapi.RoleAccessKey `json:"accessKey"`
				}
				if err := conn.extension(cmd.Context(), cmd.ErrOrStderr(), iamapi.RouteCreateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: createOwner.role}, &out); err != nil {
					return err
				}
				return printJSON(cmd.OutOrStdout(), roleKeyJSON(out.AccessKey))
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				out, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: createOwner.userName()})
				if err != nil {
					return nil, err
				}
				return out.AccessKey, nil
			})
		},
	}
	createOwner.register(create)
	var listOwner keyOwner
	list := &cobra.Command{
		Use: "list [--user U | --role R]", Short: "List access keys (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if listOwner.role != "" {
				var out struct {
					AccessKeys []iamapi.RoleAccessKey `json:"accessKeys"`
				}
				if err := conn.extension(cmd.Context(), cmd.ErrOrStderr(), iamapi.RouteListRoleAccessKeys, iamapi.RoleKeyRequest{RoleName: listOwner.role}, &out); err != nil {
					return err
				}
				keys := make([]any, 0, len(out.AccessKeys))
				for _, k := range out.AccessKeys {
					keys = append(keys, roleKeyJSON(k))
				}
				return printJSON(cmd.OutOrStdout(), keys)
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				out, err := c.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: listOwner.userName()})
				if err != nil {
					return nil, err
				}
				return nonNil(out.AccessKeyMetadata), nil
			})
		},
	}
	listOwner.register(list)
	status := func(use, short string, st iamtypes.StatusType) *cobra.Command {
		var owner keyOwner
		c := &cobra.Command{
			Use: use + " KEY_ID [--user U | --role R]", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				if owner.role != "" {
					var out map[string]any
					if err := conn.extension(cmd.Context(), cmd.ErrOrStderr(), iamapi.RouteUpdateRoleAccessKey,
						iamapi.RoleKeyRequest{RoleName: owner.role, AccessKeyID: args[0], Status: string(st)}, &out); err != nil {
						return err
					}
					return printJSON(cmd.OutOrStdout(), out)
				}
				return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
					_, err := c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: owner.userName(), AccessKeyId: aws.String(args[0]), Status: st})
					return map[string]string{"AccessKeyId": args[0], "Status": string(st)}, err
				})
			},
		}
		owner.register(c)
		return c
	}
	var delOwner keyOwner
	del := &cobra.Command{
		Use: "delete KEY_ID [--user U | --role R]", Short: "Delete an access key", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if delOwner.role != "" {
				var out map[string]any
				if err := conn.extension(cmd.Context(), cmd.ErrOrStderr(), iamapi.RouteDeleteRoleAccessKey, iamapi.RoleKeyRequest{RoleName: delOwner.role, AccessKeyID: args[0]}, &out); err != nil {
					return err
				}
				return printJSON(cmd.OutOrStdout(), map[string]string{"Deleted": args[0]})
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				_, err := c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: delOwner.userName(), AccessKeyId: aws.String(args[0])})
				return map[string]string{"Deleted": args[0]}, err
			})
		},
	}
	delOwner.register(del)
	cmd.AddCommand(create, list,
		status("deactivate", "Deactivate an access key (it stops authenticating at once)", iamtypes.StatusTypeInactive),
		status("activate", "Activate an access key again", iamtypes.StatusTypeActive), del)
	return cmd
}

// --- root ---

func newIAMRootCmd(conn *connFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "root", Short: "Disable or enable the root principal created on first start"}
	run := func(route string) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			var out iamapi.RootStatus
			if err := conn.extension(cmd.Context(), cmd.ErrOrStderr(), route, struct{}{}, &out); err != nil {
				return err
			}
			return printJSON(cmd.OutOrStdout(), out)
		}
	}
	disable := &cobra.Command{
		Use: "disable", Args: cobra.NoArgs, RunE: run(iamapi.RouteDisableRoot),
		Short: "Disable the root principal (refused unless another enabled principal with an active key may administer IAM)",
		Long: `Disable the root principal: its access keys stop authenticating. toolgate refuses unless
another enabled user or role with an active access key is allowed ` + strings.Join(iamapi.AdminActions, ", ") + `
on "*" and toolgate:EnableRoot on the root principal (AdministratorAccess is enough), so
the installation cannot be locked out. Sign as that administrator (--profile) to enable
root again.`,
	}
	enable := &cobra.Command{Use: "enable", Short: "Enable the root principal again", Args: cobra.NoArgs, RunE: run(iamapi.RouteEnableRoot)}
	cmd.AddCommand(disable, enable)
	return cmd
}

// roleKeyJSON prints a role's access key in the shape the IAM SDK gives a
// user's (AccessKeyId, SecretAccessKey, Status, CreateDate), with RoleName
// for UserName, so one jq path reads both.
func roleKeyJSON(k iamapi.RoleAccessKey) any {
	out := struct {
		RoleName        string
		AccessKeyId     string //nolint:revive // the IAM SDK's spelling
		SecretAccessKey string `json:",omitempty"`
		Status          string
		CreateDate      string
	}{k.RoleName, k.AccessKeyID, k.SecretAccessKey, k.Status, k.CreateDate}
	return out
}
