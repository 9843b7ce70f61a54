package iamapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// result is the part of an EvaluationResult the tests compare.
type result struct {
	Action, Resource, Decision string
	Policy, PolicyType         string
	Start, End                 [2]int32
	Missing                    []string
}

func results(out []types.EvaluationResult) []result {
	var rs []result
	for _, r := range out {
		x := result{Action: aws.ToString(r.EvalActionName), Resource: aws.ToString(r.EvalResourceName), Decision: string(r.EvalDecision), Missing: r.MissingContextValues}
		if len(r.MatchedStatements) == 1 {
			m := r.MatchedStatements[0]
			x.Policy, x.PolicyType = aws.ToString(m.SourcePolicyId), string(m.SourcePolicyType)
			if m.StartPosition != nil && m.EndPosition != nil {
				x.Start = [2]int32{m.StartPosition.Line, m.StartPosition.Column}
				x.End = [2]int32{m.EndPosition.Line, m.EndPosition.Column}
			}
		}
		rs = append(rs, x)
	}
	return rs
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("ops")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: aws.String("ops"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AgentCoreGatewayFullAccess")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("ops"), PolicyName: aws.String("nodelete"), PolicyDocument: aws.String(denyDoc)}); err != nil {
		t.Fatal(err)
	}
	gw := "arn:aws:bedrock-agentcore:us-east-1:" + account + ":gateway/orders-abc"
	out, err := c.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + account + ":user/ops"),
		ActionNames:     []string{"bedrock-agentcore:UpdateGateway", "bedrock-agentcore:DeleteGateway", "bedrock-agentcore:CreateAgentRuntime"},
		ResourceArns:    []string{gw},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []result{
		// The built-in's only statement: lines 4–16 of its document.
		{Action: "bedrock-agentcore:UpdateGateway", Resource: gw, Decision: "allowed", Policy: "arn:aws:iam::aws:policy/AgentCoreGatewayFullAccess", PolicyType: "aws-managed", Start: [2]int32{4, 5}, End: [2]int32{15, 5}},
		// The inline Deny wins.
		{Action: "bedrock-agentcore:DeleteGateway", Resource: gw, Decision: "explicitDeny", Policy: "nodelete", PolicyType: "user", Start: [2]int32{4, 5}, End: [2]int32{9, 5}},
		{Action: "bedrock-agentcore:CreateAgentRuntime", Resource: gw, Decision: "implicitDeny"},
	}
	if diff := cmp.Diff(want, results(out.EvaluationResults), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("SimulatePrincipalPolicy (-want +got):\n%s", diff)
	}

	// Pagination of the results, and the root principal.
	page, err := c.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + account + ":root"),
		ActionNames:     []string{"iam:CreateUser", "iam:DeleteUser"}, MaxItems: aws.Int32(1),
	})
	if err != nil || len(page.EvaluationResults) != 1 || !page.IsTruncated || page.EvaluationResults[0].EvalDecision != "allowed" {
		t.Fatalf("first page as root: %+v %v", page, err)
	}
	page, err = c.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + account + ":root"),
		ActionNames:     []string{"iam:CreateUser", "iam:DeleteUser"}, MaxItems: aws.Int32(1), Marker: page.Marker,
	})
	if err != nil || len(page.EvaluationResults) != 1 || page.IsTruncated || aws.ToString(page.EvaluationResults[0].EvalActionName) != "iam:DeleteUser" {
		t.Errorf("second page: %+v %v", page, err)
	}
	if _, err := c.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + account + ":user/nobody"), ActionNames: []string{"iam:GetUser"},
	}); code(err) != "NoSuchEntity" {
		t.Errorf("simulate a missing user: %v", err)
	}
	if _, err := c.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::" + account + ":user/ops"), ActionNames: []string{"iam:GetUser"},
		ResourcePolicy: aws.String(readDoc),
	}); code(err) != "InvalidInput" {
		t.Errorf("simulate with a resource policy: %v", err)
	}
}

func TestSimulateCustomPolicyWithContext(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	doc := `{"Version":"2012-10-17","Statement":[
  {"Sid":"FromOffice","Effect":"Allow","Action":"bedrock-agentcore:*","Resource":"*",
   "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}}]}`
	run := func(entries ...types.ContextEntry) ([]result, error) {
		out, err := e.client.SimulateCustomPolicy(ctx, &iamsdk.SimulateCustomPolicyInput{
			PolicyInputList: []string{doc}, ActionNames: []string{"bedrock-agentcore:GetGateway"}, ContextEntries: entries,
		})
		if err != nil {
			return nil, err
		}
		return results(out.EvaluationResults), nil
	}
	ip := func(v string) types.ContextEntry {
		return types.ContextEntry{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: types.ContextKeyTypeEnumIp, ContextKeyValues: []string{v}}
	}
	secure := types.ContextEntry{ContextKeyName: aws.String("aws:SecureTransport"), ContextKeyType: types.ContextKeyTypeEnumBoolean, ContextKeyValues: []string{"true"}}
	got, err := run(ip("10.1.2.3"), secure)
	if err != nil {
		t.Fatal(err)
	}
	want := []result{{Action: "bedrock-agentcore:GetGateway", Resource: "*", Decision: "allowed", Policy: "PolicyInputList.1", PolicyType: "none", Start: [2]int32{2, 3}, End: [2]int32{3, 97}}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("from the office (-want +got):\n%s", diff)
	}
	got, err = run(ip("192.0.2.1"), secure)
	if err != nil || got[0].Decision != "implicitDeny" {
		t.Errorf("from elsewhere: %+v %v", got, err)
	}
	got, err = run(ip("10.1.2.3"))
	if err != nil || got[0].Decision != "implicitDeny" || !cmp.Equal(got[0].Missing, []string{"aws:SecureTransport"}) {
		t.Errorf("without aws:SecureTransport: %+v %v (want implicitDeny and it missing)", got, err)
	}
	if _, err := run(ip("not-an-ip")); code(err) != "InvalidInput" {
		t.Errorf("a bad ip value: %v", err)
	}
	if _, err := e.client.SimulateCustomPolicy(ctx, &iamsdk.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Statement":{"Effect":"Maybe"}}`}, ActionNames: []string{"x:Y"},
	}); code(err) != "MalformedPolicyDocument" {
		t.Errorf("a malformed input policy: %v", err)
	}
}
