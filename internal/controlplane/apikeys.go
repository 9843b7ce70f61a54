package controlplane

import (
	"errors"
	"net/http"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/store"
)

// API-key credential providers (§8.1). The key is sealed in the vault the
// moment it arrives and is never returned, logged or echoed in an error.

func (a *api) createAPIKeyProvider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.CreateApiKeyCredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	name := *req.Name
	sealed, err := a.sealAPIKey(req.APIKeySecretSource, name, req.APIKey)
	if err != nil {
		return err
	}
	now := a.Now().UTC()
	p, err := a.Store.CreateAPIKeyProvider(r.Context(), store.APIKeyProvider{
		Name: name, ARN: arn.APIKeyProvider(a.Region, a.AccountID, name), SealedKey: sealed,
		Tags: req.Tags, CreatedAt: now, UpdatedAt: now,
	})
	if errors.Is(err, store.ErrConflict) {
		return errConflict("An API-key credential provider named %q already exists", name)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusCreated, agentcore.CreateApiKeyCredentialProviderResponse{
		APIKeySecretArn:       agentcore.Secret{SecretArn: arn.APIKeySecret(a.Region, a.AccountID, p.Name)},
		APIKeySecretSource:    agentcore.SecretSourceManaged,
		Name:                  p.Name,
		CredentialProviderArn: p.ARN,
	})
}

func (a *api) getAPIKeyProvider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetApiKeyCredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	p, err := a.loadAPIKeyProvider(r, *req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, a.apiKeyProviderOut(p))
}

func (a *api) updateAPIKeyProvider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.UpdateApiKeyCredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	name := *req.Name
	sealed, err := a.sealAPIKey(req.APIKeySecretSource, name, req.APIKey)
	if err != nil {
		return err
	}
	p, err := a.Store.UpdateAPIKeyProvider(r.Context(), name, func(old store.APIKeyProvider) (store.APIKeyProvider, error) {
		old.SealedKey = sealed
		old.UpdatedAt = a.Now().UTC()
		return old, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("API-key credential provider %s not found", name)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusOK, a.apiKeyProviderOut(p))
}

func (a *api) deleteAPIKeyProvider(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.DeleteApiKeyCredentialProviderRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := a.Store.DeleteAPIKeyProvider(r.Context(), *req.Name); errors.Is(err, store.ErrNotFound) {
		return errNotFound("API-key credential provider %s not found", *req.Name)
	} else if err != nil {
		return err
	}
	return a.deleted(w, r)
}

func (a *api) listAPIKeyProviders(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.ListApiKeyCredentialProvidersRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	items, next, err := a.Store.ListAPIKeyProviders(r.Context(), bodyPage(req.NextToken, req.MaxResults))
	if err != nil {
		return listError(err)
	}
	out := agentcore.ListApiKeyCredentialProvidersResponse{CredentialProviders: make([]agentcore.ApiKeyCredentialProviderItem, 0, len(items))}
	for _, p := range items {
		out.CredentialProviders = append(out.CredentialProviders, agentcore.ApiKeyCredentialProviderItem{
			Name: p.Name, CredentialProviderArn: p.ARN,
			CreatedTime: agentcore.NewEpochSeconds(p.CreatedAt), LastUpdatedTime: agentcore.NewEpochSeconds(p.UpdatedAt),
		})
	}
	if next != "" {
		out.NextToken = &next
	}
	return writeJSON(w, r, http.StatusOK, out)
}

func (a *api) loadAPIKeyProvider(r *http.Request, name string) (store.APIKeyProvider, error) {
	p, err := a.Store.GetAPIKeyProvider(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		return p, errNotFound("API-key credential provider %s not found", name)
	}
	return p, err
}

func (a *api) apiKeyProviderOut(p store.APIKeyProvider) agentcore.ApiKeyCredentialProvider {
	return agentcore.ApiKeyCredentialProvider{
		APIKeySecretArn:       agentcore.Secret{SecretArn: arn.APIKeySecret(a.Region, a.AccountID, p.Name)},
		APIKeySecretSource:    agentcore.SecretSourceManaged,
		Name:                  p.Name,
		CredentialProviderArn: p.ARN,
		CreatedTime:           agentcore.NewEpochSeconds(p.CreatedAt),
		LastUpdatedTime:       agentcore.NewEpochSeconds(p.UpdatedAt),
	}
}

// sealAPIKey seals the API key of provider name, which must be MANAGED
// (toolgate's vault keeps it).
func (a *api) sealAPIKey(src agentcore.SecretSourceType, name string, key *string) ([]byte, error) {
	if err := managedOnly(src); err != nil {
		return nil, err
	}
	return a.Vault.Seal(catalog.APIKeyAAD(name), []byte(deref(key)))
}

// managedOnly refuses EXTERNAL secrets: they live in AWS Secrets Manager,
// which toolgate does not reach.
func managedOnly(src agentcore.SecretSourceType) error {
	if src == agentcore.SecretSourceExternal {
		return errValidation("EXTERNAL secrets are not supported",
			agentcore.ValidationExceptionField{Name: "apiKeySecretSource", Message: "EXTERNAL (AWS Secrets Manager) is not supported by toolgate; pass apiKey so toolgate keeps it sealed in its vault"})
	}
	return nil
}
