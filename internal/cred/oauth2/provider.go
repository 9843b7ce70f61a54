// Package oauth2 gets OAuth2 access tokens for outbound calls from the
// token vault's OAuth2 credential providers, with the client-credentials
// grant (2LO, RFC 6749 §4.4): the AgentCore OAUTH credential provider type
// of gateway targets and the M2M flow of GetResourceOauth2Token.
//
// A Provider is a stored provider opened for use: its token endpoint, its
// client and, unsealed once when the catalog is compiled, its secret. Tokens
// caches access tokens per (provider, scopes, custom parameters) until
// shortly before they expire, shares one token request among every caller
// that needs the same token at the same time, and hands targets an Injector
// that sets "Authorization: Bearer …" and, on an upstream 401, drops the
// token it sent so the retry gets a fresh one.
//
// Secrets never leave in an error, a log line or a formatted value: errors
// name the provider and the token endpoint's RFC 6749 error code, Provider
// and Token print without their secret parts.
package oauth2

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// Client authentication methods at the token endpoint, spelled as
// AgentCore's clientAuthenticationMethod.
const (
	ClientSecretBasic = "CLIENT_SECRET_BASIC"
	ClientSecretPost  = "CLIENT_SECRET_POST"
)

// SealedKind is the kind of sealed value a client secret is (the token
// vault's store.SealedSecret Kind); the vault's additional data of a
// provider's secret is SealedKind + "/" + name.
const SealedKind = store.SealedOAuth2ClientSecret

// SecretAAD is the vault owner label of a provider's client secret: the
// control plane seals with it and Open unseals with it.
func SecretAAD(name string) string { return SealedKind + "/" + name }

// Settings is what toolgate keeps about a provider besides its secret: the
// JSON document of store.OAuth2Provider.Config. The endpoints are resolved
// when the provider is created or updated (from the discovery document, the
// metadata given, or the vendor's well-known endpoints), so a token request
// needs no discovery.
type Settings struct {
	ClientID string `json:"clientId"`
	// AuthMethod is ClientSecretBasic or ClientSecretPost.
	AuthMethod string `json:"clientAuthenticationMethod"`
	Metadata
	// DiscoveryURL is the discovery document the metadata came from, when
	// the provider was configured with one.
	DiscoveryURL string `json:"discoveryUrl,omitempty"`
	// TenantID is a Microsoft provider's tenant.
	TenantID string `json:"tenantId,omitempty"`
	// CallbackID names the provider in its callbackUrl.
	CallbackID string `json:"callbackId,omitempty"`
}

// Metadata is the part of an authorization server's metadata (RFC 8414)
// toolgate uses and reports.
type Metadata struct {
	Issuer                   string   `json:"issuer,omitempty"`
	AuthorizationEndpoint    string   `json:"authorizationEndpoint,omitempty"`
	TokenEndpoint            string   `json:"tokenEndpoint"`
	ResponseTypes            []string `json:"responseTypes,omitempty"`
	TokenEndpointAuthMethods []string `json:"tokenEndpointAuthMethods,omitempty"`
}

// DecodeSettings reads a stored provider's Settings.
func DecodeSettings(config []byte) (Settings, error) {
	var s Settings
	if err := json.Unmarshal(config, &s); err != nil {
		return Settings{}, fmt.Errorf("oauth2 provider settings: %w", err)
	}
	return s, nil
}

// Provider is an OAuth2 credential provider ready for token requests. Its
// secret lives only in an unexported field; a Provider formats itself as
// `oauth2.Provider("name")` under every fmt verb and in slog.
type Provider struct {
	name       string
	tokenURL   string
	clientID   string
	secret     string
	authMethod string
	// fingerprint changes whenever anything a token depends on may have:
	// the endpoint, the client, its secret or the way it authenticates.
	fingerprint string
}

// NewProvider returns the provider name with settings s and client secret
// secret.
func NewProvider(name string, s Settings, secret string) (*Provider, error) {
	switch {
	case s.TokenEndpoint == "":
		return nil, fmt.Errorf("OAuth2 credential provider %q has no token endpoint", name)
	case s.ClientID == "":
		return nil, fmt.Errorf("OAuth2 credential provider %q has no client id", name)
	case s.AuthMethod != ClientSecretBasic && s.AuthMethod != ClientSecretPost:
		return nil, fmt.Errorf("OAuth2 credential provider %q: client authentication method %q is not supported (use %s or %s)",
			name, s.AuthMethod, ClientSecretBasic, ClientSecretPost)
	}
	h := sha256.New()
	for _, part := range []string{name, s.TokenEndpoint, s.ClientID, s.AuthMethod, secret} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return &Provider{
		name: name, tokenURL: s.TokenEndpoint, clientID: s.ClientID, secret: secret, authMethod: s.AuthMethod,
		fingerprint: hex.EncodeToString(h.Sum(nil)[:12]),
	}, nil
}

// Open decodes a stored provider's settings and unseals its client secret.
// Errors name the provider, never the secret.
func Open(p store.OAuth2Provider, v *vault.Vault) (*Provider, error) {
	s, err := DecodeSettings(p.Config)
	if err != nil {
		return nil, fmt.Errorf("OAuth2 credential provider %q: %w", p.Name, err)
	}
	if v == nil {
		return nil, errors.New("oauth2: no vault to unseal client secrets with")
	}
	secret, err := v.Open(SecretAAD(p.Name), p.SealedClientSecret)
	if err != nil {
		return nil, fmt.Errorf("OAuth2 credential provider %q: the client secret cannot be unsealed: %w", p.Name, err)
	}
	return NewProvider(p.Name, s, string(secret))
}

// Name is the provider's name.
func (p *Provider) Name() string { return p.name }

// TokenURL is the provider's token endpoint.
func (p *Provider) TokenURL() string { return p.tokenURL }

// Fingerprint identifies the provider's configuration and secret without
// revealing the secret; it changes whenever a token the provider issued
// may no longer be the one it would issue now.
func (p *Provider) Fingerprint() string { return p.fingerprint }

// String describes the provider without its secret.
func (p *Provider) String() string { return fmt.Sprintf("oauth2.Provider(%q)", p.name) }

// GoString keeps %#v from printing the fields.
func (p *Provider) GoString() string { return p.String() }

// Format makes every verb print String.
func (p *Provider) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// LogValue keeps slog handlers from reflecting over the struct.
func (p *Provider) LogValue() slog.Value { return slog.StringValue(p.String()) }

// scrub removes the secret from text that came from elsewhere (a token
// endpoint's error description), in case it was echoed.
func (p *Provider) scrub(s string) string {
	if len(p.secret) >= 4 {
		s = strings.ReplaceAll(s, p.secret, "[redacted]")
	}
	return s
}
