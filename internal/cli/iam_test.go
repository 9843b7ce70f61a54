package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type (
	iamUserJSON struct {
		UserName, UserId, Arn, Path string
	}
	iamKeyJSON struct {
		AccessKeyId, SecretAccessKey, Status, UserName string
	}
	decisionJSON struct {
		Action, Resource, Decision string
		DecidedBy                  *struct {
			Policy, PolicyType, Sid, Lines string
			Statement                      map[string]any
		}
	}
)

// TestIAMCommands manages principals, keys and policies with nothing but
// the CLI next to a running `toolgate serve`, then hands administration
// from root to a user and back.
//
// Not parallel: it sets AWS_SHARED_CREDENTIALS_FILE for --profile.
func TestIAMCommands(t *testing.T) {
	tr := &transcript{}
	dir := t.TempDir()
	serve(t, dir)
	run := func(args ...string) result {
		t.Helper()
		return mustRun(t, tr, append(args, "--data-dir", dir)...)
	}
	fail := func(want []string, args ...string) result {
		t.Helper()
		return mustFail(t, tr, want, append(args, "--data-dir", dir)...)
	}

	var ops iamUserJSON
	decodeJSON(t, run("iam", "user", "create", "ops", "--tag", "team=sre"), &ops)
	if ops.UserName != "ops" || !strings.HasPrefix(ops.Arn, "arn:aws:iam::") || !strings.HasSuffix(ops.Arn, ":user/ops") {
		t.Fatalf("user create printed %+v", ops)
	}
	account := strings.Split(ops.Arn, ":")[4]
	fail([]string{"EntityAlreadyExists", "User with name OPS already exists."}, "iam", "user", "create", "OPS")

	var templates []struct {
		Name, Arn, Description string
		Document               map[string]any
	}
	decodeJSON(t, run("iam", "policy", "templates"), &templates)
	var names []string
	for _, tp := range templates {
		names = append(names, tp.Name)
		if tp.Arn != "arn:aws:iam::aws:policy/"+tp.Name || tp.Description == "" || tp.Document["Statement"] == nil {
			t.Errorf("template %+v", tp)
		}
	}
	if diff := cmp.Diff([]string{"AdministratorAccess", "AgentCoreFullAccess", "AgentCoreGatewayFullAccess", "AgentCoreGatewayReadOnly"}, names); diff != "" {
		t.Errorf("policy templates (-want +got):\n%s", diff)
	}

	// A built-in by name, a policy of our own by name.
	run("iam", "policy", "attach", "AgentCoreGatewayReadOnly", "--user", "ops")
	doc := filepath.Join(t.TempDir(), "nodelete.json")
	os.WriteFile(doc, []byte(`{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"bedrock-agentcore:Delete*","Resource":"*"}]}`), 0o600)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAdress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`), 0o600)
	fail([]string{"MalformedPolicyDocument", "IpAdress"}, "iam", "policy", "create", "bad", "--document", bad)
	run("iam", "policy", "create", "nodelete", "--document", doc)
	run("iam", "policy", "attach", "nodelete", "--user", "ops")
	fail([]string{"no policy named \"nosuch\"", "AgentCoreGatewayReadOnly"}, "iam", "policy", "attach", "nosuch", "--user", "ops")
	var got struct {
		User             iamUserJSON
		AttachedPolicies []struct{ PolicyName, PolicyArn string }
	}
	decodeJSON(t, run("iam", "user", "get", "ops"), &got)
	if got.User.Arn != ops.Arn || len(got.AttachedPolicies) != 2 || got.AttachedPolicies[1].PolicyArn != "arn:aws:iam::"+account+":policy/nodelete" {
		t.Errorf("user get printed %+v", got)
	}

	// Keys: the secret once; deactivate and activate.
	var key iamKeyJSON
	decodeJSON(t, run("iam", "access-key", "create", "--user", "ops"), &key)
	if !strings.HasPrefix(key.AccessKeyId, "AKIA") || len(key.SecretAccessKey) != 40 || key.Status != "Active" {
		t.Fatalf("access-key create printed %+v", key)
	}
	var keys []iamKeyJSON
	decodeJSON(t, run("iam", "access-key", "list", "--user", "ops"), &keys)
	if len(keys) != 1 || keys[0].AccessKeyId != key.AccessKeyId || keys[0].SecretAccessKey != "" {
		t.Errorf("access-key list printed %+v", keys)
	}
	run("iam", "access-key", "deactivate", key.AccessKeyId, "--user", "ops")
	decodeJSON(t, run("iam", "access-key", "list", "--user", "ops"), &keys)
	if keys[0].Status != "Inactive" {
		t.Errorf("after deactivate: %+v", keys)
	}
	run("iam", "access-key", "activate", key.AccessKeyId, "--user", "ops")

	// The simulator names the deciding statement.
	gw := "arn:aws:bedrock-agentcore:us-east-1:" + account + ":gateway/gw-1"
	var decisions []decisionJSON
	decodeJSON(t, run("iam", "simulate", "--principal", "ops", "--action", "bedrock-agentcore:GetGateway,bedrock-agentcore:DeleteGateway,bedrock-agentcore:CreateGateway", "--resource", gw), &decisions)
	if len(decisions) != 3 {
		t.Fatalf("simulate printed %+v", decisions)
	}
	summary := func(d decisionJSON) string {
		s := d.Action + " " + d.Decision
		if d.DecidedBy != nil {
			s += fmt.Sprintf(" by %s (%s) Sid %s", d.DecidedBy.Policy, d.DecidedBy.PolicyType, d.DecidedBy.Sid)
			if d.DecidedBy.Statement["Effect"] == nil {
				s += " without its statement"
			}
		}
		return s
	}
	var sums []string
	for _, d := range decisions {
		sums = append(sums, summary(d))
	}
	want := []string{
		"bedrock-agentcore:GetGateway allowed by arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly (aws-managed) Sid GatewayReadOnly",
		"bedrock-agentcore:DeleteGateway explicitDeny by arn:aws:iam::" + account + ":policy/nodelete (user-managed) Sid NoDelete",
		"bedrock-agentcore:CreateGateway implicitDeny",
	}
	if diff := cmp.Diff(want, sums); diff != "" {
		t.Errorf("simulate (-want +got):\n%s", diff)
	}
	// Conditions with --context.
	ipDoc := filepath.Join(t.TempDir(), "office.json")
	os.WriteFile(ipDoc, []byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Office","Effect":"Allow","Action":"bedrock-agentcore:CreateGateway","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`), 0o600)
	run("iam", "policy", "create", "office", "--document", ipDoc)
	run("iam", "policy", "attach", "office", "--user", "ops")
	for ip, decision := range map[string]string{"10.1.2.3": "allowed", "192.0.2.7": "implicitDeny"} {
		decodeJSON(t, run("iam", "simulate", "--principal", "user/ops", "--action", "bedrock-agentcore:CreateGateway", "--context", "aws:SourceIp="+ip), &decisions)
		if len(decisions) != 1 || decisions[0].Decision != decision {
			t.Errorf("simulate from %s: %+v, want %s", ip, decisions, decision)
		}
	}

	// Roles with keys of their own.
	run("iam", "role", "create", "ci", "--description", "CI")
	run("iam", "policy", "attach", "AgentCoreFullAccess", "--role", "ci")
	// The same shape as a user's key (one jq path for both), with RoleName.
	var roleKey struct{ RoleName, AccessKeyId, SecretAccessKey, Status string }
	r := run("iam", "access-key", "create", "--role", "ci")
	decodeJSON(t, r, &roleKey)
	if roleKey.RoleName != "ci" || len(roleKey.SecretAccessKey) != 40 || roleKey.Status != "Active" || !strings.Contains(r.stdout, `"AccessKeyId"`) {
		t.Fatalf("access-key create --role printed %s", r.stdout)
	}
	var roleKeys []struct{ AccessKeyId, Status string }
	decodeJSON(t, run("iam", "access-key", "list", "--role", "ci"), &roleKeys)
	if len(roleKeys) != 1 || roleKeys[0].AccessKeyId != roleKey.AccessKeyId {
		t.Errorf("access-key list --role printed %+v", roleKeys)
	}
	fail([]string{"DeleteConflict", "--force"}, "iam", "role", "delete", "ci")
	run("iam", "role", "delete", "ci", "--force")

	// Root: refused until another administrator exists.
	fail([]string{"ConflictException", "cannot be disabled"}, "iam", "root", "disable")
	run("iam", "user", "create", "admin")
	run("iam", "policy", "attach", "AdministratorAccess", "--user", "admin")
	var adminKey iamKeyJSON
	decodeJSON(t, run("iam", "access-key", "create", "--user", "admin"), &adminKey)
	var status struct {
		RootArn  string `json:"rootArn"`
		Disabled bool   `json:"disabled"`
	}
	decodeJSON(t, run("iam", "root", "disable"), &status)
	if !status.Disabled || status.RootArn != "arn:aws:iam::"+account+":root" {
		t.Errorf("root disable printed %+v", status)
	}
	// The disabled root's key is refused before the IAM API runs, in IAM's
	// error encoding.
	fail([]string{"StatusCode: 403", "InvalidClientTokenId", "root was disabled", "--profile"}, "iam", "user", "list")
	fail([]string{"UnrecognizedClientException", "root was disabled", "--profile"}, "gateway", "list")
	creds := filepath.Join(t.TempDir(), "credentials")
	os.WriteFile(creds, []byte("[admin]\naws_access_key_id = "+adminKey.AccessKeyId+"\naws_secret_access_key = "+adminKey.SecretAccessKey+"\n"), 0o600)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	decodeJSON(t, run("iam", "root", "enable", "--profile", "admin"), &status)
	if status.Disabled {
		t.Errorf("root enable printed %+v", status)
	}
	var users []iamUserJSON
	decodeJSON(t, run("iam", "user", "list"), &users)
	var listed []string
	for _, u := range users {
		listed = append(listed, u.UserName)
	}
	if !slices.Equal(listed, []string{"admin", "ops"}) {
		t.Errorf("user list after root is back: %v", listed)
	}

	// Clean-up commands.
	fail([]string{"DeleteConflict", "--force"}, "iam", "user", "delete", "ops")
	run("iam", "user", "delete", "ops", "--force")
	run("iam", "policy", "delete", "nodelete")
	var locals []struct{ PolicyName string }
	decodeJSON(t, run("iam", "policy", "list", "--scope", "Local"), &locals)
	if len(locals) != 1 || locals[0].PolicyName != "office" {
		t.Errorf("policy list --scope Local after delete: %+v", locals)
	}

	tr.assertNeverPrinted(t, secret)
	// A secret is printed by the command that creates it and by no other.
	for _, s := range []string{key.SecretAccessKey, adminKey.SecretAccessKey, roleKey.SecretAccessKey} {
		n := 0
		for _, r := range tr.all {
			if strings.Contains(r.stdout+r.stderr, s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("a secret access key was printed by %d commands, want 1", n)
		}
	}
}
