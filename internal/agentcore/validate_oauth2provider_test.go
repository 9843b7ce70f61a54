package agentcore

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctl "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
)

const oauthSecretMarker = "cs-MARKER-oauth2-never-echo"

func TestValidateCreateOauth2CredentialProvider(t *testing.T) {
	custom := func() *CreateOauth2CredentialProviderRequest {
		return &CreateOauth2CredentialProviderRequest{
			Name: ptr("corp-idp"), CredentialProviderVendor: VendorCustom,
			Oauth2ProviderConfigInput: &Oauth2ProviderConfigInput{CustomOauth2ProviderConfig: &CustomOauth2ProviderConfigInput{
				OauthDiscovery: &Oauth2Discovery{DiscoveryURL: ptr("https://idp.example/.well-known/openid-configuration")},
				ClientID:       ptr("client-1"), ClientSecret: ptr(oauthSecretMarker),
			}},
		}
	}
	cc := func(r *CreateOauth2CredentialProviderRequest) *CustomOauth2ProviderConfigInput {
		return r.Oauth2ProviderConfigInput.CustomOauth2ProviderConfig
	}
	const c = "oauth2ProviderConfigInput.customOauth2ProviderConfig"
	tests := []struct {
		name   string
		mutate func(*CreateOauth2CredentialProviderRequest)
		want   []ValidationExceptionField
	}{
		{"valid discovery URL", func(*CreateOauth2CredentialProviderRequest) {}, nil},
		{"valid RFC 8414 discovery URL", func(r *CreateOauth2CredentialProviderRequest) {
			cc(r).OauthDiscovery.DiscoveryURL = ptr("http://127.0.0.1:9000/.well-known/oauth-authorization-server")
		}, nil},
		{"valid metadata, basic, tags", func(r *CreateOauth2CredentialProviderRequest) {
			cc(r).OauthDiscovery = &Oauth2Discovery{AuthorizationServerMetadata: &Oauth2AuthorizationServerMetadata{
				Issuer: ptr("https://idp.example"), AuthorizationEndpoint: ptr("https://idp.example/authorize"),
				TokenEndpoint: ptr("https://idp.example/token"), ResponseTypes: []string{"code"},
				TokenEndpointAuthMethods: []TokenEndpointAuthMethod{TokenEndpointAuthClientSecretBasic},
			}}
			cc(r).ClientAuthenticationMethod = ClientAuthClientSecretBasic
			r.Tags = map[string]string{"team": "sre"}
		}, nil},
		{"name missing", func(r *CreateOauth2CredentialProviderRequest) { r.Name = nil },
			[]ValidationExceptionField{{Name: "name", Message: "is required"}}},
		{"name with a slash", func(r *CreateOauth2CredentialProviderRequest) { r.Name = ptr("a/b") },
			[]ValidationExceptionField{{Name: "name", Message: "must match " + reProviderName.src}}},
		{"vendor missing", func(r *CreateOauth2CredentialProviderRequest) { r.CredentialProviderVendor = "" },
			[]ValidationExceptionField{{Name: "credentialProviderVendor", Message: "is required"}}},
		{"config missing", func(r *CreateOauth2CredentialProviderRequest) { r.Oauth2ProviderConfigInput = nil },
			[]ValidationExceptionField{{Name: "oauth2ProviderConfigInput", Message: "is required"}}},
		{"vendor does not match the member", func(r *CreateOauth2CredentialProviderRequest) { r.CredentialProviderVendor = VendorGithub },
			[]ValidationExceptionField{{Name: c, Message: "does not match credentialProviderVendor GithubOauth2, which is configured with githubOauth2ProviderConfig"}}},
		{"two members", func(r *CreateOauth2CredentialProviderRequest) {
			r.Oauth2ProviderConfigInput.GithubOauth2ProviderConfig = &VendorOauth2ProviderConfigInput{ClientID: ptr("x"), ClientSecret: ptr("y")}
		}, []ValidationExceptionField{{Name: "oauth2ProviderConfigInput", Message: "must set exactly one of [customOauth2ProviderConfig, googleOauth2ProviderConfig, githubOauth2ProviderConfig, slackOauth2ProviderConfig, salesforceOauth2ProviderConfig, microsoftOauth2ProviderConfig, atlassianOauth2ProviderConfig, linkedinOauth2ProviderConfig, includedOauth2ProviderConfig], got customOauth2ProviderConfig and githubOauth2ProviderConfig"}}},
		{"discovery missing", func(r *CreateOauth2CredentialProviderRequest) { cc(r).OauthDiscovery = nil },
			[]ValidationExceptionField{{Name: c + ".oauthDiscovery", Message: "is required"}}},
		{"discovery URL of another shape", func(r *CreateOauth2CredentialProviderRequest) {
			cc(r).OauthDiscovery.DiscoveryURL = ptr("https://idp.example/jwks.json")
		}, []ValidationExceptionField{{Name: c + ".oauthDiscovery.discoveryUrl", Message: "must match " + reDiscoveryURL.src}}},
		{"discovery URL not http", func(r *CreateOauth2CredentialProviderRequest) {
			cc(r).OauthDiscovery.DiscoveryURL = ptr("ftp://idp.example/.well-known/openid-configuration")
		}, []ValidationExceptionField{{Name: c + ".oauthDiscovery.discoveryUrl", Message: "must be an absolute http or https URL with a host"}}},
		{"metadata incomplete and wrong", func(r *CreateOauth2CredentialProviderRequest) {
			cc(r).OauthDiscovery = &Oauth2Discovery{AuthorizationServerMetadata: &Oauth2AuthorizationServerMetadata{
				Issuer: ptr("https://idp.example"), TokenEndpoint: ptr("/token"),
				TokenEndpointAuthMethods: []TokenEndpointAuthMethod{"client_secret_basic", "client_secret_basic", "private_key_jwt"},
			}}
		}, []ValidationExceptionField{
			{Name: c + ".oauthDiscovery.authorizationServerMetadata.authorizationEndpoint", Message: "is required"},
			{Name: c + ".oauthDiscovery.authorizationServerMetadata.tokenEndpointAuthMethods[2]", Message: "must be one of [client_secret_post, client_secret_basic]"},
			{Name: c + ".oauthDiscovery.authorizationServerMetadata.tokenEndpoint", Message: "must be an absolute http or https URL with a host"},
			{Name: c + ".oauthDiscovery.authorizationServerMetadata.tokenEndpointAuthMethods", Message: "must contain 1-2 items, got 3"},
			{Name: c + ".oauthDiscovery.authorizationServerMetadata.tokenEndpointAuthMethods[1]", Message: "duplicates " + c + ".oauthDiscovery.authorizationServerMetadata.tokenEndpointAuthMethods[0]"},
		}},
		{"client id missing", func(r *CreateOauth2CredentialProviderRequest) { cc(r).ClientID = nil },
			[]ValidationExceptionField{{Name: c + ".clientId", Message: "is required"}}},
		{"client id 257", func(r *CreateOauth2CredentialProviderRequest) { cc(r).ClientID = ptr(strings.Repeat("i", 257)) },
			[]ValidationExceptionField{{Name: c + ".clientId", Message: "must be 1-256 characters, got 257"}}},
		{"secret missing", func(r *CreateOauth2CredentialProviderRequest) { cc(r).ClientSecret = nil },
			[]ValidationExceptionField{{Name: c + ".clientSecret", Message: "is required when clientSecretSource is MANAGED or absent"}}},
		{"secret 2049", func(r *CreateOauth2CredentialProviderRequest) { cc(r).ClientSecret = ptr(strings.Repeat("s", 2049)) },
			[]ValidationExceptionField{{Name: c + ".clientSecret", Message: "must be 1-2048 characters, got 2049"}}},
		{"EXTERNAL without a reference", func(r *CreateOauth2CredentialProviderRequest) { cc(r).ClientSecretSource = SecretSourceExternal },
			[]ValidationExceptionField{
				{Name: c + ".clientSecretConfig", Message: "is required when clientSecretSource is EXTERNAL"},
				{Name: c + ".clientSecret", Message: "must not be set when clientSecretSource is EXTERNAL"},
			}},
		{"unknown auth method", func(r *CreateOauth2CredentialProviderRequest) { cc(r).ClientAuthenticationMethod = "NONE" },
			[]ValidationExceptionField{{Name: c + ".clientAuthenticationMethod", Message: "must be one of [CLIENT_SECRET_BASIC, CLIENT_SECRET_POST, AWS_IAM_ID_TOKEN_JWT, PRIVATE_KEY_JWT]"}}},
		{"microsoft with tenant", func(r *CreateOauth2CredentialProviderRequest) {
			r.CredentialProviderVendor = VendorMicrosoft
			r.Oauth2ProviderConfigInput = &Oauth2ProviderConfigInput{MicrosoftOauth2ProviderConfig: &MicrosoftOauth2ProviderConfigInput{
				ClientID: ptr("app"), ClientSecret: ptr("s"), TenantID: ptr("contoso.onmicrosoft.com"),
			}}
		}, nil},
		{"microsoft tenant with a slash", func(r *CreateOauth2CredentialProviderRequest) {
			r.CredentialProviderVendor = VendorMicrosoft
			r.Oauth2ProviderConfigInput = &Oauth2ProviderConfigInput{MicrosoftOauth2ProviderConfig: &MicrosoftOauth2ProviderConfigInput{
				ClientID: ptr("app"), ClientSecret: ptr("s"), TenantID: ptr("a/../b"),
			}}
		}, []ValidationExceptionField{{Name: "oauth2ProviderConfigInput.microsoftOauth2ProviderConfig.tenantId", Message: "must match " + reTenantID.src}}},
		{"github without a client id", func(r *CreateOauth2CredentialProviderRequest) {
			r.CredentialProviderVendor = VendorGithub
			r.Oauth2ProviderConfigInput = &Oauth2ProviderConfigInput{GithubOauth2ProviderConfig: &VendorOauth2ProviderConfigInput{ClientSecret: ptr("s")}}
		}, []ValidationExceptionField{{Name: "oauth2ProviderConfigInput.githubOauth2ProviderConfig.clientId", Message: "is required"}}},
		{"okta through included", func(r *CreateOauth2CredentialProviderRequest) {
			r.CredentialProviderVendor = VendorOkta
			r.Oauth2ProviderConfigInput = &Oauth2ProviderConfigInput{IncludedOauth2ProviderConfig: &IncludedOauth2ProviderConfigInput{
				ClientID: ptr("0oa1"), ClientSecret: ptr("s"), Issuer: ptr("https://dev-1.okta.com/oauth2/default"),
			}}
		}, nil},
		{"included with a bad token endpoint", func(r *CreateOauth2CredentialProviderRequest) {
			r.CredentialProviderVendor = VendorAuth0
			r.Oauth2ProviderConfigInput = &Oauth2ProviderConfigInput{IncludedOauth2ProviderConfig: &IncludedOauth2ProviderConfigInput{
				ClientID: ptr("c"), ClientSecret: ptr("s"), TokenEndpoint: ptr("tenant.auth0.com/oauth/token"),
			}}
		}, []ValidationExceptionField{{Name: "oauth2ProviderConfigInput.includedOauth2ProviderConfig.tokenEndpoint", Message: "must be an absolute http or https URL with a host"}}},
		{"google configured as included", func(r *CreateOauth2CredentialProviderRequest) {
			r.CredentialProviderVendor = VendorGoogle
			r.Oauth2ProviderConfigInput = &Oauth2ProviderConfigInput{IncludedOauth2ProviderConfig: &IncludedOauth2ProviderConfigInput{ClientID: ptr("c"), ClientSecret: ptr("s")}}
		}, []ValidationExceptionField{{Name: "oauth2ProviderConfigInput.includedOauth2ProviderConfig", Message: "does not match credentialProviderVendor GoogleOauth2, which is configured with googleOauth2ProviderConfig"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := custom()
			tc.mutate(r)
			err := r.Validate()
			wantFields(t, err, tc.want)
			if err != nil && strings.Contains(err.Error(), oauthSecretMarker) {
				t.Errorf("the error carries the client secret: %v", err)
			}
		})
	}
}

func TestValidateUpdateOauth2KeepsSecret(t *testing.T) {
	r := &UpdateOauth2CredentialProviderRequest{
		Name: ptr("p"), CredentialProviderVendor: VendorGithub,
		Oauth2ProviderConfigInput: &Oauth2ProviderConfigInput{GithubOauth2ProviderConfig: &VendorOauth2ProviderConfigInput{ClientID: ptr("c")}},
	}
	if err := r.Validate(); err != nil {
		t.Errorf("update without a secret: %v, want it accepted (the stored one is kept)", err)
	}
}

func TestValidateListOauth2CredentialProviders(t *testing.T) {
	for n, want := range map[int32][]string{1: nil, 20: nil, 0: {"maxResults"}, 21: {"maxResults"}} {
		r := &ListOauth2CredentialProvidersRequest{MaxResults: ptr(n)}
		if diff := cmp.Diff(want, fieldNames(t, r.Validate())); diff != "" {
			t.Errorf("maxResults %d (-want +got):\n%s", n, diff)
		}
	}
}

// TestSDKOauth2Provider: the requests the SDK sends decode, and the
// responses this package writes read back into the SDK's outputs intact.
func TestSDKOauth2Provider(t *testing.T) {
	const arn = "arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/oauth2credentialprovider/corp"
	created := time.Date(2026, 11, 22, 10, 4, 5, 0, time.UTC)
	out := Oauth2CredentialProvider{
		ClientSecretArn: Secret{SecretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:x"}, ClientSecretSource: SecretSourceManaged,
		Name: "corp", CredentialProviderVendor: VendorCustom, CredentialProviderArn: arn,
		CallbackURL: ptr("http://127.0.0.1:8080/identities/oauth2/callback/1f0c"), Status: ProviderStatusReady,
		Oauth2ProviderConfigOutput: &Oauth2ProviderConfigOutput{CustomOauth2ProviderConfig: &CustomOauth2ProviderConfigOutput{
			OauthDiscovery: Oauth2Discovery{AuthorizationServerMetadata: &Oauth2AuthorizationServerMetadata{
				Issuer: ptr("https://idp.example"), AuthorizationEndpoint: ptr("https://idp.example/a"), TokenEndpoint: ptr("https://idp.example/t"),
				ResponseTypes: []string{"code"}, TokenEndpointAuthMethods: []TokenEndpointAuthMethod{TokenEndpointAuthClientSecretPost},
			}},
			ClientID: ptr("client"), ClientAuthenticationMethod: ClientAuthClientSecretPost,
		}},
		CreatedTime: ptr(NewEpochSeconds(created)), LastUpdatedTime: ptr(NewEpochSeconds(created.Add(time.Minute))),
	}
	body, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	list, _ := json.Marshal(ListOauth2CredentialProvidersResponse{CredentialProviders: []Oauth2CredentialProviderItem{{
		Name: "corp", CredentialProviderVendor: VendorCustom, CredentialProviderArn: arn,
		CreatedTime: NewEpochSeconds(created), LastUpdatedTime: NewEpochSeconds(created),
	}}})
	f := &fakeService{responses: map[string][]byte{
		"POST /identities/GetOauth2CredentialProvider":   body,
		"POST /identities/ListOauth2CredentialProviders": list,
	}}
	c := newSDKClient(t, f)
	ctx := context.Background()
	got, err := c.GetOauth2CredentialProvider(ctx, &ctl.GetOauth2CredentialProviderInput{Name: aws.String("corp")})
	if err != nil {
		t.Fatal(err)
	}
	custom, ok := got.Oauth2ProviderConfigOutput.(*types.Oauth2ProviderConfigOutputMemberCustomOauth2ProviderConfig)
	if !ok {
		t.Fatalf("config output = %T", got.Oauth2ProviderConfigOutput)
	}
	md, ok := custom.Value.OauthDiscovery.(*types.Oauth2DiscoveryMemberAuthorizationServerMetadata)
	if !ok || aws.ToString(md.Value.TokenEndpoint) != "https://idp.example/t" || len(md.Value.TokenEndpointAuthMethods) != 1 {
		t.Errorf("oauthDiscovery = %#v", custom.Value.OauthDiscovery)
	}
	if aws.ToString(got.Name) != "corp" || got.Status != types.StatusReady || aws.ToString(got.CallbackUrl) == "" ||
		!got.CreatedTime.Equal(created) || !got.LastUpdatedTime.Equal(created.Add(time.Minute)) ||
		custom.Value.ClientAuthenticationMethod != types.ClientAuthenticationMethodTypeClientSecretPost {
		t.Errorf("GetOauth2CredentialProvider = %+v", got)
	}
	l, err := c.ListOauth2CredentialProviders(ctx, &ctl.ListOauth2CredentialProvidersInput{MaxResults: aws.Int32(5)})
	if err != nil || len(l.CredentialProviders) != 1 || l.CredentialProviders[0].CredentialProviderVendor != types.CredentialProviderVendorTypeCustomOauth2 {
		t.Errorf("List = %+v, %v", l, err)
	}

	// Requests: every input form the SDK can send decodes and validates.
	inputs := map[string]types.Oauth2ProviderConfigInput{
		"custom": &types.Oauth2ProviderConfigInputMemberCustomOauth2ProviderConfig{Value: types.CustomOauth2ProviderConfigInput{
			OauthDiscovery: &types.Oauth2DiscoveryMemberDiscoveryUrl{Value: "https://idp.example/.well-known/oauth-authorization-server"},
			ClientId:       aws.String("c"), ClientSecret: aws.String(oauthSecretMarker), ClientAuthenticationMethod: types.ClientAuthenticationMethodTypeClientSecretBasic,
		}},
		"microsoft": &types.Oauth2ProviderConfigInputMemberMicrosoftOauth2ProviderConfig{Value: types.MicrosoftOauth2ProviderConfigInput{
			ClientId: aws.String("c"), ClientSecret: aws.String("s"), TenantId: aws.String("contoso"),
		}},
		"included": &types.Oauth2ProviderConfigInputMemberIncludedOauth2ProviderConfig{Value: types.IncludedOauth2ProviderConfigInput{
			ClientId: aws.String("c"), ClientSecret: aws.String("s"), Issuer: aws.String("https://x.auth0.com/"),
			AuthorizationEndpoint: aws.String("https://x.auth0.com/authorize"), TokenEndpoint: aws.String("https://x.auth0.com/oauth/token"),
		}},
		"github": &types.Oauth2ProviderConfigInputMemberGithubOauth2ProviderConfig{Value: types.GithubOauth2ProviderConfigInput{
			ClientId: aws.String("c"), ClientSecret: aws.String("s"),
		}},
	}
	vendors := map[string]types.CredentialProviderVendorType{
		"custom": types.CredentialProviderVendorTypeCustomOauth2, "microsoft": types.CredentialProviderVendorTypeMicrosoftOauth2,
		"included": types.CredentialProviderVendorTypeAuth0Oauth2, "github": types.CredentialProviderVendorTypeGithubOauth2,
	}
	for name, in := range inputs {
		_, _ = c.CreateOauth2CredentialProvider(ctx, &ctl.CreateOauth2CredentialProviderInput{
			Name: aws.String(name), CredentialProviderVendor: vendors[name], Oauth2ProviderConfigInput: in, Tags: map[string]string{"k": "v"},
		})
		f.mu.Lock()
		raw := f.requests["POST /identities/CreateOauth2CredentialProvider"]
		f.mu.Unlock()
		var req CreateOauth2CredentialProviderRequest
		if err := DecodeRequest(raw, &req); err != nil {
			t.Errorf("%s: SDK request %s does not decode: %v", name, raw, err)
		}
	}
}
