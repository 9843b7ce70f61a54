package server

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/toolgate/toolgate/internal/cognito"
	"github.com/toolgate/toolgate/internal/controlplane"
)

// TestCognitoClassifier: the control plane authorises each Cognito
// operation, before the handler runs, as cognito-idp:<Op> on the ARN of the
// pool the body names, or on "*" for the operations that name none.
func TestCognitoClassifier(t *testing.T) {
	const (
		poolID = "us-east-1_AbCdEf123"
		arn    = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + poolID
	)
	onPool := `{"UserPoolId":"` + poolID + `"}`
	op := func(name, resource string, readOnly bool) controlplane.Operation {
		return controlplane.Operation{Service: "cognito-idp", Name: name, Resource: resource, ReadOnly: readOnly}
	}
	classify := cognitoClassifier("us-east-1", "123456789012")
	for _, tc := range []struct {
		name   string
		target string // X-Amz-Target
		body   string
		want   controlplane.Operation
		ok     bool
	}{
		{"CreateUserPool", cognito.TargetPrefix + "CreateUserPool", `{"PoolName":"p"}`, op("CreateUserPool", "*", false), true},
		{"CreateUserPool with tags", cognito.TargetPrefix + "CreateUserPool", `{"PoolName":"p","UserPoolTags":{"team":"a"}}`,
			controlplane.Operation{Service: "cognito-idp", Name: "CreateUserPool", Resource: "*", RequestTags: map[string]string{"team": "a"}}, true},
		{"ListUserPools", cognito.TargetPrefix + "ListUserPools", `{"MaxResults":10}`, op("ListUserPools", "*", true), true},
		{"DescribeUserPool", cognito.TargetPrefix + "DescribeUserPool", onPool, op("DescribeUserPool", arn, true), true},
		{"DeleteUserPool", cognito.TargetPrefix + "DeleteUserPool", onPool, op("DeleteUserPool", arn, false), true},
		{"CreateUserPoolDomain", cognito.TargetPrefix + "CreateUserPoolDomain", `{"UserPoolId":"` + poolID + `","Domain":"d"}`,
			op("CreateUserPoolDomain", arn, false), true},
		{"CreateResourceServer", cognito.TargetPrefix + "CreateResourceServer", `{"UserPoolId":"` + poolID + `","Identifier":"api","Name":"API"}`,
			op("CreateResourceServer", arn, false), true},
		{"ListResourceServers", cognito.TargetPrefix + "ListResourceServers", onPool, op("ListResourceServers", arn, true), true},
		{"CreateUserPoolClient", cognito.TargetPrefix + "CreateUserPoolClient", `{"UserPoolId":"` + poolID + `","ClientName":"c"}`,
			op("CreateUserPoolClient", arn, false), true},
		{"DescribeUserPoolClient", cognito.TargetPrefix + "DescribeUserPoolClient", `{"UserPoolId":"` + poolID + `","ClientId":"c1"}`,
			op("DescribeUserPoolClient", arn, true), true},
		{"ListUserPoolClients", cognito.TargetPrefix + "ListUserPoolClients", onPool, op("ListUserPoolClients", arn, true), true},
		{"DeleteUserPoolClient", cognito.TargetPrefix + "DeleteUserPoolClient", `{"UserPoolId":"` + poolID + `","ClientId":"c1"}`,
			op("DeleteUserPoolClient", arn, false), true},
		// The handler refuses what it does not implement or cannot parse;
		// the classifier still names the operation for the refusal.
		{"unsupported operation", cognito.TargetPrefix + "AdminCreateUser", onPool, op("AdminCreateUser", arn, false), true},
		{"body not JSON", cognito.TargetPrefix + "DescribeUserPool", `{`, op("DescribeUserPool", "*", true), true},
		{"no pool id", cognito.TargetPrefix + "DescribeUserPool", `{}`, op("DescribeUserPool", "*", true), true},
		{"no target", "", onPool, controlplane.Operation{}, false},
		{"another service's target", "AWSIdentityManagementV20100508.CreateUser", onPool, controlplane.Operation{}, false},
		{"prefix only", cognito.TargetPrefix, onPool, controlplane.Operation{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/cognito-idp/", strings.NewReader(tc.body))
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			got, ok := classify(r, []byte(tc.body))
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreUnexported(controlplane.Operation{})); diff != "" {
				t.Errorf("operation (-want +got):\n%s", diff)
			}
		})
	}
}
