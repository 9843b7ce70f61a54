package agentcore

import "encoding/json"

// OAuth2 credential providers of the identity control plane (§3, §8.2).
// Every operation is POST /identities/<Operation> with a JSON body; the
// timestamps are epoch seconds. Client secrets arrive in requests and are
// never part of any response type.

// CredentialProviderVendorType names the OAuth2 vendor of a provider (§8.2).
type CredentialProviderVendorType string

// Wire values of CredentialProviderVendorType.
const (
	VendorGoogle     CredentialProviderVendorType = "GoogleOauth2"
	VendorGithub     CredentialProviderVendorType = "GithubOauth2"
	VendorSlack      CredentialProviderVendorType = "SlackOauth2"
	VendorSalesforce CredentialProviderVendorType = "SalesforceOauth2"
	VendorMicrosoft  CredentialProviderVendorType = "MicrosoftOauth2"
	VendorCustom     CredentialProviderVendorType = "CustomOauth2"
	VendorAtlassian  CredentialProviderVendorType = "AtlassianOauth2"
	VendorLinkedin   CredentialProviderVendorType = "LinkedinOauth2"
	VendorX          CredentialProviderVendorType = "XOauth2"
	VendorOkta       CredentialProviderVendorType = "OktaOauth2"
	VendorOneLogin   CredentialProviderVendorType = "OneLoginOauth2"
	VendorPingOne    CredentialProviderVendorType = "PingOneOauth2"
	VendorFacebook   CredentialProviderVendorType = "FacebookOauth2"
	VendorYandex     CredentialProviderVendorType = "YandexOauth2"
	VendorReddit     CredentialProviderVendorType = "RedditOauth2"
	VendorZoom       CredentialProviderVendorType = "ZoomOauth2"
	VendorTwitch     CredentialProviderVendorType = "TwitchOauth2"
	VendorSpotify    CredentialProviderVendorType = "SpotifyOauth2"
	VendorDropbox    CredentialProviderVendorType = "DropboxOauth2"
	VendorNotion     CredentialProviderVendorType = "NotionOauth2"
	VendorHubspot    CredentialProviderVendorType = "HubspotOauth2"
	VendorCyberArk   CredentialProviderVendorType = "CyberArkOauth2"
	VendorFusionAuth CredentialProviderVendorType = "FusionAuthOauth2"
	VendorAuth0      CredentialProviderVendorType = "Auth0Oauth2"
	VendorCognito    CredentialProviderVendorType = "CognitoOauth2"
)

// Values lists the wire values of CredentialProviderVendorType.
func (CredentialProviderVendorType) Values() []string {
	return []string{"GoogleOauth2", "GithubOauth2", "SlackOauth2", "SalesforceOauth2", "MicrosoftOauth2",
		"CustomOauth2", "AtlassianOauth2", "LinkedinOauth2", "XOauth2", "OktaOauth2", "OneLoginOauth2",
		"PingOneOauth2", "FacebookOauth2", "YandexOauth2", "RedditOauth2", "ZoomOauth2", "TwitchOauth2",
		"SpotifyOauth2", "DropboxOauth2", "NotionOauth2", "HubspotOauth2", "CyberArkOauth2",
		"FusionAuthOauth2", "Auth0Oauth2", "CognitoOauth2"}
}

// ClientAuthenticationMethodType is how a custom provider's client
// authenticates at the token endpoint (§8.2).
type ClientAuthenticationMethodType string

// Wire values of ClientAuthenticationMethodType.
const (
	ClientAuthClientSecretBasic ClientAuthenticationMethodType = "CLIENT_SECRET_BASIC"
	ClientAuthClientSecretPost  ClientAuthenticationMethodType = "CLIENT_SECRET_POST"
	ClientAuthAWSIAMIDTokenJWT  ClientAuthenticationMethodType = "AWS_IAM_ID_TOKEN_JWT"
	ClientAuthPrivateKeyJWT     ClientAuthenticationMethodType = "PRIVATE_KEY_JWT"
)

// Values lists the wire values of ClientAuthenticationMethodType.
func (ClientAuthenticationMethodType) Values() []string {
	return []string{"CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST", "AWS_IAM_ID_TOKEN_JWT", "PRIVATE_KEY_JWT"}
}

// TokenEndpointAuthMethod is an entry of
// authorizationServerMetadata.tokenEndpointAuthMethods (§8.2).
type TokenEndpointAuthMethod string

// Wire values of TokenEndpointAuthMethod.
const (
	TokenEndpointAuthClientSecretPost  TokenEndpointAuthMethod = "client_secret_post"
	TokenEndpointAuthClientSecretBasic TokenEndpointAuthMethod = "client_secret_basic"
)

