package agentcore

import "encoding/json"

// Gateway resources: CreateGateway, GetGateway, UpdateGateway, DeleteGateway,
// ListGateways (§6.1–6.5) and the configuration shapes they carry (§7.1–7.3).
// Members are declared in the SDK's schema order so marshalled responses read
// like the service's.

// CreateGatewayRequest is the body of POST /gateways/ (§6.1).
type CreateGatewayRequest struct {
	Name        *string `json:"name,omitempty" agentcore:"required"`
	Description *string `json:"description,omitempty"`
	// ClientToken is always present from SDK clients, which auto-fill a
	// UUIDv4 (§1.4); the store keys idempotent replays on it.
	ClientToken               *string                           `json:"clientToken,omitempty"`
	RoleArn                   *string                           `json:"roleArn,omitempty" agentcore:"required"`
	ProtocolType              GatewayProtocolType               `json:"protocolType,omitempty"`
	ProtocolConfiguration     *GatewayProtocolConfiguration     `json:"protocolConfiguration,omitempty"`
	AuthorizerType            AuthorizerType                    `json:"authorizerType,omitempty" agentcore:"required"`
	AuthorizerConfiguration   *AuthorizerConfiguration          `json:"authorizerConfiguration,omitempty"`
	KmsKeyArn                 *string                           `json:"kmsKeyArn,omitempty"`
	InterceptorConfigurations []GatewayInterceptorConfiguration `json:"interceptorConfigurations,omitzero"`
	PolicyEngineConfiguration *GatewayPolicyEngineConfiguration `json:"policyEngineConfiguration,omitempty"`
	ExceptionLevel            ExceptionLevel                    `json:"exceptionLevel,omitempty"`
	Tags                      map[string]string                 `json:"tags,omitzero"`
}

// UpdateGatewayRequest is the body of PUT /gateways/{gatewayIdentifier}/
// (§6.3). It is a full replacement: an absent optional member clears it.
// Unlike Create it carries customTransformConfiguration and wafConfiguration
// and has no clientToken or tags. The identifier comes from the path.
type UpdateGatewayRequest struct {
	Name                         *string                           `json:"name,omitempty" agentcore:"required"`
	Description                  *string                           `json:"description,omitempty"`
	RoleArn                      *string                           `json:"roleArn,omitempty" agentcore:"required"`
	ProtocolType                 GatewayProtocolType               `json:"protocolType,omitempty"`
	ProtocolConfiguration        *GatewayProtocolConfiguration     `json:"protocolConfiguration,omitempty"`
	AuthorizerType               AuthorizerType                    `json:"authorizerType,omitempty" agentcore:"required"`
	AuthorizerConfiguration      *AuthorizerConfiguration          `json:"authorizerConfiguration,omitempty"`
	KmsKeyArn                    *string                           `json:"kmsKeyArn,omitempty"`
	CustomTransformConfiguration *CustomTransformConfiguration     `json:"customTransformConfiguration,omitempty"`
	InterceptorConfigurations    []GatewayInterceptorConfiguration `json:"interceptorConfigurations,omitzero"`
	PolicyEngineConfiguration    *GatewayPolicyEngineConfiguration `json:"policyEngineConfiguration,omitempty"`
	ExceptionLevel               ExceptionLevel                    `json:"exceptionLevel,omitempty"`
	WafConfiguration             *WafConfiguration                 `json:"wafConfiguration,omitempty"`
}

