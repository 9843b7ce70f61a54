package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/toolgate/toolgate/internal/iamapi"
)

// iamClient is the AWS SDK's IAM client pointed at toolgate's /iam/.
func iamClient(tg *instance, creds aws.Credentials) *iamsdk.Client {
	return iamsdk.New(iamsdk.Options{
		Region:       "us-east-1",
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		BaseEndpoint: aws.String("http://" + tg.addrs.Control + "/iam/"),
	})
}

// controlClient is the AgentCore control client signing with creds.
func controlClient(tg *instance, creds aws.Credentials) *bedrockagentcorecontrol.Client {
	return bedrockagentcorecontrol.New(bedrockagentcorecontrol.Options{
		Region:       "us-east-1",
		Credentials:  credentials.StaticCredentialsProvider{Value: creds},
		BaseEndpoint: aws.String("http://" + tg.addrs.Control),
	})
}

// extension calls toolgate's extension API signed as the CLI signs it.
func extension(t *testing.T, tg *instance, creds aws.Credentials, route string, in any) (int, string, []byte) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", "http://"+tg.addrs.Control+"/toolgate"+route, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), ExtensionSigningName, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), data
}

// newIAMUser creates a user with the given built-in policy and an access
// key through the IAM API, as an operator would.
func newIAMUser(t *testing.T, admin *iamsdk.Client, name, builtIn string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	if _, err := admin.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if builtIn != "" {
		if _, err := admin.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/" + builtIn)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := admin.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)}
}

func TestIAMAPIEndToEnd(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	root := rootCreds(t, tg.dir)
	admin := iamClient(tg, root)

	me, err := admin.GetUser(ctx, &iamsdk.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	account := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(me.User.Arn), "arn:aws:iam::"), ":root")
	if len(account) != 12 {
		t.Fatalf("GetUser as root: %s", aws.ToString(me.User.Arn))
	}

	// A customer-managed policy that lets a user manage its own keys only.
	selfService := `{"Version":"2012-10-17","Statement":[{"Sid":"OwnKeys","Effect":"Allow",
	  "Action":["iam:GetUser","iam:ListAccessKeys","iam:CreateAccessKey","iam:UpdateAccessKey"],
	  "Resource":"arn:aws:iam::*:user/${aws:username}"}]}`
	pol, err := admin.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("self-service"), PolicyDocument: aws.String(selfService)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}}}`)}); apiErrorCode(err) != "MalformedPolicyDocument" {
		t.Errorf("CreatePolicy with a bad date: %v", err)
	}
	alice := newIAMUser(t, admin, "alice", "")
	if _, err := admin.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::" + account + ":policy/missing")}); apiErrorCode(err) != "NoSuchEntity" {
		t.Errorf("attach a missing policy: %v", err)
	}

	// Alice, with her own key: her own user yes, anyone else's no.
	asAlice := iamClient(tg, alice)
	self, err := asAlice.GetUser(ctx, &iamsdk.GetUserInput{})
	if err != nil || aws.ToString(self.User.Arn) != "arn:aws:iam::"+account+":user/alice" {
		t.Fatalf("GetUser as alice: %+v %v", self, err)
	}
	second, err := asAlice.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{})
	if err != nil {
		t.Fatalf("alice creates her second key: %v", err)
	}
	_, err = asAlice.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("mallory")})
	if apiErrorCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+account+":user/mallory") {
		t.Errorf("alice creates a user: %v, want AccessDenied naming iam:CreateUser and the new user's ARN", err)
	}
	if _, err := asAlice.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: aws.String("root-ish")}); apiErrorCode(err) != "AccessDenied" {
		t.Errorf("alice lists another user's keys: %v", err)
	}

	// The simulator agrees with what just happened.
	sim, err := admin.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + account + ":user/alice"),
		ActionNames:     []string{"iam:CreateAccessKey", "iam:CreateUser"},
		ResourceArns:    []string{"arn:aws:iam::" + account + ":user/alice"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := sim.EvaluationResults; len(r) != 2 || r[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed ||
		len(r[0].MatchedStatements) != 1 || aws.ToString(r[0].MatchedStatements[0].SourcePolicyId) != aws.ToString(pol.Policy.Arn) ||
		r[1].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Errorf("SimulatePrincipalPolicy: %+v", r)
	}

	// Deactivating a key: it stops authenticating at once.
	if _, err := admin.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: second.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	secondCreds := aws.Credentials{AccessKeyID: aws.ToString(second.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(second.AccessKey.SecretAccessKey)}
	// The refusal is IAM's own XML error, which the SDK decodes.
	if _, err := iamClient(tg, secondCreds).GetUser(ctx, &iamsdk.GetUserInput{}); apiErrorCode(err) != "InvalidClientTokenId" {
		t.Errorf("an inactive key: %v, want InvalidClientTokenId", err)
	}
	if _, err := admin.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: aws.String("alice")}); apiErrorCode(err) != "DeleteConflict" {
		t.Errorf("DeleteUser with keys: %v", err)
	}
	// Unsigned requests are refused before the IAM handler runs.
	resp, err := http.PostForm("http://"+tg.addrs.Control+"/iam/", url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned ListUsers: HTTP %d, want 403", resp.StatusCode)
	}
	if strings.Contains(tg.logs.String(), alice.SecretAccessKey) || strings.Contains(tg.logs.String(), secondCreds.SecretAccessKey) {
		t.Error("an access key's secret reached the server log")
	}
}

// TestSeedPoliciesThroughSDK drives the AgentCore control API with two
// non-root principals made through the IAM API: one with the documented
// read-only policy, one with the documented gateway full-access policy.
func TestSeedPoliciesThroughSDK(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	root := rootCreds(t, tg.dir)
	admin := iamClient(tg, root)
	up, _ := upstream(t)
	gw := weatherGateway(t, tg, "seed", up.URL)
	targets, err := tg.control.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
	if err != nil || len(targets.Items) != 1 {
		t.Fatalf("ListGatewayTargets as root: %+v %v", targets, err)
	}
	targetID := targets.Items[0].TargetId
	gwARN := aws.ToString(gw.GatewayArn)

	reader := controlClient(tg, newIAMUser(t, admin, "reader", "AgentCoreGatewayReadOnly"))
	operatorCreds := newIAMUser(t, admin, "operator", "AgentCoreGatewayFullAccess")
	operator := controlClient(tg, operatorCreds)

	// Read-only: every read allowed.
	reads := map[string]func() error{
		"ListGateways": func() error {
			_, err := reader.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{})
			return err
		},
		"GetGateway": func() error {
			_, err := reader.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: gw.GatewayId})
			return err
		},
		"ListGatewayTargets": func() error {
			_, err := reader.ListGatewayTargets(ctx, &bedrockagentcorecontrol.ListGatewayTargetsInput{GatewayIdentifier: gw.GatewayId})
			return err
		},
		"GetGatewayTarget": func() error {
			_, err := reader.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: targetID})
			return err
		},
	}
	for op, call := range reads {
		if err := call(); err != nil {
			t.Errorf("read-only %s: %v", op, err)
		}
	}
	// ... and every mutation refused, naming the action and the resource.
	target := &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
		Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(up.URL, "http://"))},
	}}
	mutations := []struct {
		op, resource string
		call         func(c *bedrockagentcorecontrol.Client) error
	}{
		{"CreateGateway", "arn:aws:bedrock-agentcore:us-east-1:", func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{Name: aws.String("nope"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp})
			return err
		}},
		{"UpdateGateway", gwARN, func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.UpdateGateway(ctx, &bedrockagentcorecontrol.UpdateGatewayInput{GatewayIdentifier: gw.GatewayId, Name: aws.String("seed"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp})
			return err
		}},
		{"DeleteGateway", gwARN, func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.DeleteGateway(ctx, &bedrockagentcorecontrol.DeleteGatewayInput{GatewayIdentifier: gw.GatewayId})
			return err
		}},
		{"CreateGatewayTarget", gwARN, func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{GatewayIdentifier: gw.GatewayId, Name: aws.String("t2"), TargetConfiguration: target})
			return err
		}},
		{"UpdateGatewayTarget", gwARN, func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.UpdateGatewayTarget(ctx, &bedrockagentcorecontrol.UpdateGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: targetID, Name: aws.String("weather"), TargetConfiguration: target})
			return err
		}},
		{"DeleteGatewayTarget", gwARN, func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.DeleteGatewayTarget(ctx, &bedrockagentcorecontrol.DeleteGatewayTargetInput{GatewayIdentifier: gw.GatewayId, TargetId: targetID})
			return err
		}},
		{"SynchronizeGatewayTargets", gwARN, func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.SynchronizeGatewayTargets(ctx, &bedrockagentcorecontrol.SynchronizeGatewayTargetsInput{GatewayIdentifier: gw.GatewayId, TargetIdList: []string{aws.ToString(targetID)}})
			return err
		}},
		{"CreateApiKeyCredentialProvider", "arn:aws:bedrock-agentcore:us-east-1:", func(c *bedrockagentcorecontrol.Client) error {
			_, err := c.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{Name: aws.String("k2"), ApiKey: aws.String("x")})
			return err
		}},
	}
	for _, m := range mutations {
		err := m.call(reader)
		want := "User: arn:aws:iam::"
		if apiErrorCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), want) ||
			!strings.Contains(err.Error(), "is not authorized to perform: bedrock-agentcore:"+m.op+" on resource: "+m.resource) ||
			strings.Contains(err.Error(), "GatewayReadOnly") {
			t.Errorf("read-only %s: %v, want AccessDeniedException naming bedrock-agentcore:%s on %s…", m.op, err, m.op, m.resource)
		}
	}

	// Gateway full access: create, update and delete gateways and targets.
	created, err := operator.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("opgw"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp,
	})
	if err != nil {
		t.Fatalf("full access CreateGateway: %v", err)
	}
	if _, err := operator.UpdateGateway(ctx, &bedrockagentcorecontrol.UpdateGatewayInput{GatewayIdentifier: created.GatewayId, Name: aws.String("opgw"),
		Description: aws.String("updated"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp}); err != nil {
		t.Errorf("full access UpdateGateway: %v", err)
	}
	tgt, err := operator.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{GatewayIdentifier: created.GatewayId, Name: aws.String("w"), TargetConfiguration: target})
	if err != nil {
		t.Fatalf("full access CreateGatewayTarget: %v", err)
	}
	if _, err := operator.UpdateGatewayTarget(ctx, &bedrockagentcorecontrol.UpdateGatewayTargetInput{GatewayIdentifier: created.GatewayId, TargetId: tgt.TargetId, Name: aws.String("w2"), TargetConfiguration: target}); err != nil {
		t.Errorf("full access UpdateGatewayTarget: %v", err)
	}
	if _, err := operator.GetGatewayTarget(ctx, &bedrockagentcorecontrol.GetGatewayTargetInput{GatewayIdentifier: created.GatewayId, TargetId: tgt.TargetId}); err != nil {
		t.Errorf("full access GetGatewayTarget: %v", err)
	}
	if _, err := operator.DeleteGatewayTarget(ctx, &bedrockagentcorecontrol.DeleteGatewayTargetInput{GatewayIdentifier: created.GatewayId, TargetId: tgt.TargetId}); err != nil {
		t.Errorf("full access DeleteGatewayTarget: %v", err)
	}

	// A Deny inline policy overrides the Allow, and takes effect at once.
	if _, err := admin.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("no-delete"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Sid":"NoDelete","Effect":"Deny","Action":"bedrock-agentcore:DeleteGateway","Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	_, err = operator.DeleteGateway(ctx, &bedrockagentcorecontrol.DeleteGatewayInput{GatewayIdentifier: created.GatewayId})
	if apiErrorCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "with an explicit deny") || strings.Contains(err.Error(), "NoDelete") {
		t.Errorf("DeleteGateway under an explicit deny: %v", err)
	}
	if _, err := admin.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("no-delete")}); err != nil {
		t.Fatal(err)
	}
	if _, err := operator.DeleteGateway(ctx, &bedrockagentcorecontrol.DeleteGatewayInput{GatewayIdentifier: created.GatewayId}); err != nil {
		t.Errorf("full access DeleteGateway once the deny is gone: %v", err)
	}

	// Deactivating the operator's key makes it fail.
	if _, err := admin.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: aws.String("operator"), AccessKeyId: aws.String(operatorCreds.AccessKeyID), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if _, err := operator.GetGateway(ctx, &bedrockagentcorecontrol.GetGatewayInput{GatewayIdentifier: gw.GatewayId}); apiErrorCode(err) != "UnrecognizedClientException" {
		t.Errorf("a deactivated key: %v, want UnrecognizedClientException", err)
	}

	// Root can be disabled only once another administrator exists.
	status, code, body := extension(t, tg, root, iamapi.RouteDisableRoot, struct{}{})
	if status != 409 || code != "ConflictException" {
		t.Errorf("disable root with no other administrator: %d %s %s", status, code, body)
	}
	adminCreds := newIAMUser(t, admin, "admin", "AdministratorAccess")
	if status, code, body := extension(t, tg, root, iamapi.RouteDisableRoot, struct{}{}); status != 200 {
		t.Fatalf("disable root with an administrator: %d %s %s", status, code, body)
	}
	if _, err := tg.control.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{}); apiErrorCode(err) != "UnrecognizedClientException" {
		t.Errorf("the disabled root's key: %v", err)
	}
	if _, err := controlClient(tg, adminCreds).ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{}); err != nil {
		t.Errorf("the administrator after root is disabled: %v", err)
	}
	if status, code, body := extension(t, tg, adminCreds, iamapi.RouteEnableRoot, struct{}{}); status != 200 {
		t.Fatalf("enable root: %d %s %s", status, code, body)
	}
	if _, err := tg.control.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{}); err != nil {
		t.Errorf("root after it is enabled again: %v", err)
	}
	// The read-only principal may not touch root.
	readerCreds := newIAMUser(t, admin, "reader2", "AgentCoreGatewayReadOnly")
	if status, code, _ := extension(t, tg, readerCreds, iamapi.RouteDisableRoot, struct{}{}); status != 403 || code != "AccessDeniedException" {
		t.Errorf("read-only disables root: %d %s", status, code)
	}
}

// TestRoleWithAccessKeys: a role given keys through the extension API signs
// as itself and is authorised by its policies.
func TestRoleWithAccessKeys(t *testing.T) {
	ctx := context.Background()
	tg := start(t, t.TempDir())
	root := rootCreds(t, tg.dir)
	admin := iamClient(tg, root)
	if _, err := admin.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("ci"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: aws.String("ci"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly")}); err != nil {
		t.Fatal(err)
	}
	status, code, body := extension(t, tg, root, iamapi.RouteCreateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci"})
	if status != 200 {
		t.Fatalf("create-role-access-key: %d %s %s", status, code, body)
	}
	var out struct{ AccessKey iamapi.RoleAccessKey }
	json.Unmarshal(body, &out)
	ci := controlClient(tg, aws.Credentials{AccessKeyID: out.AccessKey.AccessKeyID, SecretAccessKey: out.AccessKey.SecretAccessKey})
	if _, err := ci.ListGateways(ctx, &bedrockagentcorecontrol.ListGatewaysInput{}); err != nil {
		t.Errorf("the role reads: %v", err)
	}
	_, err := ci.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{Name: aws.String("x"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp})
	if apiErrorCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), ":role/ci is not authorized") {
		t.Errorf("the role creates a gateway: %v", err)
	}
}
