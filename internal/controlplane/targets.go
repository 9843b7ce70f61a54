package controlplane

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/target"
)

// targetConfig is what store.Target.Config holds: the UpdateGatewayTarget
// shape (name and description included).
type targetConfig = agentcore.UpdateGatewayTargetRequest

func (a *api) createTarget(w http.ResponseWriter, r *http.Request) error {
	g, err := a.loadGateway(r)
	if err != nil {
		return err
	}
	var req agentcore.CreateGatewayTargetRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	cfg := targetConfig{
		Name: req.Name, Description: req.Description, TargetConfiguration: req.TargetConfiguration,
		CredentialProviderConfigurations: req.CredentialProviderConfigurations,
		MetadataConfiguration:            req.MetadataConfiguration, PrivateEndpoint: req.PrivateEndpoint,
		CertificateConfigurations: req.CertificateConfigurations,
	}
	if cfg.Name == nil {
		// Optional in the SDK (§6.6) but every response carries one.
		name := "target-" + randomLowerAlnum(8)
		cfg.Name = &name
	}
	warnings, docs, err := a.checkTarget(r, g, &cfg)
	if err != nil {
		return err
	}
	raw, hash, err := storedConfig(cfg, docs) // targets_s3.go
	if err != nil {
		return err
	}
	token := deref(req.ClientToken)
	if token != "" {
		if prev, err := a.Store.GetTargetByClientToken(r.Context(), g.ID, token); err == nil {
			return a.replayTarget(w, r, g, prev, hash)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	now := a.Now().UTC()
	t, err := a.Store.CreateTarget(r.Context(), store.Target{
		GatewayID: g.ID, ID: randomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10), Name: *cfg.Name,
		Status: string(agentcore.TargetStatusReady), StatusReasons: warnings,
		ClientToken: token, RequestHash: hash, Config: raw, CreatedAt: now, UpdatedAt: now,
	})
	var ce *store.ConflictError
	if errors.As(err, &ce) && ce.Field == "clientToken" {
		if prev, err := a.Store.GetTargetByClientToken(r.Context(), g.ID, token); err == nil {
			return a.replayTarget(w, r, g, prev, hash)
		}
	}
	if errors.As(err, &ce) && ce.Field == "name" {
		return errConflict("Gateway %s already has a target named %q", g.ID, *cfg.Name)
	}
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("Gateway %s not found", g.ID)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusAccepted, targetOut(g, t))
}

func (a *api) replayTarget(w http.ResponseWriter, r *http.Request, g store.Gateway, prev store.Target, hash string) error {
	if prev.RequestHash != hash {
		return agentcore.IdempotentParameterMismatch()
	}
	return writeJSON(w, r, http.StatusAccepted, targetOut(g, prev))
}

// checkTarget fetches the target's S3 documents as gateway g's role
// (targets_s3.go), converts the target exactly as the data plane will and
// checks its credential provider, so a target that is accepted is one that
// serves. It returns the conversion warnings for statusReasons and the
// fetched documents.
func (a *api) checkTarget(r *http.Request, g store.Gateway, cfg *targetConfig) ([]string, catalog.Documents, error) {
	if err := checkDynamicOnGateway(g, cfg.TargetConfiguration); err != nil {
		return nil, nil, err
	}
	// Credentials first: listing an MCP server's tools uses them.
	if err := a.checkCredentials(r, cfg.CredentialProviderConfigurations); err != nil {
		return nil, nil, err
	}
	docs, err := a.fetchDocuments(r.Context(), g, cfg)
	if err != nil {
		return nil, nil, err
	}
	_, warnings, err := catalog.OpenTargetWith(cfg.TargetConfiguration, docs, target.Env{})
	var fe *catalog.FieldError
	if errors.As(err, &fe) {
		return nil, nil, errValidation("The target configuration cannot be used: "+fe.Message,
			agentcore.ValidationExceptionField{Name: fe.Field, Message: fe.Message})
	}
	if err != nil {
		return nil, nil, err
	}
	var fields []agentcore.ValidationExceptionField
	if cfg.PrivateEndpoint != nil {
		fields = append(fields, agentcore.ValidationExceptionField{Name: "privateEndpoint", Message: "private endpoints are not supported by this toolgate release yet"})
	}
	if len(cfg.CertificateConfigurations) > 0 {
		fields = append(fields, agentcore.ValidationExceptionField{Name: "certificateConfigurations", Message: "private CA certificates are not supported by this toolgate release yet"})
	}
	if cfg.MetadataConfiguration != nil {
		fields = append(fields, agentcore.ValidationExceptionField{Name: "metadataConfiguration", Message: "header and query propagation is not supported by this toolgate release yet"})
	}
	if len(fields) > 0 {
		return nil, nil, errValidation("The request uses features this toolgate release does not support yet", fields...)
	}
	// Resource URIs this target loses to another (targets_resources.go).
	warnings = append(warnings, a.resourceClashes(r.Context(), g, r.PathValue("targetId"), deref(cfg.Name), cfg.TargetConfiguration, docs)...)
	out := make([]string, 0, len(warnings))
	for _, w := range warnings {
		out = append(out, w.String())
	}
	if len(out) > 100 { // statusReasons holds at most 100 items (§6.1)
		n := len(out) - 99
		out = append(out[:99], "…and "+strconv.Itoa(n)+" more conversion warnings")
	}
	return out, docs, nil
}