// Gateway is the response of CreateGateway, GetGateway and UpdateGateway
// (§6.1). Timestamps are RFC 3339 strings.
type Gateway struct {
	GatewayArn                   string                            `json:"gatewayArn" agentcore:"required"`
	GatewayID                    string                            `json:"gatewayId" agentcore:"required"`
	GatewayURL                   *string                           `json:"gatewayUrl,omitempty"`
	CreatedAt                    DateTime                          `json:"createdAt" agentcore:"required"`
	UpdatedAt                    DateTime                          `json:"updatedAt" agentcore:"required"`
	Status                       GatewayStatus                     `json:"status" agentcore:"required"`
	StatusReasons                []string                          `json:"statusReasons,omitzero"`
	Name                         string                            `json:"name" agentcore:"required"`
	Description                  *string                           `json:"description,omitempty"`
	RoleArn                      *string                           `json:"roleArn,omitempty"`
	ProtocolType                 GatewayProtocolType               `json:"protocolType,omitempty"`
	ProtocolConfiguration        *GatewayProtocolConfiguration     `json:"protocolConfiguration,omitempty"`
	AuthorizerType               AuthorizerType                    `json:"authorizerType" agentcore:"required"`
	AuthorizerConfiguration      *AuthorizerConfiguration          `json:"authorizerConfiguration,omitempty"`
	KmsKeyArn                    *string                           `json:"kmsKeyArn,omitempty"`
	CustomTransformConfiguration *CustomTransformConfiguration     `json:"customTransformConfiguration,omitempty"`
	InterceptorConfigurations    []GatewayInterceptorConfiguration `json:"interceptorConfigurations,omitzero"`
	PolicyEngineConfiguration    *GatewayPolicyEngineConfiguration `json:"policyEngineConfiguration,omitempty"`
	WorkloadIdentityDetails      *WorkloadIdentityDetails          `json:"workloadIdentityDetails,omitempty"`
	ExceptionLevel               ExceptionLevel                    `json:"exceptionLevel,omitempty"`
	WebAclArn                    *string                           `json:"webAclArn,omitempty"`
	WafConfiguration             *WafConfiguration                 `json:"wafConfiguration,omitempty"`
}

// GatewaySummary is one item of ListGateways (§6.5).
type GatewaySummary struct {
	GatewayID      string              `json:"gatewayId" agentcore:"required"`
	Name           string              `json:"name" agentcore:"required"`
	Status         GatewayStatus       `json:"status" agentcore:"required"`
	Description    *string             `json:"description,omitempty"`
	CreatedAt      DateTime            `json:"createdAt" agentcore:"required"`
	UpdatedAt      DateTime            `json:"updatedAt" agentcore:"required"`
	AuthorizerType AuthorizerType      `json:"authorizerType" agentcore:"required"`
	ProtocolType   GatewayProtocolType `json:"protocolType,omitempty"`
}

// ListGatewaysResponse is the body of GET /gateways/ (§6.5). Items is always
// written as an array, never null.
type ListGatewaysResponse struct {
	Items     []GatewaySummary `json:"items" agentcore:"required"`
	NextToken *string          `json:"nextToken,omitempty"`
}

// MarshalJSON writes a nil Items as [].
func (r ListGatewaysResponse) MarshalJSON() ([]byte, error) {
	type plain ListGatewaysResponse
	if r.Items == nil {
		r.Items = []GatewaySummary{}
	}
	return json.Marshal(plain(r))
}

// DeleteGatewayResponse is the body of DELETE /gateways/{id}/ (§6.4).
type DeleteGatewayResponse struct {
	GatewayID     string        `json:"gatewayId" agentcore:"required"`
	Status        GatewayStatus `json:"status" agentcore:"required"`
	StatusReasons []string      `json:"statusReasons,omitzero"`
}

// ---- §7.1 inbound auth -------------------------------------------------

// AuthorizerConfiguration (union) configures inbound JWT validation; it is
// required for CUSTOM_JWT and AUTHENTICATE_ONLY gateways (§6.1, §11.2).
type AuthorizerConfiguration struct {
	CustomJWTAuthorizer *CustomJWTAuthorizerConfiguration `json:"customJWTAuthorizer,omitempty"`
}

// CustomJWTAuthorizerConfiguration says which bearer tokens a gateway
// accepts (§7.1). Each present list is an independent check.
type CustomJWTAuthorizerConfiguration struct {
	// DiscoveryURL is an OIDC discovery or RFC 8414 authorization-server
	// metadata URL.
	DiscoveryURL                 *string                       `json:"discoveryUrl,omitempty" agentcore:"required"`
	AllowedAudience              []string                      `json:"allowedAudience,omitzero"`
	AllowedClients               []string                      `json:"allowedClients,omitzero"`
	AllowedScopes                []string                      `json:"allowedScopes,omitzero"`
	AdvertisedScopeMapping       map[string]string             `json:"advertisedScopeMapping,omitzero"`
	CustomClaims                 []CustomClaimValidationType   `json:"customClaims,omitzero"`
	PrivateEndpoint              *PrivateEndpoint              `json:"privateEndpoint,omitempty"`
	PrivateEndpointOverrides     []PrivateEndpointOverride     `json:"privateEndpointOverrides,omitzero"`
	AllowedWorkloadConfiguration *AllowedWorkloadConfiguration `json:"allowedWorkloadConfiguration,omitempty"`
}

