package iamapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iamapi"
	"github.com/toolgate/toolgate/internal/store"
)

// ext calls an extension route and decodes the answer into out.
func (e *env) ext(route string, in, out any) (int, string) {
	e.t.Helper()
	body, _ := json.Marshal(in)
	resp, err := http.Post(e.srv.URL+"/toolgate"+route, "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(resp.Body).Decode(&raw)
	if resp.StatusCode == 200 && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatal(err)
		}
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType")
}

func TestRoleAccessKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if status, code := e.ext(iamapi.RouteCreateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci"}, nil); status != 404 || code != "NoSuchEntity" {
		t.Errorf("key for a missing role: %d %s", status, code)
	}
	if _, err := e.client.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("ci"), AssumeRolePolicyDocument: aws.String(`{"Statement":[]}`)}); err != nil {
		t.Fatal(err)
	}
	var created struct{ AccessKey iamapi.RoleAccessKey }
	if status, code := e.ext(iamapi.RouteCreateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci"}, &created); status != 200 {
		t.Fatalf("create-role-access-key: %d %s", status, code)
	}
	k := created.AccessKey
	if k.RoleName != "ci" || !strings.HasPrefix(k.AccessKeyID, "AKIA") || len(k.SecretAccessKey) != 40 || k.Status != "Active" {
		t.Fatalf("created %+v", k)
	}
	secret, p, err := e.keys.Secret(ctx, k.AccessKeyID)
	if err != nil || secret != k.SecretAccessKey || p.Kind != store.PrincipalRole || p.ARN != "arn:aws:iam::"+account+":role/ci" {
		t.Fatalf("the key does not authenticate as the role: %+v %v", p, err)
	}
	var listed struct{ AccessKeys []iamapi.RoleAccessKey }
	e.ext(iamapi.RouteListRoleAccessKeys, iamapi.RoleKeyRequest{RoleName: "ci"}, &listed)
	if len(listed.AccessKeys) != 1 || listed.AccessKeys[0].AccessKeyID != k.AccessKeyID || listed.AccessKeys[0].SecretAccessKey != "" {
		t.Errorf("list-role-access-keys: %+v", listed)
	}
	e.ext(iamapi.RouteCreateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci"}, nil)
	if status, code := e.ext(iamapi.RouteCreateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci"}, nil); status != 409 || code != "LimitExceeded" {
		t.Errorf("third role key: %d %s", status, code)
	}
	if status, code := e.ext(iamapi.RouteUpdateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci", AccessKeyID: k.AccessKeyID, Status: "Paused"}, nil); status != 400 || code != "ValidationError" {
		t.Errorf("status Paused: %d %s", status, code)
	}
	if status, _ := e.ext(iamapi.RouteUpdateRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci", AccessKeyID: k.AccessKeyID, Status: "Inactive"}, nil); status != 200 {
		t.Errorf("deactivate: %d", status)
	}
	if _, _, err := e.keys.Secret(ctx, k.AccessKeyID); !errors.Is(err, iam.ErrUnknownKey) {
		t.Errorf("an inactive role key still authenticates: %v", err)
	}
	if _, err := e.client.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: aws.String("ci")}); code(err) != "DeleteConflict" {
		t.Errorf("DeleteRole with keys: %v", err)
	}
	// A user's key is not the role's.
	e.client.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("u")})
	uk, err := e.client.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	if status, code := e.ext(iamapi.RouteDeleteRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci", AccessKeyID: aws.ToString(uk.AccessKey.AccessKeyId)}, nil); status != 404 || code != "NoSuchEntity" {
		t.Errorf("delete a user's key through a role: %d %s", status, code)
	}
	e.ext(iamapi.RouteListRoleAccessKeys, iamapi.RoleKeyRequest{RoleName: "ci"}, &listed)
	for _, rk := range listed.AccessKeys {
		if status, _ := e.ext(iamapi.RouteDeleteRoleAccessKey, iamapi.RoleKeyRequest{RoleName: "ci", AccessKeyID: rk.AccessKeyID}, nil); status != 200 {
			t.Errorf("delete %s: %d", rk.AccessKeyID, status)
		}
	}
	if _, err := e.client.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: aws.String("ci")}); err != nil {
		t.Errorf("DeleteRole after its keys are gone: %v", err)
	}
	if strings.Contains(e.logs.String(), k.SecretAccessKey) {
		t.Error("a role key's secret reached the log")
	}
}