// Values lists the wire values of TokenEndpointAuthMethod.
func (TokenEndpointAuthMethod) Values() []string {
	return []string{"client_secret_post", "client_secret_basic"}
}

// ProviderStatus is the lifecycle state of a credential provider (§8.2).
type ProviderStatus string

// Wire values of ProviderStatus.
const (
	ProviderStatusCreating     ProviderStatus = "CREATING"
	ProviderStatusCreateFailed ProviderStatus = "CREATE_FAILED"
	ProviderStatusUpdating     ProviderStatus = "UPDATING"
	ProviderStatusUpdateFailed ProviderStatus = "UPDATE_FAILED"
	ProviderStatusReady        ProviderStatus = "READY"
	ProviderStatusDeleting     ProviderStatus = "DELETING"
	ProviderStatusDeleteFailed ProviderStatus = "DELETE_FAILED"
)

// Values lists the wire values of ProviderStatus.
func (ProviderStatus) Values() []string {
	return []string{"CREATING", "CREATE_FAILED", "UPDATING", "UPDATE_FAILED", "READY", "DELETING", "DELETE_FAILED"}
}

// CreateOauth2CredentialProviderRequest is the body of
// POST /identities/CreateOauth2CredentialProvider (201).
type CreateOauth2CredentialProviderRequest struct {
	Name                      *string                      `json:"name,omitempty" agentcore:"required"`
	CredentialProviderVendor  CredentialProviderVendorType `json:"credentialProviderVendor,omitempty" agentcore:"required"`
	Oauth2ProviderConfigInput *Oauth2ProviderConfigInput   `json:"oauth2ProviderConfigInput,omitempty" agentcore:"required"`
	Tags                      map[string]string            `json:"tags,omitzero"`
}

// UpdateOauth2CredentialProviderRequest is the body of
// POST /identities/UpdateOauth2CredentialProvider (200): a full
// replacement of the configuration.
type UpdateOauth2CredentialProviderRequest struct {
	Name                      *string                      `json:"name,omitempty" agentcore:"required"`
	CredentialProviderVendor  CredentialProviderVendorType `json:"credentialProviderVendor,omitempty" agentcore:"required"`
	Oauth2ProviderConfigInput *Oauth2ProviderConfigInput   `json:"oauth2ProviderConfigInput,omitempty" agentcore:"required"`
}

// GetOauth2CredentialProviderRequest is the body of
// POST /identities/GetOauth2CredentialProvider.
type GetOauth2CredentialProviderRequest struct {
	Name *string `json:"name,omitempty" agentcore:"required"`
}

// DeleteOauth2CredentialProviderRequest is the body of
// POST /identities/DeleteOauth2CredentialProvider (204, empty response).
type DeleteOauth2CredentialProviderRequest struct {
	Name *string `json:"name,omitempty" agentcore:"required"`
}

// ListOauth2CredentialProvidersRequest is the body of
// POST /identities/ListOauth2CredentialProviders.
type ListOauth2CredentialProvidersRequest struct {
	NextToken *string `json:"nextToken,omitempty"`
	// MaxResults is 1–20; the service default is 10.
	MaxResults *int32 `json:"maxResults,omitempty"`
}

// Oauth2ProviderConfigInput (union) is a provider's configuration: the
// custom form, one vendor's form, or the "included" form of the vendors
// that need their tenant's endpoints (§8.2).
type Oauth2ProviderConfigInput struct {
	CustomOauth2ProviderConfig     *CustomOauth2ProviderConfigInput    `json:"customOauth2ProviderConfig,omitempty"`
	GoogleOauth2ProviderConfig     *VendorOauth2ProviderConfigInput    `json:"googleOauth2ProviderConfig,omitempty"`
	GithubOauth2ProviderConfig     *VendorOauth2ProviderConfigInput    `json:"githubOauth2ProviderConfig,omitempty"`
	SlackOauth2ProviderConfig      *VendorOauth2ProviderConfigInput    `json:"slackOauth2ProviderConfig,omitempty"`
	SalesforceOauth2ProviderConfig *VendorOauth2ProviderConfigInput    `json:"salesforceOauth2ProviderConfig,omitempty"`
	MicrosoftOauth2ProviderConfig  *MicrosoftOauth2ProviderConfigInput `json:"microsoftOauth2ProviderConfig,omitempty"`
	AtlassianOauth2ProviderConfig  *VendorOauth2ProviderConfigInput    `json:"atlassianOauth2ProviderConfig,omitempty"`
	LinkedinOauth2ProviderConfig   *VendorOauth2ProviderConfigInput    `json:"linkedinOauth2ProviderConfig,omitempty"`
	IncludedOauth2ProviderConfig   *IncludedOauth2ProviderConfigInput  `json:"includedOauth2ProviderConfig,omitempty"`
}

