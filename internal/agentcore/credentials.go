package agentcore

// Per-target outbound settings (§7.5, §6.6): credential providers, header and
// query propagation, private CA certificates.

// CredentialProviderConfiguration says how the gateway authenticates to a
// target. The list that carries it holds exactly one item (§6.6, [MODEL]).
type CredentialProviderConfiguration struct {
	CredentialProviderType CredentialProviderType `json:"credentialProviderType,omitempty" agentcore:"required"`
	CredentialProvider     *CredentialProvider    `json:"credentialProvider,omitempty"`
}

// CredentialProvider (union) holds the settings of the provider type.
type CredentialProvider struct {
	OAuthCredentialProvider  *OAuthCredentialProvider         `json:"oauthCredentialProvider,omitempty"`
	APIKeyCredentialProvider *GatewayApiKeyCredentialProvider `json:"apiKeyCredentialProvider,omitempty"`
	IAMCredentialProvider    *IamCredentialProvider           `json:"iamCredentialProvider,omitempty"`
}

// OAuthCredentialProvider fetches a token from an Oauth2CredentialProvider
// in the token vault (§7.5, §8.2).
type OAuthCredentialProvider struct {
	ProviderArn      *string           `json:"providerArn,omitempty" agentcore:"required"`
	Scopes           []string          `json:"scopes,omitzero" agentcore:"required"`
	CustomParameters map[string]string `json:"customParameters,omitzero"`
	GrantType        OAuthGrantType    `json:"grantType,omitempty"`
	// DefaultReturnURL is where the browser goes after 3LO consent.
	DefaultReturnURL *string `json:"defaultReturnUrl,omitempty"`
}

// GatewayApiKeyCredentialProvider injects the key of an
// ApiKeyCredentialProvider (§7.5, §8.1) into a header or query parameter.
type GatewayApiKeyCredentialProvider struct {
	ProviderArn             *string                  `json:"providerArn,omitempty" agentcore:"required"`
	CredentialParameterName *string                  `json:"credentialParameterName,omitempty"`
	CredentialPrefix        *string                  `json:"credentialPrefix,omitempty"`
	CredentialLocation      ApiKeyCredentialLocation `json:"credentialLocation,omitempty"`
}

// IamCredentialProvider sets the SigV4 service (and region, default the
// gateway's) for GATEWAY_IAM_ROLE calls to HTTP targets (§7.5).
type IamCredentialProvider struct {
	Service *string `json:"service,omitempty" agentcore:"required"`
	Region  *string `json:"region,omitempty"`
}

// MetadataConfiguration allow-lists request headers, query parameters and
// response headers that flow between caller and target (§6.6, §11.11).
type MetadataConfiguration struct {
	AllowedRequestHeaders  []string `json:"allowedRequestHeaders,omitzero"`
	AllowedQueryParameters []string `json:"allowedQueryParameters,omitzero"`
	AllowedResponseHeaders []string `json:"allowedResponseHeaders,omitzero"`
}

// CertificateConfiguration (union) supplies a private CA bundle (PEM) the
// gateway trusts for the target (§6.6).
type CertificateConfiguration struct {
	S3             *S3CertificateConfiguration             `json:"s3,omitempty"`
	SecretsManager *SecretsManagerCertificateConfiguration `json:"secretsManager,omitempty"`
}

// S3CertificateConfiguration is a PEM bundle in S3.
type S3CertificateConfiguration struct {
	URI                  *string `json:"uri,omitempty" agentcore:"required"`
	BucketOwnerAccountID *string `json:"bucketOwnerAccountId,omitempty"`
}

// SecretsManagerCertificateConfiguration is a PEM bundle in Secrets Manager.
type SecretsManagerCertificateConfiguration struct {
	SecretArn *string `json:"secretArn,omitempty" agentcore:"required"`
}

func (CredentialProvider) isUnion()       {}
func (CertificateConfiguration) isUnion() {}
