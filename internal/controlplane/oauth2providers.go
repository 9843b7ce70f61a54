package controlplane

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
	"github.com/toolgate/toolgate/internal/store"
)

// OAuth2 credential providers (§8.2). The client secret is sealed in the
// vault the moment it arrives and is never returned, logged or echoed in an
// error. The authorization server's endpoints are resolved when a provider
// is created or updated (discovery document, inline metadata or the
// vendor's well-known endpoints), so a bad discovery URL is refused then,
// naming the field, rather than failing tool calls later.

func (a *api) oauth2Store() (store.OAuth2ProviderStore, error) {
	s, ok := a.Store.(store.OAuth2ProviderStore)
	if !ok {
		return nil, errors.New("controlplane: the store does not keep OAuth2 credential providers")
	}
	return s, nil
}

func (a *api) createOAuth2Provider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.CreateOauth2CredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ps, err := a.oauth2Store()
	if err != nil {
		return err
	}
	name := *req.Name
	settings, secret, err := a.resolveOAuth2(r.Context(), req.CredentialProviderVendor, req.Oauth2ProviderConfigInput)
	if err != nil {
		return err
	}
	if _, err := ps.GetOAuth2Provider(r.Context(), name); err == nil {
		// Checked before sealing and discovery are wasted; the store
		// enforces it again in the write.
		return errConflict("An OAuth2 credential provider named %q already exists", name)
	}
	settings.CallbackID = rand.Text()
	config, err := json.Marshal(settings)
	if err != nil {
		return err
	}
	sealed, err := a.Vault.Seal(oauth2.SecretAAD(name), []byte(*secret))
	if err != nil {
		return err
	}
	now := a.Now().UTC()
	p, err := ps.CreateOAuth2Provider(r.Context(), store.OAuth2Provider{
		Name: name, ARN: arn.OAuth2Provider(a.Region, a.AccountID, name), Vendor: string(req.CredentialProviderVendor),
		Config: config, SealedClientSecret: sealed, Tags: req.Tags, CreatedAt: now, UpdatedAt: now,
	})
	if errors.Is(err, store.ErrConflict) {
		return errConflict("An OAuth2 credential provider named %q already exists", name)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	out, err := a.oauth2ProviderOut(p)
	if err != nil {
		return err
	}
	// Create answers without the vendor and the timestamps (§8.2).
	out.CredentialProviderVendor, out.CreatedTime, out.LastUpdatedTime = "", nil, nil
	return writeJSON(w, r, http.StatusCreated, out)
}

func (a *api) getOAuth2Provider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetOauth2CredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := a.loadOAuth2Provider(r, *req.Name)
	if err != nil {
		return err
	}
	return a.writeOAuth2Provider(w, r, p)
}

func (a *api) updateOAuth2Provider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.UpdateOauth2CredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ps, err := a.oauth2Store()
	if err != nil {
		return err
	}
	name := *req.Name
	if _, err := a.loadOAuth2Provider(r, name); err != nil {
		return err
	}
	settings, secret, err := a.resolveOAuth2(r.Context(), req.CredentialProviderVendor, req.Oauth2ProviderConfigInput)
	if err != nil {
		return err
	}
	var sealed []byte
	if secret != nil {
		if sealed, err = a.Vault.Seal(oauth2.SecretAAD(name), []byte(*secret)); err != nil {
			return err
		}
	}
	p, err := ps.UpdateOAuth2Provider(r.Context(), name, func(old store.OAuth2Provider) (store.OAuth2Provider, error) {
		if prev, err := oauth2.DecodeSettings(old.Config); err == nil {
			settings.CallbackID = prev.CallbackID
		}
		if settings.CallbackID == "" {
			settings.CallbackID = rand.Text()
		}
		config, err := json.Marshal(settings)
		if err != nil {
			return old, err
		}
		old.Vendor, old.Config = string(req.CredentialProviderVendor), config
		if sealed != nil {
			old.SealedClientSecret = sealed
		} // else: no secret in the request, the stored one is kept
		old.UpdatedAt = a.Now().UTC()
		return old, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("OAuth2 credential provider %s not found", name)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return a.writeOAuth2Provider(w, r, p)
}

func (a *api) deleteOAuth2Provider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.DeleteOauth2CredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ps, err := a.oauth2Store()
	if err != nil {
		return err
	}
	if err := ps.DeleteOAuth2Provider(r.Context(), *req.Name); errors.Is(err, store.ErrNotFound) {
		return errNotFound("OAuth2 credential provider %s not found", *req.Name)
	} else if err != nil {
		return err
	}
	return a.deleted(w, r)
}

