package agentcore

import "encoding/json"

// Gateway targets: CreateGatewayTarget, GetGatewayTarget, UpdateGatewayTarget,
// DeleteGatewayTarget, ListGatewayTargets, SynchronizeGatewayTargets
// (§6.6–6.10) and the target configuration tree (§7.4). Outbound credential
// shapes (§7.5) are in credentials.go.

// CreateGatewayTargetRequest is the body of
// POST /gateways/{gatewayIdentifier}/targets/ (§6.6).
type CreateGatewayTargetRequest struct {
	// Name is not marked required in SDK v1.78 although every response
	// carries it (§6.6, §12.6); the handler derives one when absent.
	Name                             *string                           `json:"name,omitempty"`
	Description                      *string                           `json:"description,omitempty"`
	ClientToken                      *string                           `json:"clientToken,omitempty"`
	TargetConfiguration              *TargetConfiguration              `json:"targetConfiguration,omitempty" agentcore:"required"`
	CredentialProviderConfigurations []CredentialProviderConfiguration `json:"credentialProviderConfigurations,omitzero"`
	MetadataConfiguration            *MetadataConfiguration            `json:"metadataConfiguration,omitempty"`
	PrivateEndpoint                  *PrivateEndpoint                  `json:"privateEndpoint,omitempty"`
	CertificateConfigurations        []CertificateConfiguration        `json:"certificateConfigurations,omitzero"`
}

// UpdateGatewayTargetRequest is the body of PUT …/targets/{targetId}/
// (§6.8), a full replacement; identifiers come from the path.
type UpdateGatewayTargetRequest struct {
	Name                             *string                           `json:"name,omitempty"`
	Description                      *string                           `json:"description,omitempty"`
	TargetConfiguration              *TargetConfiguration              `json:"targetConfiguration,omitempty" agentcore:"required"`
	CredentialProviderConfigurations []CredentialProviderConfiguration `json:"credentialProviderConfigurations,omitzero"`
	MetadataConfiguration            *MetadataConfiguration            `json:"metadataConfiguration,omitempty"`
	PrivateEndpoint                  *PrivateEndpoint                  `json:"privateEndpoint,omitempty"`
	CertificateConfigurations        []CertificateConfiguration        `json:"certificateConfigurations,omitzero"`
}

// GatewayTarget is the response of Create/Get/UpdateGatewayTarget and an
// element of SynchronizeGatewayTargets (§6.6). CredentialProviderConfigurations
// is required on output: handlers write [] for a target without credentials.
type GatewayTarget struct {
	GatewayArn                       string                            `json:"gatewayArn" agentcore:"required"`
	TargetID                         string                            `json:"targetId" agentcore:"required"`
	CreatedAt                        DateTime                          `json:"createdAt" agentcore:"required"`
	UpdatedAt                        DateTime                          `json:"updatedAt" agentcore:"required"`
	Status                           TargetStatus                      `json:"status" agentcore:"required"`
	StatusReasons                    []string                          `json:"statusReasons,omitzero"`
	Name                             string                            `json:"name" agentcore:"required"`
	Description                      *string                           `json:"description,omitempty"`
	TargetConfiguration              *TargetConfiguration              `json:"targetConfiguration" agentcore:"required"`
	CredentialProviderConfigurations []CredentialProviderConfiguration `json:"credentialProviderConfigurations" agentcore:"required"`
	LastSynchronizedAt               *DateTime                         `json:"lastSynchronizedAt,omitempty"`
	MetadataConfiguration            *MetadataConfiguration            `json:"metadataConfiguration,omitempty"`
	PrivateEndpoint                  *PrivateEndpoint                  `json:"privateEndpoint,omitempty"`
	PrivateEndpointManagedResources  []ManagedResourceDetails          `json:"privateEndpointManagedResources,omitzero"`
	AuthorizationData                *AuthorizationData                `json:"authorizationData,omitempty"`
	ProtocolType                     TargetProtocolType                `json:"protocolType,omitempty"`
	CertificateConfigurations        []CertificateConfiguration        `json:"certificateConfigurations,omitzero"`
}

