package agentcore

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validGateway is a CreateGateway request that passes validation; each case
// below changes one thing.
func validGateway() *CreateGatewayRequest {
	return &CreateGatewayRequest{
		Name:           ptr("orders-gw"),
		RoleArn:        ptr("arn:aws:iam::111122223333:role/gw"),
		AuthorizerType: AuthorizerTypeCustomJWT,
		AuthorizerConfiguration: &AuthorizerConfiguration{CustomJWTAuthorizer: &CustomJWTAuthorizerConfiguration{
			DiscoveryURL:   ptr("https://idp.example/.well-known/openid-configuration"),
			AllowedClients: []string{"abc"},
		}},
		ClientToken: ptr("5d1c7a1e-0b7c-4c1e-9a59-3f3c2d5e8f10"),
	}
}

func jwtOf(r *CreateGatewayRequest) *CustomJWTAuthorizerConfiguration {
	return r.AuthorizerConfiguration.CustomJWTAuthorizer
}

func mcpOf(r *CreateGatewayRequest) *MCPGatewayConfiguration {
	if r.ProtocolConfiguration == nil {
		r.ProtocolConfiguration = &GatewayProtocolConfiguration{MCP: &MCPGatewayConfiguration{}}
	}
	return r.ProtocolConfiguration.MCP
}

func claim(valueType InboundTokenClaimValueType, op ClaimMatchOperatorType, value *ClaimMatchValue) CustomClaimValidationType {
	return CustomClaimValidationType{
		InboundTokenClaimName:      ptr("groups"),
		InboundTokenClaimValueType: valueType,
		AuthorizingClaimMatchValue: &AuthorizingClaimMatchValue{ClaimMatchValue: value, ClaimMatchOperator: op},
	}
}

func interceptor(points ...GatewayInterceptionPoint) GatewayInterceptorConfiguration {
	return GatewayInterceptorConfiguration{
		Interceptor:        &InterceptorConfiguration{Lambda: &LambdaInterceptorConfiguration{Arn: ptr("arn:aws:lambda:us-east-1:111122223333:function:icpt")}},
		InterceptionPoints: points,
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = "v"
	}
	return m
}

