package agentcore

// Enums are plain JSON strings on the wire (§1.2); the values below are the
// complete sets of the SDK's types/enums.go (§7.6). Each type's Values method
// lists them; Decode and Validate reject anything else, naming the field.
// ValidationExceptionReason lives in errors.go.

// AuthorizerType is the inbound authorizer of a gateway (§6.1, §11.2).
type AuthorizerType string

// Wire values of AuthorizerType.
const (
	AuthorizerTypeCustomJWT        AuthorizerType = "CUSTOM_JWT"
	AuthorizerTypeAWSIAM           AuthorizerType = "AWS_IAM"
	AuthorizerTypeNone             AuthorizerType = "NONE"
	AuthorizerTypeAuthenticateOnly AuthorizerType = "AUTHENTICATE_ONLY"
)

// Values lists the wire values of AuthorizerType.
func (AuthorizerType) Values() []string {
	return []string{"CUSTOM_JWT", "AWS_IAM", "NONE", "AUTHENTICATE_ONLY"}
}

// GatewayProtocolType is the protocol a gateway speaks to its callers (§6.1; model default MCP).
type GatewayProtocolType string

// Wire values of GatewayProtocolType.
const (
	GatewayProtocolTypeMCP GatewayProtocolType = "MCP"
)

// Values lists the wire values of GatewayProtocolType.
func (GatewayProtocolType) Values() []string {
	return []string{"MCP"}
}

// TargetProtocolType is the protocol family of a target, output only (§6.6).
type TargetProtocolType string

// Wire values of TargetProtocolType.
const (
	TargetProtocolTypeMCP  TargetProtocolType = "MCP"
	TargetProtocolTypeHTTP TargetProtocolType = "HTTP"
)

// Values lists the wire values of TargetProtocolType.
func (TargetProtocolType) Values() []string {
	return []string{"MCP", "HTTP"}
}

// SearchType is the enables the built-in semantic search tool (§7.2, §11.4).
type SearchType string

// Wire values of SearchType.
const (
	SearchTypeSemantic SearchType = "SEMANTIC"
)

// Values lists the wire values of SearchType.
func (SearchType) Values() []string {
	return []string{"SEMANTIC"}
}

// ExceptionLevel is the how much error detail callers see (§6.1, §11.12).
type ExceptionLevel string

// Wire values of ExceptionLevel.
const (
	ExceptionLevelDebug ExceptionLevel = "DEBUG"
)

// Values lists the wire values of ExceptionLevel.
func (ExceptionLevel) Values() []string {
	return []string{"DEBUG"}
}

// ListingMode is the how an MCP-server target's catalogue is listed (§7.4, §11.8).
type ListingMode string

// Wire values of ListingMode.
const (
	ListingModeDefault ListingMode = "DEFAULT"
	ListingModeDynamic ListingMode = "DYNAMIC"
)

// Values lists the wire values of ListingMode.
func (ListingMode) Values() []string {
	return []string{"DEFAULT", "DYNAMIC"}
}

// CredentialProviderType is the outbound credential kind of a target (§7.5).
type CredentialProviderType string

// Wire values of CredentialProviderType.
const (
	CredentialProviderTypeGatewayIAMRole       CredentialProviderType = "GATEWAY_IAM_ROLE"
	CredentialProviderTypeOAuth                CredentialProviderType = "OAUTH"
	CredentialProviderTypeAPIKey               CredentialProviderType = "API_KEY"
	CredentialProviderTypeCallerIAMCredentials CredentialProviderType = "CALLER_IAM_CREDENTIALS"
	CredentialProviderTypeJWTPassthrough       CredentialProviderType = "JWT_PASSTHROUGH"
)

// Values lists the wire values of CredentialProviderType.
func (CredentialProviderType) Values() []string {
	return []string{"GATEWAY_IAM_ROLE", "OAUTH", "API_KEY", "CALLER_IAM_CREDENTIALS", "JWT_PASSTHROUGH"}
}