// MarshalJSON writes a nil CredentialProviderConfigurations as [].
func (t GatewayTarget) MarshalJSON() ([]byte, error) {
	type plain GatewayTarget
	if t.CredentialProviderConfigurations == nil {
		t.CredentialProviderConfigurations = []CredentialProviderConfiguration{}
	}
	return json.Marshal(plain(t))
}

// TargetSummary is one item of ListGatewayTargets (§6.9).
type TargetSummary struct {
	TargetID           string             `json:"targetId" agentcore:"required"`
	Name               string             `json:"name" agentcore:"required"`
	Status             TargetStatus       `json:"status" agentcore:"required"`
	Description        *string            `json:"description,omitempty"`
	CreatedAt          DateTime           `json:"createdAt" agentcore:"required"`
	UpdatedAt          DateTime           `json:"updatedAt" agentcore:"required"`
	ResourcePriority   *int32             `json:"resourcePriority,omitempty"`
	LastSynchronizedAt *DateTime          `json:"lastSynchronizedAt,omitempty"`
	AuthorizationData  *AuthorizationData `json:"authorizationData,omitempty"`
	TargetType         TargetType         `json:"targetType,omitempty"`
	ListingMode        ListingMode        `json:"listingMode,omitempty"`
}

// ListGatewayTargetsResponse is the body of GET …/targets/ (§6.9).
type ListGatewayTargetsResponse struct {
	Items     []TargetSummary `json:"items" agentcore:"required"`
	NextToken *string         `json:"nextToken,omitempty"`
}

// MarshalJSON writes a nil Items as [].
func (r ListGatewayTargetsResponse) MarshalJSON() ([]byte, error) {
	type plain ListGatewayTargetsResponse
	if r.Items == nil {
		r.Items = []TargetSummary{}
	}
	return json.Marshal(plain(r))
}

// DeleteGatewayTargetResponse is the body of DELETE …/targets/{targetId}/ (§6.7).
type DeleteGatewayTargetResponse struct {
	GatewayArn    string       `json:"gatewayArn" agentcore:"required"`
	TargetID      string       `json:"targetId" agentcore:"required"`
	Status        TargetStatus `json:"status" agentcore:"required"`
	StatusReasons []string     `json:"statusReasons,omitzero"`
}

// SynchronizeGatewayTargetsRequest is the body of
// PUT /gateways/{gatewayIdentifier}/synchronizeTargets (§6.10).
type SynchronizeGatewayTargetsRequest struct {
	TargetIDList []string `json:"targetIdList,omitzero" agentcore:"required"`
}

// SynchronizeGatewayTargetsResponse lists the targets being synchronised.
type SynchronizeGatewayTargetsResponse struct {
	Targets []GatewayTarget `json:"targets,omitzero"`
}

// AuthorizationData (union, output only) asks a user for OAuth consent
// when an AUTHORIZATION_CODE provider needs it (§6.6).
type AuthorizationData struct {
	OAuth2 *OAuth2AuthorizationData `json:"oauth2,omitempty"`
}

// OAuth2AuthorizationData is where the user must go to consent.
type OAuth2AuthorizationData struct {
	AuthorizationURL string  `json:"authorizationUrl" agentcore:"required"`
	UserID           *string `json:"userId,omitempty"`
}

// ManagedResourceDetails (output only) lists resources created for a
// managed private endpoint.
type ManagedResourceDetails struct {
	Domain                 *string `json:"domain,omitempty"`
	ResourceGatewayArn     *string `json:"resourceGatewayArn,omitempty"`
	ResourceAssociationArn *string `json:"resourceAssociationArn,omitempty"`
}

// ---- §7.4 target configuration tree --------------------------------------

// TargetConfiguration (union) is the kind of a target.
type TargetConfiguration struct {
	MCP       *McpTargetConfiguration      `json:"mcp,omitempty"`
	HTTP      HttpTargetConfiguration      `json:"http,omitempty"`
	Inference InferenceTargetConfiguration `json:"inference,omitempty"`
}

