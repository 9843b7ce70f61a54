package policy

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// allowed evaluates one request against a single-statement Allow policy.
func allowed(t *testing.T, statement string, req Request) bool {
	t.Helper()
	p := mustParse(t, `{"Version":"2012-10-17","Statement":`+statement+`}`)
	return Evaluate([]*Policy{p}, req).Allowed
}

func q(s string) string { return strconv.Quote(s) }

func TestActionMatching(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{"*", "bedrock-agentcore:GetGateway", true},
		{"*", "", true},
		{"bedrock-agentcore:*", "bedrock-agentcore:GetGateway", true},
		{"bedrock-agentcore:*", "bedrock-agentcore-control:GetGateway", false},
		{"bedrock-agentcore:*", "s3:GetObject", false},
		{"bedrock-agentcore:GetGateway", "bedrock-agentcore:GetGateway", true},
		{"bedrock-agentcore:GetGateway", "bedrock-agentcore:GetGatewayTarget", false},
		{"bedrock-agentcore:GetGateway", "bedrock-agentcore:GetGatewa", false},
		// Case-insensitive, in both the service and the action name.
		{"bedrock-agentcore:getgateway", "bedrock-agentcore:GetGateway", true},
		{"Bedrock-AgentCore:GetGateway", "bedrock-agentcore:GETGATEWAY", true},
		{"bedrock-agentcore:*gateway*", "bedrock-agentcore:ListGatewayTargets", true},
		{"bedrock-agentcore:*Gateway*", "bedrock-agentcore:CreateGateway", true},
		{"bedrock-agentcore:*Gateway*", "bedrock-agentcore:Gateway", true},
		{"bedrock-agentcore:*Gateway*", "bedrock-agentcore:CreateWorkloadIdentity", false},
		{"bedrock-agentcore:*WorkloadIdentity", "bedrock-agentcore:CreateWorkloadIdentity", true},
		{"bedrock-agentcore:*WorkloadIdentity", "bedrock-agentcore:ListWorkloadIdentities", false},
		// '?' is exactly one character.
		{"bedrock-agentcore:Get?ateway", "bedrock-agentcore:GetGateway", true},
		{"bedrock-agentcore:Get?ateway", "bedrock-agentcore:Getateway", false},
		{"bedrock-agentcore:Get??ateway", "bedrock-agentcore:GetGateway", false},
		{"bedrock-agentcore:???Gateway", "bedrock-agentcore:GetGateway", true},
		// '*' matches the empty string and spans ':'.
		{"bedrock-agentcore:Get*", "bedrock-agentcore:Get", true},
		{"s3:*Object*Acl", "s3:PutObjectVersionAcl", true},
		{"s3:*Object*Acl", "s3:PutObjectVersionAclX", false},
		{"s3:a*a*a", "s3:aaaa", true},
		{"s3:a*a*a", "s3:aa", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.action, func(t *testing.T) {
			got := allowed(t, `{"Effect":"Allow","Action":`+q(tt.pattern)+`,"Resource":"*"}`, Request{Action: tt.action, Resource: "*"})
			if got != tt.want {
				t.Errorf("Action %q vs %q = %v, want %v", tt.pattern, tt.action, got, tt.want)
			}
		})
	}
}