// VendorOauth2ProviderConfigInput is the configuration of a vendor with
// well-known endpoints (Google, GitHub, Slack, Salesforce, Atlassian,
// LinkedIn): the client and its secret.
type VendorOauth2ProviderConfigInput struct {
	ClientID           *string          `json:"clientId,omitempty" agentcore:"required"`
	ClientSecret       *string          `json:"clientSecret,omitempty"`
	ClientSecretConfig *SecretReference `json:"clientSecretConfig,omitempty"`
	ClientSecretSource SecretSourceType `json:"clientSecretSource,omitempty"`
}

// MicrosoftOauth2ProviderConfigInput is a Microsoft Entra ID client of a
// tenant ("common" when tenantId is absent).
type MicrosoftOauth2ProviderConfigInput struct {
	ClientID           *string          `json:"clientId,omitempty" agentcore:"required"`
	ClientSecret       *string          `json:"clientSecret,omitempty"`
	ClientSecretConfig *SecretReference `json:"clientSecretConfig,omitempty"`
	ClientSecretSource SecretSourceType `json:"clientSecretSource,omitempty"`
	TenantID           *string          `json:"tenantId,omitempty"`
}

// IncludedOauth2ProviderConfigInput is a client of a vendor whose endpoints
// depend on the customer's tenant (Okta, Auth0, Cognito, ...) or that
// toolgate knows only by its well-known endpoints (X, Zoom, ...).
type IncludedOauth2ProviderConfigInput struct {
	ClientID              *string          `json:"clientId,omitempty" agentcore:"required"`
	ClientSecret          *string          `json:"clientSecret,omitempty"`
	ClientSecretConfig    *SecretReference `json:"clientSecretConfig,omitempty"`
	ClientSecretSource    SecretSourceType `json:"clientSecretSource,omitempty"`
	Issuer                *string          `json:"issuer,omitempty"`
	AuthorizationEndpoint *string          `json:"authorizationEndpoint,omitempty"`
	TokenEndpoint         *string          `json:"tokenEndpoint,omitempty"`
}

// CustomOauth2ProviderConfigInput is any OAuth2 authorization server, known
// by its discovery document or by its metadata (§8.2).
type CustomOauth2ProviderConfigInput struct {
	OauthDiscovery             *Oauth2Discovery               `json:"oauthDiscovery,omitempty" agentcore:"required"`
	ClientID                   *string                        `json:"clientId,omitempty"`
	ClientSecret               *string                        `json:"clientSecret,omitempty"`
	ClientSecretConfig         *SecretReference               `json:"clientSecretConfig,omitempty"`
	ClientSecretSource         SecretSourceType               `json:"clientSecretSource,omitempty"`
	ClientAuthenticationMethod ClientAuthenticationMethodType `json:"clientAuthenticationMethod,omitempty"`
	// The members below configure flows toolgate does not implement yet;
	// they are kept raw so Validate can name them in its refusal.
	PrivateKeyJwtConfig           json.RawMessage           `json:"privateKeyJwtConfig,omitempty"`
	OnBehalfOfTokenExchangeConfig json.RawMessage           `json:"onBehalfOfTokenExchangeConfig,omitempty"`
	PrivateEndpoint               *PrivateEndpoint          `json:"privateEndpoint,omitempty"`
	PrivateEndpointOverrides      []PrivateEndpointOverride `json:"privateEndpointOverrides,omitzero"`
}

// Oauth2Discovery (union) locates an authorization server: a discovery
// document (OIDC or RFC 8414) or its metadata inline.
type Oauth2Discovery struct {
	DiscoveryURL                *string                            `json:"discoveryUrl,omitempty"`
	AuthorizationServerMetadata *Oauth2AuthorizationServerMetadata `json:"authorizationServerMetadata,omitempty"`
}

// Oauth2AuthorizationServerMetadata is an authorization server's metadata
// given inline (§8.2).
type Oauth2AuthorizationServerMetadata struct {
	Issuer                   *string                   `json:"issuer,omitempty" agentcore:"required"`
	AuthorizationEndpoint    *string                   `json:"authorizationEndpoint,omitempty" agentcore:"required"`
	TokenEndpoint            *string                   `json:"tokenEndpoint,omitempty" agentcore:"required"`
	ResponseTypes            []string                  `json:"responseTypes,omitzero"`
	TokenEndpointAuthMethods []TokenEndpointAuthMethod `json:"tokenEndpointAuthMethods,omitzero"`
}