// ApiKeyCredentialLocation is the where an outbound API key is placed (§7.5).
type ApiKeyCredentialLocation string

// Wire values of ApiKeyCredentialLocation.
const (
	ApiKeyCredentialLocationHeader         ApiKeyCredentialLocation = "HEADER"
	ApiKeyCredentialLocationQueryParameter ApiKeyCredentialLocation = "QUERY_PARAMETER"
)

// Values lists the wire values of ApiKeyCredentialLocation.
func (ApiKeyCredentialLocation) Values() []string {
	return []string{"HEADER", "QUERY_PARAMETER"}
}

// OAuthGrantType is the grant used by an outbound OAuth provider (§7.5).
type OAuthGrantType string

// Wire values of OAuthGrantType.
const (
	OAuthGrantTypeClientCredentials OAuthGrantType = "CLIENT_CREDENTIALS"
	OAuthGrantTypeAuthorizationCode OAuthGrantType = "AUTHORIZATION_CODE"
	OAuthGrantTypeTokenExchange     OAuthGrantType = "TOKEN_EXCHANGE"
)

// Values lists the wire values of OAuthGrantType.
func (OAuthGrantType) Values() []string {
	return []string{"CLIENT_CREDENTIALS", "AUTHORIZATION_CODE", "TOKEN_EXCHANGE"}
}

// SchemaType is the type of a SchemaDefinition node; the wire values are lower-case (§1.2, §7.4).
type SchemaType string

// Wire values of SchemaType.
const (
	SchemaTypeString  SchemaType = "string"
	SchemaTypeNumber  SchemaType = "number"
	SchemaTypeObject  SchemaType = "object"
	SchemaTypeArray   SchemaType = "array"
	SchemaTypeBoolean SchemaType = "boolean"
	SchemaTypeInteger SchemaType = "integer"
)

// Values lists the wire values of SchemaType.
func (SchemaType) Values() []string {
	return []string{"string", "number", "object", "array", "boolean", "integer"}
}

// RestApiMethod is the HTTP method of an API Gateway tool filter/override (§7.4).
type RestApiMethod string

// Wire values of RestApiMethod.
const (
	RestApiMethodGet     RestApiMethod = "GET"
	RestApiMethodDelete  RestApiMethod = "DELETE"
	RestApiMethodHead    RestApiMethod = "HEAD"
	RestApiMethodOptions RestApiMethod = "OPTIONS"
	RestApiMethodPatch   RestApiMethod = "PATCH"
	RestApiMethodPut     RestApiMethod = "PUT"
	RestApiMethodPost    RestApiMethod = "POST"
)

