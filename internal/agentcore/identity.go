package agentcore

import "encoding/json"

// API-key credential providers of the identity control plane (§3, §8.1).
// Every operation is POST /identities/<Operation> with a JSON body; the
// timestamps here are epoch seconds (EpochSeconds), not RFC 3339.

// CreateApiKeyCredentialProviderRequest is the body of
// POST /identities/CreateApiKeyCredentialProvider (201).
type CreateApiKeyCredentialProviderRequest struct {
	Name *string `json:"name,omitempty" agentcore:"required"`
	// APIKey is the secret itself (sensitive): required when the secret
	// source is MANAGED or absent, and never echoed in any error.
	APIKey             *string           `json:"apiKey,omitempty"`
	APIKeySecretConfig *SecretReference  `json:"apiKeySecretConfig,omitempty"`
	APIKeySecretSource SecretSourceType  `json:"apiKeySecretSource,omitempty"`
	Tags               map[string]string `json:"tags,omitzero"`
}

// CreateApiKeyCredentialProviderResponse is the response of Create.
type CreateApiKeyCredentialProviderResponse struct {
	APIKeySecretArn       Secret           `json:"apiKeySecretArn" agentcore:"required"`
	APIKeySecretJSONKey   *string          `json:"apiKeySecretJsonKey,omitempty"`
	APIKeySecretSource    SecretSourceType `json:"apiKeySecretSource,omitempty"`
	Name                  string           `json:"name" agentcore:"required"`
	CredentialProviderArn string           `json:"credentialProviderArn" agentcore:"required"`
}

// GetApiKeyCredentialProviderRequest is the body of
// POST /identities/GetApiKeyCredentialProvider.
type GetApiKeyCredentialProviderRequest struct {
	Name *string `json:"name,omitempty" agentcore:"required"`
}

// ApiKeyCredentialProvider is the response of Get and Update (Smithy
// GetApiKeyCredentialProviderResponse / UpdateApiKeyCredentialProviderResponse).
// The key itself is never returned.
type ApiKeyCredentialProvider struct {
	APIKeySecretArn       Secret           `json:"apiKeySecretArn" agentcore:"required"`
	APIKeySecretJSONKey   *string          `json:"apiKeySecretJsonKey,omitempty"`
	APIKeySecretSource    SecretSourceType `json:"apiKeySecretSource,omitempty"`
	Name                  string           `json:"name" agentcore:"required"`
	CredentialProviderArn string           `json:"credentialProviderArn" agentcore:"required"`
	CreatedTime           EpochSeconds     `json:"createdTime" agentcore:"required"`
	LastUpdatedTime       EpochSeconds     `json:"lastUpdatedTime" agentcore:"required"`
}

// GetApiKeyCredentialProviderResponse is the response of Get.
type GetApiKeyCredentialProviderResponse = ApiKeyCredentialProvider

// UpdateApiKeyCredentialProviderResponse is the response of Update.
type UpdateApiKeyCredentialProviderResponse = ApiKeyCredentialProvider

// UpdateApiKeyCredentialProviderRequest is the body of
// POST /identities/UpdateApiKeyCredentialProvider; the same secret rules as
// Create apply.
type UpdateApiKeyCredentialProviderRequest struct {
	Name               *string          `json:"name,omitempty" agentcore:"required"`
	APIKey             *string          `json:"apiKey,omitempty"`
	APIKeySecretConfig *SecretReference `json:"apiKeySecretConfig,omitempty"`
	APIKeySecretSource SecretSourceType `json:"apiKeySecretSource,omitempty"`
}

// DeleteApiKeyCredentialProviderRequest is the body of
// POST /identities/DeleteApiKeyCredentialProvider (204, empty response body).
type DeleteApiKeyCredentialProviderRequest struct {
	Name *string `json:"name,omitempty" agentcore:"required"`
}

// DeleteApiKeyCredentialProviderResponse is empty; the handler answers 204
// with no body.
type DeleteApiKeyCredentialProviderResponse struct{}

// ListApiKeyCredentialProvidersRequest is the body of
// POST /identities/ListApiKeyCredentialProviders.
type ListApiKeyCredentialProvidersRequest struct {
	NextToken *string `json:"nextToken,omitempty"`
	// MaxResults is 1–100; the service default is 10.
	MaxResults *int32 `json:"maxResults,omitempty"`
}

// ListApiKeyCredentialProvidersResponse is the response of List.
type ListApiKeyCredentialProvidersResponse struct {
	CredentialProviders []ApiKeyCredentialProviderItem `json:"credentialProviders" agentcore:"required"`
	NextToken           *string                        `json:"nextToken,omitempty"`
}

// MarshalJSON writes a nil CredentialProviders as [].
func (r ListApiKeyCredentialProvidersResponse) MarshalJSON() ([]byte, error) {
	type plain ListApiKeyCredentialProvidersResponse
	if r.CredentialProviders == nil {
		r.CredentialProviders = []ApiKeyCredentialProviderItem{}
	}
	return json.Marshal(plain(r))
}

// ApiKeyCredentialProviderItem is one entry of List.
type ApiKeyCredentialProviderItem struct {
	Name                  string       `json:"name" agentcore:"required"`
	CredentialProviderArn string       `json:"credentialProviderArn" agentcore:"required"`
	CreatedTime           EpochSeconds `json:"createdTime" agentcore:"required"`
	LastUpdatedTime       EpochSeconds `json:"lastUpdatedTime" agentcore:"required"`
}

// Secret names the Secrets Manager secret that holds a credential.
type Secret struct {
	SecretArn string `json:"secretArn" agentcore:"required"`
}

// SecretReference points at a secret the customer manages (EXTERNAL source).
type SecretReference struct {
	SecretID *string `json:"secretId,omitempty" agentcore:"required"`
	JSONKey  *string `json:"jsonKey,omitempty" agentcore:"required"`
}