func TestValidateCreateGateway(t *testing.T) {
	const jwt = "authorizerConfiguration.customJWTAuthorizer."
	const mcp = "protocolConfiguration.mcp."
	tests := []struct {
		name   string
		mutate func(*CreateGatewayRequest)
		want   []string // fieldList names; nil = valid
	}{
		{"valid", func(r *CreateGatewayRequest) {}, nil},
		{"name missing", func(r *CreateGatewayRequest) { r.Name = nil }, []string{"name"}},
		{"name 48 characters", func(r *CreateGatewayRequest) { r.Name = ptr(strings.Repeat("a", 48)) }, nil},
		{"name 49 characters", func(r *CreateGatewayRequest) { r.Name = ptr(strings.Repeat("a", 49)) }, []string{"name"}},
		{"name leading hyphen", func(r *CreateGatewayRequest) { r.Name = ptr("-gw") }, []string{"name"}},
		{"name double hyphen", func(r *CreateGatewayRequest) { r.Name = ptr("a--b") }, []string{"name"}},
		{"name underscore", func(r *CreateGatewayRequest) { r.Name = ptr("a_b") }, []string{"name"}},
		{"roleArn missing", func(r *CreateGatewayRequest) { r.RoleArn = nil }, []string{"roleArn"}},
		{"roleArn gov partition", func(r *CreateGatewayRequest) { r.RoleArn = ptr("arn:aws-us-gov:iam::111122223333:role/a/b") }, nil},
		{"roleArn not a role", func(r *CreateGatewayRequest) { r.RoleArn = ptr("arn:aws:iam::111122223333:user/gw") }, []string{"roleArn"}},
		{"roleArn too long", func(r *CreateGatewayRequest) {
			r.RoleArn = ptr("arn:aws:iam::111122223333:role/" + strings.Repeat("r", 2048))
		}, []string{"roleArn"}},
		{"description 200", func(r *CreateGatewayRequest) { r.Description = ptr(strings.Repeat("d", 200)) }, nil},
		{"description empty", func(r *CreateGatewayRequest) { r.Description = ptr("") }, []string{"description"}},
		{"description 201", func(r *CreateGatewayRequest) { r.Description = ptr(strings.Repeat("é", 201)) }, []string{"description"}},
		{"clientToken 33", func(r *CreateGatewayRequest) { r.ClientToken = ptr(strings.Repeat("a", 33)) }, nil},
		{"clientToken 32", func(r *CreateGatewayRequest) { r.ClientToken = ptr(strings.Repeat("a", 32)) }, []string{"clientToken"}},
		{"clientToken underscore", func(r *CreateGatewayRequest) { r.ClientToken = ptr(strings.Repeat("a", 32) + "_") }, []string{"clientToken"}},
		{"clientToken trailing hyphen", func(r *CreateGatewayRequest) { r.ClientToken = ptr(strings.Repeat("a", 33) + "-") }, []string{"clientToken"}},
		{"kmsKeyArn", func(r *CreateGatewayRequest) {
			r.KmsKeyArn = ptr("arn:aws:kms:us-east-1:111122223333:key/12345678-1234-1234-1234-123456789012")
		}, nil},
		{"kmsKeyArn alias", func(r *CreateGatewayRequest) { r.KmsKeyArn = ptr("arn:aws:kms:us-east-1:111122223333:alias/gw") }, []string{"kmsKeyArn"}},
		{"tags 50", func(r *CreateGatewayRequest) { r.Tags = manyTags(50) }, nil},
		{"tags 51", func(r *CreateGatewayRequest) { r.Tags = manyTags(51) }, []string{"tags"}},
		{"tag key 129", func(r *CreateGatewayRequest) { r.Tags = map[string]string{strings.Repeat("k", 129): "v"} }, []string{"tags." + strings.Repeat("k", 129)}},
		{"tag key empty", func(r *CreateGatewayRequest) { r.Tags = map[string]string{"": "v"} }, []string{`tags[""]`}},
		{"tag key bad character", func(r *CreateGatewayRequest) { r.Tags = map[string]string{"a*b": "v"} }, []string{`tags["a*b"]`}},
		{"tag value empty and spaced key", func(r *CreateGatewayRequest) { r.Tags = map[string]string{"cost center": ""} }, nil},
		{"tag value 257", func(r *CreateGatewayRequest) { r.Tags = map[string]string{"k": strings.Repeat("v", 257)} }, []string{"tags.k"}},
		{"tag value bad character", func(r *CreateGatewayRequest) { r.Tags = map[string]string{"k": "a;b"} }, []string{"tags.k"}},
		{"exceptionLevel unknown", func(r *CreateGatewayRequest) { r.ExceptionLevel = "TRACE" }, []string{"exceptionLevel"}},
		{"protocolType unknown", func(r *CreateGatewayRequest) { r.ProtocolType = "HTTP" }, []string{"protocolType"}},

		// authorizerType ↔ authorizerConfiguration
		{"authorizerType missing", func(r *CreateGatewayRequest) { r.AuthorizerType = "" }, []string{"authorizerType"}},
		{"CUSTOM_JWT without configuration", func(r *CreateGatewayRequest) { r.AuthorizerConfiguration = nil }, []string{"authorizerConfiguration"}},
		{"AUTHENTICATE_ONLY with configuration", func(r *CreateGatewayRequest) { r.AuthorizerType = AuthorizerTypeAuthenticateOnly }, nil},
		{"AUTHENTICATE_ONLY without configuration", func(r *CreateGatewayRequest) {
			r.AuthorizerType, r.AuthorizerConfiguration = AuthorizerTypeAuthenticateOnly, nil
		}, []string{"authorizerConfiguration"}},
		{"NONE without configuration", func(r *CreateGatewayRequest) { r.AuthorizerType, r.AuthorizerConfiguration = AuthorizerTypeNone, nil }, nil},
		{"NONE with configuration", func(r *CreateGatewayRequest) { r.AuthorizerType = AuthorizerTypeNone }, []string{"authorizerConfiguration"}},
		{"AWS_IAM with configuration", func(r *CreateGatewayRequest) { r.AuthorizerType = AuthorizerTypeAWSIAM }, []string{"authorizerConfiguration"}},
		{"empty authorizer union", func(r *CreateGatewayRequest) { r.AuthorizerConfiguration = &AuthorizerConfiguration{} }, []string{"authorizerConfiguration"}},

		// customJWTAuthorizer
		{"discoveryUrl missing", func(r *CreateGatewayRequest) { jwtOf(r).DiscoveryURL = nil }, []string{jwt + "discoveryUrl"}},
		{"discoveryUrl RFC 8414", func(r *CreateGatewayRequest) {
			jwtOf(r).DiscoveryURL = ptr("http://127.0.0.1:8080/idp/p1/.well-known/oauth-authorization-server")
		}, nil},
		{"discoveryUrl wrong document", func(r *CreateGatewayRequest) { jwtOf(r).DiscoveryURL = ptr("https://idp.example/jwks.json") }, []string{jwt + "discoveryUrl"}},
		{"discoveryUrl not http", func(r *CreateGatewayRequest) {
			jwtOf(r).DiscoveryURL = ptr("ftp://idp.example/.well-known/openid-configuration")
		}, []string{jwt + "discoveryUrl"}},
		{"discoveryUrl relative", func(r *CreateGatewayRequest) { jwtOf(r).DiscoveryURL = ptr("idp/.well-known/openid-configuration") }, []string{jwt + "discoveryUrl"}},
		{"allowedAudience one", func(r *CreateGatewayRequest) { jwtOf(r).AllowedAudience = []string{"api"} }, nil},
		{"allowedAudience empty list", func(r *CreateGatewayRequest) { jwtOf(r).AllowedAudience = []string{} }, []string{jwt + "allowedAudience"}},
		{"allowedAudience empty string", func(r *CreateGatewayRequest) { jwtOf(r).AllowedAudience = []string{"api", ""} }, []string{jwt + "allowedAudience[1]"}},
		{"allowedClients empty list", func(r *CreateGatewayRequest) { jwtOf(r).AllowedClients = []string{} }, []string{jwt + "allowedClients"}},
		{"allowedScopes", func(r *CreateGatewayRequest) { jwtOf(r).AllowedScopes = []string{"orders/read", "a:b!#[]~"} }, nil},
		{"allowedScopes empty list", func(r *CreateGatewayRequest) { jwtOf(r).AllowedScopes = []string{} }, []string{jwt + "allowedScopes"}},
		{"allowedScopes space, quote, backslash, 256", func(r *CreateGatewayRequest) {
			jwtOf(r).AllowedScopes = []string{"a b", `a"b`, `a\b`, strings.Repeat("s", 256)}
		}, []string{jwt + "allowedScopes[0]", jwt + "allowedScopes[1]", jwt + "allowedScopes[2]", jwt + "allowedScopes[3]"}},
		{"advertisedScopeMapping", func(r *CreateGatewayRequest) {
			jwtOf(r).AdvertisedScopeMapping = map[string]string{"orders/read": "read"}
		}, nil},
		{"advertisedScopeMapping 51 and bad entries", func(r *CreateGatewayRequest) {
			m := manyTags(49)
			m["a b"] = "x"
			m["ok"] = "x y"
			jwtOf(r).AdvertisedScopeMapping = m
		}, []string{jwt + "advertisedScopeMapping", jwt + `advertisedScopeMapping["a b"]`, jwt + "advertisedScopeMapping.ok"}},
		{"privateEndpointOverrides 6", func(r *CreateGatewayRequest) {
			o := PrivateEndpointOverride{Domain: ptr("d"), PrivateEndpoint: &PrivateEndpoint{SelfManagedLatticeResource: &SelfManagedLatticeResource{ResourceConfigurationIdentifier: ptr("r")}}}
			jwtOf(r).PrivateEndpointOverrides = []PrivateEndpointOverride{o, o, o, o, o, o}
		}, []string{jwt + "privateEndpointOverrides"}},
		{"private endpoint without subnets", func(r *CreateGatewayRequest) {
			jwtOf(r).PrivateEndpoint = &PrivateEndpoint{ManagedVpcResource: &ManagedVpcResource{
				VpcIdentifier: ptr("vpc-1"), SubnetIDs: []string{}, EndpointIPAddressType: EndpointIpAddressTypeIPv6,
			}}
		}, []string{jwt + "privateEndpoint.managedVpcResource.subnetIds"}},
		{"private endpoint union with two members", func(r *CreateGatewayRequest) {
			jwtOf(r).PrivateEndpoint = &PrivateEndpoint{
				SelfManagedLatticeResource: &SelfManagedLatticeResource{ResourceConfigurationIdentifier: ptr("r")},
				ManagedVpcResource:         &ManagedVpcResource{VpcIdentifier: ptr("v"), SubnetIDs: []string{"s"}, EndpointIPAddressType: "IPV4"},
			}
		}, []string{jwt + "privateEndpoint"}},
		{"allowedWorkloadConfiguration", func(r *CreateGatewayRequest) {
			jwtOf(r).AllowedWorkloadConfiguration = &AllowedWorkloadConfiguration{
				HostingEnvironments: []HostingEnvironment{{Arn: ptr("arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/r1")}},
				WorkloadIdentities:  []string{"agent-1"},
			}
		}, nil},
		{"allowedWorkloadConfiguration bad", func(r *CreateGatewayRequest) {
			jwtOf(r).AllowedWorkloadConfiguration = &AllowedWorkloadConfiguration{
				HostingEnvironments: []HostingEnvironment{{Arn: ptr("arn:aws:lambda:us-east-1:111122223333:function:f")}},
				WorkloadIdentities:  []string{"ab", "a b c"},
			}
		}, []string{
			jwt + "allowedWorkloadConfiguration.hostingEnvironments[0].arn",
			jwt + "allowedWorkloadConfiguration.workloadIdentities[0]",
			jwt + "allowedWorkloadConfiguration.workloadIdentities[1]",
		}},

		// customClaims
		{"claims: STRING EQUALS", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{claim("STRING", "EQUALS", &ClaimMatchValue{MatchValueString: ptr("eng")})}
		}, nil},
		{"claims: STRING_ARRAY CONTAINS and CONTAINS_ANY", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{
				claim("STRING_ARRAY", "CONTAINS", &ClaimMatchValue{MatchValueString: ptr("admin")}),
				claim("STRING_ARRAY", "CONTAINS_ANY", &ClaimMatchValue{MatchValueStringList: []string{"a", "b.c"}}),
			}
		}, nil},
		{"claims: empty list", func(r *CreateGatewayRequest) { jwtOf(r).CustomClaims = []CustomClaimValidationType{} }, []string{jwt + "customClaims"}},
		{"claims: STRING with CONTAINS", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{claim("STRING", "CONTAINS", &ClaimMatchValue{MatchValueString: ptr("x")})}
		}, []string{jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchOperator"}},
		{"claims: STRING_ARRAY with EQUALS", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{claim("STRING_ARRAY", "EQUALS", &ClaimMatchValue{MatchValueString: ptr("x")})}
		}, []string{jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchOperator"}},
		{"claims: CONTAINS_ANY with a string", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{claim("STRING_ARRAY", "CONTAINS_ANY", &ClaimMatchValue{MatchValueString: ptr("x")})}
		}, []string{jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchValue.matchValueString"}},
		{"claims: CONTAINS with a list", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{claim("STRING_ARRAY", "CONTAINS", &ClaimMatchValue{MatchValueStringList: []string{"x"}})}
		}, []string{jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchValue.matchValueStringList"}},
		{"claims: empty value list and bad values", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{
				claim("STRING_ARRAY", "CONTAINS_ANY", &ClaimMatchValue{MatchValueStringList: []string{}}),
				claim("STRING", "EQUALS", &ClaimMatchValue{MatchValueString: ptr("a b")}),
				claim("STRING_ARRAY", "CONTAINS_ANY", &ClaimMatchValue{MatchValueStringList: []string{"ok", "no/slash"}}),
			}
		}, []string{
			jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchValue.matchValueStringList",
			jwt + "customClaims[1].authorizingClaimMatchValue.claimMatchValue.matchValueString",
			jwt + "customClaims[2].authorizingClaimMatchValue.claimMatchValue.matchValueStringList[1]",
		}},
		{"claims: claim name", func(r *CreateGatewayRequest) {
			c := claim("STRING", "EQUALS", &ClaimMatchValue{MatchValueString: ptr("x")})
			c.InboundTokenClaimName = ptr("custom:dept")
			d := c
			d.InboundTokenClaimName = ptr("has space")
			jwtOf(r).CustomClaims = []CustomClaimValidationType{c, d}
		}, []string{jwt + "customClaims[1].inboundTokenClaimName"}},
		{"claims: missing members and bad enums", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{
				{InboundTokenClaimValueType: "NUMBER", AuthorizingClaimMatchValue: &AuthorizingClaimMatchValue{}},
			}
		}, []string{
			jwt + "customClaims[0].inboundTokenClaimName",
			jwt + "customClaims[0].inboundTokenClaimValueType",
			jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchValue",
			jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchOperator",
		}},
		{"claims: match value union empty", func(r *CreateGatewayRequest) {
			jwtOf(r).CustomClaims = []CustomClaimValidationType{claim("STRING", "EQUALS", &ClaimMatchValue{})}
		}, []string{jwt + "customClaims[0].authorizingClaimMatchValue.claimMatchValue"}},

		// protocolConfiguration.mcp
		{"mcp full", func(r *CreateGatewayRequest) {
			m := mcpOf(r)
			m.SupportedVersions = []string{"2025-06-18", "2025-03-26"}
			m.Instructions = ptr(strings.Repeat("i", 2048))
			m.SearchType = SearchTypeSemantic
			m.SessionConfiguration = &SessionConfiguration{SessionTimeoutInSeconds: ptr(int32(900))}
		}, nil},
		{"supportedVersions empty", func(r *CreateGatewayRequest) { mcpOf(r).SupportedVersions = []string{} }, []string{mcp + "supportedVersions"}},
		{"supportedVersions not dates", func(r *CreateGatewayRequest) {
			mcpOf(r).SupportedVersions = []string{"latest", "2025-13-01", "2025-6-18", "2025-02-30"}
		}, []string{mcp + "supportedVersions[0]", mcp + "supportedVersions[1]", mcp + "supportedVersions[2]", mcp + "supportedVersions[3]"}},
		{"supportedVersions repeated", func(r *CreateGatewayRequest) {
			mcpOf(r).SupportedVersions = []string{"2025-06-18", "2025-06-18"}
		}, []string{mcp + "supportedVersions[1]"}},
		{"instructions empty", func(r *CreateGatewayRequest) { mcpOf(r).Instructions = ptr("") }, []string{mcp + "instructions"}},
		{"instructions 2049", func(r *CreateGatewayRequest) { mcpOf(r).Instructions = ptr(strings.Repeat("i", 2049)) }, []string{mcp + "instructions"}},
		{"searchType unknown", func(r *CreateGatewayRequest) { mcpOf(r).SearchType = "KEYWORD" }, []string{mcp + "searchType"}},
		{"sessionTimeout 28800", func(r *CreateGatewayRequest) {
			mcpOf(r).SessionConfiguration = &SessionConfiguration{SessionTimeoutInSeconds: ptr(int32(28800))}
		}, nil},
		{"sessionTimeout 899", func(r *CreateGatewayRequest) {
			mcpOf(r).SessionConfiguration = &SessionConfiguration{SessionTimeoutInSeconds: ptr(int32(899))}
		}, []string{mcp + "sessionConfiguration.sessionTimeoutInSeconds"}},
		{"sessionTimeout 28801", func(r *CreateGatewayRequest) {
			mcpOf(r).SessionConfiguration = &SessionConfiguration{SessionTimeoutInSeconds: ptr(int32(28801))}
		}, []string{mcp + "sessionConfiguration.sessionTimeoutInSeconds"}},
		{"empty protocol union", func(r *CreateGatewayRequest) { r.ProtocolConfiguration = &GatewayProtocolConfiguration{} }, []string{"protocolConfiguration"}},

		// interceptors
		{"interceptors: one per point", func(r *CreateGatewayRequest) {
			r.InterceptorConfigurations = []GatewayInterceptorConfiguration{interceptor("REQUEST"), interceptor("RESPONSE")}
		}, nil},
		{"interceptors: empty list", func(r *CreateGatewayRequest) { r.InterceptorConfigurations = []GatewayInterceptorConfiguration{} }, []string{"interceptorConfigurations"}},
		{"interceptors: three", func(r *CreateGatewayRequest) {
			r.InterceptorConfigurations = []GatewayInterceptorConfiguration{interceptor("REQUEST"), interceptor("RESPONSE"), interceptor()}
		}, []string{"interceptorConfigurations[2].interceptionPoints", "interceptorConfigurations"}},
		{"interceptors: point taken twice", func(r *CreateGatewayRequest) {
			r.InterceptorConfigurations = []GatewayInterceptorConfiguration{interceptor("REQUEST", "RESPONSE"), interceptor("RESPONSE")}
		}, []string{"interceptorConfigurations[1].interceptionPoints[0]"}},
		{"interceptors: missing parts", func(r *CreateGatewayRequest) {
			r.InterceptorConfigurations = []GatewayInterceptorConfiguration{{
				InputConfiguration: &InterceptorInputConfiguration{PayloadFilter: &InterceptorPayloadFilter{Exclude: []InterceptorPayloadExclusionSelector{{}}}},
			}}
		}, []string{
			"interceptorConfigurations[0].interceptor",
			"interceptorConfigurations[0].interceptionPoints",
			"interceptorConfigurations[0].inputConfiguration.passRequestHeaders",
			"interceptorConfigurations[0].inputConfiguration.payloadFilter.exclude[0]",
		}},
		{"interceptors: bad Lambda ARN and point", func(r *CreateGatewayRequest) {
			ic := interceptor("BEFORE")
			ic.Interceptor.Lambda.Arn = ptr("arn:aws:lambda:us-east-1:111122223333:layer:x")
			r.InterceptorConfigurations = []GatewayInterceptorConfiguration{ic}
		}, []string{"interceptorConfigurations[0].interceptionPoints[0]", "interceptorConfigurations[0].interceptor.lambda.arn"}},

		// policy engine
		{"policy engine", func(r *CreateGatewayRequest) {
			r.PolicyEngineConfiguration = &GatewayPolicyEngineConfiguration{
				Arn: ptr("arn:aws:bedrock-agentcore:us-east-1:111122223333:policy-engine/orders_pe-a1b2c3d4e5"), Mode: "LOG_ONLY",
			}
		}, nil},
		{"policy engine bad", func(r *CreateGatewayRequest) {
			r.PolicyEngineConfiguration = &GatewayPolicyEngineConfiguration{Arn: ptr("arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/g")}
		}, []string{"policyEngineConfiguration.mode", "policyEngineConfiguration.arn"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validGateway()
			tt.mutate(r)
			if diff := cmp.Diff(tt.want, fieldNames(t, r.Validate())); diff != "" {
				t.Errorf("fieldList names (-want +got):\n%s", diff)
			}
		})
	}
}