func TestResourceMatching(t *testing.T) {
	const gw = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/sales-gw-abcdefghij"
	tests := []struct {
		pattern, resource string
		want              bool
	}{
		{"*", gw, true},
		{"*", "*", true},
		{gw, gw, true},
		{gw, gw + "x", false},
		// Case-sensitive.
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/Sales-gw-abcdefghij", gw, false},
		{"arn:aws:bedrock-agentcore:*:*:*gateway*", gw, true},
		{"arn:aws:bedrock-agentcore:*:*:*gateway*", "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g-1/target/T1", true},
		{"arn:aws:bedrock-agentcore:*:*:*gateway*", "arn:aws:bedrock-agentcore:us-east-1:111122223333:Gateway/x", false},
		{"arn:aws:bedrock-agentcore:*:*:*gateway*", "arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/apikeycredentialprovider/k", false},
		{"arn:aws:bedrock-agentcore:*:*:*gateway*", "arn:aws:s3:::gateway", false},
		{"arn:aws:bedrock-agentcore:*:*:*gateway*", "*", false},
		// '*' spans ':' and '/'.
		{"arn:aws:bedrock-agentcore:*", gw, true},
		{"arn:aws:bedrock-agentcore:*:gateway/*", gw, true},
		{"arn:*:gateway/*", gw, true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/*", gw, true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/*", "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g/target/t", true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/*/target/*", "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g/target/t", true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/*/target/*", gw, false},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/", gw, false},
		// '?' is one character, and matches '/' and ':' too.
		{"arn:aws:bedrock-agentcore:us-?ast-1:111122223333:gateway/sales-gw-abcdefghij", gw, true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway?sales-gw-abcdefghij", gw, true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/sales-gw-abcdefghi?", gw, true},
		{"arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/sales-gw-abcdefghij?", gw, false},
		{"arn:aws:bedrock-agentcore:us-east-1:??????????:gateway/*", gw, false},
		{"arn:aws:bedrock-agentcore:us-east-1:????????????:gateway/*", gw, true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.resource, func(t *testing.T) {
			got := allowed(t, `{"Effect":"Allow","Action":"*","Resource":`+q(tt.pattern)+`}`, Request{Action: "bedrock-agentcore:GetGateway", Resource: tt.resource})
			if got != tt.want {
				t.Errorf("Resource %q vs %q = %v, want %v", tt.pattern, tt.resource, got, tt.want)
			}
		})
	}
}

func TestNotActionNotResource(t *testing.T) {
	const gw = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g-1"
	const vault = "arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default"
	tests := []struct {
		name, statement  string
		action, resource string
		want             bool
	}{
		// NotAction with Allow: everything except the listed actions (AWS's
		// "allow all but IAM" example); it does not deny them.
		{"NotAction allows others", `{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`, "bedrock-agentcore:GetGateway", gw, true},
		{"NotAction excludes listed", `{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`, "iam:CreateUser", "*", false},
		{"NotAction case-insensitive", `{"Effect":"Allow","NotAction":["IAM:*","bedrock-agentcore:delete*"],"Resource":"*"}`, "bedrock-agentcore:DeleteGateway", gw, false},
		{"NotAction list", `{"Effect":"Allow","NotAction":["iam:*","bedrock-agentcore:Delete*"],"Resource":"*"}`, "bedrock-agentcore:UpdateGateway", gw, true},
		// NotResource with Allow: every resource except the listed ones.
		{"NotResource allows others", `{"Effect":"Allow","Action":"*","NotResource":"arn:aws:bedrock-agentcore:*:*:token-vault/*"}`, "bedrock-agentcore:GetGateway", gw, true},
		{"NotResource excludes listed", `{"Effect":"Allow","Action":"*","NotResource":"arn:aws:bedrock-agentcore:*:*:token-vault/*"}`, "bedrock-agentcore:GetTokenVault", vault, false},
		{"NotResource includes *", `{"Effect":"Allow","Action":"*","NotResource":"arn:aws:bedrock-agentcore:*:*:token-vault/*"}`, "bedrock-agentcore:ListGateways", "*", true},
		{"NotResource *", `{"Effect":"Allow","Action":"*","NotResource":"*"}`, "bedrock-agentcore:ListGateways", "*", false},
		{"NotAction and NotResource", `{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:bedrock-agentcore:*:*:token-vault/*"}`, "bedrock-agentcore:GetGateway", gw, true},
		{"NotAction and NotResource, action excluded", `{"Effect":"Allow","NotAction":"bedrock-agentcore:Get*","NotResource":"arn:aws:bedrock-agentcore:*:*:token-vault/*"}`, "bedrock-agentcore:GetGateway", gw, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := allowed(t, tt.statement, Request{Action: tt.action, Resource: tt.resource})
			if got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Deny with NotAction: deny everything but the listed actions (AWS's
	// "deny all but" pattern), combined with an allow-all policy.
	allowAll := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`)
	denyExcept := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"OnlyReads","Effect":"Deny","NotAction":["bedrock-agentcore:Get*","bedrock-agentcore:List*"],"Resource":"*"}}`)
	denyOutside := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"OnlyGateways","Effect":"Deny","Action":"*","NotResource":"arn:aws:bedrock-agentcore:*:*:gateway/*"}}`)
	for _, tc := range []struct {
		policies         []*Policy
		action, resource string
		want             bool
	}{
		{[]*Policy{allowAll, denyExcept}, "bedrock-agentcore:GetGateway", gw, true},
		{[]*Policy{allowAll, denyExcept}, "bedrock-agentcore:DeleteGateway", gw, false},
		{[]*Policy{allowAll, denyOutside}, "bedrock-agentcore:DeleteGateway", gw, true},
		{[]*Policy{allowAll, denyOutside}, "bedrock-agentcore:GetTokenVault", vault, false},
		{[]*Policy{denyExcept}, "bedrock-agentcore:GetGateway", gw, false}, // not denied, but not allowed either
	} {
		if got := Evaluate(tc.policies, Request{Action: tc.action, Resource: tc.resource}).Allowed; got != tc.want {
			t.Errorf("%s on %s: got %v, want %v", tc.action, tc.resource, got, tc.want)
		}
	}
}

func TestEvaluateDecisions(t *testing.T) {
	const gw = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g-1"
	full, _ := BuiltIn("AgentCoreFullAccess")
	readOnly, _ := BuiltIn("AgentCoreGatewayReadOnly")
	denyDelete := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"KeepAudit","Effect":"Deny","Action":"cloudtrail:StopLogging","Resource":"*"},
		{"Sid":"NoDeletes","Effect":"Deny","Action":"bedrock-agentcore:Delete*","Resource":"*"}]}`)
	denyDelete.Name = "guardrail"
	unnamed := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock-agentcore:Get*","Resource":"*"}]}`)

	tests := []struct {
		name     string
		policies []*Policy
		action   string
		want     Decision
	}{
		{"no policies", nil, "bedrock-agentcore:GetGateway", Decision{Reason: ReasonImplicitDeny}},
		{"nil policy skipped", []*Policy{nil, readOnly}, "bedrock-agentcore:GetGateway",
			Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{Policy: 1, PolicyName: "AgentCoreGatewayReadOnly", Statement: 0, Sid: "GatewayReadOnly"}}},
		{"allow", []*Policy{full}, "bedrock-agentcore:DeleteGateway",
			Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{Policy: 0, PolicyName: "AgentCoreFullAccess", Sid: "AgentCoreFullAccess"}}},
		{"deny in a later policy overrides allow", []*Policy{full, denyDelete}, "bedrock-agentcore:DeleteGateway",
			Decision{Reason: ReasonExplicitDeny, Statement: &StatementRef{Policy: 1, PolicyName: "guardrail", Statement: 1, Sid: "NoDeletes"}}},
		{"deny in an earlier policy overrides allow", []*Policy{denyDelete, full}, "bedrock-agentcore:DeleteGateway",
			Decision{Reason: ReasonExplicitDeny, Statement: &StatementRef{Policy: 0, PolicyName: "guardrail", Statement: 1, Sid: "NoDeletes"}}},
		{"deny alone is not an allow", []*Policy{denyDelete}, "bedrock-agentcore:GetGateway", Decision{Reason: ReasonImplicitDeny}},
		{"first allow decides", []*Policy{unnamed, readOnly, full}, "bedrock-agentcore:GetGateway",
			Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{Policy: 0}}},
		{"other allow when first does not match", []*Policy{unnamed, readOnly, full}, "bedrock-agentcore:ListGateways",
			Decision{Allowed: true, Reason: ReasonAllow, Statement: &StatementRef{Policy: 1, PolicyName: "AgentCoreGatewayReadOnly", Sid: "GatewayReadOnly"}}},
		{"implicit deny", []*Policy{unnamed, readOnly}, "bedrock-agentcore:DeleteGateway", Decision{Reason: ReasonImplicitDeny}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Evaluate(tt.policies, Request{Action: tt.action, Resource: gw})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	d := Evaluate([]*Policy{full, denyDelete}, Request{Action: "bedrock-agentcore:DeleteGateway", Resource: gw})
	if got, want := d.String(), `explicit deny by policy "guardrail" Statement[1] (Sid "NoDeletes")`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	d = Evaluate([]*Policy{unnamed}, Request{Action: "bedrock-agentcore:GetGateway", Resource: gw})
	if got, want := d.String(), `allow by policy 0 Statement[0]`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (Decision{Reason: ReasonImplicitDeny}).String(); got != "implicit deny" {
		t.Errorf("String() = %q", got)
	}
}

func TestPolicyVariables(t *testing.T) {
	const doc = `{"Version":"%s","Statement":{"Effect":"Allow","Action":"*","Resource":%s%s}}`
	tests := []struct {
		name, version, resource, condition string
		req                                Request
		want                               bool
	}{
		{"username in resource", Version2012, `"arn:aws:bedrock-agentcore:*:*:gateway/${aws:username}-*"`, "",
			Request{Resource: "arn:aws:bedrock-agentcore:us-east-1:1:gateway/alice-abcdefghij", Context: map[string][]string{"aws:username": {"alice"}}}, true},
		{"username mismatch", Version2012, `"arn:aws:bedrock-agentcore:*:*:gateway/${aws:username}-*"`, "",
			Request{Resource: "arn:aws:bedrock-agentcore:us-east-1:1:gateway/bob-abcdefghij", Context: map[string][]string{"aws:username": {"alice"}}}, false},
		{"key case-insensitive", Version2012, `"arn:aws:bedrock-agentcore:*:*:gateway/${AWS:UserName}-*"`, "",
			Request{Resource: "arn:aws:bedrock-agentcore:us-east-1:1:gateway/alice-abcdefghij", Context: map[string][]string{"aws:username": {"alice"}}}, true},
		{"missing key matches nothing", Version2012, `"arn:aws:bedrock-agentcore:*:*:gateway/${aws:username}*"`, "",
			Request{Resource: "arn:aws:bedrock-agentcore:us-east-1:1:gateway/alice-abcdefghij"}, false},
		{"default value", Version2012, `"arn:aws:bedrock-agentcore:*:*:gateway/${aws:username, 'shared'}-*"`, "",
			Request{Resource: "arn:aws:bedrock-agentcore:us-east-1:1:gateway/shared-abcdefghij"}, true},
		{"value is not a wildcard", Version2012, `"arn:aws:bedrock-agentcore:*:*:gateway/${aws:username}"`, "",
			Request{Resource: "arn:aws:bedrock-agentcore:us-east-1:1:gateway/alice", Context: map[string][]string{"aws:username": {"*"}}}, false},
		{"escaped star is literal", Version2012, `"arn:aws:s3:::b/${*}"`, "",
			Request{Resource: "arn:aws:s3:::b/x"}, false},
		{"escaped star matches star", Version2012, `"arn:aws:s3:::b/${*}${?}${$}"`, "",
			Request{Resource: "arn:aws:s3:::b/*?$"}, true},
		{"2008 treats variables literally", Version2008, `"arn:aws:s3:::b/${aws:username}"`, "",
			Request{Resource: "arn:aws:s3:::b/${aws:username}", Context: map[string][]string{"aws:username": {"alice"}}}, true},
		{"condition value", Version2012, `"*"`, `,"Condition":{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`,
			Request{Resource: "*", Context: map[string][]string{"aws:username": {"alice"}, "aws:ResourceTag/owner": {"alice"}}}, true},
		{"condition value mismatch", Version2012, `"*"`, `,"Condition":{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"}}`,
			Request{Resource: "*", Context: map[string][]string{"aws:username": {"bob"}, "aws:ResourceTag/owner": {"alice"}}}, false},
		{"ARN condition with variable", Version2012, `"*"`, `,"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/${aws:username}"}}`,
			Request{Resource: "*", Context: map[string][]string{"aws:username": {"alice"}, "aws:PrincipalArn": {"arn:aws:iam::111122223333:user/alice"}}}, true},
		{"multi-valued variable matches nothing", Version2012, `"arn:aws:s3:::b/${aws:TagKeys}"`, "",
			Request{Resource: "arn:aws:s3:::b/a", Context: map[string][]string{"aws:TagKeys": {"a", "b"}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, fmt.Sprintf(doc, tt.version, tt.resource, tt.condition))
			tt.req.Action = "s3:GetObject"
			if got := Evaluate([]*Policy{p}, tt.req).Allowed; got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEvaluateConcurrent shares parsed policies between goroutines (run
// with -race).
func TestEvaluateConcurrent(t *testing.T) {
	gw, _ := BuiltIn("AgentCoreGatewayFullAccess")
	cond := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"arn:aws:bedrock-agentcore:*:*:gateway/${aws:username}-*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`)
	policies := []*Policy{gw, cond}
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			ok := true
			for i := 0; i < 200; i++ {
				ip := "10.0.0.1"
				if i%2 == 1 {
					ip = "192.0.2.1"
				}
				d := Evaluate(policies, Request{Action: "bedrock-agentcore:GetGateway", Resource: "arn:aws:bedrock-agentcore:us-east-1:1:gateway/alice-x",
					Context: map[string][]string{"aws:SourceIp": {ip}, "aws:username": {"alice"}}})
				ok = ok && d.Allowed == (i%2 == 0)
			}
			done <- ok
		}()
	}
	for g := 0; g < 8; g++ {
		if !<-done {
			t.Error("wrong decision under concurrency")
		}
	}
}
