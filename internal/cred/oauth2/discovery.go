package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// maxDiscoveryBytes bounds a discovery document; real ones are a few KiB.
const maxDiscoveryBytes = 256 << 10

// Discover fetches and checks an authorization server's metadata from its
// discovery document: OpenID Connect Discovery
// (…/.well-known/openid-configuration) or RFC 8414
// (…/.well-known/oauth-authorization-server), which share the members
// toolgate reads. The error says what is wrong with the document in words
// an operator can act on; it never includes the document itself.
func Discover(ctx context.Context, client *http.Client, discoveryURL string) (Metadata, error) {
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, discoveryURL, nil)
	if err != nil {
		return Metadata{}, fmt.Errorf("is not a usable URL: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Metadata{}, fmt.Errorf("could not be fetched: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Metadata{}, fmt.Errorf("could not be fetched: the server answered HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			return Metadata{}, fmt.Errorf("is not a discovery document: its Content-Type is %q, not application/json", mt)
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscoveryBytes+1))
	if err != nil {
		return Metadata{}, fmt.Errorf("could not be read: %v", err)
	}
	if len(body) > maxDiscoveryBytes {
		return Metadata{}, fmt.Errorf("is larger than %d KiB, which no discovery document is", maxDiscoveryBytes>>10)
	}
	var doc struct {
		Issuer                            *string  `json:"issuer"`
		AuthorizationEndpoint             *string  `json:"authorization_endpoint"`
		TokenEndpoint                     *string  `json:"token_endpoint"`
		ResponseTypesSupported            []string `json:"response_types_supported"`
		TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
		GrantTypesSupported               []string `json:"grant_types_supported"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return Metadata{}, errors.New("is not a discovery document: the response is not a JSON object with the metadata members (RFC 8414 §2)")
	}
	if doc.Issuer == nil || *doc.Issuer == "" {
		return Metadata{}, errors.New("is not a discovery document: it has no issuer")
	}
	if doc.TokenEndpoint == nil || *doc.TokenEndpoint == "" {
		return Metadata{}, errors.New("names no token_endpoint, which the client-credentials grant needs")
	}
	if err := checkEndpoint(*doc.TokenEndpoint); err != nil {
		return Metadata{}, fmt.Errorf("has an unusable token_endpoint: %v", err)
	}
	md := Metadata{
		Issuer:                   *doc.Issuer,
		TokenEndpoint:            *doc.TokenEndpoint,
		ResponseTypes:            doc.ResponseTypesSupported,
		TokenEndpointAuthMethods: doc.TokenEndpointAuthMethodsSupported,
	}
	if doc.AuthorizationEndpoint != nil && *doc.AuthorizationEndpoint != "" {
		if err := checkEndpoint(*doc.AuthorizationEndpoint); err != nil {
			return Metadata{}, fmt.Errorf("has an unusable authorization_endpoint: %v", err)
		}
		md.AuthorizationEndpoint = *doc.AuthorizationEndpoint
	}
	if len(doc.GrantTypesSupported) > 0 && !slices.Contains(doc.GrantTypesSupported, "client_credentials") {
		return Metadata{}, fmt.Errorf("says the server does not support the client_credentials grant (grant_types_supported: %s)", strings.Join(doc.GrantTypesSupported, ", "))
	}
	return md, nil
}

// checkEndpoint insists on an absolute http(s) URL without credentials or
// fragment.
func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("it is not a URL")
	case u.Scheme != "https" && u.Scheme != "http" || u.Host == "":
		return errors.New("it is not an absolute http or https URL")
	case u.User != nil:
		return errors.New("it carries user information")
	case u.Fragment != "":
		return errors.New("it has a fragment")
	}
	return nil
}

// DefaultAuthMethod picks the client authentication method when the
// configuration names none: client_secret_basic, the RFC 6749 default,
// unless the server says it supports only client_secret_post.
func DefaultAuthMethod(serverMethods []string) string {
	if len(serverMethods) > 0 && !slices.Contains(serverMethods, "client_secret_basic") && slices.Contains(serverMethods, "client_secret_post") {
		return ClientSecretPost
	}
	return ClientSecretBasic
}

// AuthMethodSupported reports whether the server's advertised methods
// (none: the RFC 8414 default, client_secret_basic) include m.
func AuthMethodSupported(serverMethods []string, m string) bool {
	if len(serverMethods) == 0 {
		return m == ClientSecretBasic
	}
	return slices.Contains(serverMethods, strings.ToLower(m))
}

// VendorEndpoints are the well-known endpoints of a vendor and the client
// authentication method its token endpoint documents.
type VendorEndpoints struct {
	Metadata
	AuthMethod string
}

// vendors maps credentialProviderVendor to its well-known endpoints. Vendors
// whose endpoints depend on the customer's tenant (Okta, Auth0, Cognito,
// OneLogin, PingOne, CyberArk, FusionAuth) are absent: their configuration
// names the issuer or the endpoints.
var vendors = map[string]VendorEndpoints{
	"GoogleOauth2": {Metadata{Issuer: "https://accounts.google.com", AuthorizationEndpoint: "https://accounts.google.com/o/oauth2/v2/auth",
		TokenEndpoint: "https://oauth2.googleapis.com/token", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"GithubOauth2": {Metadata{Issuer: "https://github.com", AuthorizationEndpoint: "https://github.com/login/oauth/authorize",
		TokenEndpoint: "https://github.com/login/oauth/access_token", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"SlackOauth2": {Metadata{Issuer: "https://slack.com", AuthorizationEndpoint: "https://slack.com/oauth/v2/authorize",
		TokenEndpoint: "https://slack.com/api/oauth.v2.access", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"SalesforceOauth2": {Metadata{Issuer: "https://login.salesforce.com", AuthorizationEndpoint: "https://login.salesforce.com/services/oauth2/authorize",
		TokenEndpoint: "https://login.salesforce.com/services/oauth2/token", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"AtlassianOauth2": {Metadata{Issuer: "https://auth.atlassian.com", AuthorizationEndpoint: "https://auth.atlassian.com/authorize",
		TokenEndpoint: "https://auth.atlassian.com/oauth/token", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"LinkedinOauth2": {Metadata{Issuer: "https://www.linkedin.com/oauth", AuthorizationEndpoint: "https://www.linkedin.com/oauth/v2/authorization",
		TokenEndpoint: "https://www.linkedin.com/oauth/v2/accessToken", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"XOauth2": {Metadata{Issuer: "https://x.com", AuthorizationEndpoint: "https://x.com/i/oauth2/authorize",
		TokenEndpoint: "https://api.x.com/2/oauth2/token", ResponseTypes: []string{"code"}}, ClientSecretBasic},
	"FacebookOauth2": {Metadata{Issuer: "https://www.facebook.com", AuthorizationEndpoint: "https://www.facebook.com/dialog/oauth",
		TokenEndpoint: "https://graph.facebook.com/oauth/access_token", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"YandexOauth2": {Metadata{Issuer: "https://oauth.yandex.com", AuthorizationEndpoint: "https://oauth.yandex.com/authorize",
		TokenEndpoint: "https://oauth.yandex.com/token", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"RedditOauth2": {Metadata{Issuer: "https://www.reddit.com", AuthorizationEndpoint: "https://www.reddit.com/api/v1/authorize",
		TokenEndpoint: "https://www.reddit.com/api/v1/access_token", ResponseTypes: []string{"code"}}, ClientSecretBasic},
	"ZoomOauth2": {Metadata{Issuer: "https://zoom.us", AuthorizationEndpoint: "https://zoom.us/oauth/authorize",
		TokenEndpoint: "https://zoom.us/oauth/token", ResponseTypes: []string{"code"}}, ClientSecretBasic},
	"TwitchOauth2": {Metadata{Issuer: "https://id.twitch.tv/oauth2", AuthorizationEndpoint: "https://id.twitch.tv/oauth2/authorize",
		TokenEndpoint: "https://id.twitch.tv/oauth2/token", ResponseTypes: []string{"code"}}, ClientSecretPost},
	"SpotifyOauth2": {Metadata{Issuer: "https://accounts.spotify.com", AuthorizationEndpoint: "https://accounts.spotify.com/authorize",
		TokenEndpoint: "https://accounts.spotify.com/api/token", ResponseTypes: []string{"code"}}, ClientSecretBasic},
	"DropboxOauth2": {Metadata{Issuer: "https://www.dropbox.com", AuthorizationEndpoint: "https://www.dropbox.com/oauth2/authorize",
		TokenEndpoint: "https://api.dropboxapi.com/oauth2/token", ResponseTypes: []string{"code"}}, ClientSecretBasic},
	"NotionOauth2": {Metadata{Issuer: "https://api.notion.com", AuthorizationEndpoint: "https://api.notion.com/v1/oauth/authorize",
		TokenEndpoint: "https://api.notion.com/v1/oauth/token", ResponseTypes: []string{"code"}}, ClientSecretBasic},
	"HubspotOauth2": {Metadata{Issuer: "https://app.hubspot.com", AuthorizationEndpoint: "https://app.hubspot.com/oauth/authorize",
		TokenEndpoint: "https://api.hubapi.com/oauth/v1/token", ResponseTypes: []string{"code"}}, ClientSecretPost},
}

// Vendor returns the well-known endpoints of a vendor; ok is false for the
// custom and the tenant-specific vendors.
func Vendor(vendor string) (VendorEndpoints, bool) {
	v, ok := vendors[vendor]
	v.ResponseTypes = slices.Clone(v.ResponseTypes)
	return v, ok
}

// Microsoft returns the Microsoft identity platform (v2.0) endpoints of a
// tenant ("common" when empty).
func Microsoft(tenant string) VendorEndpoints {
	if tenant == "" {
		tenant = "common"
	}
	base := "https://login.microsoftonline.com/" + url.PathEscape(tenant)
	return VendorEndpoints{Metadata{
		Issuer: base + "/v2.0", AuthorizationEndpoint: base + "/oauth2/v2.0/authorize",
		TokenEndpoint: base + "/oauth2/v2.0/token", ResponseTypes: []string{"code"},
	}, ClientSecretPost}
}

// OIDCDiscoveryURL is the OpenID Connect discovery document of an issuer.
func OIDCDiscoveryURL(issuer string) string {
	return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
}
