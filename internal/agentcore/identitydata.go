package agentcore

// The Identity data plane (service bedrock-agentcore, §5, §9): workload
// access tokens and the credentials of the token vault's providers.

// GetWorkloadAccessTokenRequest is the body of
// POST /identities/GetWorkloadAccessToken.
type GetWorkloadAccessTokenRequest struct {
	WorkloadName *string `json:"workloadName,omitempty" agentcore:"required"`
}

// GetWorkloadAccessTokenForJWTRequest is the body of
// POST /identities/GetWorkloadAccessTokenForJWT.
type GetWorkloadAccessTokenForJWTRequest struct {
	WorkloadName *string `json:"workloadName,omitempty" agentcore:"required"`
	// UserToken is the user's JWT (sensitive).
	UserToken *string `json:"userToken,omitempty" agentcore:"required"`
}

// GetWorkloadAccessTokenForUserIdRequest is the body of
// POST /identities/GetWorkloadAccessTokenForUserId.
type GetWorkloadAccessTokenForUserIdRequest struct {
	WorkloadName *string `json:"workloadName,omitempty" agentcore:"required"`
	UserID       *string `json:"userId,omitempty" agentcore:"required"`
}

// WorkloadAccessTokenResponse is the response of the three
// GetWorkloadAccessToken operations.
type WorkloadAccessTokenResponse struct {
	WorkloadAccessToken string `json:"workloadAccessToken" agentcore:"required"`
}

// GetResourceApiKeyRequest is the body of POST /identities/api-key.
type GetResourceApiKeyRequest struct {
	WorkloadIdentityToken          *string `json:"workloadIdentityToken,omitempty" agentcore:"required"`
	ResourceCredentialProviderName *string `json:"resourceCredentialProviderName,omitempty" agentcore:"required"`
}

// GetResourceApiKeyResponse is the response of GetResourceApiKey.
type GetResourceApiKeyResponse struct {
	APIKey string `json:"apiKey" agentcore:"required"`
}

// Oauth2FlowType is the flow of GetResourceOauth2Token.
type Oauth2FlowType string

// Wire values of Oauth2FlowType.
const (
	Oauth2FlowUserFederation          Oauth2FlowType = "USER_FEDERATION"
	Oauth2FlowM2M                     Oauth2FlowType = "M2M"
	Oauth2FlowOnBehalfOfTokenExchange Oauth2FlowType = "ON_BEHALF_OF_TOKEN_EXCHANGE"
)

// Values lists the wire values of Oauth2FlowType.
func (Oauth2FlowType) Values() []string {
	return []string{"USER_FEDERATION", "M2M", "ON_BEHALF_OF_TOKEN_EXCHANGE"}
}

// GetResourceOauth2TokenRequest is the body of POST /identities/oauth2/token.
type GetResourceOauth2TokenRequest struct {
	WorkloadIdentityToken          *string           `json:"workloadIdentityToken,omitempty" agentcore:"required"`
	ResourceCredentialProviderName *string           `json:"resourceCredentialProviderName,omitempty" agentcore:"required"`
	Scopes                         []string          `json:"scopes,omitzero" agentcore:"required"`
	Oauth2Flow                     Oauth2FlowType    `json:"oauth2Flow,omitempty" agentcore:"required"`
	SessionURI                     *string           `json:"sessionUri,omitempty"`
	ResourceOauth2ReturnURL        *string           `json:"resourceOauth2ReturnUrl,omitempty"`
	ForceAuthentication            *bool             `json:"forceAuthentication,omitempty"`
	CustomParameters               map[string]string `json:"customParameters,omitzero"`
	CustomState                    *string           `json:"customState,omitempty"`
	Resources                      []string          `json:"resources,omitzero"`
	Audiences                      []string          `json:"audiences,omitzero"`
}

