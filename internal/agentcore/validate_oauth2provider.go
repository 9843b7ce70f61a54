package agentcore

// Validation of OAuth2 credential provider requests (§8.2): the contract's
// constraints. What toolgate does not implement yet (EXTERNAL secrets,
// private-key JWT, token exchange, private endpoints) passes here and is
// refused by the control plane, which says so.

// reTenantID is derived: a Microsoft tenant id or domain goes into the
// endpoint URLs' path, so it must be one plain segment.
var reTenantID = mustPattern(`^[A-Za-z0-9._-]+$`)

// vendorMember is the Oauth2ProviderConfigInput member each vendor with its
// own member uses; every other vendor but CustomOauth2 uses
// includedOauth2ProviderConfig.
var vendorMember = map[CredentialProviderVendorType]string{
	VendorCustom:     "customOauth2ProviderConfig",
	VendorGoogle:     "googleOauth2ProviderConfig",
	VendorGithub:     "githubOauth2ProviderConfig",
	VendorSlack:      "slackOauth2ProviderConfig",
	VendorSalesforce: "salesforceOauth2ProviderConfig",
	VendorMicrosoft:  "microsoftOauth2ProviderConfig",
	VendorAtlassian:  "atlassianOauth2ProviderConfig",
	VendorLinkedin:   "linkedinOauth2ProviderConfig",
}

// Oauth2ConfigMember is the oauth2ProviderConfigInput (and Output) member
// of a vendor.
func Oauth2ConfigMember(v CredentialProviderVendorType) string {
	if m, ok := vendorMember[v]; ok {
		return m
	}
	return "includedOauth2ProviderConfig"
}

// Validate checks a CreateOauth2CredentialProvider body. Messages never
// contain the client secret.
func (r *CreateOauth2CredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	v.oauth2Config(r.CredentialProviderVendor, r.Oauth2ProviderConfigInput, true)
	v.tags("tags", r.Tags)
	return v.errs.err()
}

// Validate checks an UpdateOauth2CredentialProvider body. The client secret
// may be left out of a MANAGED configuration: the stored one is kept.
func (r *UpdateOauth2CredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	v.oauth2Config(r.CredentialProviderVendor, r.Oauth2ProviderConfigInput, false)
	return v.errs.err()
}

// Validate checks a GetOauth2CredentialProvider body.
func (r *GetOauth2CredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	return v.errs.err()
}

// Validate checks a DeleteOauth2CredentialProvider body.
func (r *DeleteOauth2CredentialProviderRequest) Validate() error {
	var v validator
	v.structure(r)
	v.providerName(r.Name)
	return v.errs.err()
}

// Validate checks a ListOauth2CredentialProviders body: maxResults 1–20.
func (r *ListOauth2CredentialProvidersRequest) Validate() error {
	var v validator
	v.structure(r)
	v.intRange("maxResults", r.MaxResults, 1, 20)
	v.length("nextToken", r.NextToken, 1, 2048)
	return v.errs.err()
}

