package agentcore

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctl "github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/google/go-cmp/cmp"
)

// The real AWS SDK client (bedrockagentcorecontrol v1.78, DESIGN §6) is the
// judge of wire compatibility: responses marshalled from this package's
// types must deserialize into the SDK's outputs with every member intact,
// and requests the SDK serializes must pass Decode and Validate.

// fakeService answers every request with the body registered for its path
// and records the request bodies it received.
type fakeService struct {
	mu        sync.Mutex
	responses map[string][]byte // "METHOD path" -> body
	requests  map[string][]byte
}

func newSDKClient(t *testing.T, f *fakeService) *ctl.Client {
	t.Helper()
	f.requests = map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := r.Method + " " + r.URL.Path
		f.mu.Lock()
		f.requests[key] = body
		resp, ok := f.responses[key]
		f.mu.Unlock()
		if !ok {
			resp = []byte(`{}`)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return ctl.New(ctl.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
}

func TestSDKReadsResponses(t *testing.T) {
	var gw Gateway
	if err := Decode(readTestdata(t, "gateway.json"), &gw); err != nil {
		t.Fatal(err)
	}
	var tgt GatewayTarget
	if err := Decode(readTestdata(t, "gateway_target.json"), &tgt); err != nil {
		t.Fatal(err)
	}
	var targets ListGatewayTargetsResponse
	if err := Decode(readTestdata(t, "list_gateway_targets.json"), &targets); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 11, 22, 10, 4, 5, 123000000, time.UTC)
	key := ApiKeyCredentialProvider{
		APIKeySecretArn:       Secret{SecretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:k"},
		APIKeySecretJSONKey:   ptr("api_key_value"),
		APIKeySecretSource:    SecretSourceManaged,
		Name:                  "remote-key",
		CredentialProviderArn: apiKeyArn,
		CreatedTime:           NewEpochSeconds(created),
		LastUpdatedTime:       NewEpochSeconds(created.Add(90 * time.Second)),
	}
	keys := ListApiKeyCredentialProvidersResponse{CredentialProviders: []ApiKeyCredentialProviderItem{{
		Name: "remote-key", CredentialProviderArn: apiKeyArn, CreatedTime: NewEpochSeconds(created), LastUpdatedTime: NewEpochSeconds(created),
	}}, NextToken: ptr("next")}
	f := &fakeService{responses: map[string][]byte{
		"GET /gateways/orders-gw-a1b2c3d4e5/":                    mustMarshal(t, gw),
		"GET /gateways/orders-gw-a1b2c3d4e5/targets/AbC123dEf4/": mustMarshal(t, tgt),
		"GET /gateways/orders-gw-a1b2c3d4e5/targets/":            mustMarshal(t, targets),
		"DELETE /gateways/orders-gw-a1b2c3d4e5/":                 mustMarshal(t, DeleteGatewayResponse{GatewayID: "orders-gw-a1b2c3d4e5", Status: GatewayStatusDeleting}),
		"POST /identities/GetApiKeyCredentialProvider":           mustMarshal(t, key),
		"POST /identities/ListApiKeyCredentialProviders":         mustMarshal(t, keys),
	}}
	c := newSDKClient(t, f)
	ctx := context.Background()

	g, err := c.GetGateway(ctx, &ctl.GetGatewayInput{GatewayIdentifier: aws.String("orders-gw-a1b2c3d4e5")})
	if err != nil {
		t.Fatal(err)
	}
	if !g.CreatedAt.Equal(gw.CreatedAt.Time) || !g.UpdatedAt.Equal(gw.UpdatedAt.Time) || g.CreatedAt.Nanosecond() != 123456789 {
		t.Errorf("gateway timestamps = %v, %v", g.CreatedAt, g.UpdatedAt)
	}
	jwt := g.AuthorizerConfiguration.(*types.AuthorizerConfigurationMemberCustomJWTAuthorizer).Value
	claimList := jwt.CustomClaims[1].AuthorizingClaimMatchValue.ClaimMatchValue.(*types.ClaimMatchValueTypeMemberMatchValueStringList).Value
	mcp := g.ProtocolConfiguration.(*types.GatewayProtocolConfigurationMemberMcp).Value
	lattice := jwt.PrivateEndpoint.(*types.PrivateEndpointMemberSelfManagedLatticeResource).Value
	got := map[string]any{
		"gatewayArn": *g.GatewayArn, "gatewayId": *g.GatewayId, "gatewayUrl": *g.GatewayUrl, "status": g.Status,
		"statusReasons": len(g.StatusReasons), "name": *g.Name, "description": *g.Description, "roleArn": *g.RoleArn,
		"protocolType": g.ProtocolType, "authorizerType": g.AuthorizerType, "kmsKeyArn": *g.KmsKeyArn,
		"exceptionLevel": g.ExceptionLevel, "webAclArn": *g.WebAclArn, "waf": g.WafConfiguration.FailureMode,
		"workloadIdentityArn": *g.WorkloadIdentityDetails.WorkloadIdentityArn,
		"transform":           *g.CustomTransformConfiguration.Lambda.Arn,
		"interceptor":         g.InterceptorConfigurations[0].Interceptor.(*types.InterceptorConfigurationMemberLambda).Value.Arn != nil,
		"interceptionPoints":  len(g.InterceptorConfigurations[0].InterceptionPoints),
		"passRequestHeaders":  *g.InterceptorConfigurations[0].InputConfiguration.PassRequestHeaders,
		"policyEngineMode":    g.PolicyEngineConfiguration.Mode,
		"discoveryUrl":        *jwt.DiscoveryUrl, "allowedClients": jwt.AllowedClients, "advertised": jwt.AdvertisedScopeMapping["orders/read"],
		"claimList": claimList, "claimOperator": jwt.CustomClaims[1].AuthorizingClaimMatchValue.ClaimMatchOperator,
		"lattice":   lattice.(*types.SelfManagedLatticeResourceMemberResourceConfigurationIdentifier).Value,
		"workloads": jwt.AllowedWorkloadConfiguration.WorkloadIdentities, "overrides": *jwt.PrivateEndpointOverrides[0].Domain,
		"versions": mcp.SupportedVersions, "instructions": *mcp.Instructions, "searchType": mcp.SearchType,
		"session": *mcp.SessionConfiguration.SessionTimeoutInSeconds, "streaming": *mcp.StreamingConfiguration.EnableResponseStreaming,
		"noPagination": *mcp.DisableMcpListToolsPagination,
	}
	want := map[string]any{
		"gatewayArn": gw.GatewayArn, "gatewayId": gw.GatewayID, "gatewayUrl": *gw.GatewayURL, "status": types.GatewayStatusReady,
		"statusReasons": 0, "name": "orders-gw", "description": "Orders gateway", "roleArn": "arn:aws:iam::111122223333:role/gw",
		"protocolType": types.GatewayProtocolTypeMcp, "authorizerType": types.AuthorizerTypeCustomJwt, "kmsKeyArn": *gw.KmsKeyArn,
		"exceptionLevel": types.ExceptionLevelDebug, "webAclArn": *gw.WebAclArn, "waf": types.WafFailureModeFailClose,
		"workloadIdentityArn": gw.WorkloadIdentityDetails.WorkloadIdentityArn,
		"transform":           "arn:aws:lambda:us-east-1:111122223333:function:xform",
		"interceptor":         true, "interceptionPoints": 2, "passRequestHeaders": true,
		"policyEngineMode": types.GatewayPolicyEngineModeEnforce,
		"discoveryUrl":     "https://idp.example/.well-known/oauth-authorization-server", "allowedClients": []string{"abc", "def"}, "advertised": "read",
		"claimList": []string{"a", "b"}, "claimOperator": types.ClaimMatchOperatorTypeContainsAny,
		"lattice": "rcfg-0123", "workloads": []string{"agent-1"}, "overrides": "idp.internal",
		"versions": []string{"2025-06-18"}, "instructions": "Use the order tools.", "searchType": types.SearchTypeSemantic,
		"session": int32(3600), "streaming": false, "noPagination": true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetGateway as the SDK sees it (-want +got):\n%s", diff)
	}

	gt, err := c.GetGatewayTarget(ctx, &ctl.GetGatewayTargetInput{GatewayIdentifier: aws.String("orders-gw-a1b2c3d4e5"), TargetId: aws.String("AbC123dEf4")})
	if err != nil {
		t.Fatal(err)
	}
	openapi := gt.TargetConfiguration.(*types.TargetConfigurationMemberMcp).Value.(*types.McpTargetConfigurationMemberOpenApiSchema).Value
	oauth := gt.CredentialProviderConfigurations[0].CredentialProvider.(*types.CredentialProviderMemberOauthCredentialProvider).Value
	vpc := gt.PrivateEndpoint.(*types.PrivateEndpointMemberManagedVpcResource).Value
	cert := gt.CertificateConfigurations[0].(*types.CertificateConfigurationMemberS3).Value
	gotT := map[string]any{
		"targetId": *gt.TargetId, "status": gt.Status, "reasons": gt.StatusReasons, "name": *gt.Name,
		"createdAt": gt.CreatedAt.UnixMilli(), "lastSync": gt.LastSynchronizedAt.Unix(),
		"inline": openapi.(*types.ApiSchemaConfigurationMemberInlinePayload).Value,
		"grant":  oauth.GrantType, "returnUrl": *oauth.DefaultReturnUrl, "custom": oauth.CustomParameters["audience"],
		"headers": gt.MetadataConfiguration.AllowedRequestHeaders,
		"vpc":     *vpc.VpcIdentifier, "ipType": vpc.EndpointIpAddressType,
		"managed":  *gt.PrivateEndpointManagedResources[0].Domain,
		"authUrl":  *gt.AuthorizationData.(*types.AuthorizationDataMemberOauth2).Value.AuthorizationUrl,
		"protocol": gt.ProtocolType, "cert": *cert.Uri,
	}
	wantT := map[string]any{
		"targetId": "AbC123dEf4", "status": types.TargetStatusCreatePendingAuth, "reasons": []string{"waiting for consent"}, "name": "petstore",
		"createdAt": tgt.CreatedAt.UnixMilli(), "lastSync": tgt.LastSynchronizedAt.Unix(),
		"inline": *tgt.TargetConfiguration.MCP.OpenAPISchema.InlinePayload,
		"grant":  types.OAuthGrantTypeAuthorizationCode, "returnUrl": "https://app.example/callback", "custom": "pets",
		"headers": []string{"X-Tenant"},
		"vpc":     "vpc-1", "ipType": types.EndpointIpAddressTypeIpv4,
		"managed":  "pets.internal",
		"authUrl":  "https://idp.example/authorize?x=1",
		"protocol": types.TargetProtocolTypeMcp, "cert": "s3://certs/ca.pem",
	}
	if diff := cmp.Diff(wantT, gotT); diff != "" {
		t.Errorf("GetGatewayTarget as the SDK sees it (-want +got):\n%s", diff)
	}

	lt, err := c.ListGatewayTargets(ctx, &ctl.ListGatewayTargetsInput{GatewayIdentifier: aws.String("orders-gw-a1b2c3d4e5")})
	if err != nil {
		t.Fatal(err)
	}
	s := lt.Items[0]
	if *lt.NextToken != "t1" || *s.ResourcePriority != 1000 || s.TargetType != types.TargetTypeOpenApiSchema ||
		s.ListingMode != types.ListingModeDefault || s.LastSynchronizedAt == nil || s.AuthorizationData == nil {
		t.Errorf("ListGatewayTargets as the SDK sees it: %+v, next %v", s, lt.NextToken)
	}

	dg, err := c.DeleteGateway(ctx, &ctl.DeleteGatewayInput{GatewayIdentifier: aws.String("orders-gw-a1b2c3d4e5")})
	if err != nil || *dg.GatewayId != "orders-gw-a1b2c3d4e5" || dg.Status != types.GatewayStatusDeleting {
		t.Errorf("DeleteGateway: %+v, %v", dg, err)
	}

	k, err := c.GetApiKeyCredentialProvider(ctx, &ctl.GetApiKeyCredentialProviderInput{Name: aws.String("remote-key")})
	if err != nil {
		t.Fatal(err)
	}
	if !k.CreatedTime.Equal(created) || !k.LastUpdatedTime.Equal(created.Add(90*time.Second)) || *k.ApiKeySecretArn.SecretArn != key.APIKeySecretArn.SecretArn ||
		*k.ApiKeySecretJsonKey != "api_key_value" || k.ApiKeySecretSource != types.SecretSourceTypeManaged || *k.CredentialProviderArn != apiKeyArn {
		t.Errorf("GetApiKeyCredentialProvider as the SDK sees it: created %v, updated %v, %+v", k.CreatedTime, k.LastUpdatedTime, k)
	}
	lk, err := c.ListApiKeyCredentialProviders(ctx, &ctl.ListApiKeyCredentialProvidersInput{})
	if err != nil || len(lk.CredentialProviders) != 1 || !lk.CredentialProviders[0].CreatedTime.Equal(created) || *lk.NextToken != "next" {
		t.Errorf("ListApiKeyCredentialProviders as the SDK sees it: %+v, %v", lk, err)
	}
}

// TestSDKRequestsDecode sends SDK-serialized requests with every member the
// SDK offers and requires Decode and Validate to accept them.
func TestSDKRequestsDecode(t *testing.T) {
	f := &fakeService{}
	c := newSDKClient(t, f)
	ctx := context.Background()
	const gwID = "orders-gw-a1b2c3d4e5"
	jwt := &types.AuthorizerConfigurationMemberCustomJWTAuthorizer{Value: types.CustomJWTAuthorizerConfiguration{
		DiscoveryUrl:           aws.String("https://idp.example/.well-known/openid-configuration"),
		AllowedAudience:        []string{"api"},
		AllowedClients:         []string{"abc"},
		AllowedScopes:          []string{"orders/read"},
		AdvertisedScopeMapping: map[string]string{"orders/read": "read"},
		CustomClaims: []types.CustomClaimValidationType{{
			InboundTokenClaimName:      aws.String("dept"),
			InboundTokenClaimValueType: types.InboundTokenClaimValueTypeString,
			AuthorizingClaimMatchValue: &types.AuthorizingClaimMatchValueType{
				ClaimMatchValue:    &types.ClaimMatchValueTypeMemberMatchValueString{Value: "eng"},
				ClaimMatchOperator: types.ClaimMatchOperatorTypeEquals,
			},
		}},
		PrivateEndpoint: &types.PrivateEndpointMemberManagedVpcResource{Value: types.ManagedVpcResource{
			VpcIdentifier: aws.String("vpc-1"), SubnetIds: []string{"subnet-1"}, EndpointIpAddressType: types.EndpointIpAddressTypeIpv4,
			SecurityGroupIds: []string{"sg-1"}, Tags: map[string]string{"team": "idp"}, RoutingDomain: aws.String("corp"),
		}},
		PrivateEndpointOverrides: []types.PrivateEndpointOverride{{Domain: aws.String("idp.internal"), PrivateEndpoint: &types.PrivateEndpointMemberSelfManagedLatticeResource{
			Value: &types.SelfManagedLatticeResourceMemberResourceConfigurationIdentifier{Value: "rcfg-1"},
		}}},
		AllowedWorkloadConfiguration: &types.AllowedWorkloadConfiguration{
			HostingEnvironments: []types.HostingEnvironment{{Arn: aws.String("arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/r1")}},
			WorkloadIdentities:  []string{"agent-1"},
		},
	}}
	protocol := &types.GatewayProtocolConfigurationMemberMcp{Value: types.MCPGatewayConfiguration{
		SupportedVersions: []string{"2025-06-18"}, Instructions: aws.String("hi"), SearchType: types.SearchTypeSemantic,
		SessionConfiguration:          &types.SessionConfiguration{SessionTimeoutInSeconds: aws.Int32(900)},
		StreamingConfiguration:        &types.StreamingConfiguration{EnableResponseStreaming: aws.Bool(false)},
		DisableMcpListToolsPagination: aws.Bool(true),
	}}
	interceptors := []types.GatewayInterceptorConfiguration{{
		Interceptor:        &types.InterceptorConfigurationMemberLambda{Value: types.LambdaInterceptorConfiguration{Arn: aws.String("arn:aws:lambda:us-east-1:111122223333:function:i")}},
		InterceptionPoints: []types.GatewayInterceptionPoint{types.GatewayInterceptionPointRequest},
		InputConfiguration: &types.InterceptorInputConfiguration{PassRequestHeaders: aws.Bool(false), PayloadFilter: &types.InterceptorPayloadFilter{
			Exclude: []types.InterceptorPayloadExclusionSelector{&types.InterceptorPayloadExclusionSelectorMemberField{Value: types.InterceptorPayloadExclusionResponseBody}},
		}},
	}}
	policy := &types.GatewayPolicyEngineConfiguration{Arn: aws.String("arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/pe-a1b2c3d4e5"), Mode: types.GatewayPolicyEngineModeLogOnly}
	kms := aws.String("arn:aws:kms:us-east-1:111122223333:key/12345678-1234-1234-1234-123456789012")
	role := aws.String("arn:aws:iam::111122223333:role/gw")

	vpc := &types.PrivateEndpointMemberManagedVpcResource{Value: types.ManagedVpcResource{VpcIdentifier: aws.String("vpc-1"), SubnetIds: []string{"s-1"}, EndpointIpAddressType: types.EndpointIpAddressTypeIpv6}}
	tool := types.ToolDefinition{
		Name: aws.String("get_order"), Description: aws.String("Get"),
		InputSchema: &types.SchemaDefinition{Type: types.SchemaTypeObject, Required: []string{"id"}, Description: aws.String("in"),
			Properties: map[string]types.SchemaDefinition{"id": {Type: types.SchemaTypeString}, "tags": {Type: types.SchemaTypeArray, Items: &types.SchemaDefinition{Type: types.SchemaTypeInteger}}}},
		OutputSchema: &types.SchemaDefinition{Type: types.SchemaTypeObject},
	}
	targetInputs := map[string]types.TargetConfiguration{
		"lambda": &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberLambda{Value: types.McpLambdaTargetConfiguration{
			LambdaArn: aws.String("arn:aws:lambda:us-east-1:111122223333:function:orders"), ToolSchema: &types.ToolSchemaMemberInlinePayload{Value: []types.ToolDefinition{tool}},
		}}},
		"openApi": &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: `{"openapi":"3.1.0"}`}}},
		"smithy": &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberSmithyModel{Value: &types.ApiSchemaConfigurationMemberS3{Value: types.S3Configuration{
			Uri: aws.String("s3://m/x.json"), BucketOwnerAccountId: aws.String("111122223333"),
		}}}},
		"mcpServer": &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberMcpServer{Value: types.McpServerTargetConfiguration{
			Endpoint: aws.String("https://mcp.example/mcp"), ListingMode: types.ListingModeDynamic, ResourcePriority: aws.Int32(5),
			McpToolSchema: &types.McpToolSchemaConfigurationMemberInlinePayload{Value: `[]`},
		}}},
		"apiGateway": &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberApiGateway{Value: types.ApiGatewayTargetConfiguration{
			RestApiId: aws.String("a1"), Stage: aws.String("prod"), ApiGatewayToolConfiguration: &types.ApiGatewayToolConfiguration{
				ToolFilters:   []types.ApiGatewayToolFilter{{FilterPath: aws.String("/pets"), Methods: []types.RestApiMethod{types.RestApiMethodGet}}},
				ToolOverrides: []types.ApiGatewayToolOverride{{Name: aws.String("list"), Description: aws.String("d"), Path: aws.String("/pets"), Method: types.RestApiMethodGet}},
			},
		}}},
		"connector": &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberConnector{Value: types.ConnectorTargetConfiguration{
			Source: &types.ConnectorSource{ConnectorId: aws.String("slack"), Version: aws.String("1")}, Enabled: []string{"post"},
			Configurations: []types.ConnectorConfiguration{{Name: aws.String("post"), Description: aws.String("d"),
				ParameterValues:    document.NewLazyDocument(map[string]any{"channel": "#ops", "n": 2}),
				ParameterOverrides: []types.ConnectorParameterOverride{{Path: aws.String("/channel"), Description: aws.String("c"), Visible: aws.Bool(true)}}}},
		}}},
		"http": &types.TargetConfigurationMemberHttp{Value: &types.HttpTargetConfigurationMemberPassthrough{Value: types.PassthroughTargetConfiguration{
			Endpoint: aws.String("https://api.example"), ProtocolType: types.PassthroughProtocolTypeMcp,
		}}},
	}
	creds := map[string][]types.CredentialProviderConfiguration{
		"lambda": {{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}},
		"openApi": {{CredentialProviderType: types.CredentialProviderTypeOauth, CredentialProvider: &types.CredentialProviderMemberOauthCredentialProvider{Value: types.OAuthCredentialProvider{
			ProviderArn: aws.String(oauthArn), Scopes: []string{"read"}, CustomParameters: map[string]string{"audience": "pets"},
			GrantType: types.OAuthGrantTypeClientCredentials, DefaultReturnUrl: aws.String("https://app.example/cb"),
		}}}},
		"smithy": {{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}},
		"mcpServer": {{CredentialProviderType: types.CredentialProviderTypeApiKey, CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
			ProviderArn: aws.String(apiKeyArn), CredentialParameterName: aws.String("x-api-key"), CredentialPrefix: aws.String("Key"), CredentialLocation: types.ApiKeyCredentialLocationHeader,
		}}}},
		"apiGateway": {{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole}},
		"http": {{CredentialProviderType: types.CredentialProviderTypeGatewayIamRole, CredentialProvider: &types.CredentialProviderMemberIamCredentialProvider{Value: types.IamCredentialProvider{
			Service: aws.String("bedrock-agentcore"), Region: aws.String("us-east-1"),
		}}}},
	}

	type call struct {
		name, key string
		do        func() error
		into      Validator
	}
	calls := []call{
		{"CreateGateway", "POST /gateways/", func() error {
			_, err := c.CreateGateway(ctx, &ctl.CreateGatewayInput{
				Name: aws.String("orders-gw"), Description: aws.String("d"), RoleArn: role, ProtocolType: types.GatewayProtocolTypeMcp,
				ProtocolConfiguration: protocol, AuthorizerType: types.AuthorizerTypeCustomJwt, AuthorizerConfiguration: jwt,
				KmsKeyArn: kms, InterceptorConfigurations: interceptors, PolicyEngineConfiguration: policy,
				ExceptionLevel: types.ExceptionLevelDebug, Tags: map[string]string{"team": "orders"},
			})
			return err
		}, &CreateGatewayRequest{}},
		{"UpdateGateway", "PUT /gateways/" + gwID + "/", func() error {
			_, err := c.UpdateGateway(ctx, &ctl.UpdateGatewayInput{
				GatewayIdentifier: aws.String(gwID), Name: aws.String("orders-gw"), Description: aws.String("d"), RoleArn: role,
				ProtocolType: types.GatewayProtocolTypeMcp, ProtocolConfiguration: protocol, AuthorizerType: types.AuthorizerTypeAuthenticateOnly,
				AuthorizerConfiguration: jwt, KmsKeyArn: kms, InterceptorConfigurations: interceptors, PolicyEngineConfiguration: policy,
				CustomTransformConfiguration: &types.CustomTransformConfiguration{Lambda: &types.LambdaTransformConfiguration{Arn: aws.String("arn:aws:lambda:us-east-1:111122223333:function:t")}},
				ExceptionLevel:               types.ExceptionLevelDebug, WafConfiguration: &types.WafConfiguration{FailureMode: types.WafFailureModeFailOpen},
			})
			return err
		}, &UpdateGatewayRequest{}},
		{"SynchronizeGatewayTargets", "PUT /gateways/" + gwID + "/synchronizeTargets", func() error {
			_, err := c.SynchronizeGatewayTargets(ctx, &ctl.SynchronizeGatewayTargetsInput{GatewayIdentifier: aws.String(gwID), TargetIdList: []string{"AbC123dEf4"}})
			return err
		}, &SynchronizeGatewayTargetsRequest{}},
		{"CreateApiKeyCredentialProvider", "POST /identities/CreateApiKeyCredentialProvider", func() error {
			_, err := c.CreateApiKeyCredentialProvider(ctx, &ctl.CreateApiKeyCredentialProviderInput{
				Name: aws.String("k"), ApiKey: aws.String("sk-1"), ApiKeySecretSource: types.SecretSourceTypeManaged, Tags: map[string]string{"a": "b"},
			})
			return err
		}, &CreateApiKeyCredentialProviderRequest{}},
		{"UpdateApiKeyCredentialProvider", "POST /identities/UpdateApiKeyCredentialProvider", func() error {
			_, err := c.UpdateApiKeyCredentialProvider(ctx, &ctl.UpdateApiKeyCredentialProviderInput{
				Name: aws.String("k"), ApiKeySecretSource: types.SecretSourceTypeExternal,
				ApiKeySecretConfig: &types.SecretReference{SecretId: aws.String("s"), JsonKey: aws.String("j")},
			})
			return err
		}, &UpdateApiKeyCredentialProviderRequest{}},
		{"GetApiKeyCredentialProvider", "POST /identities/GetApiKeyCredentialProvider", func() error {
			_, err := c.GetApiKeyCredentialProvider(ctx, &ctl.GetApiKeyCredentialProviderInput{Name: aws.String("k")})
			return err
		}, &GetApiKeyCredentialProviderRequest{}},
		{"DeleteApiKeyCredentialProvider", "POST /identities/DeleteApiKeyCredentialProvider", func() error {
			_, err := c.DeleteApiKeyCredentialProvider(ctx, &ctl.DeleteApiKeyCredentialProviderInput{Name: aws.String("k")})
			return err
		}, &DeleteApiKeyCredentialProviderRequest{}},
		{"ListApiKeyCredentialProviders", "POST /identities/ListApiKeyCredentialProviders", func() error {
			_, err := c.ListApiKeyCredentialProviders(ctx, &ctl.ListApiKeyCredentialProvidersInput{MaxResults: aws.Int32(100), NextToken: aws.String("t")})
			return err
		}, &ListApiKeyCredentialProvidersRequest{}},
	}
	for kind, cfg := range targetInputs {
		calls = append(calls, call{"CreateGatewayTarget/" + kind, "POST /gateways/" + gwID + "/targets/", func() error {
			in := &ctl.CreateGatewayTargetInput{
				GatewayIdentifier: aws.String(gwID), Name: aws.String("t-" + kind), Description: aws.String("d"), TargetConfiguration: cfg,
				CredentialProviderConfigurations: creds[kind],
			}
			if kind == "openApi" {
				in.MetadataConfiguration = &types.MetadataConfiguration{AllowedRequestHeaders: []string{"X-Tenant"}, AllowedQueryParameters: []string{"t"}, AllowedResponseHeaders: []string{"X-Id"}}
				in.PrivateEndpoint = vpc
				in.CertificateConfigurations = []types.CertificateConfiguration{&types.CertificateConfigurationMemberS3{Value: types.S3CertificateConfiguration{Uri: aws.String("s3://c/ca.pem"), BucketOwnerAccountId: aws.String("111122223333")}}}
			}
			if kind == "mcpServer" {
				in.CertificateConfigurations = []types.CertificateConfiguration{&types.CertificateConfigurationMemberSecretsManager{Value: types.SecretsManagerCertificateConfiguration{SecretArn: aws.String("arn:aws:secretsmanager:us-east-1:111122223333:secret:ca")}}}
			}
			_, err := c.CreateGatewayTarget(ctx, in)
			return err
		}, &CreateGatewayTargetRequest{}})
	}
	for _, cl := range calls {
		t.Run(cl.name, func(t *testing.T) {
			if err := cl.do(); err != nil {
				t.Logf("SDK call: %v (the fake answers {}; only the request matters)", err)
			}
			f.mu.Lock()
			body, ok := f.requests[cl.key]
			f.mu.Unlock()
			if !ok {
				t.Fatalf("no request to %s", cl.key)
			}
			if err := DecodeRequest(body, cl.into); err != nil {
				t.Fatalf("DecodeRequest(%s): %v", body, err)
			}
			// Nothing the SDK sent was dropped: re-encoding gives the same JSON.
			if diff := cmp.Diff(semanticJSON(t, body), semanticJSON(t, mustMarshal(t, cl.into))); diff != "" {
				t.Errorf("re-encoded request differs (-sdk +ours):\n%s", diff)
			}
		})
	}
}