func (a *api) listOAuth2Providers(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.ListOauth2CredentialProvidersRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	ps, err := a.oauth2Store()
	if err != nil {
		return err
	}
	items, next, err := ps.ListOAuth2Providers(r.Context(), bodyPage(req.NextToken, req.MaxResults))
	if err != nil {
		return listError(err)
	}
	out := agentcore.ListOauth2CredentialProvidersResponse{CredentialProviders: make([]agentcore.Oauth2CredentialProviderItem, 0, len(items))}
	for _, p := range items {
		out.CredentialProviders = append(out.CredentialProviders, agentcore.Oauth2CredentialProviderItem{
			Name: p.Name, CredentialProviderVendor: agentcore.CredentialProviderVendorType(p.Vendor), CredentialProviderArn: p.ARN,
			CreatedTime: agentcore.NewEpochSeconds(p.CreatedAt), LastUpdatedTime: agentcore.NewEpochSeconds(p.UpdatedAt),
		})
	}
	if next != "" {
		out.NextToken = &next
	}
	return writeJSON(w, r, http.StatusOK, out)
}

func (a *api) loadOAuth2Provider(r *http.Request, name string) (store.OAuth2Provider, error) {
	ps, err := a.oauth2Store()
	if err != nil {
		return store.OAuth2Provider{}, err
	}
	p, err := ps.GetOAuth2Provider(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		return p, errNotFound("OAuth2 credential provider %s not found", name)
	}
	return p, err
}

