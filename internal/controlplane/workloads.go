package controlplane

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/tokenvault"
)

// Workload identities (§8.3) and the token vault (§8.4). Each gateway has a
// workload identity named after its id, created and deleted with it by the
// store; its ARN is the gateway's workloadIdentityDetails.

// identityStore returns the store's workload identities and token-vault
// keys, or the "not supported" error for a store without them.
func (a *api) identityStore(op string) (store.IdentityStore, error) {
	if is, ok := a.Store.(store.IdentityStore); ok {
		return is, nil
	}
	return nil, errUnsupported(op)
}

func (a *api) workloadARN(name string) string {
	return arn.WorkloadIdentity(a.Region, a.AccountID, name)
}

func (a *api) createWorkloadIdentity(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.CreateWorkloadIdentityRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	is, err := a.identityStore("CreateWorkloadIdentity")
	if err != nil {
		return err
	}
	now := a.Now().UTC()
	wi, err := is.CreateWorkloadIdentity(r.Context(), store.WorkloadIdentity{
		Name: *req.Name, ReturnURLs: req.AllowedResourceOauth2ReturnUrls, Tags: req.Tags, CreatedAt: now, UpdatedAt: now,
	})
	if errors.Is(err, store.ErrConflict) {
		return errConflict("A workload identity named %q already exists", *req.Name)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusCreated, agentcore.CreateWorkloadIdentityResponse{
		Name: wi.Name, WorkloadIdentityArn: a.workloadARN(wi.Name), AllowedResourceOauth2ReturnUrls: wi.ReturnURLs,
	})
}

func (a *api) getWorkloadIdentity(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetWorkloadIdentityRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	wi, err := a.loadWorkloadIdentity(r, *req.Name)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, a.workloadOut(wi))
}

func (a *api) updateWorkloadIdentity(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.UpdateWorkloadIdentityRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	is, err := a.identityStore("UpdateWorkloadIdentity")
	if err != nil {
		return err
	}
	wi, err := is.UpdateWorkloadIdentity(r.Context(), *req.Name, func(old store.WorkloadIdentity) (store.WorkloadIdentity, error) {
		old.ReturnURLs = req.AllowedResourceOauth2ReturnUrls
		return old, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return workloadNotFound(*req.Name)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusOK, a.workloadOut(wi))
}

func (a *api) deleteWorkloadIdentity(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.DeleteWorkloadIdentityRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	is, err := a.identityStore("DeleteWorkloadIdentity")
	if err != nil {
		return err
	}
	err = is.DeleteWorkloadIdentity(r.Context(), *req.Name)
	var ce *store.ConflictError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return workloadNotFound(*req.Name)
	case errors.As(err, &ce):
		return errConflict("Workload identity %s belongs to gateway %s and is deleted with it", *req.Name, *req.Name)
	case err != nil:
		return err
	}
	return a.deleted(w, r)
}

func (a *api) listWorkloadIdentities(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.ListWorkloadIdentitiesRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	is, err := a.identityStore("ListWorkloadIdentities")
	if err != nil {
		return err
	}
	items, next, err := is.ListWorkloadIdentities(r.Context(), bodyPage(req.NextToken, req.MaxResults))
	if err != nil {
		return listError(err)
	}
	out := agentcore.ListWorkloadIdentitiesResponse{WorkloadIdentities: make([]agentcore.WorkloadIdentityItem, 0, len(items))}
	for _, wi := range items {
		out.WorkloadIdentities = append(out.WorkloadIdentities, agentcore.WorkloadIdentityItem{Name: wi.Name, WorkloadIdentityArn: a.workloadARN(wi.Name)})
	}
	if next != "" {
		out.NextToken = &next
	}
	return writeJSON(w, r, http.StatusOK, out)
}

func (a *api) loadWorkloadIdentity(r *http.Request, name string) (store.WorkloadIdentity, error) {
	is, err := a.identityStore("GetWorkloadIdentity")
	if err != nil {
		return store.WorkloadIdentity{}, err
	}
	wi, err := is.GetWorkloadIdentity(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		return wi, workloadNotFound(name)
	}
	return wi, err
}