// McpTargetConfiguration (union) is a target whose tools the gateway exposes
// over MCP.
type McpTargetConfiguration struct {
	OpenAPISchema *ApiSchemaConfiguration        `json:"openApiSchema,omitempty"`
	SmithyModel   *ApiSchemaConfiguration        `json:"smithyModel,omitempty"`
	Lambda        *McpLambdaTargetConfiguration  `json:"lambda,omitempty"`
	MCPServer     *McpServerTargetConfiguration  `json:"mcpServer,omitempty"`
	APIGateway    *ApiGatewayTargetConfiguration `json:"apiGateway,omitempty"`
	Connector     *ConnectorTargetConfiguration  `json:"connector,omitempty"`
}

// ApiSchemaConfiguration (union) locates an OpenAPI or Smithy document:
// either in S3 or inline as one string holding the whole document.
type ApiSchemaConfiguration struct {
	S3            *S3Configuration `json:"s3,omitempty"`
	InlinePayload *string          `json:"inlinePayload,omitempty"`
}

// S3Configuration is an S3 object; the SDK does not mark uri required.
type S3Configuration struct {
	URI                  *string `json:"uri,omitempty"`
	BucketOwnerAccountID *string `json:"bucketOwnerAccountId,omitempty"`
}

// McpLambdaTargetConfiguration exposes a Lambda function as tools (§11.5).
type McpLambdaTargetConfiguration struct {
	LambdaArn  *string     `json:"lambdaArn,omitempty" agentcore:"required"`
	ToolSchema *ToolSchema `json:"toolSchema,omitempty" agentcore:"required"`
}

// ToolSchema (union) lists a Lambda target's tools. Unlike
// ApiSchemaConfiguration, inlinePayload is a JSON array of definitions.
type ToolSchema struct {
	S3            *S3Configuration `json:"s3,omitempty"`
	InlinePayload []ToolDefinition `json:"inlinePayload,omitzero"`
}

// ToolDefinition is one Lambda tool.
type ToolDefinition struct {
	Name         *string           `json:"name,omitempty" agentcore:"required"`
	Description  *string           `json:"description,omitempty" agentcore:"required"`
	InputSchema  *SchemaDefinition `json:"inputSchema,omitempty" agentcore:"required"`
	OutputSchema *SchemaDefinition `json:"outputSchema,omitempty"`
}

// SchemaDefinition is the recursive JSON-Schema subset of tool definitions.
type SchemaDefinition struct {
	Type        SchemaType                  `json:"type,omitempty" agentcore:"required"`
	Properties  map[string]SchemaDefinition `json:"properties,omitzero"`
	Required    []string                    `json:"required,omitzero"`
	Items       *SchemaDefinition           `json:"items,omitempty"`
	Description *string                     `json:"description,omitempty"`
}

// McpServerTargetConfiguration proxies a remote MCP server (§11.8).
type McpServerTargetConfiguration struct {
	Endpoint      *string                     `json:"endpoint,omitempty" agentcore:"required"`
	MCPToolSchema *McpToolSchemaConfiguration `json:"mcpToolSchema,omitempty"`
	ListingMode   ListingMode                 `json:"listingMode,omitempty"`
	// ResourcePriority (0–1000, default 1000) settles resource-URI clashes
	// between targets: lower wins.
	ResourcePriority *int32 `json:"resourcePriority,omitempty"`
}

// McpToolSchemaConfiguration (union) is a static tool list for an MCP-server
// target; it disables discovery.
type McpToolSchemaConfiguration struct {
	S3            *S3Configuration `json:"s3,omitempty"`
	InlinePayload *string          `json:"inlinePayload,omitempty"`
}

// ApiGatewayTargetConfiguration exposes an API Gateway REST stage.
type ApiGatewayTargetConfiguration struct {
	RestAPIID                   *string                      `json:"restApiId,omitempty" agentcore:"required"`
	Stage                       *string                      `json:"stage,omitempty" agentcore:"required"`
	APIGatewayToolConfiguration *ApiGatewayToolConfiguration `json:"apiGatewayToolConfiguration,omitempty" agentcore:"required"`
}

