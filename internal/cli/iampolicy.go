package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/spf13/cobra"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iam/policy"
)

// readDocument reads a policy document from a file, or stdin for "-".
func readDocument(file string, stdin io.Reader) (string, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 1<<20))
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return "", err
	}
	doc := strings.TrimSpace(string(data))
	if doc == "" {
		return "", fmt.Errorf("%s is empty: it must hold a JSON policy document", file)
	}
	return doc, nil
}

// decodeDocument undoes the URL-encoding IAM applies to documents in its
// responses.
func decodeDocument(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// documentJSON returns a document for printing: the JSON itself when it
// parses, else the text.
func documentJSON(doc string) any {
	var v any
	if json.Unmarshal([]byte(doc), &v) == nil {
		return v
	}
	return doc
}

// resolvePolicy turns a built-in template name, a customer-managed policy
// name or an ARN into the policy's ARN.
func resolvePolicy(ctx context.Context, c *iamsdk.Client, nameOrARN string) (string, error) {
	if strings.HasPrefix(nameOrARN, "arn:") {
		return nameOrARN, nil
	}
	if _, ok := policy.BuiltIn(nameOrARN); ok {
		return iam.BuiltInPolicyARN(nameOrARN), nil
	}
	p := iamsdk.NewListPoliciesPaginator(c, &iamsdk.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, pol := range out.Policies {
			if aws.ToString(pol.PolicyName) == nameOrARN {
				return aws.ToString(pol.Arn), nil
			}
		}
	}
	return "", fmt.Errorf("no policy named %q: give a built-in template (%s), the name of a policy you created, or an ARN",
		nameOrARN, strings.Join(policy.BuiltInNames(), ", "))
}

// defaultDocument fetches the document of a policy's default version.
func defaultDocument(ctx context.Context, c *iamsdk.Client, arn string) (*iamtypes.Policy, string, error) {
	p, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil {
		return nil, "", err
	}
	v, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: p.Policy.DefaultVersionId})
	if err != nil {
		return nil, "", err
	}
	return p.Policy, decodeDocument(aws.ToString(v.PolicyVersion.Document)), nil
}

func newIAMPolicyCmd(conn *connFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Manage policies: built-in templates and your own IAM JSON documents"}
	var docFile, desc string
	create := &cobra.Command{
		Use: "create NAME --document FILE|-", Short: "Create a policy from an IAM JSON document (validated, with the reason when it is not)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			doc, err := readDocument(docFile, cmd.InOrStdin())
			if err != nil {
				return err
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				in := &iamsdk.CreatePolicyInput{PolicyName: aws.String(args[0]), PolicyDocument: aws.String(doc)}
				if desc != "" {
					in.Description = aws.String(desc)
				}
				out, err := c.CreatePolicy(ctx, in)
				if err != nil {
					return nil, err
				}
				return out.Policy, nil
			})
		},
	}
	create.Flags().StringVar(&docFile, "document", "", "policy document file, - for stdin")
	create.Flags().StringVar(&desc, "description", "", "description")
	create.MarkFlagRequired("document")
	var scope string
	list := &cobra.Command{
		Use: "list [--scope All|AWS|Local]", Short: "List policies (AWS: the built-in templates; Local: yours)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				return allPages(ctx, iamsdk.NewListPoliciesPaginator(c, &iamsdk.ListPoliciesInput{Scope: iamtypes.PolicyScopeType(scope)}),
					func(out *iamsdk.ListPoliciesOutput) []iamtypes.Policy { return out.Policies })
			})
		},
	}
	list.Flags().StringVar(&scope, "scope", "All", "All, AWS (built-in templates) or Local (yours)")
	get := &cobra.Command{
		Use: "get NAME|ARN", Short: "Show a policy and its document", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				arn, err := resolvePolicy(ctx, c, args[0])
				if err != nil {
					return nil, err
				}
				p, doc, err := defaultDocument(ctx, c, arn)
				if err != nil {
					return nil, err
				}
				return map[string]any{"Policy": p, "Document": documentJSON(doc)}, nil
			})
		},
	}
	del := &cobra.Command{
		Use: "delete NAME|ARN", Short: "Delete a policy with all its versions (it must be detached first)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				arn, err := resolvePolicy(ctx, c, args[0])
				if err != nil {
					return nil, err
				}
				vs, err := c.ListPolicyVersions(ctx, &iamsdk.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
				if err != nil {
					return nil, err
				}
				for _, v := range vs.Versions {
					if !v.IsDefaultVersion {
						if _, err := c.DeletePolicyVersion(ctx, &iamsdk.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: v.VersionId}); err != nil {
							return nil, err
						}
					}
				}
				_, err = c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: aws.String(arn)})
				return map[string]string{"Deleted": arn}, err
			})
		},
	}
	attach := attachCmd(conn, true)
	detach := attachCmd(conn, false)
	templates := &cobra.Command{
		Use: "templates", Short: "List the built-in policy templates with their documents (attach them by name)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				var out []map[string]any
				for _, name := range policy.BuiltInNames() {
					p, doc, err := defaultDocument(ctx, c, iam.BuiltInPolicyARN(name))
					if err != nil {
						return nil, err
					}
					out = append(out, map[string]any{"Name": name, "Arn": aws.ToString(p.Arn), "Description": aws.ToString(p.Description), "Document": documentJSON(doc)})
				}
				return out, nil
			})
		},
	}
	cmd.AddCommand(create, list, get, del, attach, detach, templates)
	return cmd
}