func workloadNotFound(name string) error {
	return errNotFound("Workload identity %s not found", name)
}

func (a *api) workloadOut(wi store.WorkloadIdentity) agentcore.WorkloadIdentity {
	return agentcore.WorkloadIdentity{
		Name: wi.Name, WorkloadIdentityArn: a.workloadARN(wi.Name), AllowedResourceOauth2ReturnUrls: wi.ReturnURLs,
		CreatedTime: agentcore.NewEpochSeconds(wi.CreatedAt), LastUpdatedTime: agentcore.NewEpochSeconds(wi.UpdatedAt),
	}
}

// onWorkloadIdentity resolves workload-identity operations by the name in
// the body; Create adds the request's tags, the others the identity's.
func onWorkloadIdentity(a *api, r *http.Request, body []byte) Operation {
	var in struct {
		Name string            `json:"name"`
		Tags map[string]string `json:"tags"`
	}
	_ = json.Unmarshal(body, &in)
	if in.Name == "" {
		return Operation{Resource: "*"}
	}
	op := Operation{Resource: a.workloadARN(in.Name)}
	if in.Tags != nil {
		op.RequestTags = in.Tags
	} else if is, ok := a.Store.(store.IdentityStore); ok {
		if wi, err := is.GetWorkloadIdentity(r.Context(), in.Name); err == nil {
			op.ResourceTags = wi.Tags
		}
	}
	return op
}

// ---- token vault -----------------------------------------------------------

// onTokenVault resolves token-vault operations to the vault's ARN.
func onTokenVault(a *api, _ *http.Request, body []byte) Operation {
	var in struct {
		TokenVaultID string `json:"tokenVaultId"`
	}
	_ = json.Unmarshal(body, &in)
	if in.TokenVaultID == "" {
		in.TokenVaultID = tokenvault.DefaultID
	}
	return Operation{Resource: arn.TokenVault(a.Region, a.AccountID, in.TokenVaultID)}
}

func (a *api) getTokenVault(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetTokenVaultRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if a.TokenVault == nil {
		return errUnsupported("GetTokenVault")
	}
	cfg, err := a.TokenVault.Get(r.Context(), deref(req.TokenVaultID))
	if err != nil {
		return tokenVaultError(err)
	}
	return writeJSON(w, r, http.StatusOK, tokenVaultOut(cfg))
}

func (a *api) setTokenVaultCMK(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.SetTokenVaultCMKRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if a.TokenVault == nil {
		return errUnsupported("SetTokenVaultCMK")
	}
	c := req.KmsConfiguration
	cfg, err := a.TokenVault.SetCMK(r.Context(), deref(req.TokenVaultID), string(c.KeyType), deref(c.KmsKeyArn))
	if err != nil {
		return tokenVaultError(err)
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusOK, tokenVaultOut(cfg))
}

func (a *api) resetTokenVaultKeyMaterial(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.ResetTokenVaultKeyMaterialRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if a.TokenVault == nil {
		return errUnsupported("ResetTokenVaultKeyMaterial")
	}
	cfg, err := a.TokenVault.Reset(r.Context(), *req.TokenVaultID)
	if err != nil {
		return tokenVaultError(err)
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusOK, tokenVaultOut(cfg))
}

func tokenVaultError(err error) error {
	var ie *tokenvault.InputError
	if errors.As(err, &ie) {
		return errValidation(ie.Field+": "+ie.Message, agentcore.ValidationExceptionField{Name: ie.Field, Message: ie.Message})
	}
	if errors.Is(err, tokenvault.ErrNotFound) {
		return errNotFound("%s", err.Error())
	}
	return err
}

func tokenVaultOut(c tokenvault.Config) agentcore.TokenVault {
	out := agentcore.TokenVault{
		TokenVaultID:     c.ID,
		KmsConfiguration: agentcore.KmsConfiguration{KeyType: agentcore.KeyType(c.KeyType)},
		LastModifiedDate: agentcore.NewEpochSeconds(c.LastModified),
	}
	if c.KMSKeyARN != "" {
		out.KmsConfiguration.KmsKeyArn = &c.KMSKeyARN
	}
	return out
}
