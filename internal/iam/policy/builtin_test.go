package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	testGateway = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/sales-gw-abcdefghij"
	testTarget  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/sales-gw-abcdefghij/target/ABCDEFGHIJ"
	testVault   = "arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default"
	testAPIKey  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/apikeycredentialprovider/weather"
	testWID     = "arn:aws:bedrock-agentcore:us-east-1:111122223333:workload-identity-directory/default/workload-identity/agent"
	testMemory  = "arn:aws:bedrock-agentcore:us-east-1:111122223333:memory/m-1"
)

func TestBuiltInNames(t *testing.T) {
	want := []string{"AdministratorAccess", "AgentCoreFullAccess", "AgentCoreGatewayFullAccess", "AgentCoreGatewayReadOnly"}
	if diff := cmp.Diff(want, BuiltInNames()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, name := range want {
		p, ok := BuiltIn(name)
		if !ok || p.Name != name || p.Version != Version2012 {
			t.Fatalf("BuiltIn(%q) = %+v, %v", name, p, ok)
		}
		// The document text parses to the same policy.
		if _, err := Parse(p.Document()); err != nil {
			t.Errorf("%s document: %v", name, err)
		}
		// Copies are independent.
		p.Name = "renamed"
		if q, _ := BuiltIn(name); q.Name != name {
			t.Errorf("BuiltIn(%q) shares its Name", name)
		}
	}
	if _, ok := BuiltIn("PowerUserAccess"); ok {
		t.Error("BuiltIn(PowerUserAccess) exists")
	}
	admin, _ := BuiltIn("AdministratorAccess")
	for _, a := range []string{"iam:CreateUser", "bedrock-agentcore:DeleteGateway", "cognito-idp:CreateUserPool", "toolgate:QueryAuditEvents"} {
		if !Evaluate([]*Policy{admin}, Request{Action: a, Resource: "*"}).Allowed {
			t.Errorf("AdministratorAccess refuses %s", a)
		}
	}
}

func TestBuiltInFullAccess(t *testing.T) {
	p, _ := BuiltIn("AgentCoreFullAccess")
	for _, op := range controlPlaneOperations {
		for _, res := range []string{"*", testGateway, testVault, testMemory} {
			if d := Evaluate([]*Policy{p}, Request{Action: "bedrock-agentcore:" + op, Resource: res}); !d.Allowed {
				t.Errorf("%s on %s: %v", op, res, d)
			}
		}
	}
	for _, a := range []string{"bedrock-agentcore:InvokeGateway", "BEDROCK-AGENTCORE:getgateway"} {
		if !Evaluate([]*Policy{p}, Request{Action: a, Resource: testGateway}).Allowed {
			t.Errorf("%s refused", a)
		}
	}
	for _, a := range []string{"iam:CreateUser", "bedrock:InvokeModel", "bedrock-agentcore-control:GetGateway"} {
		if Evaluate([]*Policy{p}, Request{Action: a, Resource: "*"}).Allowed {
			t.Errorf("%s allowed", a)
		}
	}
}

func TestBuiltInGatewayReadOnly(t *testing.T) {
	p, _ := BuiltIn("AgentCoreGatewayReadOnly")
	reads := []string{"ListGateways", "GetGateway", "ListGatewayTargets", "GetGatewayTarget"}
	var allowed []string
	for _, op := range controlPlaneOperations {
		for _, res := range []string{"*", testGateway, testTarget} {
			d := Evaluate([]*Policy{p}, Request{Action: "bedrock-agentcore:" + op, Resource: res})
			want := slices.Contains(reads, op)
			if d.Allowed != want {
				t.Errorf("%s on %s: %v, want allowed=%v", op, res, d, want)
			}
			if d.Allowed && res == "*" {
				allowed = append(allowed, op)
			}
		}
	}
	slices.Sort(allowed)
	if diff := cmp.Diff([]string{"GetGateway", "GetGatewayTarget", "ListGatewayTargets", "ListGateways"}, allowed); diff != "" {
		t.Errorf("allowed operations (-want +got):\n%s", diff)
	}
	// Every mutation is refused, explicitly listed as the issue asks.
	for _, op := range []string{
		"CreateGateway", "UpdateGateway", "DeleteGateway",
		"CreateGatewayTarget", "UpdateGatewayTarget", "DeleteGatewayTarget", "SynchronizeGatewayTargets",
		"CreateApiKeyCredentialProvider", "UpdateApiKeyCredentialProvider", "DeleteApiKeyCredentialProvider",
		"CreateOauth2CredentialProvider", "CreateWorkloadIdentity", "DeleteWorkloadIdentity",
		"CreateGatewayRule", "CreateGatewayRateLimit", "BatchPutGatewayRateLimits",
		"TagResource", "UntagResource", "PutResourcePolicy", "SetTokenVaultCMK", "InvokeGateway",
	} {
		if d := Evaluate([]*Policy{p}, Request{Action: "bedrock-agentcore:" + op, Resource: testGateway}); d.Allowed || d.Reason != ReasonImplicitDeny {
			t.Errorf("%s: %v", op, d)
		}
	}
	// Every operation that is not a Get/List is a mutation; none is allowed.
	for _, op := range controlPlaneOperations {
		if strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List") {
			continue
		}
		if Evaluate([]*Policy{p}, Request{Action: "bedrock-agentcore:" + op, Resource: "*"}).Allowed {
			t.Errorf("mutation %s allowed", op)
		}
	}
}

