package cognito_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/toolgate/toolgate/internal/idp"
)

// TestDeleteUserPool: deletion takes the pool's clients, resource servers
// and issuer with it; deletion protection is honoured.
func TestDeleteUserPool(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	poolID, clientID, secret := e.seedPool("doomed")
	if _, err := e.client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(poolID)}); err != nil {
		t.Fatalf("DeleteUserPool: %v", err)
	}
	_, err := e.client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeUserPool after delete: %v, want ResourceNotFoundException", err)
	}
	_, err = e.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String(clientID)})
	wantAPIError(t, "DescribeUserPoolClient of a deleted pool", err, "ResourceNotFoundException")
	_, err = e.client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: aws.String(poolID)})
	wantAPIError(t, "second DeleteUserPool", err, "ResourceNotFoundException")
	if _, err := e.token(idp.TokenEndpoint(e.dataURL, poolID), clientID, secret); err == nil {
		t.Error("a deleted pool's client still gets tokens")
	}

	p, err := e.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("protected"), DeletionProtection: types.DeletionProtectionTypeActive})
	if err != nil {
		t.Fatal(err)
	}
	if p.UserPool.DeletionProtection != types.DeletionProtectionTypeActive {
		t.Errorf("DeletionProtection echoed as %q", p.UserPool.DeletionProtection)
	}
	_, err = e.client.DeleteUserPool(ctx, &cip.DeleteUserPoolInput{UserPoolId: p.UserPool.Id})
	wantAPIError(t, "DeleteUserPool with deletion protection", err, "InvalidParameterException")
}

// TestDescribeUserPoolEchoesSettings: settings toolgate does not interpret
// come back as given, in the SDK's types.
func TestDescribeUserPoolEchoesSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	p, err := e.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:         aws.String("configured"),
		MfaConfiguration: types.UserPoolMfaTypeOff,
		UserPoolTags:     map[string]string{"team": "sre"},
		Policies:         &types.UserPoolPolicyType{PasswordPolicy: &types.PasswordPolicyType{MinimumLength: aws.Int32(12)}},
		Schema:           []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: p.UserPool.Id})
	if err != nil {
		t.Fatal(err)
	}
	up := d.UserPool
	if up.UserPoolTags["team"] != "sre" || aws.ToInt32(up.Policies.PasswordPolicy.MinimumLength) != 12 ||
		len(up.SchemaAttributes) != 1 || aws.ToString(up.SchemaAttributes[0].Name) != "tenant" || up.MfaConfiguration != types.UserPoolMfaTypeOff {
		t.Errorf("settings not echoed: %+v", up)
	}
	if up.LambdaConfig == nil || up.UserPoolTier != types.UserPoolTierTypeEssentials {
		t.Errorf("Cognito defaults missing: %+v", up)
	}
}