// Oauth2ProviderConfigOutput (union) is what Get returns of the
// configuration: the same member names, never a secret.
type Oauth2ProviderConfigOutput struct {
	CustomOauth2ProviderConfig     *CustomOauth2ProviderConfigOutput `json:"customOauth2ProviderConfig,omitempty"`
	GoogleOauth2ProviderConfig     *VendorOauth2ProviderConfigOutput `json:"googleOauth2ProviderConfig,omitempty"`
	GithubOauth2ProviderConfig     *VendorOauth2ProviderConfigOutput `json:"githubOauth2ProviderConfig,omitempty"`
	SlackOauth2ProviderConfig      *VendorOauth2ProviderConfigOutput `json:"slackOauth2ProviderConfig,omitempty"`
	SalesforceOauth2ProviderConfig *VendorOauth2ProviderConfigOutput `json:"salesforceOauth2ProviderConfig,omitempty"`
	MicrosoftOauth2ProviderConfig  *VendorOauth2ProviderConfigOutput `json:"microsoftOauth2ProviderConfig,omitempty"`
	AtlassianOauth2ProviderConfig  *VendorOauth2ProviderConfigOutput `json:"atlassianOauth2ProviderConfig,omitempty"`
	LinkedinOauth2ProviderConfig   *VendorOauth2ProviderConfigOutput `json:"linkedinOauth2ProviderConfig,omitempty"`
	IncludedOauth2ProviderConfig   *VendorOauth2ProviderConfigOutput `json:"includedOauth2ProviderConfig,omitempty"`
}

// VendorOauth2ProviderConfigOutput is a vendor's configuration as returned:
// where its endpoints are and the client id.
type VendorOauth2ProviderConfigOutput struct {
	OauthDiscovery Oauth2Discovery `json:"oauthDiscovery" agentcore:"required"`
	ClientID       *string         `json:"clientId,omitempty"`
}

// CustomOauth2ProviderConfigOutput is a custom provider's configuration as
// returned.
type CustomOauth2ProviderConfigOutput struct {
	OauthDiscovery             Oauth2Discovery                `json:"oauthDiscovery" agentcore:"required"`
	ClientID                   *string                        `json:"clientId,omitempty"`
	ClientAuthenticationMethod ClientAuthenticationMethodType `json:"clientAuthenticationMethod,omitempty"`
}

// Oauth2CredentialProvider is the response of Create, Get and Update
// (their Smithy shapes differ only in which members are present).
type Oauth2CredentialProvider struct {
	ClientSecretArn            Secret                       `json:"clientSecretArn" agentcore:"required"`
	ClientSecretJSONKey        *string                      `json:"clientSecretJsonKey,omitempty"`
	ClientSecretSource         SecretSourceType             `json:"clientSecretSource,omitempty"`
	Name                       string                       `json:"name" agentcore:"required"`
	CredentialProviderVendor   CredentialProviderVendorType `json:"credentialProviderVendor,omitempty"`
	CredentialProviderArn      string                       `json:"credentialProviderArn" agentcore:"required"`
	CallbackURL                *string                      `json:"callbackUrl,omitempty"`
	Oauth2ProviderConfigOutput *Oauth2ProviderConfigOutput  `json:"oauth2ProviderConfigOutput,omitempty"`
	Status                     ProviderStatus               `json:"status,omitempty"`
	FailureReason              *string                      `json:"failureReason,omitempty"`
	CreatedTime                *EpochSeconds                `json:"createdTime,omitempty"`
	LastUpdatedTime            *EpochSeconds                `json:"lastUpdatedTime,omitempty"`
}

// ListOauth2CredentialProvidersResponse is the response of List.
type ListOauth2CredentialProvidersResponse struct {
	CredentialProviders []Oauth2CredentialProviderItem `json:"credentialProviders" agentcore:"required"`
	NextToken           *string                        `json:"nextToken,omitempty"`
}

// MarshalJSON writes a nil CredentialProviders as [].
func (r ListOauth2CredentialProvidersResponse) MarshalJSON() ([]byte, error) {
	type plain ListOauth2CredentialProvidersResponse
	if r.CredentialProviders == nil {
		r.CredentialProviders = []Oauth2CredentialProviderItem{}
	}
	return json.Marshal(plain(r))
}

// Oauth2CredentialProviderItem is one entry of List.
type Oauth2CredentialProviderItem struct {
	Name                     string                       `json:"name" agentcore:"required"`
	CredentialProviderVendor CredentialProviderVendorType `json:"credentialProviderVendor" agentcore:"required"`
	CredentialProviderArn    string                       `json:"credentialProviderArn" agentcore:"required"`
	CreatedTime              EpochSeconds                 `json:"createdTime" agentcore:"required"`
	LastUpdatedTime          EpochSeconds                 `json:"lastUpdatedTime" agentcore:"required"`
}

func (Oauth2ProviderConfigInput) isUnion()  {}
func (Oauth2ProviderConfigOutput) isUnion() {}
func (Oauth2Discovery) isUnion()            {}