func TestDisableRootNeedsAnotherAdministrator(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	refused := func(why string) {
		t.Helper()
		if status, code := e.ext(iamapi.RouteDisableRoot, struct{}{}, nil); status != 409 || code != "ConflictException" {
			t.Errorf("%s: disable-root answered %d %s, want 409 ConflictException", why, status, code)
		}
		if p, _ := e.st.GetPrincipal(ctx, e.root.ID); p.Disabled {
			t.Fatalf("%s: root disabled", why)
		}
	}
	refused("no other principal")

	// The setup must succeed, or a refusal below proves nothing.
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	must(c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("admin")}))
	must(c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
	refused("an administrator without an access key")

	must(c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("ops")}))
	must(c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("ops"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreFullAccess")}))
	must(c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("ops")}))
	refused("a principal with a key but no IAM administration")

	// An administrator only from one network does not count: the check
	// cannot know where the next request comes from.
	must(c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("office")}))
	must(c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("office"), PolicyName: aws.String("admin"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`)}))
	must(c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("office")}))
	refused("an administrator only from 10.0.0.0/8")

	key, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	admins, err := e.h.Administrators(ctx)
	if err != nil || len(admins) != 1 || admins[0] != "arn:aws:iam::"+account+":user/admin" {
		t.Errorf("Administrators: %v %v", admins, err)
	}
	var st iamapi.RootStatus
	if status, code := e.ext(iamapi.RouteDisableRoot, struct{}{}, &st); status != 200 || !st.Disabled || st.RootARN != "arn:aws:iam::"+account+":root" {
		t.Fatalf("disable-root with an administrator: %d %s %+v", status, code, st)
	}
	keys, _ := e.st.ListAccessKeys(ctx, e.root.ID)
	if _, _, err := e.keys.Secret(ctx, keys[0].ID); !errors.Is(err, iam.ErrUnknownKey) {
		t.Errorf("the disabled root's key still authenticates: %v", err)
	}
	if status, _ := e.ext(iamapi.RouteDisableRoot, struct{}{}, &st); status != 200 || !st.Disabled {
		t.Errorf("disabling twice: %d %+v", status, st)
	}

	// While root is disabled, the last administrator cannot lock itself out.
	adminARN := aws.String("arn:aws:iam::aws:policy/AdministratorAccess")
	if _, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: adminARN}); code(err) != "DeleteConflict" ||
		!strings.Contains(err.Error(), "only administrator") {
		t.Errorf("the last administrator detaches AdministratorAccess: %v", err)
	}
	if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("admin"), PolicyName: aws.String("deny"),
		PolicyDocument: aws.String(`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`)}); code(err) != "DeleteConflict" {
		t.Errorf("the last administrator denies itself everything: %v", err)
	}
	if _, err := c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: aws.String("admin"), AccessKeyId: key.AccessKey.AccessKeyId, Status: "Inactive"}); code(err) != "DeleteConflict" {
		t.Errorf("the last administrator deactivates its only key: %v", err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: aws.String("admin"), AccessKeyId: key.AccessKey.AccessKeyId}); code(err) != "DeleteConflict" {
		t.Errorf("the last administrator deletes its only key: %v", err)
	}
	// Rotation stays possible: a second key, then the first goes.
	if _, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("admin")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: aws.String("admin"), AccessKeyId: key.AccessKey.AccessKeyId}); err != nil {
		t.Errorf("rotating the last administrator's key: %v", err)
	}
	// Other principals are not held back.
	if _, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: aws.String("ops"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreFullAccess")}); err != nil {
		t.Errorf("detach from another user: %v", err)
	}
	if status, _ := e.ext(iamapi.RouteEnableRoot, struct{}{}, &st); status != 200 || st.Disabled {
		t.Errorf("enable-root: %d %+v", status, st)
	}
	if _, _, err := e.keys.Secret(ctx, keys[0].ID); err != nil {
		t.Errorf("the re-enabled root's key: %v", err)
	}
	if _, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: adminARN}); err != nil {
		t.Errorf("detach AdministratorAccess once root is back: %v", err)
	}
}