// TestValidateMessages pins the wording of representative messages: each
// names the constraint and the size received, never the value.
func TestValidateMessages(t *testing.T) {
	r := validGateway()
	r.Name = ptr("bad_name")
	r.Description = ptr(strings.Repeat("d", 250))
	r.Tags = manyTags(51)
	r.AuthorizerType = AuthorizerTypeNone
	mcpOf(r).SessionConfiguration = &SessionConfiguration{SessionTimeoutInSeconds: ptr(int32(60))}
	wantFields(t, r.Validate(), []ValidationExceptionField{
		{"name", "must match ^([0-9a-zA-Z][-]?){1,48}$"},
		{"description", "must be 1-200 characters, got 250"},
		{"authorizerConfiguration", "must not be set when authorizerType is NONE"},
		{"protocolConfiguration.mcp.sessionConfiguration.sessionTimeoutInSeconds", "must be between 900 and 28800, got 60"},
		{"tags", "must contain at most 50 items, got 51"},
	})

	ve := validationError(t, r.Validate())
	if !strings.HasPrefix(ve.Message, "5 validation errors detected: name: must match") {
		t.Errorf("Message = %q", ve.Message)
	}
	if got := ve.Error(); !strings.Contains(got, "FieldValidationFailed") || !strings.Contains(got, "description: must be 1-200 characters, got 250") {
		t.Errorf("Error() = %q", got)
	}
	body := string(mustMarshal(t, ve.Body()))
	if !strings.Contains(body, `"reason":"FieldValidationFailed","fieldList":[{"name":"name","message":`) {
		t.Errorf("Body = %s", body)
	}
}