// Values lists the wire values of RestApiMethod.
func (RestApiMethod) Values() []string {
	return []string{"GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "PUT", "POST"}
}

// GatewayInterceptionPoint is the where an interceptor runs (§7.3).
type GatewayInterceptionPoint string

// Wire values of GatewayInterceptionPoint.
const (
	GatewayInterceptionPointRequest  GatewayInterceptionPoint = "REQUEST"
	GatewayInterceptionPointResponse GatewayInterceptionPoint = "RESPONSE"
)

// Values lists the wire values of GatewayInterceptionPoint.
func (GatewayInterceptionPoint) Values() []string {
	return []string{"REQUEST", "RESPONSE"}
}

// InterceptorPayloadExclusion is the payload part withheld from an interceptor (§7.3).
type InterceptorPayloadExclusion string

// Wire values of InterceptorPayloadExclusion.
const (
	InterceptorPayloadExclusionResponseBody InterceptorPayloadExclusion = "RESPONSE_BODY"
)

// Values lists the wire values of InterceptorPayloadExclusion.
func (InterceptorPayloadExclusion) Values() []string {
	return []string{"RESPONSE_BODY"}
}

// GatewayPolicyEngineMode is the how a gateway applies its policy engine (§7.3).
type GatewayPolicyEngineMode string

// Wire values of GatewayPolicyEngineMode.
const (
	GatewayPolicyEngineModeLogOnly GatewayPolicyEngineMode = "LOG_ONLY"
	GatewayPolicyEngineModeEnforce GatewayPolicyEngineMode = "ENFORCE"
)

// Values lists the wire values of GatewayPolicyEngineMode.
func (GatewayPolicyEngineMode) Values() []string {
	return []string{"LOG_ONLY", "ENFORCE"}
}

// InboundTokenClaimValueType is the JSON type of a custom JWT claim (§7.1).
type InboundTokenClaimValueType string

// Wire values of InboundTokenClaimValueType.
const (
	InboundTokenClaimValueTypeString      InboundTokenClaimValueType = "STRING"
	InboundTokenClaimValueTypeStringArray InboundTokenClaimValueType = "STRING_ARRAY"
)

// Values lists the wire values of InboundTokenClaimValueType.
func (InboundTokenClaimValueType) Values() []string {
	return []string{"STRING", "STRING_ARRAY"}
}

// ClaimMatchOperatorType is the comparison applied to a custom JWT claim (§7.1).
type ClaimMatchOperatorType string

// Wire values of ClaimMatchOperatorType.
const (
	ClaimMatchOperatorEquals      ClaimMatchOperatorType = "EQUALS"
	ClaimMatchOperatorContains    ClaimMatchOperatorType = "CONTAINS"
	ClaimMatchOperatorContainsAny ClaimMatchOperatorType = "CONTAINS_ANY"
)

// Values lists the wire values of ClaimMatchOperatorType.
func (ClaimMatchOperatorType) Values() []string {
	return []string{"EQUALS", "CONTAINS", "CONTAINS_ANY"}
}

// WafFailureMode is the behaviour when the WAF cannot be consulted (§7.3).
type WafFailureMode string

// Wire values of WafFailureMode.
const (
	WafFailureModeFailClose WafFailureMode = "FAIL_CLOSE"
	WafFailureModeFailOpen  WafFailureMode = "FAIL_OPEN"
)

// Values lists the wire values of WafFailureMode.
func (WafFailureMode) Values() []string {
	return []string{"FAIL_CLOSE", "FAIL_OPEN"}
}

// EndpointIpAddressType is the IP family of a managed VPC private endpoint (§7.4).
type EndpointIpAddressType string

// Wire values of EndpointIpAddressType.
const (
	EndpointIpAddressTypeIPv4 EndpointIpAddressType = "IPV4"
	EndpointIpAddressTypeIPv6 EndpointIpAddressType = "IPV6"
)

// Values lists the wire values of EndpointIpAddressType.
func (EndpointIpAddressType) Values() []string {
	return []string{"IPV4", "IPV6"}
}

// PassthroughProtocolType is the protocol of an http.passthrough target; only referenced inside the opaque HTTP target configuration (§7.4).
type PassthroughProtocolType string

// Wire values of PassthroughProtocolType.
const (
	PassthroughProtocolTypeMCP       PassthroughProtocolType = "MCP"
	PassthroughProtocolTypeA2A       PassthroughProtocolType = "A2A"
	PassthroughProtocolTypeInference PassthroughProtocolType = "INFERENCE"
	PassthroughProtocolTypeCustom    PassthroughProtocolType = "CUSTOM"
)

// Values lists the wire values of PassthroughProtocolType.
func (PassthroughProtocolType) Values() []string {
	return []string{"MCP", "A2A", "INFERENCE", "CUSTOM"}
}

// SecretSourceType is the who owns the secret behind a credential provider (§8.1).
type SecretSourceType string

// Wire values of SecretSourceType.
const (
	SecretSourceManaged  SecretSourceType = "MANAGED"
	SecretSourceExternal SecretSourceType = "EXTERNAL"
)

// Values lists the wire values of SecretSourceType.
func (SecretSourceType) Values() []string {
	return []string{"MANAGED", "EXTERNAL"}
}

// GatewayStatus is the lifecycle state of a gateway (§6.1).
type GatewayStatus string

// Wire values of GatewayStatus.
const (
	GatewayStatusCreating           GatewayStatus = "CREATING"
	GatewayStatusUpdating           GatewayStatus = "UPDATING"
	GatewayStatusUpdateUnsuccessful GatewayStatus = "UPDATE_UNSUCCESSFUL"
	GatewayStatusDeleting           GatewayStatus = "DELETING"
	GatewayStatusReady              GatewayStatus = "READY"
	GatewayStatusFailed             GatewayStatus = "FAILED"
)

// Values lists the wire values of GatewayStatus.
func (GatewayStatus) Values() []string {
	return []string{"CREATING", "UPDATING", "UPDATE_UNSUCCESSFUL", "DELETING", "READY", "FAILED"}
}

// TargetStatus is the lifecycle state of a target (§6.6).
type TargetStatus string

// Wire values of TargetStatus.
const (
	TargetStatusCreating                TargetStatus = "CREATING"
	TargetStatusUpdating                TargetStatus = "UPDATING"
	TargetStatusUpdateUnsuccessful      TargetStatus = "UPDATE_UNSUCCESSFUL"
	TargetStatusDeleting                TargetStatus = "DELETING"
	TargetStatusReady                   TargetStatus = "READY"
	TargetStatusFailed                  TargetStatus = "FAILED"
	TargetStatusSynchronizing           TargetStatus = "SYNCHRONIZING"
	TargetStatusSynchronizeUnsuccessful TargetStatus = "SYNCHRONIZE_UNSUCCESSFUL"
	TargetStatusCreatePendingAuth       TargetStatus = "CREATE_PENDING_AUTH"
	TargetStatusUpdatePendingAuth       TargetStatus = "UPDATE_PENDING_AUTH"
	TargetStatusSynchronizePendingAuth  TargetStatus = "SYNCHRONIZE_PENDING_AUTH"
)

// Values lists the wire values of TargetStatus.
func (TargetStatus) Values() []string {
	return []string{"CREATING", "UPDATING", "UPDATE_UNSUCCESSFUL", "DELETING", "READY", "FAILED", "SYNCHRONIZING", "SYNCHRONIZE_UNSUCCESSFUL", "CREATE_PENDING_AUTH", "UPDATE_PENDING_AUTH", "SYNCHRONIZE_PENDING_AUTH"}
}

// TargetType is the kind of a target as reported in TargetSummary (§6.9).
type TargetType string

// Wire values of TargetType.
const (
	TargetTypeOpenAPISchema    TargetType = "OPEN_API_SCHEMA"
	TargetTypeSmithyModel      TargetType = "SMITHY_MODEL"
	TargetTypeMCPServer        TargetType = "MCP_SERVER"
	TargetTypeLambda           TargetType = "LAMBDA"
	TargetTypeAPIGateway       TargetType = "API_GATEWAY"
	TargetTypeConnector        TargetType = "CONNECTOR"
	TargetTypeAgentCoreRuntime TargetType = "AGENTCORE_RUNTIME"
	TargetTypePassthrough      TargetType = "PASSTHROUGH"
	TargetTypeProvider         TargetType = "PROVIDER"
	TargetTypeHTTPConnector    TargetType = "HTTP_CONNECTOR"
)

// Values lists the wire values of TargetType.
func (TargetType) Values() []string {
	return []string{"OPEN_API_SCHEMA", "SMITHY_MODEL", "MCP_SERVER", "LAMBDA", "API_GATEWAY", "CONNECTOR", "AGENTCORE_RUNTIME", "PASSTHROUGH", "PROVIDER", "HTTP_CONNECTOR"}
}