// TestOperationErrors: Cognito's error for each refusal, through the SDK.
func TestOperationErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	poolID, clientID, _ := e.seedPool("p")
	other, _, _ := e.seedPool("q")
	if _, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(other), Domain: aws.String("taken-domain")}); err != nil {
		t.Fatal(err)
	}
	ccClient := func(mod func(*cip.CreateUserPoolClientInput)) error {
		in := &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientName: aws.String("c"), GenerateSecret: true,
			AllowedOAuthFlows: []types.OAuthFlowType{"client_credentials"}, AllowedOAuthScopes: []string{"sre-gateway/invoke"},
			AllowedOAuthFlowsUserPoolClient: true,
		}
		mod(in)
		_, err := e.client.CreateUserPoolClient(ctx, in)
		return err
	}
	tests := []struct {
		name string
		op   func() error
		code string
	}{
		{"describe missing pool", func() error {
			_, err := e.client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("us-east-1_Nope00000")})
			return err
		}, "ResourceNotFoundException"},
		{"malformed pool id", func() error {
			_, err := e.client.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String("no-underscore")})
			return err
		}, "InvalidParameterException"},
		{"pool name pattern", func() error {
			_, err := e.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("bad/name")})
			return err
		}, "InvalidParameterException"},
		{"pool enum", func() error {
			_, err := e.client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("x"), MfaConfiguration: "SOMETIMES"})
			return err
		}, "InvalidParameterException"},
		{"ListUserPools MaxResults out of range", func() error {
			_, err := e.client.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(61)})
			return err
		}, "InvalidParameterException"},
		{"resource server in missing pool", func() error {
			_, err := e.client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String("us-east-1_Nope00000"),
				Identifier: aws.String("x"), Name: aws.String("x")})
			return err
		}, "ResourceNotFoundException"},
		{"duplicate resource server", func() error {
			_, err := e.client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(poolID),
				Identifier: aws.String("sre-gateway"), Name: aws.String("again")})
			return err
		}, "InvalidParameterException"},
		{"scope name with a slash", func() error {
			_, err := e.client.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: aws.String(poolID),
				Identifier: aws.String("api"), Name: aws.String("api"),
				Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("a/b"), ScopeDescription: aws.String("d")}}})
			return err
		}, "InvalidParameterException"},
		{"unknown scope", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthScopes = []string{"sre-gateway/nope"} })
		}, "ScopeDoesNotExistException"},
		{"client_credentials without a secret", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) { in.GenerateSecret = false })
		}, "InvalidOAuthFlowException"},
		{"client_credentials without scopes", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthScopes = nil })
		}, "InvalidOAuthFlowException"},
		{"client_credentials with openid", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthScopes = []string{"openid"} })
		}, "InvalidOAuthFlowException"},
		{"code flow", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthFlows = []types.OAuthFlowType{"code"} })
		}, "InvalidOAuthFlowException"},
		{"unknown flow", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) { in.AllowedOAuthFlows = []types.OAuthFlowType{"password"} })
		}, "InvalidParameterException"},
		{"GenerateSecret and ClientSecret", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) {
				in.ClientSecret = aws.String("chosen_secret_chosen_secret_01")
			})
		}, "InvalidParameterException"},
		{"short chosen secret", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) {
				in.GenerateSecret, in.ClientSecret = false, aws.String("short")
			})
		}, "InvalidParameterException"},
		{"client in missing pool", func() error {
			return ccClient(func(in *cip.CreateUserPoolClientInput) { in.UserPoolId = aws.String("us-east-1_Nope00000") })
		}, "ResourceNotFoundException"},
		{"describe missing client", func() error {
			_, err := e.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String("nosuchclient")})
			return err
		}, "ResourceNotFoundException"},
		{"describe client through another pool", func() error {
			_, err := e.client.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(other), ClientId: aws.String(clientID)})
			return err
		}, "ResourceNotFoundException"},
		{"delete missing client", func() error {
			_, err := e.client.DeleteUserPoolClient(ctx, &cip.DeleteUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: aws.String("nosuchclient")})
			return err
		}, "ResourceNotFoundException"},
		{"domain taken", func() error {
			_, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(poolID), Domain: aws.String("taken-domain")})
			return err
		}, "InvalidParameterException"},
		{"pool already has a domain", func() error {
			_, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(other), Domain: aws.String("second-domain")})
			return err
		}, "InvalidParameterException"},
		{"reserved word in domain", func() error {
			_, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(poolID), Domain: aws.String("my-cognito")})
			return err
		}, "InvalidParameterException"},
		{"domain pattern", func() error {
			_, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(poolID), Domain: aws.String("Upper_Case")})
			return err
		}, "InvalidParameterException"},
		{"custom domain", func() error {
			_, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String(poolID), Domain: aws.String("auth-example"),
				CustomDomainConfig: &types.CustomDomainConfigType{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/x")}})
			return err
		}, "InvalidParameterException"},
		{"domain of missing pool", func() error {
			_, err := e.client.CreateUserPoolDomain(ctx, &cip.CreateUserPoolDomainInput{UserPoolId: aws.String("us-east-1_Nope00000"), Domain: aws.String("free-domain")})
			return err
		}, "ResourceNotFoundException"},
		{"unsupported operation", func() error {
			_, err := e.client.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String("alice")})
			return err
		}, "UnsupportedOperationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, tc.name, tc.op(), tc.code) })
	}
	// None of the refused creates left anything behind.
	l, err := e.client.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID)})
	if err != nil || len(l.UserPoolClients) != 1 {
		t.Errorf("pool has %d clients after the refusals (err %v), want 1", len(l.UserPoolClients), err)
	}
}

// TestProtocolErrors: the JSON 1.1 envelope without an SDK in between.
func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	post := func(target, body string) (*http.Response, map[string]string) {
		req, _ := http.NewRequest(http.MethodPost, e.control+"/cognito-idp/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		if target != "" {
			req.Header.Set("X-Amz-Target", target)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("error body is not a JSON object of strings: %s", raw)
		}
		return resp, m
	}
	tests := []struct{ name, target, body, code string }{
		{"no target", "", `{}`, "UnknownOperationException"},
		{"other service", "AmazonSSM.GetParameter", `{}`, "UnknownOperationException"},
		{"unsupported op", "AWSCognitoIdentityProviderService.InitiateAuth", `{}`, "UnsupportedOperationException"},
		{"malformed JSON", "AWSCognitoIdentityProviderService.CreateUserPool", `{"PoolName":`, "SerializationException"},
		{"wrong type", "AWSCognitoIdentityProviderService.CreateUserPool", `{"PoolName":5}`, "SerializationException"},
		{"not an object", "AWSCognitoIdentityProviderService.CreateUserPool", `[]`, "SerializationException"},
		{"echoed member of the wrong type", "AWSCognitoIdentityProviderService.CreateUserPool", `{"PoolName":"x","Policies":"strict"}`, "InvalidParameterException"},
		{"missing required member", "AWSCognitoIdentityProviderService.CreateUserPool", `{}`, "InvalidParameterException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(tc.target, tc.body)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if body["__type"] != tc.code || resp.Header.Get("X-Amzn-ErrorType") != tc.code {
				t.Errorf("__type %q X-Amzn-ErrorType %q, want %s (message %q)", body["__type"], resp.Header.Get("X-Amzn-ErrorType"), tc.code, body["message"])
			}
			if body["message"] == "" || resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Errorf("no message or request id: %v %v", body, resp.Header)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	_, body := post("AWSCognitoIdentityProviderService.InitiateAuth", `{}`)
	if !strings.Contains(body["message"], "InitiateAuth") || !strings.Contains(body["message"], "CreateUserPoolClient") {
		t.Errorf("unsupported-operation message does not name the operation and the supported ones: %q", body["message"])
	}
	_, body = post("AWSCognitoIdentityProviderService.CreateUserPool", `{}`)
	if want := "Value null at 'poolName' failed to satisfy constraint: Member must not be null"; !strings.Contains(body["message"], want) {
		t.Errorf("validation message %q lacks %q", body["message"], want)
	}
	resp, err := http.Get(e.control + "/cognito-idp/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET = %d, want 405", resp.StatusCode)
	}
}