func TestValidateUpdateGateway(t *testing.T) {
	valid := func() *UpdateGatewayRequest {
		return &UpdateGatewayRequest{
			Name: ptr("orders-gw"), RoleArn: ptr("arn:aws:iam::111122223333:role/gw"), AuthorizerType: AuthorizerTypeAWSIAM,
			CustomTransformConfiguration: &CustomTransformConfiguration{Lambda: &LambdaTransformConfiguration{Arn: ptr("arn:aws:lambda:us-east-1:111122223333:function:x:$LATEST")}},
			WafConfiguration:             &WafConfiguration{FailureMode: WafFailureModeFailOpen},
		}
	}
	tests := []struct {
		name   string
		mutate func(*UpdateGatewayRequest)
		want   []string
	}{
		{"valid", func(r *UpdateGatewayRequest) {}, nil},
		{"missing required", func(r *UpdateGatewayRequest) { r.Name, r.RoleArn, r.AuthorizerType = nil, nil, "" }, []string{"name", "roleArn", "authorizerType"}},
		{"transform ARN", func(r *UpdateGatewayRequest) {
			r.CustomTransformConfiguration.Lambda.Arn = ptr("arn:aws:lambda:us-east-1:111122223333:function:" + strings.Repeat("f", 140))
		}, []string{"customTransformConfiguration.lambda.arn"}},
		{"transform ARN absent is allowed", func(r *UpdateGatewayRequest) { r.CustomTransformConfiguration.Lambda.Arn = nil }, nil},
		{"waf failure mode", func(r *UpdateGatewayRequest) { r.WafConfiguration.FailureMode = "FAIL_SOFT" }, []string{"wafConfiguration.failureMode"}},
		{"CUSTOM_JWT needs configuration", func(r *UpdateGatewayRequest) { r.AuthorizerType = AuthorizerTypeCustomJWT }, []string{"authorizerConfiguration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(r)
			if diff := cmp.Diff(tt.want, fieldNames(t, r.Validate())); diff != "" {
				t.Errorf("fieldList names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateIdentifiersAndPaging(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want []string
	}{
		{ValidateGatewayIdentifier("orders-gw-a1b2c3d4e5"), nil},
		{ValidateGatewayIdentifier("Orders-gw-a1b2c3d4e5"), []string{"gatewayIdentifier"}},
		{ValidateGatewayIdentifier(""), []string{"gatewayIdentifier"}},
		{ValidateTargetID("AbC123dEf4"), nil},
		{ValidateTargetID("AbC123dEf"), []string{"targetId"}},
	} {
		if diff := cmp.Diff(tt.want, fieldNames(t, tt.err)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}

	q := map[string][]string{"maxResults": {"1000"}, "nextToken": {"abc"}}
	pq, err := ParsePageQuery(q)
	if err != nil || *pq.MaxResults != 1000 || *pq.NextToken != "abc" {
		t.Errorf("ParsePageQuery(%v) = %+v, %v", q, pq, err)
	}
	if pq, err := ParsePageQuery(nil); err != nil || pq.MaxResults != nil || pq.NextToken != nil {
		t.Errorf("ParsePageQuery(nil) = %+v, %v", pq, err)
	}
	_, err = ParsePageQuery(map[string][]string{"maxResults": {"0"}, "nextToken": {"a b"}})
	wantFields(t, err, []ValidationExceptionField{
		{"maxResults", "must be between 1 and 1000, got 0"},
		{"nextToken", `must match ^\S*$`},
	})
	_, err = ParsePageQuery(map[string][]string{"maxResults": {"ten"}, "nextToken": {""}})
	wantFields(t, err, []ValidationExceptionField{
		{"maxResults", "expected integer"},
		{"nextToken", "must be 1-2048 characters, got 0"},
	})
	_, err = ParsePageQuery(map[string][]string{"maxResults": {"1001"}})
	wantFields(t, err, []ValidationExceptionField{{"maxResults", "must be between 1 and 1000, got 1001"}})
}
