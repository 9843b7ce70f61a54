package iamapi_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
)

func TestUsersThroughSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client

	created, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{
		UserName: aws.String("alice"), Path: aws.String("/ops/"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("sre")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	u := created.User
	if aws.ToString(u.Arn) != "arn:aws:iam::"+account+":user/ops/alice" || aws.ToString(u.Path) != "/ops/" ||
		!strings.HasPrefix(aws.ToString(u.UserId), "AIDA") || u.CreateDate == nil || len(u.Tags) != 1 {
		t.Fatalf("CreateUser returned %+v", u)
	}
	for _, name := range []string{"alice", "ALICE"} {
		_, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(name)})
		var exists *types.EntityAlreadyExistsException
		if !asErr(err, &exists) || !strings.Contains(exists.ErrorMessage(), "already exists") {
			t.Errorf("CreateUser %s again: %v, want EntityAlreadyExistsException", name, err)
		}
	}
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("bad name")}); code(err) != "ValidationError" ||
		!strings.Contains(err.Error(), `at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+`) {
		t.Errorf("CreateUser with a space: %v", err)
	}
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("b"), PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); code(err) != "InvalidInput" {
		t.Errorf("CreateUser with a permissions boundary: %v, want InvalidInput", err)
	}
	for _, n := range []string{"bob", "carol", "dave"} {
		if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}

	got, err := c.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(aws.ToString(u.Arn), aws.ToString(got.User.Arn)); diff != "" || len(got.User.Tags) != 1 {
		t.Errorf("GetUser: %+v", got.User)
	}
	self, err := c.GetUser(ctx, &iamsdk.GetUserInput{})
	if err != nil || aws.ToString(self.User.Arn) != "arn:aws:iam::"+account+":root" {
		t.Errorf("GetUser without a name as root: %+v, %v", self, err)
	}
	_, err = c.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("nobody")})
	var nse *types.NoSuchEntityException
	if !asErr(err, &nse) || nse.ErrorMessage() != "The user with name nobody cannot be found." {
		t.Errorf("GetUser nobody: %v", err)
	}

	// Pagination: two pages of two, in name order.
	var names []string
	var marker *string
	pages := 0
	for {
		out, err := c.ListUsers(ctx, &iamsdk.ListUsersInput{MaxItems: aws.Int32(2), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.UserName))
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if diff := cmp.Diff([]string{"alice", "bob", "carol", "dave"}, names); diff != "" || pages != 2 {
		t.Errorf("ListUsers in %d pages (-want +got):\n%s", pages, diff)
	}
	out, err := c.ListUsers(ctx, &iamsdk.ListUsersInput{PathPrefix: aws.String("/ops/")})
	if err != nil || len(out.Users) != 1 || aws.ToString(out.Users[0].UserName) != "alice" {
		t.Errorf("ListUsers /ops/: %+v %v", out, err)
	}
	if _, err := c.ListUsers(ctx, &iamsdk.ListUsersInput{Marker: aws.String("bogus")}); code(err) != "ValidationError" {
		t.Errorf("ListUsers with a bogus marker: %v", err)
	}

	// Tags.
	if _, err := c.TagUser(ctx, &iamsdk.TagUserInput{UserName: aws.String("alice"), Tags: []types.Tag{
		{Key: aws.String("TEAM"), Value: aws.String("platform")}, {Key: aws.String("env"), Value: aws.String("prod")},
	}}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.ListUserTags(ctx, &iamsdk.ListUserTagsInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"TEAM": "platform", "env": "prod"}, tagMap(tags.Tags)); diff != "" {
		t.Errorf("tags after TagUser (-want +got):\n%s", diff)
	}
	if _, err := c.UntagUser(ctx, &iamsdk.UntagUserInput{UserName: aws.String("alice"), TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, _ = c.ListUserTags(ctx, &iamsdk.ListUserTagsInput{UserName: aws.String("alice")})
	if diff := cmp.Diff(map[string]string{"env": "prod"}, tagMap(tags.Tags)); diff != "" {
		t.Errorf("tags after UntagUser (-want +got):\n%s", diff)
	}

	// Rename: the ARN follows.
	if _, err := c.UpdateUser(ctx, &iamsdk.UpdateUserInput{UserName: aws.String("dave"), NewUserName: aws.String("BOB")}); code(err) != "EntityAlreadyExists" {
		t.Errorf("rename onto another user's name in another case: %v", err)
	}
	if _, err := c.UpdateUser(ctx, &iamsdk.UpdateUserInput{UserName: aws.String("dave"), NewUserName: aws.String("david"), NewPath: aws.String("/x/")}); err != nil {
		t.Fatal(err)
	}
	david, err := c.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("david")})
	if err != nil || aws.ToString(david.User.Arn) != "arn:aws:iam::"+account+":user/x/david" {
		t.Errorf("after rename: %+v %v", david, err)
	}

	// Access keys: the secret once, two at most, status, last used.
	k1, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if ak := k1.AccessKey; !strings.HasPrefix(aws.ToString(ak.AccessKeyId), "AKIA") || len(aws.ToString(ak.SecretAccessKey)) != 40 ||
		ak.Status != types.StatusTypeActive || aws.ToString(ak.UserName) != "alice" {
		t.Fatalf("CreateAccessKey: %+v", ak)
	}
	if _, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: aws.String("alice")}); code(err) != "LimitExceeded" {
		t.Errorf("third key: %v, want LimitExceeded", err)
	}
	keys, err := c.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil || len(keys.AccessKeyMetadata) != 2 {
		t.Fatalf("ListAccessKeys: %+v %v", keys, err)
	}
	id := aws.ToString(k1.AccessKey.AccessKeyId)
	if _, err := c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: aws.String(id), Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(id), Status: types.StatusTypeActive}); code(err) != "NoSuchEntity" {
		t.Errorf("UpdateAccessKey of alice's key naming bob: %v, want NoSuchEntity", err)
	}
	if _, err := c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{AccessKeyId: aws.String(id), Status: types.StatusTypeActive}); code(err) != "NoSuchEntity" {
		t.Errorf("UpdateAccessKey of alice's key as root without a user name: %v, want NoSuchEntity", err)
	}
	ak, err := e.st.GetAccessKey(ctx, id)
	if err != nil || ak.Status != "Inactive" {
		t.Errorf("stored key after UpdateAccessKey: %+v %v", ak, err)
	}
	last, err := c.GetAccessKeyLastUsed(ctx, &iamsdk.GetAccessKeyLastUsedInput{AccessKeyId: aws.String(id)})
	if err != nil || aws.ToString(last.UserName) != "alice" || aws.ToString(last.AccessKeyLastUsed.ServiceName) != "N/A" || last.AccessKeyLastUsed.LastUsedDate != nil {
		t.Errorf("GetAccessKeyLastUsed: %+v %v", last, err)
	}

	// DeleteUser refuses while keys or policies remain.
	if _, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: aws.String("alice")}); code(err) != "DeleteConflict" {
		t.Errorf("DeleteUser with keys: %v, want DeleteConflict", err)
	}
	for _, k := range keys.AccessKeyMetadata {
		if _, err := c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: aws.String("alice")}); code(err) != "DeleteConflict" {
		t.Errorf("DeleteUser with an attached policy: %v, want DeleteConflict", err)
	}
	if _, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("alice")}); code(err) != "NoSuchEntity" {
		t.Errorf("GetUser after DeleteUser: %v", err)
	}
	if strings.Contains(e.logs.String(), aws.ToString(k1.AccessKey.SecretAccessKey)) {
		t.Error("an access key's secret reached the log")
	}
}

func TestRolesThroughSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"bedrock-agentcore.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	for _, bad := range []string{`{"Version":`, `[1,2]`} {
		if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(bad)}); code(err) != "MalformedPolicyDocument" {
			t.Errorf("CreateRole with trust policy %s: %v, want MalformedPolicyDocument", bad, err)
		}
	}
	created, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{
		RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(trust), Description: aws.String("CI deploys"),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := created.Role
	if aws.ToString(r.Arn) != "arn:aws:iam::"+account+":role/deployer" || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") {
		t.Fatalf("CreateRole: %+v", r)
	}
	// AWS returns documents URL-encoded; decoding gives the document back.
	doc, err := url.QueryUnescape(aws.ToString(r.AssumeRolePolicyDocument))
	if err != nil || doc != trust {
		t.Errorf("AssumeRolePolicyDocument %q decodes to %q (%v)", aws.ToString(r.AssumeRolePolicyDocument), doc, err)
	}
	if _, err := c.UpdateRole(ctx, &iamsdk.UpdateRoleInput{RoleName: aws.String("deployer"), Description: aws.String("CD"), MaxSessionDuration: aws.Int32(7200)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: aws.String("deployer")})
	if err != nil || aws.ToString(got.Role.Description) != "CD" {
		t.Errorf("GetRole after UpdateRole: %+v %v", got, err)
	}
	if _, err := c.UpdateRole(ctx, &iamsdk.UpdateRoleInput{RoleName: aws.String("deployer"), MaxSessionDuration: aws.Int32(60)}); code(err) != "ValidationError" {
		t.Errorf("MaxSessionDuration 60: %v", err)
	}
	list, err := c.ListRoles(ctx, &iamsdk.ListRolesInput{})
	if err != nil || len(list.Roles) != 1 || aws.ToString(list.Roles[0].RoleName) != "deployer" {
		t.Errorf("ListRoles: %+v %v", list, err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreFullAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("nodelete"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"bedrock-agentcore:Delete*","Resource":"*"}}`)}); err != nil {
		t.Fatal(err)
	}
	att, err := c.ListAttachedRolePolicies(ctx, &iamsdk.ListAttachedRolePoliciesInput{RoleName: aws.String("deployer")})
	if err != nil || len(att.AttachedPolicies) != 1 || aws.ToString(att.AttachedPolicies[0].PolicyName) != "AgentCoreFullAccess" {
		t.Errorf("ListAttachedRolePolicies: %+v %v", att, err)
	}
	names, err := c.ListRolePolicies(ctx, &iamsdk.ListRolePoliciesInput{RoleName: aws.String("deployer")})
	if err != nil || !slices.Equal(names.PolicyNames, []string{"nodelete"}) {
		t.Errorf("ListRolePolicies: %+v %v", names, err)
	}
	if _, err := c.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: aws.String("deployer")}); code(err) != "DeleteConflict" {
		t.Errorf("DeleteRole with policies: %v", err)
	}
	c.DetachRolePolicy(ctx, &iamsdk.DetachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreFullAccess")})
	if _, err := c.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: aws.String("deployer")}); code(err) != "DeleteConflict" {
		t.Errorf("DeleteRole with an inline policy: %v", err)
	}
	c.DeleteRolePolicy(ctx, &iamsdk.DeleteRolePolicyInput{RoleName: aws.String("deployer"), PolicyName: aws.String("nodelete")})
	if _, err := c.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: aws.String("deployer")}); err != nil {
		t.Fatal(err)
	}
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func asErr[T error](err error, target *T) bool {
	if err == nil {
		return false
	}
	return errorsAs(err, target)
}