// ApiGatewayToolConfiguration selects and renames the stage's operations.
type ApiGatewayToolConfiguration struct {
	ToolOverrides []ApiGatewayToolOverride `json:"toolOverrides,omitzero"`
	ToolFilters   []ApiGatewayToolFilter   `json:"toolFilters,omitzero" agentcore:"required"`
}

// ApiGatewayToolOverride renames one operation.
type ApiGatewayToolOverride struct {
	Name        *string       `json:"name,omitempty" agentcore:"required"`
	Description *string       `json:"description,omitempty"`
	Path        *string       `json:"path,omitempty" agentcore:"required"`
	Method      RestApiMethod `json:"method,omitempty" agentcore:"required"`
}

// ApiGatewayToolFilter selects operations by path ("/pets" or "/pets/*").
type ApiGatewayToolFilter struct {
	FilterPath *string         `json:"filterPath,omitempty" agentcore:"required"`
	Methods    []RestApiMethod `json:"methods,omitzero" agentcore:"required"`
}

// ConnectorTargetConfiguration exposes a managed connector.
type ConnectorTargetConfiguration struct {
	Source         *ConnectorSource         `json:"source,omitempty" agentcore:"required"`
	Enabled        []string                 `json:"enabled,omitzero"`
	Configurations []ConnectorConfiguration `json:"configurations,omitzero"`
}

// ConnectorSource names the connector.
type ConnectorSource struct {
	ConnectorID *string `json:"connectorId,omitempty" agentcore:"required"`
	Version     *string `json:"version,omitempty"`
}

// ConnectorConfiguration configures one connector tool.
type ConnectorConfiguration struct {
	Name        *string `json:"name,omitempty" agentcore:"required"`
	Description *string `json:"description,omitempty"`
	// ParameterValues is a Smithy document: arbitrary JSON, kept verbatim.
	ParameterValues    json.RawMessage              `json:"parameterValues,omitempty"`
	ParameterOverrides []ConnectorParameterOverride `json:"parameterOverrides,omitzero"`
}

// ConnectorParameterOverride overrides one parameter's presentation.
type ConnectorParameterOverride struct {
	Path        *string `json:"path,omitempty" agentcore:"required"`
	Description *string `json:"description,omitempty"`
	Visible     *bool   `json:"visible,omitempty"`
}

// HttpTargetConfiguration (union agentcoreRuntime | passthrough | connector)
// is kept as raw JSON: HTTP targets are out of scope for now, so toolgate
// only checks that it is an object with exactly one known member and
// stores it verbatim (§7.4).
type HttpTargetConfiguration json.RawMessage

// InferenceTargetConfiguration (union connector | provider) is kept as raw
// JSON for the same reason as HttpTargetConfiguration.
type InferenceTargetConfiguration json.RawMessage

// MarshalJSON implements json.Marshaler.
func (m HttpTargetConfiguration) MarshalJSON() ([]byte, error) {
	return json.RawMessage(m).MarshalJSON()
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *HttpTargetConfiguration) UnmarshalJSON(b []byte) error {
	return (*json.RawMessage)(m).UnmarshalJSON(b)
}

// MarshalJSON implements json.Marshaler.
func (m InferenceTargetConfiguration) MarshalJSON() ([]byte, error) {
	return json.RawMessage(m).MarshalJSON()
}

// UnmarshalJSON implements json.Unmarshaler.
func (m *InferenceTargetConfiguration) UnmarshalJSON(b []byte) error {
	return (*json.RawMessage)(m).UnmarshalJSON(b)
}

func (HttpTargetConfiguration) unionMembers() []string {
	return []string{"agentcoreRuntime", "passthrough", "connector"}
}

func (InferenceTargetConfiguration) unionMembers() []string {
	return []string{"connector", "provider"}
}

func (TargetConfiguration) isUnion()        {}
func (McpTargetConfiguration) isUnion()     {}
func (ApiSchemaConfiguration) isUnion()     {}
func (ToolSchema) isUnion()                 {}
func (McpToolSchemaConfiguration) isUnion() {}
func (AuthorizationData) isUnion()          {}