// attachCmd is `policy attach` or `policy detach`.
func attachCmd(conn *connFlags, attach bool) *cobra.Command {
	var owner keyOwner
	use, short := "attach", "Attach a policy (a built-in template's name, your policy's name, or an ARN) to a user or role"
	if !attach {
		use, short = "detach", "Detach a policy from a user or role"
	}
	c := &cobra.Command{
		Use: use + " NAME|ARN (--user U | --role R)", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (owner.user == "") == (owner.role == "") {
				return fmt.Errorf("pass --user or --role")
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				arn, err := resolvePolicy(ctx, c, args[0])
				if err != nil {
					return nil, err
				}
				switch {
				case attach && owner.user != "":
					_, err = c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String(owner.user), PolicyArn: aws.String(arn)})
				case attach:
					_, err = c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: aws.String(owner.role), PolicyArn: aws.String(arn)})
				case owner.user != "":
					_, err = c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: aws.String(owner.user), PolicyArn: aws.String(arn)})
				default:
					_, err = c.DetachRolePolicy(ctx, &iamsdk.DetachRolePolicyInput{RoleName: aws.String(owner.role), PolicyArn: aws.String(arn)})
				}
				out := map[string]string{"PolicyArn": arn}
				if owner.user != "" {
					out["UserName"] = owner.user
				} else {
					out["RoleName"] = owner.role
				}
				return out, err
			})
		},
	}
	c.Flags().StringVar(&owner.user, "user", "", "the user")
	c.Flags().StringVar(&owner.role, "role", "", "the role")
	c.MarkFlagsMutuallyExclusive("user", "role")
	return c
}

// --- simulate ---

// decision is what `iam simulate` prints for one action on one resource.
type decision struct {
	Action, Resource, Decision string
	DecidedBy                  *decidedBy `json:",omitempty"`
	MissingContextValues       []string   `json:",omitempty"`
}

type decidedBy struct {
	Policy, PolicyType string
	Sid                string `json:",omitempty"`
	Lines              string `json:",omitempty"`
	Statement          any    `json:",omitempty"`
}

