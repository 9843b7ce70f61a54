package policy

import (
	"testing"
)

// BenchmarkEvaluate evaluates a realistic principal: the gateway
// full-access and read-only built-ins plus a guardrail policy with
// conditions, for an allowed request that has to consider every statement.
func BenchmarkEvaluate(b *testing.B) {
	gw, _ := BuiltIn("AgentCoreGatewayFullAccess")
	ro, _ := BuiltIn("AgentCoreGatewayReadOnly")
	guard := mustParse(b, `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "DenyInsecure", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "DenyOutsideNetwork", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "10.0.0.0/8", "2001:DB8::/32"]}}},
    {"Sid": "DenyOthersGateways", "Effect": "Deny", "Action": "bedrock-agentcore:*Gateway*",
     "Resource": "arn:aws:bedrock-agentcore:*:*:gateway/*",
     "Condition": {"StringNotEquals": {"aws:ResourceTag/owner": "${aws:username}"}, "Null": {"aws:ResourceTag/owner": "false"}}},
    {"Sid": "DenyAfterContract", "Effect": "Deny", "Action": "*", "Resource": "*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
    {"Sid": "DenyUnapprovedTags", "Effect": "Deny", "Action": "bedrock-agentcore:Create*", "Resource": "*",
     "Condition": {"ForAnyValue:StringNotLike": {"aws:TagKeys": ["owner", "env", "cost-*"]}}}
  ]
}`)
	policies := []*Policy{ro, gw, guard}
	req := Request{
		Action:   "bedrock-agentcore:UpdateGatewayTarget",
		Resource: "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/sales-gw-abcdefghij/target/ABCDEFGHIJ",
		Context: map[string][]string{
			"aws:SecureTransport":   {"true"},
			"aws:SourceIp":          {"10.1.2.3"},
			"aws:CurrentTime":       {"2026-05-01T12:00:00Z"},
			"aws:EpochTime":         {"1777636800"},
			"aws:username":          {"alice"},
			"aws:PrincipalArn":      {"arn:aws:iam::111122223333:user/alice"},
			"aws:ResourceTag/owner": {"alice"},
		},
	}
	if d := Evaluate(policies, req); !d.Allowed || d.Statement.Sid != "GatewayManagement" {
		b.Fatalf("decision %v", d)
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(policies, req)
	}
}

// BenchmarkEvaluateImplicitDeny is the worst case for the read-only
// principal: nothing matches.
func BenchmarkEvaluateImplicitDeny(b *testing.B) {
	ro, _ := BuiltIn("AgentCoreGatewayReadOnly")
	policies := []*Policy{ro}
	req := Request{Action: "bedrock-agentcore:DeleteGateway", Resource: "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g-1"}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(policies, req)
	}
}

func BenchmarkParse(b *testing.B) {
	doc, _ := BuiltIn("AgentCoreGatewayFullAccess")
	text := doc.Document()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}