func (a *api) checkCredentials(r *http.Request, cpcs []agentcore.CredentialProviderConfiguration) error {
	if len(cpcs) == 0 {
		return nil
	}
	const base = "credentialProviderConfigurations[0]"
	c := cpcs[0]
	switch c.CredentialProviderType {
	case agentcore.CredentialProviderTypeAPIKey:
	case agentcore.CredentialProviderTypeGatewayIAMRole:
		// Request validation matched the provider to the target kind
		// (§7.5, §11.9); the role is the gateway's roleArn, which every
		// gateway has, so there is nothing to look up.
		return nil
	case agentcore.CredentialProviderTypeOAuth:
		return a.checkOAuthCredential(r, base, c) // oauth2providers.go
	default:
		return errValidation("Unsupported credential provider type",
			agentcore.ValidationExceptionField{Name: base + ".credentialProviderType", Message: string(c.CredentialProviderType) + " is not supported by this toolgate release yet; use API_KEY, OAUTH or GATEWAY_IAM_ROLE, or omit credentialProviderConfigurations"})
	}
	if c.CredentialProvider == nil || c.CredentialProvider.APIKeyCredentialProvider == nil {
		return errValidation("API_KEY needs an apiKeyCredentialProvider",
			agentcore.ValidationExceptionField{Name: base + ".credentialProvider.apiKeyCredentialProvider", Message: "is required when credentialProviderType is API_KEY"})
	}
	field := base + ".credentialProvider.apiKeyCredentialProvider.providerArn"
	name, err := arn.APIKeyProviderName(deref(c.CredentialProvider.APIKeyCredentialProvider.ProviderArn))
	if err != nil {
		return errValidation("Invalid providerArn", agentcore.ValidationExceptionField{Name: field, Message: err.Error()})
	}
	if _, err := a.Store.GetAPIKeyProvider(r.Context(), name); errors.Is(err, store.ErrNotFound) {
		return errValidation("Credential provider not found", agentcore.ValidationExceptionField{Name: field, Message: "no API-key credential provider named " + name + " exists"})
	} else if err != nil {
		return err
	}
	return nil
}

func (a *api) getTarget(w http.ResponseWriter, r *http.Request) error {
	g, t, err := a.loadTarget(r)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, targetOut(g, t))
}

func (a *api) updateTarget(w http.ResponseWriter, r *http.Request) error {
	g, err := a.loadGateway(r)
	if err != nil {
		return err
	}
	var req agentcore.UpdateGatewayTargetRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	targetID := r.PathValue("targetId")
	if req.Name == nil {
		// Name is optional on update; keep the current one.
		cur, err := a.Store.GetTarget(r.Context(), g.ID, targetID)
		if errors.Is(err, store.ErrNotFound) {
			return errNotFound("Target %s not found in gateway %s", targetID, g.ID)
		} else if err != nil {
			return err
		}
		req.Name = &cur.Name
	}
	// Checks read the store, so they run before the write transaction.
	warnings, docs, err := a.checkTarget(r, g, &req)
	if err != nil {
		return err
	}
	raw, _, err := storedConfig(req, docs)
	if err != nil {
		return err
	}
	t, err := a.Store.UpdateTarget(r.Context(), g.ID, targetID, func(old store.Target) (store.Target, error) {
		old.Name, old.Config, old.Status, old.StatusReasons = *req.Name, raw, string(agentcore.TargetStatusReady), warnings
		old.UpdatedAt = a.Now().UTC()
		return old, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("Target %s not found in gateway %s", targetID, g.ID)
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) && ce.Field == "name" {
		return errConflict("Gateway %s already has a target named %q", g.ID, deref(req.Name))
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusAccepted, targetOut(g, t))
}

func (a *api) deleteTarget(w http.ResponseWriter, r *http.Request) error {
	g, t, err := a.loadTarget(r)
	if err != nil {
		return err
	}
	if err := a.Store.DeleteTarget(r.Context(), g.ID, t.ID); errors.Is(err, store.ErrNotFound) {
		return errNotFound("Target %s not found in gateway %s", t.ID, g.ID)
	} else if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusAccepted, agentcore.DeleteGatewayTargetResponse{
		GatewayArn: g.ARN, TargetID: t.ID, Status: agentcore.TargetStatusDeleting,
	})
}