// CustomClaimValidationType is one custom-claim check on inbound tokens (§7.1).
type CustomClaimValidationType struct {
	InboundTokenClaimName      *string                     `json:"inboundTokenClaimName,omitempty" agentcore:"required"`
	InboundTokenClaimValueType InboundTokenClaimValueType  `json:"inboundTokenClaimValueType,omitempty" agentcore:"required"`
	AuthorizingClaimMatchValue *AuthorizingClaimMatchValue `json:"authorizingClaimMatchValue,omitempty" agentcore:"required"`
}

// AuthorizingClaimMatchValue is the value a custom claim is compared with and
// how (Smithy shape AuthorizingClaimMatchValueType, §7.1).
type AuthorizingClaimMatchValue struct {
	ClaimMatchValue    *ClaimMatchValue       `json:"claimMatchValue,omitempty" agentcore:"required"`
	ClaimMatchOperator ClaimMatchOperatorType `json:"claimMatchOperator,omitempty" agentcore:"required"`
}

// ClaimMatchValue (union; Smithy ClaimMatchValueType) is a single string or
// a list of strings (§7.1).
type ClaimMatchValue struct {
	MatchValueString     *string  `json:"matchValueString,omitempty"`
	MatchValueStringList []string `json:"matchValueStringList,omitzero"`
}

// AllowedWorkloadConfiguration restricts which AgentCore workloads may call
// the gateway (§7.1).
type AllowedWorkloadConfiguration struct {
	HostingEnvironments []HostingEnvironment `json:"hostingEnvironments,omitzero"`
	WorkloadIdentities  []string             `json:"workloadIdentities,omitzero"`
}

// HostingEnvironment names an AgentCore resource by ARN (§7.1).
type HostingEnvironment struct {
	Arn *string `json:"arn,omitempty" agentcore:"required"`
}

// PrivateEndpointOverride routes one IdP domain through a private endpoint (§7.1).
type PrivateEndpointOverride struct {
	Domain          *string          `json:"domain,omitempty" agentcore:"required"`
	PrivateEndpoint *PrivateEndpoint `json:"privateEndpoint,omitempty" agentcore:"required"`
}

// PrivateEndpoint (union) reaches a private IdP or target (§7.4).
//
// It is typed rather than kept as json.RawMessage: the shape is small and
// stable, typing it gets unknown keys and wrong types reported with their
// full path like everywhere else, and handlers can store and echo it
// without a second decode.
type PrivateEndpoint struct {
	SelfManagedLatticeResource *SelfManagedLatticeResource `json:"selfManagedLatticeResource,omitempty"`
	ManagedVpcResource         *ManagedVpcResource         `json:"managedVpcResource,omitempty"`
}

// SelfManagedLatticeResource (union) names a VPC Lattice resource
// configuration the caller manages.
type SelfManagedLatticeResource struct {
	ResourceConfigurationIdentifier *string `json:"resourceConfigurationIdentifier,omitempty"`
}

// ManagedVpcResource asks the service to create the Lattice plumbing in a VPC.
type ManagedVpcResource struct {
	VpcIdentifier         *string               `json:"vpcIdentifier,omitempty" agentcore:"required"`
	SubnetIDs             []string              `json:"subnetIds,omitzero" agentcore:"required"`
	EndpointIPAddressType EndpointIpAddressType `json:"endpointIpAddressType,omitempty" agentcore:"required"`
	SecurityGroupIDs      []string              `json:"securityGroupIds,omitzero"`
	Tags                  map[string]string     `json:"tags,omitzero"`
	RoutingDomain         *string               `json:"routingDomain,omitempty"`
}

// ---- §7.2 protocol configuration ---------------------------------------

// GatewayProtocolConfiguration (union) holds the per-protocol settings (§7.2).
type GatewayProtocolConfiguration struct {
	MCP *MCPGatewayConfiguration `json:"mcp,omitempty"`
}

