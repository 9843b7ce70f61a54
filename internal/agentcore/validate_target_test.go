package agentcore

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	lambdaPath   = "targetConfiguration.mcp.lambda."
	toolsPath    = lambdaPath + "toolSchema.inlinePayload"
	credPath     = "credentialProviderConfigurations[0]."
	providerPath = credPath + "credentialProvider."
	oauthArn     = "arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/oauth2credentialprovider/pets"
	apiKeyArn    = "arn:aws:bedrock-agentcore:us-east-1:111122223333:token-vault/default/apikeycredentialprovider/pets"
)

// validLambdaTarget is the §7.7 example target.
func validLambdaTarget() *CreateGatewayTargetRequest {
	return &CreateGatewayTargetRequest{
		Name: ptr("orders"),
		TargetConfiguration: &TargetConfiguration{MCP: &McpTargetConfiguration{Lambda: &McpLambdaTargetConfiguration{
			LambdaArn: ptr("arn:aws:lambda:us-east-1:111122223333:function:orders"),
			ToolSchema: &ToolSchema{InlinePayload: []ToolDefinition{{
				Name: ptr("get_order"), Description: ptr("Get an order"),
				InputSchema: &SchemaDefinition{
					Type:       SchemaTypeObject,
					Properties: map[string]SchemaDefinition{"orderId": {Type: SchemaTypeString}},
					Required:   []string{"orderId"},
				},
			}}},
		}}},
		CredentialProviderConfigurations: []CredentialProviderConfiguration{{CredentialProviderType: CredentialProviderTypeGatewayIAMRole}},
	}
}

func lambdaOf(r *CreateGatewayTargetRequest) *McpLambdaTargetConfiguration {
	return r.TargetConfiguration.MCP.Lambda
}

func tools(r *CreateGatewayTargetRequest) []ToolDefinition {
	return lambdaOf(r).ToolSchema.InlinePayload
}

// useKind replaces the Lambda configuration with another MCP target kind
// and its credentials.
func useKind(r *CreateGatewayTargetRequest, m McpTargetConfiguration, creds ...CredentialProviderConfiguration) {
	r.TargetConfiguration.MCP = &m
	r.CredentialProviderConfigurations = creds
}

func openAPI() McpTargetConfiguration {
	return McpTargetConfiguration{OpenAPISchema: &ApiSchemaConfiguration{InlinePayload: ptr(`{"openapi":"3.0.3"}`)}}
}

func mcpServer(mode ListingMode) McpTargetConfiguration {
	return McpTargetConfiguration{MCPServer: &McpServerTargetConfiguration{Endpoint: ptr("https://mcp.example/mcp"), ListingMode: mode}}
}

func oauthCred(grant OAuthGrantType) CredentialProviderConfiguration {
	return CredentialProviderConfiguration{
		CredentialProviderType: CredentialProviderTypeOAuth,
		CredentialProvider: &CredentialProvider{OAuthCredentialProvider: &OAuthCredentialProvider{
			ProviderArn: ptr(oauthArn), Scopes: []string{"read"}, GrantType: grant,
		}},
	}
}

func apiKeyCred() CredentialProviderConfiguration {
	return CredentialProviderConfiguration{
		CredentialProviderType: CredentialProviderTypeAPIKey,
		CredentialProvider:     &CredentialProvider{APIKeyCredentialProvider: &GatewayApiKeyCredentialProvider{ProviderArn: ptr(apiKeyArn)}},
	}
}

func iamCred(service string) CredentialProviderConfiguration {
	c := CredentialProviderConfiguration{CredentialProviderType: CredentialProviderTypeGatewayIAMRole}
	if service != "" {
		c.CredentialProvider = &CredentialProvider{IAMCredentialProvider: &IamCredentialProvider{Service: ptr(service)}}
	}
	return c
}

