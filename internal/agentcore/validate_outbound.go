package agentcore

import (
	"slices"
	"strings"
)

// Validation of a target's outbound settings: credential providers (§7.5,
// §11.9) and header/query propagation (§6.6, §11.11).

// providerMember is the CredentialProvider member each provider type needs
// ("" = none).
var providerMember = map[CredentialProviderType]string{
	CredentialProviderTypeOAuth:  "oauthCredentialProvider",
	CredentialProviderTypeAPIKey: "apiKeyCredentialProvider",
}

// outboundSupport is the outbound-auth matrix of §11.9 for the MCP target
// kinds it covers (connector targets are not in the matrix and are not
// restricted). noneAllowed lists the kinds that may omit
// credentialProviderConfigurations ("None" column).
var (
	outboundSupport = map[string][]CredentialProviderType{
		"apiGateway":    {CredentialProviderTypeGatewayIAMRole, CredentialProviderTypeAPIKey},
		"lambda":        {CredentialProviderTypeGatewayIAMRole},
		"mcpServer":     {CredentialProviderTypeGatewayIAMRole, CredentialProviderTypeOAuth, CredentialProviderTypeAPIKey},
		"openApiSchema": {CredentialProviderTypeGatewayIAMRole, CredentialProviderTypeOAuth, CredentialProviderTypeAPIKey},
		"smithyModel":   {CredentialProviderTypeGatewayIAMRole, CredentialProviderTypeOAuth},
	}
	noneAllowed = map[string]bool{"apiGateway": true, "mcpServer": true, "openApiSchema": true, "connector": true}
	// iamServiceNeeded: with GATEWAY_IAM_ROLE these kinds must say which
	// SigV4 service to sign for; the others must not (§7.5 usage rules).
	iamServiceNeeded = map[string]bool{"mcpServer": true, "openApiSchema": true}
)

// credentials checks credentialProviderConfigurations: exactly one item when
// present (§6.6), a provider member matching the provider type, and the
// §11.9 matrix for the target kind ("" when the kind is unknown).
func (v *validator) credentials(p path, list []CredentialProviderConfiguration, kind string, server *McpServerTargetConfiguration) {
	if list == nil {
		if kind != "" && !noneAllowed[kind] {
			v.add(p, "is required for %s targets", kind)
		}
		return
	}
	v.count(p, true, len(list), 1, 1)
	for i := range list {
		v.credential(p.idx(i), &list[i], kind, server)
	}
}

func (v *validator) credential(p path, c *CredentialProviderConfiguration, kind string, server *McpServerTargetConfiguration) {
	t := c.CredentialProviderType
	tp, cp := p.key("credentialProviderType"), p.key("credentialProvider")
	prov := c.CredentialProvider
	if prov == nil {
		prov = &CredentialProvider{}
	}
	set := map[string]bool{
		"oauthCredentialProvider":  prov.OAuthCredentialProvider != nil,
		"apiKeyCredentialProvider": prov.APIKeyCredentialProvider != nil,
		"iamCredentialProvider":    prov.IAMCredentialProvider != nil,
	}

	if t == CredentialProviderTypeJWTPassthrough {
		if c.CredentialProvider != nil {
			v.add(cp, "must not be set when credentialProviderType is %s", t)
		}
	} else if t != "" {
		want := providerMember[t]
		if want != "" && !set[want] {
			v.add(cp.key(want), "is required when credentialProviderType is %s", t)
		}
		for _, m := range []string{"oauthCredentialProvider", "apiKeyCredentialProvider", "iamCredentialProvider"} {
			allowed := m == want || want == "" && m == "iamCredentialProvider"
			if set[m] && !allowed {
				v.add(cp.key(m), "must not be set when credentialProviderType is %s", t)
			}
		}
	}

	if supported, ok := outboundSupport[kind]; ok && t != "" {
		if !slices.Contains(supported, t) {
			v.add(tp, "%s is not supported for %s targets; use one of [%s]", t, kind, joinTypes(supported))
		} else if t == CredentialProviderTypeGatewayIAMRole {
			ip := cp.key("iamCredentialProvider")
			switch {
			case iamServiceNeeded[kind] && !set["iamCredentialProvider"]:
				v.add(ip, "is required when credentialProviderType is GATEWAY_IAM_ROLE for %s targets (it names the SigV4 service)", kind)
			case !iamServiceNeeded[kind] && set["iamCredentialProvider"]:
				v.add(ip, "must not be set for %s targets", kind)
			}
		}
	}

	if o := prov.OAuthCredentialProvider; o != nil {
		op := cp.key("oauthCredentialProvider")
		v.oauthProvider(op, o)
		switch {
		case kind == "smithyModel" && o.GrantType != "" && o.GrantType != OAuthGrantTypeClientCredentials:
			v.add(op.key("grantType"), "must be CLIENT_CREDENTIALS for smithyModel targets")
		case server != nil && server.ListingMode == ListingModeDynamic && o.GrantType == OAuthGrantTypeAuthorizationCode:
			v.add(op.key("grantType"), "AUTHORIZATION_CODE is not supported with listingMode DYNAMIC")
		}
	}
	if a := prov.APIKeyCredentialProvider; a != nil {
		ap := cp.key("apiKeyCredentialProvider")
		v.match(ap.key("providerArn"), a.ProviderArn, reAPIKeyProviderArn)
		if v.length(ap.key("credentialParameterName"), a.CredentialParameterName, 1, 64) && a.CredentialLocation == ApiKeyCredentialLocationHeader {
			v.match(ap.key("credentialParameterName"), a.CredentialParameterName, reHeaderName)
		}
		v.length(ap.key("credentialPrefix"), a.CredentialPrefix, 1, 64)
	}
	if iam := prov.IAMCredentialProvider; iam != nil {
		ip := cp.key("iamCredentialProvider")
		v.text(ip.key("service"), iam.Service, 1, 64, reIAMService)
		v.length(ip.key("region"), iam.Region, 1, 32)
	}
}