// writeOAuth2Provider answers a Get or an Update with p.
func (a *api) writeOAuth2Provider(w http.ResponseWriter, r *http.Request, p store.OAuth2Provider) error {
	out, err := a.oauth2ProviderOut(p)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// oauth2ProviderOut is the Get shape of a stored provider: everything but
// the secret.
func (a *api) oauth2ProviderOut(p store.OAuth2Provider) (agentcore.Oauth2CredentialProvider, error) {
	s, err := oauth2.DecodeSettings(p.Config)
	if err != nil {
		return agentcore.Oauth2CredentialProvider{}, fmt.Errorf("provider %s: %w", p.Name, err)
	}
	vendor := agentcore.CredentialProviderVendorType(p.Vendor)
	var disc agentcore.Oauth2Discovery
	if s.DiscoveryURL != "" {
		disc.DiscoveryURL = ptrTo(s.DiscoveryURL)
	} else {
		md := &agentcore.Oauth2AuthorizationServerMetadata{
			Issuer: optional(s.Issuer), AuthorizationEndpoint: optional(s.AuthorizationEndpoint), TokenEndpoint: optional(s.TokenEndpoint),
			ResponseTypes: s.ResponseTypes,
		}
		for _, m := range s.TokenEndpointAuthMethods {
			if tm := agentcore.TokenEndpointAuthMethod(m); slices.Contains(tm.Values(), m) {
				md.TokenEndpointAuthMethods = append(md.TokenEndpointAuthMethods, tm)
			}
		}
		disc.AuthorizationServerMetadata = md
	}
	var cfg agentcore.Oauth2ProviderConfigOutput
	vo := &agentcore.VendorOauth2ProviderConfigOutput{OauthDiscovery: disc, ClientID: optional(s.ClientID)}
	switch agentcore.Oauth2ConfigMember(vendor) {
	case "customOauth2ProviderConfig":
		cfg.CustomOauth2ProviderConfig = &agentcore.CustomOauth2ProviderConfigOutput{
			OauthDiscovery: disc, ClientID: optional(s.ClientID),
			ClientAuthenticationMethod: agentcore.ClientAuthenticationMethodType(s.AuthMethod),
		}
	case "googleOauth2ProviderConfig":
		cfg.GoogleOauth2ProviderConfig = vo
	case "githubOauth2ProviderConfig":
		cfg.GithubOauth2ProviderConfig = vo
	case "slackOauth2ProviderConfig":
		cfg.SlackOauth2ProviderConfig = vo
	case "salesforceOauth2ProviderConfig":
		cfg.SalesforceOauth2ProviderConfig = vo
	case "microsoftOauth2ProviderConfig":
		cfg.MicrosoftOauth2ProviderConfig = vo
	case "atlassianOauth2ProviderConfig":
		cfg.AtlassianOauth2ProviderConfig = vo
	case "linkedinOauth2ProviderConfig":
		cfg.LinkedinOauth2ProviderConfig = vo
	default:
		cfg.IncludedOauth2ProviderConfig = vo
	}
	out := agentcore.Oauth2CredentialProvider{
		ClientSecretArn:            agentcore.Secret{SecretArn: arn.OAuth2Secret(a.Region, a.AccountID, p.Name)},
		ClientSecretSource:         agentcore.SecretSourceManaged,
		Name:                       p.Name,
		CredentialProviderVendor:   vendor,
		CredentialProviderArn:      p.ARN,
		Oauth2ProviderConfigOutput: &cfg,
		Status:                     agentcore.ProviderStatusReady,
		CreatedTime:                ptrTo(agentcore.NewEpochSeconds(p.CreatedAt)),
		LastUpdatedTime:            ptrTo(agentcore.NewEpochSeconds(p.UpdatedAt)),
	}
	if a.DataURL != "" && s.CallbackID != "" {
		out.CallbackURL = ptrTo(a.DataURL + "/identities/oauth2/callback/" + s.CallbackID)
	}
	return out, nil
}

func ptrTo[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// checkOAuthCredential checks a target's OAUTH credential provider: the
// client-credentials grant (the others are not implemented yet), custom
// parameters the grant does not set itself, and a provider that exists.
func (a *api) checkOAuthCredential(r *http.Request, base string, c agentcore.CredentialProviderConfiguration) error {
	op := base + ".credentialProvider.oauthCredentialProvider"
	if c.CredentialProvider == nil || c.CredentialProvider.OAuthCredentialProvider == nil {
		return errValidation("OAUTH needs an oauthCredentialProvider",
			agentcore.ValidationExceptionField{Name: op, Message: "is required when credentialProviderType is OAUTH"})
	}
	o := c.CredentialProvider.OAuthCredentialProvider
	var fields []agentcore.ValidationExceptionField
	switch o.GrantType {
	case "", agentcore.OAuthGrantTypeClientCredentials:
	default:
		fields = append(fields, agentcore.ValidationExceptionField{Name: op + ".grantType",
			Message: string(o.GrantType) + " is not supported by this toolgate release yet; use CLIENT_CREDENTIALS"})
	}
	for _, k := range slices.Sorted(maps.Keys(o.CustomParameters)) {
		if oauth2.ReservedParameter(k) {
			fields = append(fields, agentcore.ValidationExceptionField{Name: op + ".customParameters",
				Message: fmt.Sprintf("%q is set by the client-credentials grant itself and cannot be a custom parameter", k)})
		}
	}
	if len(fields) > 0 {
		return errValidation("The OAuth credential provider cannot be used", fields...)
	}
	field := op + ".providerArn"
	name, err := arn.OAuth2ProviderName(deref(o.ProviderArn))
	if err != nil {
		return errValidation("Invalid providerArn", agentcore.ValidationExceptionField{Name: field, Message: err.Error()})
	}
	ps, err := a.oauth2Store()
	if err != nil {
		return err
	}
	if _, err := ps.GetOAuth2Provider(r.Context(), name); errors.Is(err, store.ErrNotFound) {
		return errValidation("Credential provider not found", agentcore.ValidationExceptionField{Name: field, Message: "no OAuth2 credential provider named " + name + " exists"})
	} else if err != nil {
		return err
	}
	return nil
}