// oauth2Config checks the configuration union against the vendor and the
// members of the one that is set.
func (v *validator) oauth2Config(vendor CredentialProviderVendorType, in *Oauth2ProviderConfigInput, create bool) {
	if in == nil {
		return // required: structure reported it
	}
	const base path = "oauth2ProviderConfigInput"
	set := ""
	switch {
	case in.CustomOauth2ProviderConfig != nil:
		set = "customOauth2ProviderConfig"
		c := in.CustomOauth2ProviderConfig
		p := base.key(set)
		if c.ClientID == nil {
			v.add(p.key("clientId"), "is required")
		}
		v.length(p.key("clientId"), c.ClientID, 1, 256)
		v.clientSecret(p, c.ClientSecret, c.ClientSecretConfig, c.ClientSecretSource, create)
		if d := c.OauthDiscovery; d != nil {
			v.oauth2Discovery(p.key("oauthDiscovery"), d)
		}
		v.privateEndpoint(p.key("privateEndpoint"), c.PrivateEndpoint)
		op := p.key("privateEndpointOverrides")
		v.count(op, c.PrivateEndpointOverrides != nil, len(c.PrivateEndpointOverrides), 0, 5)
		for i, o := range c.PrivateEndpointOverrides {
			v.nonEmpty(op.idx(i).key("domain"), o.Domain)
			v.privateEndpoint(op.idx(i).key("privateEndpoint"), o.PrivateEndpoint)
		}
	case in.MicrosoftOauth2ProviderConfig != nil:
		set = "microsoftOauth2ProviderConfig"
		c := in.MicrosoftOauth2ProviderConfig
		p := base.key(set)
		v.length(p.key("clientId"), c.ClientID, 1, 256)
		v.clientSecret(p, c.ClientSecret, c.ClientSecretConfig, c.ClientSecretSource, create)
		v.text(p.key("tenantId"), c.TenantID, 1, 2048, reTenantID)
	case in.IncludedOauth2ProviderConfig != nil:
		set = "includedOauth2ProviderConfig"
		c := in.IncludedOauth2ProviderConfig
		p := base.key(set)
		v.length(p.key("clientId"), c.ClientID, 1, 256)
		v.clientSecret(p, c.ClientSecret, c.ClientSecretConfig, c.ClientSecretSource, create)
		v.endpointURL(p.key("issuer"), c.Issuer)
		v.endpointURL(p.key("authorizationEndpoint"), c.AuthorizationEndpoint)
		v.endpointURL(p.key("tokenEndpoint"), c.TokenEndpoint)
	default:
		for _, m := range []struct {
			name string
			c    *VendorOauth2ProviderConfigInput
		}{
			{"googleOauth2ProviderConfig", in.GoogleOauth2ProviderConfig},
			{"githubOauth2ProviderConfig", in.GithubOauth2ProviderConfig},
			{"slackOauth2ProviderConfig", in.SlackOauth2ProviderConfig},
			{"salesforceOauth2ProviderConfig", in.SalesforceOauth2ProviderConfig},
			{"atlassianOauth2ProviderConfig", in.AtlassianOauth2ProviderConfig},
			{"linkedinOauth2ProviderConfig", in.LinkedinOauth2ProviderConfig},
		} {
			if m.c == nil {
				continue
			}
			set = m.name
			p := base.key(set)
			v.length(p.key("clientId"), m.c.ClientID, 1, 256)
			v.clientSecret(p, m.c.ClientSecret, m.c.ClientSecretConfig, m.c.ClientSecretSource, create)
			break
		}
	}
	if set != "" && vendor != "" && contains(CredentialProviderVendorType("").Values(), string(vendor)) {
		if want := Oauth2ConfigMember(vendor); want != set {
			v.add(base.key(set), "does not match credentialProviderVendor %s, which is configured with %s", vendor, want)
		}
	}
}

// clientSecret ties the secret to its source, as apiKeySecret does for API
// keys: MANAGED (the default) stores the secret toolgate is given, EXTERNAL
// reads it from the referenced secret. The length check reports only the
// length.
func (v *validator) clientSecret(p path, secret *string, ref *SecretReference, source SecretSourceType, create bool) {
	v.length(p.key("clientSecret"), secret, 1, 2048)
	switch source {
	case "", SecretSourceManaged:
		if secret == nil && create {
			v.add(p.key("clientSecret"), "is required when clientSecretSource is MANAGED or absent")
		}
		if ref != nil {
			v.add(p.key("clientSecretConfig"), "must not be set when clientSecretSource is MANAGED or absent")
		}
	case SecretSourceExternal:
		if ref == nil {
			v.add(p.key("clientSecretConfig"), "is required when clientSecretSource is EXTERNAL")
		}
		if secret != nil {
			v.add(p.key("clientSecret"), "must not be set when clientSecretSource is EXTERNAL")
		}
	}
	if ref != nil {
		v.length(p.key("clientSecretConfig").key("secretId"), ref.SecretID, 1, 2048)
		v.length(p.key("clientSecretConfig").key("jsonKey"), ref.JSONKey, 1, 128)
	}
}

func (v *validator) oauth2Discovery(p path, d *Oauth2Discovery) {
	if v.match(p.key("discoveryUrl"), d.DiscoveryURL, reDiscoveryURL) {
		v.absoluteURL(p.key("discoveryUrl"), d.DiscoveryURL, "http", "https")
	}
	if m := d.AuthorizationServerMetadata; m != nil {
		mp := p.key("authorizationServerMetadata")
		v.endpointURL(mp.key("issuer"), m.Issuer)
		v.endpointURL(mp.key("authorizationEndpoint"), m.AuthorizationEndpoint)
		v.endpointURL(mp.key("tokenEndpoint"), m.TokenEndpoint)
		v.each(mp.key("responseTypes"), m.ResponseTypes, v.nonEmpty)
		methods := make([]string, len(m.TokenEndpointAuthMethods))
		for i, s := range m.TokenEndpointAuthMethods {
			methods[i] = string(s)
		}
		tp := mp.key("tokenEndpointAuthMethods")
		v.count(tp, m.TokenEndpointAuthMethods != nil, len(methods), 1, 2)
		v.noDuplicates(tp, methods, identity)
	}
}

// endpointURL checks an authorization-server URL: absolute http(s), at most
// 2048 characters.
func (v *validator) endpointURL(p path, s *string) {
	if v.length(p, s, 1, 2048) {
		v.absoluteURL(p, s, "http", "https")
	}
}