// TestBuiltInGatewayFullAccess follows the documented policy to the letter:
// actions *Gateway*, *WorkloadIdentity, *CredentialProvider, *Token*,
// *Access* on ARNs matching arn:aws:bedrock-agentcore:*:*:*gateway*.
func TestBuiltInGatewayFullAccess(t *testing.T) {
	p, _ := BuiltIn("AgentCoreGatewayFullAccess")
	tests := []struct {
		op, resource string
		want         bool
	}{
		{"CreateGateway", testGateway, true},
		{"UpdateGateway", testGateway, true},
		{"DeleteGateway", testGateway, true},
		{"GetGateway", testGateway, true},
		{"InvokeGateway", testGateway, true},
		{"CreateGatewayTarget", testGateway, true},
		{"GetGatewayTarget", testTarget, true},
		{"DeleteGatewayTarget", testTarget, true},
		{"SynchronizeGatewayTargets", testGateway, true},
		{"CreateGatewayRule", testGateway, true},
		{"BatchPutGatewayRateLimits", testGateway, true},
		{"ListGatewayTargets", testGateway, true},
		// The action patterns match, and the resource is a gateway's.
		{"CreateWorkloadIdentity", testGateway, true},
		{"CreateApiKeyCredentialProvider", testGateway, true},
		{"GetTokenVault", testGateway, true},
		{"GetResourceOauth2Token", testGateway, true},
		{"GetWorkloadAccessToken", testGateway, true},
		// Case of the action is irrelevant.
		{"getgateway", testGateway, true},
		// Actions outside the patterns are refused even on a gateway.
		{"ListWorkloadIdentities", testGateway, false}, // *WorkloadIdentity needs the suffix
		{"ListApiKeyCredentialProviders", testGateway, false},
		{"CreateMemory", testGateway, false},
		{"TagResource", testGateway, false},
		{"CreatePolicyEngine", testGateway, false},
		{"DeleteAgentRuntime", testGateway, false},
		// Resources that are not gateways are refused: the documented
		// resource pattern requires "gateway" in the resource part.
		{"CreateGateway", testMemory, false},
		{"CreateApiKeyCredentialProvider", testAPIKey, false},
		{"CreateWorkloadIdentity", testWID, false},
		{"GetTokenVault", testVault, false},
		{"ListGateways", "*", false},
		{"GetGateway", "arn:aws:bedrock-agentcore:us-east-1:111122223333:Gateway/x", false},
	}
	for _, tt := range tests {
		d := Evaluate([]*Policy{p}, Request{Action: "bedrock-agentcore:" + tt.op, Resource: tt.resource})
		if d.Allowed != tt.want {
			t.Errorf("%s on %s: %v, want allowed=%v", tt.op, tt.resource, d, tt.want)
		}
		if d.Allowed && (d.Statement == nil || d.Statement.Sid != "GatewayManagement") {
			t.Errorf("%s: decided by %v", tt.op, d.Statement)
		}
	}
	// With every control-plane operation on a gateway ARN, exactly the ones
	// whose name matches a pattern are allowed.
	for _, op := range controlPlaneOperations {
		lo := strings.ToLower(op)
		want := strings.Contains(lo, "gateway") || strings.HasSuffix(lo, "workloadidentity") ||
			strings.HasSuffix(lo, "credentialprovider") || strings.Contains(lo, "token") || strings.Contains(lo, "access")
		if got := Evaluate([]*Policy{p}, Request{Action: "bedrock-agentcore:" + op, Resource: testGateway}).Allowed; got != want {
			t.Errorf("%s on a gateway: allowed=%v, want %v", op, got, want)
		}
	}
}

// TestBuiltInsCombined: two principals' policy sets, plus a Deny guardrail
// layered over full access.
func TestBuiltInsCombined(t *testing.T) {
	full, _ := BuiltIn("AgentCoreFullAccess")
	ro, _ := BuiltIn("AgentCoreGatewayReadOnly")
	guard := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"NoGatewayDeletes","Effect":"Deny","Action":"bedrock-agentcore:Delete*","Resource":"arn:aws:bedrock-agentcore:*:*:gateway/*"}}`)
	guard.Name = "NoDeletes"
	admin := []*Policy{ro, full, guard}
	reader := []*Policy{ro}
	for _, tt := range []struct {
		policies []*Policy
		op, res  string
		want     Decision
	}{
		{admin, "CreateGateway", testGateway, Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{Policy: 1, PolicyName: "AgentCoreFullAccess", Sid: "AgentCoreFullAccess"}}},
		{admin, "GetGateway", testGateway, Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{Policy: 0, PolicyName: "AgentCoreGatewayReadOnly", Sid: "GatewayReadOnly"}}},
		{admin, "DeleteGatewayTarget", testTarget, Decision{Reason: ReasonExplicitDeny, Statement: &StatementRef{Policy: 2, PolicyName: "NoDeletes", Sid: "NoGatewayDeletes"}}},
		{admin, "DeleteMemory", testMemory, Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{Policy: 1, PolicyName: "AgentCoreFullAccess", Sid: "AgentCoreFullAccess"}}},
		{reader, "CreateGateway", testGateway, Decision{Reason: ReasonImplicitDeny}},
		{reader, "ListGateways", "*", Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{PolicyName: "AgentCoreGatewayReadOnly", Sid: "GatewayReadOnly"}}},
	} {
		got := Evaluate(tt.policies, Request{Action: "bedrock-agentcore:" + tt.op, Resource: tt.res})
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s on %s (-want +got):\n%s", tt.op, tt.res, diff)
		}
	}
}
