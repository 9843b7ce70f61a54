package controlplane

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/store"
)

// gatewayConfig is what store.Gateway.Config holds: every member a user can
// set (the UpdateGateway shape is a superset of Create's, minus tags).
type gatewayConfig struct {
	agentcore.UpdateGatewayRequest
	Tags map[string]string `json:"tags,omitempty"`
}

func (a *api) createGateway(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.CreateGatewayRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	cfg := gatewayConfig{
		UpdateGatewayRequest: agentcore.UpdateGatewayRequest{
			Name: req.Name, Description: req.Description, RoleArn: req.RoleArn,
			ProtocolType: req.ProtocolType, ProtocolConfiguration: req.ProtocolConfiguration,
			AuthorizerType: req.AuthorizerType, AuthorizerConfiguration: req.AuthorizerConfiguration,
			KmsKeyArn: req.KmsKeyArn, InterceptorConfigurations: req.InterceptorConfigurations,
			PolicyEngineConfiguration: req.PolicyEngineConfiguration, ExceptionLevel: req.ExceptionLevel,
		},
		Tags: req.Tags,
	}
	if err := checkGatewaySupport(&cfg.UpdateGatewayRequest); err != nil {
		return err
	}
	if cfg.ProtocolType == "" {
		cfg.ProtocolType = agentcore.GatewayProtocolTypeMCP
	}
	raw, hash, err := canonical(cfg)
	if err != nil {
		return err
	}
	token := deref(req.ClientToken)
	if token != "" {
		if prev, err := a.Store.GetGatewayByClientToken(r.Context(), token); err == nil {
			return a.replayGateway(w, r, prev, hash)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	now := a.Now().UTC()
	op, _ := OperationFrom(r.Context())
	id := op.newID // the ARN the caller was authorised to create
	g, err := a.Store.CreateGateway(r.Context(), store.Gateway{
		ID:            id,
		Name:          *req.Name,
		ARN:           arn.Gateway(a.Region, a.AccountID, id),
		Status:        string(agentcore.GatewayStatusReady),
		StatusReasons: gatewayWarnings(&cfg.UpdateGatewayRequest),
		ClientToken:   token,
		RequestHash:   hash,
		Config:        raw,
		CreatedAt:     now,
		UpdatedAt:     now,
	})
	var ce *store.ConflictError
	if errors.As(err, &ce) && ce.Field == "clientToken" {
		// Lost a race with an identical request: answer like a replay.
		if prev, err := a.Store.GetGatewayByClientToken(r.Context(), token); err == nil {
			return a.replayGateway(w, r, prev, hash)
		}
	}
	if errors.As(err, &ce) && ce.Field == "name" {
		return errConflict("A gateway named %q already exists", *req.Name)
	}
	if errors.As(err, &ce) && ce.Field == "workloadIdentity" {
		return errConflict("The workload identity name %q of the new gateway is taken; try again", id)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusAccepted, a.gatewayOut(g))
}

// replayGateway answers a repeated CreateGateway with the same clientToken:
// the same request gets the gateway it created; a different one is refused.
// newGatewayID makes the id of a new gateway: its name in lower case and
// ten random characters, as AgentCore's ids look.
func newGatewayID(name string) string {
	return strings.ToLower(name) + "-" + randomLowerAlnum(10)
}

func (a *api) replayGateway(w http.ResponseWriter, r *http.Request, prev store.Gateway, hash string) error {
	if prev.RequestHash != hash {
		return agentcore.IdempotentParameterMismatch()
	}
	return writeJSON(w, r, http.StatusAccepted, a.gatewayOut(prev))
}

func (a *api) getGateway(w http.ResponseWriter, r *http.Request) error {
	g, err := a.loadGateway(r)
	if err != nil {
		return err
	}
	return writeJSON(w, r, http.StatusOK, a.gatewayOut(g))
}

func (a *api) updateGateway(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.UpdateGatewayRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if err := checkGatewaySupport(&req); err != nil {
		return err
	}
	if req.ProtocolType == "" {
		req.ProtocolType = agentcore.GatewayProtocolTypeMCP
	}
	id := r.PathValue("gatewayIdentifier")
	if err := a.checkSemanticTargets(r.Context(), id, &req); err != nil {
		return err
	}
	g, err := a.Store.UpdateGateway(r.Context(), id, func(old store.Gateway) (store.Gateway, error) {
		var prev gatewayConfig
		if err := json.Unmarshal(old.Config, &prev); err != nil {
			return old, err
		}
		raw, _, err := canonical(gatewayConfig{UpdateGatewayRequest: req, Tags: prev.Tags})
		if err != nil {
			return old, err
		}
		old.Name = *req.Name
		old.Config = raw
		old.Status = string(agentcore.GatewayStatusReady)
		old.StatusReasons = gatewayWarnings(&req)
		old.UpdatedAt = a.Now().UTC()
		return old, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("Gateway %s not found", id)
	}
	var ce *store.ConflictError
	if errors.As(err, &ce) && ce.Field == "name" {
		return errConflict("A gateway named %q already exists", *req.Name)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusAccepted, a.gatewayOut(g))
}

func (a *api) deleteGateway(w http.ResponseWriter, r *http.Request) error {
	g, err := a.loadGateway(r)
	if err != nil {
		return err
	}
	err = a.Store.DeleteGateway(r.Context(), g.ID)
	var ce *store.ConflictError
	if errors.As(err, &ce) && ce.Field == "targets" {
		return errConflict("Gateway %s still has targets; delete them before deleting the gateway", g.ID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("Gateway %s not found", g.ID)
	}
	if err != nil {
		return err
	}
	a.afterWrite(r.Context())
	return writeJSON(w, r, http.StatusAccepted, agentcore.DeleteGatewayResponse{
		GatewayID: g.ID, Status: agentcore.GatewayStatusDeleting,
	})
}

func (a *api) listGateways(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := a.Store.ListGateways(r.Context(), page)
	if err != nil {
		return listError(err)
	}
	out := agentcore.ListGatewaysResponse{Items: make([]agentcore.GatewaySummary, 0, len(items))}
	for _, g := range items {
		var cfg gatewayConfig
		if err := json.Unmarshal(g.Config, &cfg); err != nil {
			return err
		}
		out.Items = append(out.Items, agentcore.GatewaySummary{
			GatewayID: g.ID, Name: g.Name, Status: agentcore.GatewayStatus(g.Status),
			Description: cfg.Description, CreatedAt: agentcore.NewDateTime(g.CreatedAt), UpdatedAt: agentcore.NewDateTime(g.UpdatedAt),
			AuthorizerType: cfg.AuthorizerType, ProtocolType: cfg.ProtocolType,
		})
	}
	if next != "" {
		out.NextToken = &next
	}
	return writeJSON(w, r, http.StatusOK, out)
}

func (a *api) loadGateway(r *http.Request) (store.Gateway, error) {
	id := r.PathValue("gatewayIdentifier")
	g, err := a.Store.GetGateway(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return g, errNotFound("Gateway %s not found", id)
	}
	return g, err
}

// gatewayOut builds the Gateway response shape from a stored gateway.
func (a *api) gatewayOut(g store.Gateway) agentcore.Gateway {
	var cfg gatewayConfig
	_ = json.Unmarshal(g.Config, &cfg) // written by us; validated on the way in
	url := a.GatewayURL(g.ID)
	return agentcore.Gateway{
		GatewayArn: g.ARN, GatewayID: g.ID, GatewayURL: &url,
		CreatedAt: agentcore.NewDateTime(g.CreatedAt), UpdatedAt: agentcore.NewDateTime(g.UpdatedAt),
		Status: agentcore.GatewayStatus(g.Status), StatusReasons: g.StatusReasons,
		Name: g.Name, Description: cfg.Description, RoleArn: cfg.RoleArn,
		ProtocolType: cfg.ProtocolType, ProtocolConfiguration: cfg.ProtocolConfiguration,
		AuthorizerType: cfg.AuthorizerType, AuthorizerConfiguration: cfg.AuthorizerConfiguration,
		KmsKeyArn: cfg.KmsKeyArn, CustomTransformConfiguration: cfg.CustomTransformConfiguration,
		InterceptorConfigurations: cfg.InterceptorConfigurations, PolicyEngineConfiguration: cfg.PolicyEngineConfiguration,
		ExceptionLevel: cfg.ExceptionLevel, WafConfiguration: cfg.WafConfiguration,
		// The store creates it with the gateway, named after its id.
		WorkloadIdentityDetails: &agentcore.WorkloadIdentityDetails{WorkloadIdentityArn: a.workloadARN(g.ID)},
	}
}

// checkGatewaySupport refuses configuration this release accepts on the
// wire but cannot honour, naming the member, instead of storing a gateway
// that silently ignores it.
func checkGatewaySupport(c *agentcore.UpdateGatewayRequest) error {
	var fields []agentcore.ValidationExceptionField
	no := func(name, what string) {
		fields = append(fields, agentcore.ValidationExceptionField{Name: name, Message: what + " is not supported by this toolgate release yet"})
	}
	if len(c.InterceptorConfigurations) > 0 {
		no("interceptorConfigurations", "gateway interceptors")
	}
	if c.PolicyEngineConfiguration != nil {
		no("policyEngineConfiguration", "policy engines")
	}
	if c.CustomTransformConfiguration != nil {
		no("customTransformConfiguration", "custom transforms")
	}
	if c.WafConfiguration != nil {
		no("wafConfiguration", "AWS WAF")
	}
	if len(fields) == 0 {
		return nil
	}
	return errValidation("The request uses features this toolgate release does not support yet", fields...)
}

// gatewayWarnings are the statusReasons a READY gateway carries.
func gatewayWarnings(c *agentcore.UpdateGatewayRequest) []string {
	switch c.AuthorizerType {
	case agentcore.AuthorizerTypeNone:
		return []string{"authorizerType NONE: anyone who can reach the data plane can list and call this gateway's tools"}
	case agentcore.AuthorizerTypeAWSIAM:
		return []string{"authorizerType AWS_IAM: requests must be SigV4-signed (service bedrock-agentcore) with a toolgate access key; until IAM policies are supported every active key may invoke"}
	}
	return nil
}

// canonical returns the JSON of v and its SHA-256, the idempotency
// fingerprint of a create request (clientToken itself excluded).
func canonical(v any) ([]byte, string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(raw)
	return raw, hex.EncodeToString(sum[:]), nil
}

// bodyPage is the store page a List request body asks for: after its
// nextToken, maxResults items, 10 (the service default) when unset.
func bodyPage(nextToken *string, maxResults *int32) store.Page {
	page := store.Page{After: deref(nextToken), Limit: 10}
	if maxResults != nil {
		page.Limit = int(*maxResults)
	}
	return page
}

// deleted answers a successful Delete: 204 and no body, after the change
// has been announced.
func (a *api) deleted(w http.ResponseWriter, r *http.Request) error {
	a.afterWrite(r.Context())
	w.Header().Set("X-Amzn-Requestid", requestID(r))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pageParams reads the maxResults/nextToken query parameters (validated as
// the contract states) into a store page.
func pageParams(r *http.Request) (store.Page, error) {
	pq, err := agentcore.ParsePageQuery(r.URL.Query())
	if err != nil {
		return store.Page{}, err
	}
	p := store.Page{After: deref(pq.NextToken)}
	if pq.MaxResults != nil {
		p.Limit = int(*pq.MaxResults)
	}
	return p, nil
}

// listError turns a store's cursor complaint into a ValidationException.
func listError(err error) error {
	if errors.Is(err, store.ErrInvalidCursor) {
		return errValidation("Invalid nextToken", agentcore.ValidationExceptionField{Name: "nextToken", Message: "is not a token returned by a previous call"})
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		v, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

func randomLowerAlnum(n int) string { return randomFrom("abcdefghijklmnopqrstuvwxyz0123456789", n) }