// GetResourceOauth2TokenResponse is the response of GetResourceOauth2Token.
type GetResourceOauth2TokenResponse struct {
	AuthorizationURL *string `json:"authorizationUrl,omitempty"`
	AccessToken      *string `json:"accessToken,omitempty"`
	SessionURI       *string `json:"sessionUri,omitempty"`
	SessionStatus    string  `json:"sessionStatus,omitempty"`
}

// UserIdentifier names the user of CompleteResourceTokenAuth (a union).
type UserIdentifier struct {
	UserToken *string `json:"userToken,omitempty"`
	UserID    *string `json:"userId,omitempty"`
}

func (UserIdentifier) isUnion() {}

// CompleteResourceTokenAuthRequest is the body of
// POST /identities/CompleteResourceTokenAuth.
type CompleteResourceTokenAuthRequest struct {
	UserIdentifier *UserIdentifier `json:"userIdentifier,omitempty" agentcore:"required"`
	SessionURI     *string         `json:"sessionUri,omitempty" agentcore:"required"`
}

// Validate checks a GetWorkloadAccessToken body.
func (r *GetWorkloadAccessTokenRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("workloadName", r.WorkloadName, 3, 255, reWorkloadName)
	return v.errs.err()
}

// Validate checks a GetWorkloadAccessTokenForJWT body. The token is checked
// for its size and shape only; messages never contain it.
func (r *GetWorkloadAccessTokenForJWTRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("workloadName", r.WorkloadName, 3, 255, reWorkloadName)
	if v.length("userToken", r.UserToken, 1, 131072) && r.UserToken != nil && !reJWT.match(*r.UserToken) {
		v.add("userToken", "must be a JWT (three base64url parts separated by dots)")
	}
	return v.errs.err()
}

// Validate checks a GetWorkloadAccessTokenForUserId body.
func (r *GetWorkloadAccessTokenForUserIdRequest) Validate() error {
	var v validator
	v.structure(r)
	v.text("workloadName", r.WorkloadName, 3, 255, reWorkloadName)
	v.length("userId", r.UserID, 1, 128)
	return v.errs.err()
}

// Validate checks a GetResourceApiKey body.
func (r *GetResourceApiKeyRequest) Validate() error {
	var v validator
	v.structure(r)
	v.length("workloadIdentityToken", r.WorkloadIdentityToken, 1, 131072)
	v.text("resourceCredentialProviderName", r.ResourceCredentialProviderName, 1, 128, reProviderName)
	return v.errs.err()
}

// Validate checks a GetResourceOauth2Token body.
func (r *GetResourceOauth2TokenRequest) Validate() error {
	var v validator
	v.structure(r)
	v.length("workloadIdentityToken", r.WorkloadIdentityToken, 1, 131072)
	v.text("resourceCredentialProviderName", r.ResourceCredentialProviderName, 1, 128, reProviderName)
	v.count("scopes", r.Scopes != nil, len(r.Scopes), 0, 100)
	v.each("scopes", r.Scopes, func(p path, s *string) { v.length(p, s, 1, 128) })
	v.match("sessionUri", r.SessionURI, reSessionURI)
	v.text("resourceOauth2ReturnUrl", r.ResourceOauth2ReturnURL, 1, 2048, reReturnURL)
	v.length("customState", r.CustomState, 1, 4096)
	for _, k := range sortedKeys(r.CustomParameters) {
		val := r.CustomParameters[k]
		v.length(path("customParameters").mapKey(k), &val, 1, 2048)
	}
	return v.errs.err()
}

// Validate checks a CompleteResourceTokenAuth body.
func (r *CompleteResourceTokenAuthRequest) Validate() error {
	var v validator
	v.structure(r)
	v.match("sessionUri", r.SessionURI, reSessionURI)
	return v.errs.err()
}

var (
	reJWT        = mustPattern(`^[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+$`)
	reSessionURI = mustPattern(`^urn:ietf:params:oauth:request_uri:[a-zA-Z0-9-._~]+$`)
)