func newIAMSimulateCmd(conn *connFlags) *cobra.Command {
	var principal string
	var actions, resources, contexts []string
	cmd := &cobra.Command{
		Use:   "simulate --principal P --action A [--resource R] [--context key=value]",
		Short: "Decide whether a principal may perform an action, and print the statement that decided it",
		Long: `Ask the policy simulator (IAM SimulatePrincipalPolicy) whether a principal may perform
actions on resources, with the policies toolgate enforces. P is a user name, role/NAME,
root, or an ARN. --context adds condition keys (aws:SourceIp=10.1.2.3, repeat a key for
several values); keys of the principal itself (aws:username, aws:PrincipalArn, ...) and
aws:CurrentTime are filled in. The decision is allowed, explicitDeny or implicitDeny; for
the first two the deciding statement is printed with its policy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, err := contextEntries(contexts)
			if err != nil {
				return err
			}
			return conn.runIAM(cmd, func(ctx context.Context, c *iamsdk.Client) (any, error) {
				arn, err := principalARN(ctx, c, principal)
				if err != nil {
					return nil, err
				}
				p := iamsdk.NewSimulatePrincipalPolicyPaginator(c, &iamsdk.SimulatePrincipalPolicyInput{
					PolicySourceArn: aws.String(arn), ActionNames: actions, ResourceArns: resources, ContextEntries: entries,
				})
				return allPages(ctx, p, func(page *iamsdk.SimulatePrincipalPolicyOutput) []decision {
					out := make([]decision, 0, len(page.EvaluationResults))
					for _, r := range page.EvaluationResults {
						d := decision{Action: aws.ToString(r.EvalActionName), Resource: aws.ToString(r.EvalResourceName),
							Decision: string(r.EvalDecision), MissingContextValues: r.MissingContextValues}
						if len(r.MatchedStatements) > 0 {
							d.DecidedBy = describeStatement(ctx, c, arn, r.MatchedStatements[0])
						}
						out = append(out, d)
					}
					return out
				})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&principal, "principal", "", "user name, role/NAME, root, or ARN")
	f.StringSliceVar(&actions, "action", nil, "action, e.g. bedrock-agentcore:CreateGateway (repeatable, or comma-separated)")
	f.StringSliceVar(&resources, "resource", nil, "resource ARN (repeatable; default *)")
	f.StringArrayVar(&contexts, "context", nil, "condition key KEY=VALUE (repeatable)")
	cmd.MarkFlagRequired("principal")
	cmd.MarkFlagRequired("action")
	return cmd
}

// principalARN resolves --principal.
func principalARN(ctx context.Context, c *iamsdk.Client, p string) (string, error) {
	switch {
	case strings.HasPrefix(p, "arn:"):
		return p, nil
	case p == "root":
		me, err := c.GetUser(ctx, &iamsdk.GetUserInput{})
		if err != nil {
			return "", err
		}
		acct := strings.Split(aws.ToString(me.User.Arn), ":")
		if len(acct) < 5 {
			return "", fmt.Errorf("cannot tell the account from %s", aws.ToString(me.User.Arn))
		}
		return "arn:aws:iam::" + acct[4] + ":root", nil
	case strings.HasPrefix(p, "role/"):
		r, err := c.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: aws.String(strings.TrimPrefix(p, "role/"))})
		if err != nil {
			return "", err
		}
		return aws.ToString(r.Role.Arn), nil
	default:
		u, err := c.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String(strings.TrimPrefix(p, "user/"))})
		if err != nil {
			return "", err
		}
		return aws.ToString(u.User.Arn), nil
	}
}

// contextEntries turns KEY=VALUE flags into typed context entries; the type
// is told from the values (ip, numeric, boolean, date, else string), and a
// key given more than once becomes a list.
func contextEntries(kvs []string) ([]iamtypes.ContextEntry, error) {
	var order []string
	values := map[string][]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--context %q: want KEY=VALUE, e.g. aws:SourceIp=10.1.2.3", kv)
		}
		if _, seen := values[k]; !seen {
			order = append(order, k)
		}
		values[k] = append(values[k], v)
	}
	var out []iamtypes.ContextEntry
	for _, k := range order {
		vs := values[k]
		typ := contextType(vs)
		if len(vs) > 1 {
			typ += "List"
		}
		out = append(out, iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyType: iamtypes.ContextKeyTypeEnum(typ), ContextKeyValues: vs})
	}
	return out, nil
}

func contextType(vs []string) string {
	all := func(ok func(string) bool) bool {
		return !slices.ContainsFunc(vs, func(s string) bool { return !ok(s) })
	}
	switch {
	case all(func(s string) bool {
		_, _, err := net.ParseCIDR(s)
		return net.ParseIP(s) != nil || err == nil
	}):
		return "ip"
	case all(func(s string) bool { return s == "true" || s == "false" }):
		return "boolean"
	case all(func(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }):
		return "numeric"
	case all(func(s string) bool { _, err := time.Parse(time.RFC3339, s); return err == nil }):
		return "date"
	}
	return "string"
}

// describeStatement names the deciding statement and, when the caller may
// read its policy, prints it.
func describeStatement(ctx context.Context, c *iamsdk.Client, principalARN string, m iamtypes.Statement) *decidedBy {
	d := &decidedBy{Policy: aws.ToString(m.SourcePolicyId), PolicyType: string(m.SourcePolicyType)}
	if m.StartPosition == nil || m.EndPosition == nil {
		return d
	}
	d.Lines = fmt.Sprintf("%d-%d", m.StartPosition.Line, m.EndPosition.Line)
	var doc string
	switch m.SourcePolicyType {
	case iamtypes.PolicySourceTypeAwsManaged, iamtypes.PolicySourceTypeUserManaged:
		_, text, err := defaultDocument(ctx, c, d.Policy)
		if err != nil {
			return d
		}
		doc = text
	case iamtypes.PolicySourceTypeUser:
		out, err := c.GetUserPolicy(ctx, &iamsdk.GetUserPolicyInput{UserName: aws.String(lastSegment(principalARN)), PolicyName: aws.String(d.Policy)})
		if err != nil {
			return d
		}
		doc = decodeDocument(aws.ToString(out.PolicyDocument))
	case iamtypes.PolicySourceTypeRole:
		out, err := c.GetRolePolicy(ctx, &iamsdk.GetRolePolicyInput{RoleName: aws.String(lastSegment(principalARN)), PolicyName: aws.String(d.Policy)})
		if err != nil {
			return d
		}
		doc = decodeDocument(aws.ToString(out.PolicyDocument))
	default:
		return d
	}
	text, ok := span(doc, *m.StartPosition, *m.EndPosition)
	if !ok {
		return d
	}
	var st map[string]any
	if json.Unmarshal([]byte(text), &st) != nil {
		return d
	}
	d.Statement = st
	if sid, ok := st["Sid"].(string); ok {
		d.Sid = sid
	}
	return d
}

func lastSegment(arn string) string { return arn[strings.LastIndexByte(arn, '/')+1:] }

// span cuts the text between two 1-based positions (both inclusive).
func span(doc string, from, to iamtypes.Position) (string, bool) {
	offset := func(p iamtypes.Position) int {
		line, at := int32(1), 0
		for line < p.Line {
			nl := strings.IndexByte(doc[at:], '\n')
			if nl < 0 {
				return -1
			}
			at += nl + 1
			line++
		}
		return at + int(p.Column) - 1
	}
	a, b := offset(from), offset(to)
	if a < 0 || b < a || b >= len(doc) {
		return "", false
	}
	return doc[a : b+1], true
}