// MCPGatewayConfiguration tunes the gateway's MCP endpoint (§7.2, §11.1).
type MCPGatewayConfiguration struct {
	// SupportedVersions lists the MCP protocol revisions (YYYY-MM-DD) the
	// gateway accepts; the model's element default is 2025-03-26.
	SupportedVersions []string `json:"supportedVersions,omitzero"`
	// Instructions is returned to clients in the MCP initialize result.
	Instructions           *string                 `json:"instructions,omitempty"`
	SearchType             SearchType              `json:"searchType,omitempty"`
	SessionConfiguration   *SessionConfiguration   `json:"sessionConfiguration,omitempty"`
	StreamingConfiguration *StreamingConfiguration `json:"streamingConfiguration,omitempty"`
	// DisableMcpListToolsPagination makes tools/list return every tool in
	// one page (§11.4).
	DisableMcpListToolsPagination *bool `json:"disableMcpListToolsPagination,omitempty"`
}

// SessionConfiguration sets the MCP session idle timeout (default 3600 s).
type SessionConfiguration struct {
	SessionTimeoutInSeconds *int32 `json:"sessionTimeoutInSeconds,omitempty"`
}

// StreamingConfiguration enables streamed tool responses.
type StreamingConfiguration struct {
	EnableResponseStreaming *bool `json:"enableResponseStreaming,omitempty"`
}

// ---- §7.3 interceptors, policy engine, misc ----------------------------

// GatewayInterceptorConfiguration attaches a Lambda interceptor to the
// request and/or response path (§7.3, §11.10).
type GatewayInterceptorConfiguration struct {
	Interceptor        *InterceptorConfiguration      `json:"interceptor,omitempty" agentcore:"required"`
	InterceptionPoints []GatewayInterceptionPoint     `json:"interceptionPoints,omitzero" agentcore:"required"`
	InputConfiguration *InterceptorInputConfiguration `json:"inputConfiguration,omitempty"`
}

// InterceptorConfiguration (union) is the interceptor implementation; only
// Lambda exists (§7.3).
type InterceptorConfiguration struct {
	Lambda *LambdaInterceptorConfiguration `json:"lambda,omitempty"`
}

// LambdaInterceptorConfiguration names the interceptor function.
type LambdaInterceptorConfiguration struct {
	Arn *string `json:"arn,omitempty" agentcore:"required"`
}

// InterceptorInputConfiguration controls what the interceptor receives.
type InterceptorInputConfiguration struct {
	PassRequestHeaders *bool                     `json:"passRequestHeaders,omitempty" agentcore:"required"`
	PayloadFilter      *InterceptorPayloadFilter `json:"payloadFilter,omitempty"`
}

// InterceptorPayloadFilter withholds parts of the payload from the interceptor.
type InterceptorPayloadFilter struct {
	Exclude []InterceptorPayloadExclusionSelector `json:"exclude,omitzero" agentcore:"required"`
}

// InterceptorPayloadExclusionSelector (union) selects one payload part.
type InterceptorPayloadExclusionSelector struct {
	Field InterceptorPayloadExclusion `json:"field,omitempty"`
}

// GatewayPolicyEngineConfiguration attaches a Cedar policy engine (§7.3, §10).
type GatewayPolicyEngineConfiguration struct {
	Arn  *string                 `json:"arn,omitempty" agentcore:"required"`
	Mode GatewayPolicyEngineMode `json:"mode,omitempty" agentcore:"required"`
}

// CustomTransformConfiguration is accepted by UpdateGateway only (§6.3).
type CustomTransformConfiguration struct {
	Lambda *LambdaTransformConfiguration `json:"lambda,omitempty"`
}

// LambdaTransformConfiguration names the transform function; the SDK does
// not mark arn required.
type LambdaTransformConfiguration struct {
	Arn *string `json:"arn,omitempty"`
}

// WafConfiguration is accepted by UpdateGateway only (§6.3, §7.3).
type WafConfiguration struct {
	FailureMode WafFailureMode `json:"failureMode,omitempty"`
}

// WorkloadIdentityDetails is output only: the workload identity created
// with the gateway (§6.1).
type WorkloadIdentityDetails struct {
	WorkloadIdentityArn string `json:"workloadIdentityArn" agentcore:"required"`
}

// Unions are recognised by Decode and Validate through this marker.
func (AuthorizerConfiguration) isUnion()             {}
func (ClaimMatchValue) isUnion()                     {}
func (PrivateEndpoint) isUnion()                     {}
func (SelfManagedLatticeResource) isUnion()          {}
func (GatewayProtocolConfiguration) isUnion()        {}
func (InterceptorConfiguration) isUnion()            {}
func (InterceptorPayloadExclusionSelector) isUnion() {}
