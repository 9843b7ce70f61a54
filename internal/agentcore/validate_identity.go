package agentcore

// Validation of API-key credential provider requests (§8.1).

// Validate checks a CreateApiKeyCredentialProvider body. The key is
// required unless the secret is EXTERNAL, in which case apiKeySecretConfig
// must say where it lives; messages never contain the key.
func (r *CreateApiKeyCredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	v.apiKeySecret(r.APIKey, r.APIKeySecretConfig, r.APIKeySecretSource)
	v.tags("tags", r.Tags)
	return v.errs.err()
}

// Validate checks an UpdateApiKeyCredentialProvider body; the secret rules
// of Create apply.
func (r *UpdateApiKeyCredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	v.apiKeySecret(r.APIKey, r.APIKeySecretConfig, r.APIKeySecretSource)
	return v.errs.err()
}

// Validate checks a GetApiKeyCredentialProvider body.
func (r *GetApiKeyCredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	return v.errs.err()
}

// Validate checks a DeleteApiKeyCredentialProvider body.
func (r *DeleteApiKeyCredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	return v.errs.err()
}

// Validate checks a ListApiKeyCredentialProviders body: maxResults 1–100.
func (r *ListApiKeyCredentialProvidersRequest) Validate() error {
	var v validator
	v.structure(r)
	v.intRange("maxResults", r.MaxResults, 1, 100)
	v.length("nextToken", r.NextToken, 1, 2048)
	return v.errs.err()
}

func (v *validator) providerName(name *string) {
	v.text("name", name, 1, 128, reProviderName)
}

// apiKeySecret ties the key to its source: MANAGED (the default) stores the
// key toolgate is given, so apiKey is required and apiKeySecretConfig
// meaningless; EXTERNAL reads it from the referenced secret, so
// apiKeySecretConfig is required and apiKey must not be sent. The length
// check reports only the length.
func (v *validator) apiKeySecret(key *string, ref *SecretReference, source SecretSourceType) {
	v.length("apiKey", key, 1, 65536)
	switch source {
	case "", SecretSourceManaged:
		if key == nil {
			v.add("apiKey", "is required when apiKeySecretSource is MANAGED or absent")
		}
		if ref != nil {
			v.add("apiKeySecretConfig", "must not be set when apiKeySecretSource is MANAGED or absent")
		}
	case SecretSourceExternal:
		if ref == nil {
			v.add("apiKeySecretConfig", "is required when apiKeySecretSource is EXTERNAL")
		}
		if key != nil {
			v.add("apiKey", "must not be set when apiKeySecretSource is EXTERNAL")
		}
	}
	if ref != nil {
		v.length("apiKeySecretConfig.secretId", ref.SecretID, 1, 2048)
		v.length("apiKeySecretConfig.jsonKey", ref.JSONKey, 1, 128)
	}
}