func TestValidateCreateGatewayTarget(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*CreateGatewayTargetRequest)
		want   []string
	}{
		{"valid §7.7 example", func(r *CreateGatewayTargetRequest) {}, nil},
		{"name absent is allowed", func(r *CreateGatewayTargetRequest) { r.Name = nil }, nil},
		{"name 100", func(r *CreateGatewayTargetRequest) { r.Name = ptr(strings.Repeat("t", 100)) }, nil},
		{"name 101", func(r *CreateGatewayTargetRequest) { r.Name = ptr(strings.Repeat("t", 101)) }, []string{"name"}},
		{"name underscore", func(r *CreateGatewayTargetRequest) { r.Name = ptr("my_target") }, []string{"name"}},
		{"description 201", func(r *CreateGatewayTargetRequest) { r.Description = ptr(strings.Repeat("d", 201)) }, []string{"description"}},
		{"clientToken short", func(r *CreateGatewayTargetRequest) { r.ClientToken = ptr("abc") }, []string{"clientToken"}},
		{"targetConfiguration missing", func(r *CreateGatewayTargetRequest) { r.TargetConfiguration = nil }, []string{"targetConfiguration"}},
		{"empty mcp union", func(r *CreateGatewayTargetRequest) {
			r.TargetConfiguration.MCP = &McpTargetConfiguration{}
		}, []string{"targetConfiguration.mcp"}},

		// Lambda
		{"lambdaArn with alias", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).LambdaArn = ptr("arn:aws:lambda:eu-west-1:111122223333:function:orders:prod")
		}, nil},
		{"lambdaArn wrong service", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).LambdaArn = ptr("arn:aws:sqs:us-east-1:111122223333:orders")
		}, []string{lambdaPath + "lambdaArn"}},
		{"lambdaArn 171", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).LambdaArn = ptr("arn:aws:lambda:us-east-1:111122223333:function:" + strings.Repeat("f", 125))
		}, []string{lambdaPath + "lambdaArn"}},
		{"toolSchema missing", func(r *CreateGatewayTargetRequest) { lambdaOf(r).ToolSchema = nil }, []string{lambdaPath + "toolSchema"}},
		{"toolSchema in s3", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).ToolSchema = &ToolSchema{S3: &S3Configuration{URI: ptr("s3://b/tools.json"), BucketOwnerAccountID: ptr("111122223333")}}
		}, nil},
		{"toolSchema s3 without uri, bad owner", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).ToolSchema = &ToolSchema{S3: &S3Configuration{BucketOwnerAccountID: ptr("1111")}}
		}, []string{lambdaPath + "toolSchema.s3.uri", lambdaPath + "toolSchema.s3.bucketOwnerAccountId"}},
		{"toolSchema s3 uri not s3", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).ToolSchema = &ToolSchema{S3: &S3Configuration{URI: ptr("https://b.s3.amazonaws.com/k")}}
		}, []string{lambdaPath + "toolSchema.s3.uri"}},
		{"toolSchema s3 uri too long", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).ToolSchema = &ToolSchema{S3: &S3Configuration{URI: ptr("s3://" + strings.Repeat("k", 2044))}}
		}, []string{lambdaPath + "toolSchema.s3.uri"}},
		{"no tools", func(r *CreateGatewayTargetRequest) { lambdaOf(r).ToolSchema.InlinePayload = []ToolDefinition{} }, []string{toolsPath}},
		{"tool without members", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).ToolSchema.InlinePayload = []ToolDefinition{{}}
		}, []string{toolsPath + "[0].name", toolsPath + "[0].description", toolsPath + "[0].inputSchema"}},
		{"tool name empty and too long", func(r *CreateGatewayTargetRequest) {
			t0 := tools(r)[0]
			t1 := t0
			t0.Name, t1.Name = ptr(""), ptr(strings.Repeat("n", 257))
			lambdaOf(r).ToolSchema.InlinePayload = []ToolDefinition{t0, t1}
		}, []string{toolsPath + "[0].name", toolsPath + "[1].name"}},
		{"duplicate tool names", func(r *CreateGatewayTargetRequest) {
			lambdaOf(r).ToolSchema.InlinePayload = append(tools(r), tools(r)[0])
		}, []string{toolsPath + "[1].name"}},
		{"top-level schema not an object", func(r *CreateGatewayTargetRequest) {
			tools(r)[0].InputSchema.Type = SchemaTypeString
			tools(r)[0].OutputSchema = &SchemaDefinition{Type: SchemaTypeArray, Items: &SchemaDefinition{Type: SchemaTypeInteger}}
		}, []string{toolsPath + "[0].inputSchema.type", toolsPath + "[0].outputSchema.type"}},
		{"nested schema", func(r *CreateGatewayTargetRequest) {
			s := tools(r)[0].InputSchema
			s.Properties["tags"] = SchemaDefinition{Type: SchemaTypeArray, Items: &SchemaDefinition{Type: "text"}}
			s.Properties["n"] = SchemaDefinition{}
			s.Required = []string{"orderId", "", "orderId"}
		}, []string{
			toolsPath + "[0].inputSchema.properties.n.type",
			toolsPath + "[0].inputSchema.properties.tags.items.type",
			toolsPath + "[0].inputSchema.required[1]",
			toolsPath + "[0].inputSchema.required[2]",
		}},

		// OpenAPI / Smithy
		{"openApiSchema inline", func(r *CreateGatewayTargetRequest) { useKind(r, openAPI()) }, nil},
		{"openApiSchema inline empty", func(r *CreateGatewayTargetRequest) {
			m := openAPI()
			m.OpenAPISchema.InlinePayload = ptr("")
			useKind(r, m)
		}, []string{"targetConfiguration.mcp.openApiSchema.inlinePayload"}},
		{"openApiSchema inline over 1 MiB", func(r *CreateGatewayTargetRequest) {
			m := openAPI()
			m.OpenAPISchema.InlinePayload = ptr(strings.Repeat(" ", maxInlinePayloadBytes+1))
			useKind(r, m)
		}, []string{"targetConfiguration.mcp.openApiSchema.inlinePayload"}},
		{"openApiSchema both members", func(r *CreateGatewayTargetRequest) {
			m := openAPI()
			m.OpenAPISchema.S3 = &S3Configuration{URI: ptr("s3://b/k")}
			useKind(r, m)
		}, []string{"targetConfiguration.mcp.openApiSchema"}},
		{"smithyModel in s3 with gateway role", func(r *CreateGatewayTargetRequest) {
			useKind(r, McpTargetConfiguration{SmithyModel: &ApiSchemaConfiguration{S3: &S3Configuration{URI: ptr("s3://m/ddb.json")}}}, iamCred(""))
		}, nil},

		// MCP server
		{"mcpServer", func(r *CreateGatewayTargetRequest) { useKind(r, mcpServer(ListingModeDefault)) }, nil},
		{"mcpServer bad endpoint, priority, mode", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("LAZY")
			m.MCPServer.Endpoint = ptr("http://mcp.example/mcp")
			m.MCPServer.ResourcePriority = ptr(int32(1001))
			useKind(r, m)
		}, []string{"targetConfiguration.mcp.mcpServer.listingMode", "targetConfiguration.mcp.mcpServer.endpoint", "targetConfiguration.mcp.mcpServer.resourcePriority"}},
		{"mcpServer endpoint without host", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("")
			m.MCPServer.Endpoint = ptr("https://")
			useKind(r, m)
		}, []string{"targetConfiguration.mcp.mcpServer.endpoint"}},
		{"mcpServer http on loopback and private hosts", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("")
			m.MCPServer.Endpoint = ptr("http://127.0.0.1:8080/mcp")
			useKind(r, m)
		}, nil},
		{"mcpServer http on localhost", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("")
			m.MCPServer.Endpoint = ptr("http://localhost/mcp")
			useKind(r, m)
		}, nil},
		{"mcpServer http on a private address", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("")
			m.MCPServer.Endpoint = ptr("http://10.0.0.7/mcp")
			useKind(r, m)
		}, nil},
		{"mcpServer http on a public address", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("")
			m.MCPServer.Endpoint = ptr("http://8.8.8.8/mcp")
			useKind(r, m)
		}, []string{"targetConfiguration.mcp.mcpServer.endpoint"}},
		{"mcpServer priority bounds", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("")
			m.MCPServer.ResourcePriority = ptr(int32(0))
			useKind(r, m)
		}, nil},
		{"mcpServer static tool schema empty", func(r *CreateGatewayTargetRequest) {
			m := mcpServer("")
			m.MCPServer.MCPToolSchema = &McpToolSchemaConfiguration{InlinePayload: ptr("")}
			useKind(r, m)
		}, []string{"targetConfiguration.mcp.mcpServer.mcpToolSchema.inlinePayload"}},

		// API Gateway, connector
		{"apiGateway", func(r *CreateGatewayTargetRequest) {
			useKind(r, McpTargetConfiguration{APIGateway: &ApiGatewayTargetConfiguration{
				RestAPIID: ptr("a1b2c3"), Stage: ptr("prod"),
				APIGatewayToolConfiguration: &ApiGatewayToolConfiguration{ToolFilters: []ApiGatewayToolFilter{{FilterPath: ptr("/pets/*"), Methods: []RestApiMethod{"GET"}}}},
			}})
		}, nil},
		{"apiGateway bad", func(r *CreateGatewayTargetRequest) {
			useKind(r, McpTargetConfiguration{APIGateway: &ApiGatewayTargetConfiguration{
				RestAPIID: ptr(""),
				APIGatewayToolConfiguration: &ApiGatewayToolConfiguration{
					ToolFilters:   []ApiGatewayToolFilter{{FilterPath: ptr("pets"), Methods: []RestApiMethod{"GET", "FETCH", "GET"}}},
					ToolOverrides: []ApiGatewayToolOverride{{Name: ptr("x"), Path: ptr("/x")}},
				},
			}})
		}, []string{
			"targetConfiguration.mcp.apiGateway.stage",
			"targetConfiguration.mcp.apiGateway.apiGatewayToolConfiguration.toolOverrides[0].method",
			"targetConfiguration.mcp.apiGateway.apiGatewayToolConfiguration.toolFilters[0].methods[1]",
			"targetConfiguration.mcp.apiGateway.restApiId",
			"targetConfiguration.mcp.apiGateway.apiGatewayToolConfiguration.toolFilters[0].filterPath",
			"targetConfiguration.mcp.apiGateway.apiGatewayToolConfiguration.toolFilters[0].methods[2]",
		}},
		{"connector without credentials", func(r *CreateGatewayTargetRequest) {
			useKind(r, McpTargetConfiguration{Connector: &ConnectorTargetConfiguration{Source: &ConnectorSource{ConnectorID: ptr("")}}})
		}, []string{"targetConfiguration.mcp.connector.source.connectorId"}},

		// raw HTTP / inference targets
		{"http target", func(r *CreateGatewayTargetRequest) {
			r.TargetConfiguration = &TargetConfiguration{HTTP: HttpTargetConfiguration(`{"passthrough":{"endpoint":"https://x"}}`)}
			r.CredentialProviderConfigurations = []CredentialProviderConfiguration{{CredentialProviderType: CredentialProviderTypeJWTPassthrough}}
		}, nil},
		{"http target with two members and an unknown one", func(r *CreateGatewayTargetRequest) {
			r.TargetConfiguration = &TargetConfiguration{HTTP: HttpTargetConfiguration(`{"passthrough":{},"connector":{},"grpc":{}}`)}
		}, []string{"targetConfiguration.http.grpc", "targetConfiguration.http"}},
		{"inference target that is not an object", func(r *CreateGatewayTargetRequest) {
			r.TargetConfiguration = &TargetConfiguration{Inference: InferenceTargetConfiguration(`[]`)}
		}, []string{"targetConfiguration.inference"}},

		// credentialProviderConfigurations
		{"two credential configurations", func(r *CreateGatewayTargetRequest) {
			r.CredentialProviderConfigurations = append(r.CredentialProviderConfigurations, iamCred(""))
		}, []string{"credentialProviderConfigurations"}},
		{"empty credential list", func(r *CreateGatewayTargetRequest) {
			r.CredentialProviderConfigurations = []CredentialProviderConfiguration{}
		}, []string{"credentialProviderConfigurations"}},
		{"lambda without credentials", func(r *CreateGatewayTargetRequest) { r.CredentialProviderConfigurations = nil }, []string{"credentialProviderConfigurations"}},
		{"openApi without credentials", func(r *CreateGatewayTargetRequest) { useKind(r, openAPI()) }, nil},
		{"lambda with OAuth", func(r *CreateGatewayTargetRequest) {
			r.CredentialProviderConfigurations = []CredentialProviderConfiguration{oauthCred("")}
		}, []string{credPath + "credentialProviderType"}},
		{"lambda with an IAM service", func(r *CreateGatewayTargetRequest) {
			r.CredentialProviderConfigurations = []CredentialProviderConfiguration{iamCred("lambda")}
		}, []string{providerPath + "iamCredentialProvider"}},
		{"type missing", func(r *CreateGatewayTargetRequest) {
			r.CredentialProviderConfigurations = []CredentialProviderConfiguration{{}}
		}, []string{credPath + "credentialProviderType"}},
		{"OAUTH without its provider", func(r *CreateGatewayTargetRequest) {
			useKind(r, openAPI(), CredentialProviderConfiguration{CredentialProviderType: CredentialProviderTypeOAuth})
		}, []string{providerPath + "oauthCredentialProvider"}},
		{"API_KEY with the OAuth provider", func(r *CreateGatewayTargetRequest) {
			c := oauthCred("")
			c.CredentialProviderType = CredentialProviderTypeAPIKey
			useKind(r, openAPI(), c)
		}, []string{providerPath + "apiKeyCredentialProvider", providerPath + "oauthCredentialProvider"}},
		{"JWT_PASSTHROUGH with a provider, on an MCP kind", func(r *CreateGatewayTargetRequest) {
			c := iamCred("execute-api")
			c.CredentialProviderType = CredentialProviderTypeJWTPassthrough
			useKind(r, openAPI(), c)
		}, []string{credPath + "credentialProvider", credPath + "credentialProviderType"}},
		{"openApi with gateway role and service", func(r *CreateGatewayTargetRequest) { useKind(r, openAPI(), iamCred("execute-api")) }, nil},
		{"openApi with gateway role, no service", func(r *CreateGatewayTargetRequest) {
			useKind(r, openAPI(), iamCred(""))
		}, []string{providerPath + "iamCredentialProvider"}},
		{"iam service and region", func(r *CreateGatewayTargetRequest) {
			c := iamCred("execute api")
			c.CredentialProvider.IAMCredentialProvider.Region = ptr(strings.Repeat("r", 33))
			useKind(r, mcpServer(""), c)
		}, []string{providerPath + "iamCredentialProvider.service", providerPath + "iamCredentialProvider.region"}},
		{"smithy with authorization code", func(r *CreateGatewayTargetRequest) {
			useKind(r, McpTargetConfiguration{SmithyModel: &ApiSchemaConfiguration{S3: &S3Configuration{URI: ptr("s3://m/x")}}}, oauthCred(OAuthGrantTypeAuthorizationCode))
		}, []string{providerPath + "oauthCredentialProvider.grantType"}},
		{"smithy with client credentials", func(r *CreateGatewayTargetRequest) {
			useKind(r, McpTargetConfiguration{SmithyModel: &ApiSchemaConfiguration{S3: &S3Configuration{URI: ptr("s3://m/x")}}}, oauthCred(OAuthGrantTypeClientCredentials))
		}, nil},
		{"dynamic listing with 3LO", func(r *CreateGatewayTargetRequest) {
			useKind(r, mcpServer(ListingModeDynamic), oauthCred(OAuthGrantTypeAuthorizationCode))
		}, []string{providerPath + "oauthCredentialProvider.grantType"}},
		{"default listing with 3LO", func(r *CreateGatewayTargetRequest) {
			useKind(r, mcpServer(ListingModeDefault), oauthCred(OAuthGrantTypeAuthorizationCode))
		}, nil},
		{"oauth provider details", func(r *CreateGatewayTargetRequest) {
			c := oauthCred("PASSWORD")
			o := c.CredentialProvider.OAuthCredentialProvider
			o.ProviderArn = ptr(apiKeyArn)
			o.Scopes = []string{"", strings.Repeat("s", 65)}
			o.CustomParameters = map[string]string{"audience": "", strings.Repeat("k", 257): "v"}
			o.DefaultReturnURL = ptr("not a url")
			useKind(r, openAPI(), c)
		}, []string{
			providerPath + "oauthCredentialProvider.grantType",
			providerPath + "oauthCredentialProvider.providerArn",
			providerPath + "oauthCredentialProvider.scopes[0]",
			providerPath + "oauthCredentialProvider.scopes[1]",
			providerPath + "oauthCredentialProvider.customParameters.audience",
			providerPath + "oauthCredentialProvider.customParameters." + strings.Repeat("k", 257),
			providerPath + "oauthCredentialProvider.defaultReturnUrl",
		}},
		{"oauth scopes 101, no custom parameters", func(r *CreateGatewayTargetRequest) {
			c := oauthCred("")
			c.CredentialProvider.OAuthCredentialProvider.Scopes = make([]string, 101)
			for i := range c.CredentialProvider.OAuthCredentialProvider.Scopes {
				c.CredentialProvider.OAuthCredentialProvider.Scopes[i] = "s"
			}
			c.CredentialProvider.OAuthCredentialProvider.CustomParameters = map[string]string{}
			useKind(r, openAPI(), c)
		}, []string{providerPath + "oauthCredentialProvider.scopes", providerPath + "oauthCredentialProvider.customParameters"}},
		{"api key provider details", func(r *CreateGatewayTargetRequest) {
			c := apiKeyCred()
			a := c.CredentialProvider.APIKeyCredentialProvider
			a.ProviderArn = ptr(oauthArn)
			a.CredentialParameterName = ptr("x api key")
			a.CredentialPrefix = ptr("")
			a.CredentialLocation = ApiKeyCredentialLocationHeader
			useKind(r, openAPI(), c)
		}, []string{
			providerPath + "apiKeyCredentialProvider.providerArn",
			providerPath + "apiKeyCredentialProvider.credentialParameterName",
			providerPath + "apiKeyCredentialProvider.credentialPrefix",
		}},
		{"api key in a query parameter", func(r *CreateGatewayTargetRequest) {
			c := apiKeyCred()
			c.CredentialProvider.APIKeyCredentialProvider.CredentialParameterName = ptr("api key")
			c.CredentialProvider.APIKeyCredentialProvider.CredentialLocation = ApiKeyCredentialLocationQueryParameter
			useKind(r, openAPI(), c)
		}, nil},
		{"api key name 65, bad location", func(r *CreateGatewayTargetRequest) {
			c := apiKeyCred()
			c.CredentialProvider.APIKeyCredentialProvider.CredentialParameterName = ptr(strings.Repeat("h", 65))
			c.CredentialProvider.APIKeyCredentialProvider.CredentialLocation = "BODY"
			useKind(r, openAPI(), c)
		}, []string{providerPath + "apiKeyCredentialProvider.credentialLocation", providerPath + "apiKeyCredentialProvider.credentialParameterName"}},

		// metadataConfiguration
		{"metadata", func(r *CreateGatewayTargetRequest) {
			r.MetadataConfiguration = &MetadataConfiguration{
				AllowedRequestHeaders:  []string{"X-Tenant", "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Org"},
				AllowedQueryParameters: []string{"tenant"},
				AllowedResponseHeaders: []string{"X-Request-Id"},
			}
		}, nil},
		{"metadata restricted headers", func(r *CreateGatewayTargetRequest) {
			r.MetadataConfiguration = &MetadataConfiguration{
				AllowedRequestHeaders:  []string{"authorization", "Accept-Language", "Content-Type", "If-None-Match", "X-Amzn-Trace-Id", "Cookie"},
				AllowedResponseHeaders: []string{"Set-Cookie", "Access-Control-Allow-Origin", "Strict-Transport-Security"},
			}
		}, []string{
			"metadataConfiguration.allowedRequestHeaders[0]", "metadataConfiguration.allowedRequestHeaders[1]",
			"metadataConfiguration.allowedRequestHeaders[2]", "metadataConfiguration.allowedRequestHeaders[3]",
			"metadataConfiguration.allowedRequestHeaders[4]", "metadataConfiguration.allowedRequestHeaders[5]",
			"metadataConfiguration.allowedResponseHeaders[0]", "metadataConfiguration.allowedResponseHeaders[1]",
			"metadataConfiguration.allowedResponseHeaders[2]",
		}},
		{"metadata counts, lengths, syntax, repeats", func(r *CreateGatewayTargetRequest) {
			headers := make([]string, 11)
			for i := range headers {
				headers[i] = "X-H" + strings.Repeat("h", i)
			}
			r.MetadataConfiguration = &MetadataConfiguration{
				AllowedRequestHeaders:  headers,
				AllowedQueryParameters: []string{strings.Repeat("q", 41), "a"},
				AllowedResponseHeaders: []string{"Bad Header", strings.Repeat("h", 101), "x-id", "X-Id"},
			}
		}, []string{
			"metadataConfiguration.allowedRequestHeaders",
			"metadataConfiguration.allowedResponseHeaders[0]",
			"metadataConfiguration.allowedResponseHeaders[1]",
			"metadataConfiguration.allowedResponseHeaders[3]",
			"metadataConfiguration.allowedQueryParameters[0]",
		}},
		{"metadata empty list", func(r *CreateGatewayTargetRequest) {
			r.MetadataConfiguration = &MetadataConfiguration{AllowedQueryParameters: []string{}}
		}, []string{"metadataConfiguration.allowedQueryParameters"}},

		// certificates, private endpoint
		{"certificate from secrets manager", func(r *CreateGatewayTargetRequest) {
			r.CertificateConfigurations = []CertificateConfiguration{{SecretsManager: &SecretsManagerCertificateConfiguration{
				SecretArn: ptr("arn:aws:secretsmanager:us-east-1:111122223333:secret:ca-AbCdEf"),
			}}}
		}, nil},
		{"two certificates with bad locations", func(r *CreateGatewayTargetRequest) {
			r.CertificateConfigurations = []CertificateConfiguration{
				{S3: &S3CertificateConfiguration{URI: ptr("/ca.pem"), BucketOwnerAccountID: ptr("x")}},
				{SecretsManager: &SecretsManagerCertificateConfiguration{SecretArn: ptr("ca")}},
			}
		}, []string{
			"certificateConfigurations",
			"certificateConfigurations[0].s3.uri",
			"certificateConfigurations[0].s3.bucketOwnerAccountId",
			"certificateConfigurations[1].secretsManager.secretArn",
		}},
		{"private endpoint", func(r *CreateGatewayTargetRequest) {
			r.PrivateEndpoint = &PrivateEndpoint{ManagedVpcResource: &ManagedVpcResource{
				VpcIdentifier: ptr("vpc-1"), SubnetIDs: []string{"s-1"}, EndpointIPAddressType: "IPV4", Tags: map[string]string{"k": "v!"},
			}}
		}, []string{"privateEndpoint.managedVpcResource.tags.k"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validLambdaTarget()
			tt.mutate(r)
			if diff := cmp.Diff(tt.want, fieldNames(t, r.Validate())); diff != "" {
				t.Errorf("fieldList names (-want +got):\n%s", diff)
			}
			// Update shares every rule but the clientToken.
			if r.ClientToken == nil {
				u := UpdateGatewayTargetRequest{
					Name: r.Name, Description: r.Description, TargetConfiguration: r.TargetConfiguration,
					CredentialProviderConfigurations: r.CredentialProviderConfigurations, MetadataConfiguration: r.MetadataConfiguration,
					PrivateEndpoint: r.PrivateEndpoint, CertificateConfigurations: r.CertificateConfigurations,
				}
				if diff := cmp.Diff(tt.want, fieldNames(t, u.Validate())); diff != "" {
					t.Errorf("Update: fieldList names (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestValidateTargetMessages(t *testing.T) {
	r := validLambdaTarget()
	r.CredentialProviderConfigurations = []CredentialProviderConfiguration{oauthCred("")}
	r.MetadataConfiguration = &MetadataConfiguration{AllowedRequestHeaders: []string{"Authorization"}}
	lambdaOf(r).ToolSchema.InlinePayload = append(tools(r), tools(r)[0])
	wantFields(t, r.Validate(), []ValidationExceptionField{
		{toolsPath + "[1].name", "duplicates the tool name of " + toolsPath + "[0]"},
		{credPath + "credentialProviderType", "OAUTH is not supported for lambda targets; use one of [GATEWAY_IAM_ROLE]"},
		{"metadataConfiguration.allowedRequestHeaders[0]", "names a restricted header that cannot be propagated"},
	})
}

func TestValidateSynchronizeGatewayTargets(t *testing.T) {
	tests := []struct {
		body string
		want []ValidationExceptionField
	}{
		{`{"targetIdList":["AbC123dEf4"]}`, nil},
		{`{}`, []ValidationExceptionField{{"targetIdList", "is required"}}},
		{`{"targetIdList":[]}`, []ValidationExceptionField{{"targetIdList", "must contain exactly 1 item, got 0"}}},
		{`{"targetIdList":["AbC123dEf4","AbC123dEf5"]}`, []ValidationExceptionField{{"targetIdList", "must contain exactly 1 item, got 2"}}},
		{`{"targetIdList":["short"]}`, []ValidationExceptionField{{"targetIdList[0]", "must match ^[0-9a-zA-Z]{10}$"}}},
	}
	for _, tt := range tests {
		wantFields(t, DecodeRequest([]byte(tt.body), &SynchronizeGatewayTargetsRequest{}), tt.want)
	}
}

func TestTargetResponsesMarshalRequiredLists(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{
		{GatewayTarget{}, `"credentialProviderConfigurations":[]`},
		{ListGatewayTargetsResponse{}, `{"items":[]}`},
		{ListGatewaysResponse{}, `{"items":[]}`},
		{ListApiKeyCredentialProvidersResponse{}, `{"credentialProviders":[]}`},
		{SynchronizeGatewayTargetsResponse{Targets: []GatewayTarget{{TargetID: "x"}}}, `"targetId":"x"`},
	} {
		if got := string(mustMarshal(t, tt.v)); !strings.Contains(got, tt.want) {
			t.Errorf("%T marshals to %s, want it to contain %s", tt.v, got, tt.want)
		}
	}
	var back ListGatewaysResponse
	if err := json.Unmarshal(mustMarshal(t, ListGatewaysResponse{}), &back); err != nil || back.Items == nil {
		t.Errorf("round trip of empty list: %+v, %v", back, err)
	}
}