func (v *validator) oauthProvider(p path, o *OAuthCredentialProvider) {
	v.match(p.key("providerArn"), o.ProviderArn, reOAuthProviderArn)
	v.count(p.key("scopes"), o.Scopes != nil, len(o.Scopes), 0, 100)
	v.each(p.key("scopes"), o.Scopes, func(p path, s *string) { v.length(p, s, 1, 64) })
	if m := o.CustomParameters; m != nil {
		mp := p.key("customParameters")
		v.count(mp, true, len(m), 1, 10)
		for _, k := range sortedKeys(m) {
			if n := len([]rune(k)); n < 1 || n > 256 {
				v.add(mp.mapKey(k), "key must be 1-256 characters, got %d", n)
			}
			v.length(mp.mapKey(k), ptr(m[k]), 1, 2048)
		}
	}
	v.match(p.key("defaultReturnUrl"), o.DefaultReturnURL, reReturnURL)
}

func joinTypes(ts []CredentialProviderType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// metadata checks metadataConfiguration (§6.6): each list 1–10 items,
// header names 1–100 characters and query names 1–40, no repeats, and no
// header of the restricted list of §11.11.
func (v *validator) metadata(p path, m *MetadataConfiguration) {
	if m == nil {
		return
	}
	for _, h := range []struct {
		name string
		list []string
	}{{"allowedRequestHeaders", m.AllowedRequestHeaders}, {"allowedResponseHeaders", m.AllowedResponseHeaders}} {
		hp := p.key(h.name)
		v.count(hp, h.list != nil, len(h.list), 1, 10)
		v.each(hp, h.list, func(p path, s *string) {
			switch {
			case !v.text(p, s, 1, 100, reHeaderName):
			case isRestrictedHeader(*s):
				v.add(p, "names a restricted header that cannot be propagated")
			}
		})
		v.noDuplicates(hp, h.list, strings.ToLower)
	}
	qp := p.key("allowedQueryParameters")
	v.count(qp, m.AllowedQueryParameters != nil, len(m.AllowedQueryParameters), 1, 10)
	v.each(qp, m.AllowedQueryParameters, func(p path, s *string) { v.length(p, s, 1, 40) })
	v.noDuplicates(qp, m.AllowedQueryParameters, identity)
}

// Headers that cannot be allow-listed (§11.11). The contract's list ends in
// "…"; it is completed here with the other hop-by-hop and security headers
// of the same families.
var (
	restrictedHeaders = map[string]bool{
		"authorization": true, "proxy-authorization": true, "www-authenticate": true,
		"proxy-authenticate": true, "cache-control": true, "etag": true, "expires": true,
		"last-modified": true, "pragma": true, "vary": true, "connection": true,
		"keep-alive": true, "proxy-connection": true, "upgrade": true, "host": true,
		"user-agent": true, "referer": true, "origin": true, "range": true,
		"transfer-encoding": true, "te": true, "trailer": true, "server": true, "date": true,
		"location": true, "retry-after": true, "set-cookie": true, "cookie": true,
		"strict-transport-security": true, "x-frame-options": true, "x-xss-protection": true,
		"x-content-type-options": true, "referrer-policy": true, "permissions-policy": true,
		"cross-origin-embedder-policy": true, "cross-origin-opener-policy": true,
		"cross-origin-resource-policy": true,
	}
	restrictedPrefixes = []string{"accept", "content-", "if-", "access-control-", "x-amzn-"}
	// allowedAmznPrefix is the one X-Amzn- family that may be propagated.
	allowedAmznPrefix = "x-amzn-bedrock-agentcore-runtime-custom-"
)

func isRestrictedHeader(name string) bool {
	h := strings.ToLower(name)
	if strings.HasPrefix(h, allowedAmznPrefix) {
		return false
	}
	if restrictedHeaders[h] {
		return true
	}
	for _, p := range restrictedPrefixes {
		if strings.HasPrefix(h, p) {
			return true
		}
	}
	return false
}