func (a *api) listTargets(w http.ResponseWriter, r *http.Request) error {
	g, err := a.loadGateway(r)
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := a.Store.ListTargets(r.Context(), g.ID, page)
	if err != nil {
		return listError(err)
	}
	out := agentcore.ListGatewayTargetsResponse{Items: make([]agentcore.TargetSummary, 0, len(items))}
	for _, t := range items {
		var cfg targetConfig
		_ = json.Unmarshal(catalog.WithoutDocuments(t.Config), &cfg)
		out.Items = append(out.Items, agentcore.TargetSummary{
			TargetID: t.ID, Name: t.Name, Status: agentcore.TargetStatus(t.Status), Description: cfg.Description,
			CreatedAt: agentcore.NewDateTime(t.CreatedAt), UpdatedAt: agentcore.NewDateTime(t.UpdatedAt),
			LastSynchronizedAt: lastSync(t), TargetType: targetType(&cfg),
		})
	}
	if next != "" {
		out.NextToken = &next
	}
	return writeJSON(w, r, http.StatusOK, out)
}

// synchronizeTargets is in targets_s3.go.

func (a *api) loadTarget(r *http.Request) (store.Gateway, store.Target, error) {
	g, err := a.loadGateway(r)
	if err != nil {
		return g, store.Target{}, err
	}
	id := r.PathValue("targetId")
	t, err := a.Store.GetTarget(r.Context(), g.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return g, t, errNotFound("Target %s not found in gateway %s", id, g.ID)
	}
	return g, t, err
}

func targetOut(g store.Gateway, t store.Target) agentcore.GatewayTarget {
	var cfg targetConfig
	_ = json.Unmarshal(catalog.WithoutDocuments(t.Config), &cfg) // written by us, validated on the way in
	return agentcore.GatewayTarget{
		GatewayArn: g.ARN, TargetID: t.ID,
		CreatedAt: agentcore.NewDateTime(t.CreatedAt), UpdatedAt: agentcore.NewDateTime(t.UpdatedAt),
		Status: agentcore.TargetStatus(t.Status), StatusReasons: t.StatusReasons,
		Name: t.Name, Description: cfg.Description, TargetConfiguration: cfg.TargetConfiguration,
		CredentialProviderConfigurations: cfg.CredentialProviderConfigurations,
		LastSynchronizedAt:               lastSync(t), MetadataConfiguration: cfg.MetadataConfiguration,
		PrivateEndpoint: cfg.PrivateEndpoint, CertificateConfigurations: cfg.CertificateConfigurations,
		ProtocolType: agentcore.TargetProtocolTypeMCP,
	}
}

func lastSync(t store.Target) *agentcore.DateTime {
	if t.LastSynchronizedAt.IsZero() {
		return nil
	}
	d := agentcore.NewDateTime(t.LastSynchronizedAt)
	return &d
}

func targetType(cfg *targetConfig) agentcore.TargetType {
	if tc := cfg.TargetConfiguration; tc != nil && tc.MCP != nil {
		m := tc.MCP
		switch {
		case m.OpenAPISchema != nil:
			return agentcore.TargetTypeOpenAPISchema
		case m.SmithyModel != nil:
			return agentcore.TargetTypeSmithyModel
		case m.Lambda != nil:
			return agentcore.TargetTypeLambda
		case m.MCPServer != nil:
			return agentcore.TargetTypeMCPServer
		}
	}
	return ""
}
