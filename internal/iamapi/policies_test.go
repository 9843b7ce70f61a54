package iamapi_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
)

const (
	readDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["bedrock-agentcore:Get*","bedrock-agentcore:List*"],"Resource":"*"}]}`
	denyDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "NoDelete",
      "Effect": "Deny",
      "Action": "bedrock-agentcore:Delete*",
      "Resource": "*"
    }
  ]
}`
)

func TestManagedPoliciesThroughSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client

	// Malformed documents are refused with the parser's reason.
	_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"x:Y","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}}`)})
	var mal *types.MalformedPolicyDocumentException
	if !asErr(err, &mal) || !strings.Contains(mal.ErrorMessage(), "StringEqualz") {
		t.Errorf("CreatePolicy with an unknown operator: %v, want MalformedPolicyDocument naming it", err)
	}

	created, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("read"), PolicyDocument: aws.String(readDoc),
		Description: aws.String("reads"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	p := created.Policy
	arn := "arn:aws:iam::" + account + ":policy/read"
	if aws.ToString(p.Arn) != arn || aws.ToString(p.DefaultVersionId) != "v1" || !p.IsAttachable || !strings.HasPrefix(aws.ToString(p.PolicyId), "ANPA") {
		t.Fatalf("CreatePolicy: %+v", p)
	}
	if _, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: aws.String("READ"), PolicyDocument: aws.String(readDoc)}); code(err) != "EntityAlreadyExists" {
		t.Errorf("CreatePolicy READ: %v", err)
	}

	// Versions: a new default, its document URL-encoded as AWS returns it.
	v2, err := c.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(denyDoc), SetAsDefault: true})
	if err != nil || aws.ToString(v2.PolicyVersion.VersionId) != "v2" || !v2.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion: %+v %v", v2, err)
	}
	got, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	if err != nil {
		t.Fatal(err)
	}
	raw := aws.ToString(got.PolicyVersion.Document)
	if strings.ContainsAny(raw, "{\" \n") {
		t.Errorf("document not URL-encoded: %q", raw)
	}
	if doc, err := url.QueryUnescape(raw); err != nil || doc != denyDoc {
		t.Errorf("document decodes to %q (%v)", doc, err)
	}
	versions, err := c.ListPolicyVersions(ctx, &iamsdk.ListPolicyVersionsInput{PolicyArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range versions.Versions {
		ids = append(ids, aws.ToString(v.VersionId)+map[bool]string{true: "*", false: ""}[v.IsDefaultVersion])
	}
	if diff := cmp.Diff([]string{"v2*", "v1"}, ids); diff != "" {
		t.Errorf("ListPolicyVersions, newest first (-want +got):\n%s", diff)
	}
	if _, err := c.DeletePolicyVersion(ctx, &iamsdk.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")}); code(err) != "DeleteConflict" {
		t.Errorf("DeletePolicyVersion of the default: %v", err)
	}
	if _, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")}); code(err) != "NoSuchEntity" {
		t.Errorf("GetPolicyVersion v9: %v", err)
	}
	for i := 3; i <= 5; i++ {
		if _, err := c.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(readDoc)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: aws.String(arn), PolicyDocument: aws.String(readDoc)}); code(err) != "LimitExceeded" {
		t.Errorf("sixth version: %v, want LimitExceeded", err)
	}
	if _, err := c.SetDefaultPolicyVersion(ctx, &iamsdk.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}

	// Scopes: AWS is the built-ins, Local the stored ones.
	scoped := func(scope types.PolicyScopeType) []string {
		out, err := c.ListPolicies(ctx, &iamsdk.ListPoliciesInput{Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		var arns []string
		for _, p := range out.Policies {
			arns = append(arns, aws.ToString(p.Arn))
		}
		return arns
	}
	builtIns := []string{
		"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/AgentCoreFullAccess",
		"arn:aws:iam::aws:policy/AgentCoreGatewayFullAccess", "arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly",
	}
	if diff := cmp.Diff(builtIns, scoped(types.PolicyScopeTypeAws)); diff != "" {
		t.Errorf("ListPolicies Scope=AWS (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{arn}, scoped(types.PolicyScopeTypeLocal)); diff != "" {
		t.Errorf("ListPolicies Scope=Local (-want +got):\n%s", diff)
	}
	if n := len(scoped(types.PolicyScopeTypeAll)); n != 5 {
		t.Errorf("ListPolicies Scope=All: %d policies, want 5", n)
	}
	ro, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly")})
	if err != nil || aws.ToString(ro.Policy.PolicyName) != "AgentCoreGatewayReadOnly" || aws.ToString(ro.Policy.DefaultVersionId) != "v1" {
		t.Errorf("GetPolicy of a built-in: %+v %v", ro, err)
	}
	bv, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly"), VersionId: aws.String("v1")})
	if doc, _ := url.QueryUnescape(aws.ToString(bv.PolicyVersion.Document)); err != nil || !strings.Contains(doc, "bedrock-agentcore:GetGatewayTarget") {
		t.Errorf("GetPolicyVersion of a built-in: %q %v", doc, err)
	}
	if _, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); code(err) != "InvalidInput" {
		t.Errorf("DeletePolicy of a built-in: %v", err)
	}

	// Attachments.
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("u")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String("arn:aws:iam::" + account + ":policy/nope")})
	var nse *types.NoSuchEntityException
	if !asErr(err, &nse) || !strings.Contains(nse.ErrorMessage(), "policy/nope does not exist") {
		t.Errorf("attach an unknown policy: %v", err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchTemplate")}); code(err) != "NoSuchEntity" {
		t.Errorf("attach an unknown built-in: %v", err)
	}
	for _, a := range []string{arn, "arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly", arn} {
		if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	att, err := c.ListAttachedUserPolicies(ctx, &iamsdk.ListAttachedUserPoliciesInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	var attached []string
	for _, a := range att.AttachedPolicies {
		attached = append(attached, aws.ToString(a.PolicyName)+"="+aws.ToString(a.PolicyArn))
	}
	if diff := cmp.Diff([]string{"read=" + arn, "AgentCoreGatewayReadOnly=arn:aws:iam::aws:policy/AgentCoreGatewayReadOnly"}, attached); diff != "" {
		t.Errorf("ListAttachedUserPolicies (-want +got):\n%s", diff)
	}
	ents, err := c.ListEntitiesForPolicy(ctx, &iamsdk.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)})
	if err != nil || len(ents.PolicyUsers) != 1 || aws.ToString(ents.PolicyUsers[0].UserName) != "u" || len(ents.PolicyRoles) != 0 {
		t.Errorf("ListEntitiesForPolicy: %+v %v", ents, err)
	}
	gp, _ := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: aws.String(arn)})
	if aws.ToInt32(gp.Policy.AttachmentCount) != 1 {
		t.Errorf("AttachmentCount %d, want 1", aws.ToInt32(gp.Policy.AttachmentCount))
	}
	if _, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: aws.String(arn)}); code(err) != "DeleteConflict" {
		t.Errorf("DeletePolicy while attached: %v", err)
	}
	if _, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: aws.String("u"), PolicyArn: aws.String(arn)}); code(err) != "NoSuchEntity" {
		t.Errorf("detach twice: %v", err)
	}
	if _, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: aws.String(arn)}); code(err) != "DeleteConflict" {
		t.Errorf("DeletePolicy with several versions: %v", err)
	}
	for _, v := range []string{"v2", "v3", "v4", "v5"} {
		if _, err := c.DeletePolicyVersion(ctx, &iamsdk.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}

	// Inline policies.
	if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("nodelete"), PolicyDocument: aws.String(`{"Statement":`)}); code(err) != "MalformedPolicyDocument" {
		t.Errorf("PutUserPolicy malformed: %v", err)
	}
	if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("nodelete"), PolicyDocument: aws.String(denyDoc)}); err != nil {
		t.Fatal(err)
	}
	ip, err := c.GetUserPolicy(ctx, &iamsdk.GetUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("nodelete")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(ip.PolicyDocument)); doc != denyDoc || aws.ToString(ip.UserName) != "u" {
		t.Errorf("GetUserPolicy: %+v (document %q)", ip, doc)
	}
	// A document sent URL-encoded (as AWS prints them) is decoded once.
	if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("read"), PolicyDocument: aws.String(url.PathEscape(readDoc))}); err != nil {
		t.Fatalf("PutUserPolicy with a URL-encoded document: %v", err)
	}
	names, err := c.ListUserPolicies(ctx, &iamsdk.ListUserPoliciesInput{UserName: aws.String("u")})
	if err != nil || !cmp.Equal(names.PolicyNames, []string{"nodelete", "read"}) {
		t.Errorf("ListUserPolicies: %+v %v", names, err)
	}
	if _, err := c.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("nope")}); code(err) != "NoSuchEntity" {
		t.Errorf("DeleteUserPolicy nope: %v", err)
	}
	if _, err := c.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("read")}); err != nil {
		t.Fatal(err)
	}
}

func TestAfterWriteOnMutationsOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.client.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.ListUsers(ctx, &iamsdk.ListUsersInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("nobody")}); err == nil {
		t.Fatal("GetUser nobody succeeded")
	}
	if _, err := e.client.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("a"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
		t.Fatal(err)
	}
	if n := e.writes.Load(); n != 2 {
		t.Errorf("AfterWrite ran %d times, want 2 (CreateUser, AttachUserPolicy)", n)
	}
}
