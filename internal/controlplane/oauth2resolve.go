package controlplane

import (
	"context"
	"fmt"
	"strings"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
)

// resolveOAuth2 turns a validated oauth2ProviderConfigInput into the
// settings toolgate keeps: the token endpoint (from the discovery document,
// the metadata given, or the vendor's well-known endpoints), the client and
// how it authenticates. secret is the client secret of the request (nil:
// none given, as an Update may do). What toolgate does not implement yet is
// refused here, naming the field.
func (a *api) resolveOAuth2(ctx context.Context, vendor agentcore.CredentialProviderVendorType, in *agentcore.Oauth2ProviderConfigInput) (oauth2.Settings, *string, error) {
	const base = "oauth2ProviderConfigInput"
	member := agentcore.Oauth2ConfigMember(vendor)
	p := base + "." + member
	var (
		s      oauth2.Settings
		secret *string
		source agentcore.SecretSourceType
		fields []agentcore.ValidationExceptionField
	)
	unsupported := func(field, what string) {
		fields = append(fields, agentcore.ValidationExceptionField{Name: p + "." + field, Message: what + " is not supported by this toolgate release yet"})
	}

	switch member {
	case "customOauth2ProviderConfig":
		c := in.CustomOauth2ProviderConfig
		s.ClientID, secret, source = deref(c.ClientID), c.ClientSecret, c.ClientSecretSource
		switch c.ClientAuthenticationMethod {
		case agentcore.ClientAuthAWSIAMIDTokenJWT, agentcore.ClientAuthPrivateKeyJWT:
			unsupported("clientAuthenticationMethod", string(c.ClientAuthenticationMethod)+" (use CLIENT_SECRET_BASIC or CLIENT_SECRET_POST)")
		}
		if len(c.PrivateKeyJwtConfig) > 0 {
			unsupported("privateKeyJwtConfig", "private_key_jwt client authentication")
		}
		if len(c.OnBehalfOfTokenExchangeConfig) > 0 {
			unsupported("onBehalfOfTokenExchangeConfig", "on-behalf-of token exchange")
		}
		if c.PrivateEndpoint != nil {
			unsupported("privateEndpoint", "reaching the authorization server through a private endpoint")
		}
		if len(c.PrivateEndpointOverrides) > 0 {
			unsupported("privateEndpointOverrides", "reaching the authorization server through a private endpoint")
		}
		if source == agentcore.SecretSourceExternal {
			break
		}
		if len(fields) > 0 {
			return s, nil, errValidation("The request uses features this toolgate release does not support yet", fields...)
		}
		d := c.OauthDiscovery
		var given []string
		if d.DiscoveryURL != nil {
			md, err := oauth2.Discover(ctx, a.DiscoveryClient, *d.DiscoveryURL)
			if err != nil {
				return s, nil, errValidation("The discovery document cannot be used",
					agentcore.ValidationExceptionField{Name: p + ".oauthDiscovery.discoveryUrl", Message: "the discovery document " + err.Error()})
			}
			s.Metadata, s.DiscoveryURL = md, *d.DiscoveryURL
		} else {
			m := d.AuthorizationServerMetadata
			s.Metadata = oauth2.Metadata{
				Issuer: deref(m.Issuer), AuthorizationEndpoint: deref(m.AuthorizationEndpoint), TokenEndpoint: deref(m.TokenEndpoint),
				ResponseTypes: m.ResponseTypes,
			}
			for _, tm := range m.TokenEndpointAuthMethods {
				given = append(given, string(tm))
			}
			s.TokenEndpointAuthMethods = given
		}
		s.AuthMethod = string(c.ClientAuthenticationMethod)
		if s.AuthMethod == "" {
			s.AuthMethod = oauth2.DefaultAuthMethod(s.TokenEndpointAuthMethods)
		} else if given != nil && !oauth2.AuthMethodSupported(given, s.AuthMethod) {
			return s, nil, errValidation("The client authentication method is not one the authorization server supports",
				agentcore.ValidationExceptionField{Name: p + ".clientAuthenticationMethod",
					Message: fmt.Sprintf("%s is not among oauthDiscovery.authorizationServerMetadata.tokenEndpointAuthMethods [%s]", s.AuthMethod, strings.Join(given, ", "))})
		}

	case "microsoftOauth2ProviderConfig":
		c := in.MicrosoftOauth2ProviderConfig
		s.ClientID, secret, source, s.TenantID = deref(c.ClientID), c.ClientSecret, c.ClientSecretSource, deref(c.TenantID)
		v := oauth2.Microsoft(s.TenantID)
		s.Metadata, s.AuthMethod = v.Metadata, v.AuthMethod

	case "includedOauth2ProviderConfig":
		c := in.IncludedOauth2ProviderConfig
		s.ClientID, secret, source = deref(c.ClientID), c.ClientSecret, c.ClientSecretSource
		if source == agentcore.SecretSourceExternal {
			break
		}
		known, ok := oauth2.Vendor(string(vendor))
		switch {
		case c.TokenEndpoint != nil:
			s.Metadata = oauth2.Metadata{Issuer: deref(c.Issuer), AuthorizationEndpoint: deref(c.AuthorizationEndpoint), TokenEndpoint: *c.TokenEndpoint}
			if ok {
				s.ResponseTypes = known.ResponseTypes
			}
		case c.Issuer != nil:
			md, err := oauth2.Discover(ctx, a.DiscoveryClient, oauth2.OIDCDiscoveryURL(*c.Issuer))
			if err != nil {
				return s, nil, errValidation("The issuer's discovery document cannot be used",
					agentcore.ValidationExceptionField{Name: p + ".issuer", Message: "the discovery document of this issuer (" +
						oauth2.OIDCDiscoveryURL(*c.Issuer) + ") " + err.Error() + "; set tokenEndpoint to skip discovery"})
			}
			s.Metadata = md
			if c.AuthorizationEndpoint != nil {
				s.AuthorizationEndpoint = *c.AuthorizationEndpoint
			}
		case ok:
			s.Metadata = known.Metadata
		default:
			return s, nil, errValidation("The token endpoint of the vendor's tenant is needed",
				agentcore.ValidationExceptionField{Name: p + ".tokenEndpoint",
					Message: fmt.Sprintf("is required for %s, whose endpoints depend on your tenant (or set issuer, and toolgate discovers them)", vendor)})
		}
		switch {
		case ok:
			s.AuthMethod = known.AuthMethod
		case vendor == agentcore.VendorCognito:
			s.AuthMethod = oauth2.ClientSecretBasic
		default:
			s.AuthMethod = oauth2.DefaultAuthMethod(s.TokenEndpointAuthMethods)
		}

	default: // the vendors with their own member and fixed endpoints
		var c *agentcore.VendorOauth2ProviderConfigInput
		for _, m := range []*agentcore.VendorOauth2ProviderConfigInput{in.GoogleOauth2ProviderConfig, in.GithubOauth2ProviderConfig,
			in.SlackOauth2ProviderConfig, in.SalesforceOauth2ProviderConfig, in.AtlassianOauth2ProviderConfig, in.LinkedinOauth2ProviderConfig} {
			if m != nil {
				c = m
			}
		}
		known, ok := oauth2.Vendor(string(vendor))
		if c == nil || !ok {
			return s, nil, errValidation("Unknown vendor configuration", agentcore.ValidationExceptionField{Name: base, Message: "has no configuration for " + string(vendor)})
		}
		s.ClientID, secret, source = deref(c.ClientID), c.ClientSecret, c.ClientSecretSource
		s.Metadata, s.AuthMethod = known.Metadata, known.AuthMethod
	}

	if source == agentcore.SecretSourceExternal {
		fields = append(fields, agentcore.ValidationExceptionField{Name: p + ".clientSecretSource",
			Message: "EXTERNAL (AWS Secrets Manager) is not supported by toolgate; pass clientSecret so toolgate keeps it sealed in its vault"})
	}
	if len(fields) > 0 {
		return s, nil, errValidation("The request uses features this toolgate release does not support yet", fields...)
	}
	return s, secret, nil
}
