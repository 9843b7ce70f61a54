// Package identity serves the AgentCore Identity data plane (service
// bedrock-agentcore, agentcore-api.md §5, §9) on the data listener under
// /identities/, so an agent built with the AgentCore Identity SDK fetches
// its credentials from toolgate:
//
//   - GetWorkloadAccessToken, …ForJWT and …ForUserId issue workload access
//     tokens (token.go) for a workload identity;
//   - GetResourceApiKey returns an API-key provider's key, and
//     GetResourceOauth2Token (flow M2M) an OAuth2 provider's
//     client-credentials token, to the holder of a valid workload access
//     token;
//   - the user-delegated flows (USER_FEDERATION, ON_BEHALF_OF_TOKEN_EXCHANGE)
//     and CompleteResourceTokenAuth answer a clear "not supported yet".
//
// Callers authenticate with SigV4 (toolgate access keys) and are authorised
// by their IAM policies, exactly as on the control plane: the server mounts
// this handler as a controlplane.Service, which verifies the signature and
// authorises the operation on the resource Classify names. Operations that
// use a workload access token are authorised on the token's workload
// identity too (Options.Authorize).
//
// User tokens (GetWorkloadAccessTokenForJWT) are verified against a
// trusted issuer: for a gateway's workload identity, the gateway's own
// inbound authorizer (CUSTOM_JWT or AUTHENTICATE_ONLY: the same checks as a
// tool call); otherwise — and for gateways without a JWT authorizer — a
// user pool of toolgate's embedded identity provider, whose issuer the
// token names. Tokens of any other issuer are refused.
package identity

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/authn/jwtauth"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// Store is what the Identity data plane reads.
type Store interface {
	GetAPIKeyProvider(ctx context.Context, name string) (store.APIKeyProvider, error)
	GetWorkloadIdentity(ctx context.Context, name string) (store.WorkloadIdentity, error)
	GetUserPool(ctx context.Context, id string) (store.UserPool, error)
}

// Options configure the handler.
type Options struct {
	Store Store
	Vault *vault.Vault
	// TokenKey is the 32-byte key that seals workload access tokens
	// (tokenvault.WorkloadTokenKey of the root key).
	TokenKey  []byte
	Region    string
	AccountID string
	// TokenTTL is the lifetime of workload access tokens (default 1 hour).
	TokenTTL time.Duration
	// GatewayVerifier returns the inbound token verifier of a gateway, nil
	// when it has none (authorizer NONE or AWS_IAM) or does not exist.
	GatewayVerifier func(gatewayID string) authn.TokenVerifier
	// DataURL and KeySets verify tokens of the embedded identity provider's
	// pools (issuer DataURL/idp/<pool>).
	DataURL   string
	KeySets   *jwtauth.KeySets
	JWTLeeway time.Duration
	// M2MToken fetches a client-credentials token of an OAuth2 provider
	// (package cred/oauth2); nil answers the M2M flow "not supported".
	M2MToken func(ctx context.Context, provider string, scopes []string, params map[string]string) (string, error)
	// Authorize checks the authenticated caller's IAM policies for action
	// on resource (the workload identity of a workload access token). A
	// refusal must be an error for which IsDenied is true; nil allows.
	Authorize func(r *http.Request, action, resource string) error
	// IsDenied tells an authorisation refusal from a failure.
	IsDenied func(error) bool
	// RequestID returns the request id the mounting API gave the request
	// (nil: a fresh one), so answers, logs and the audit trail agree.
	RequestID func(*http.Request) string
	Logger    *slog.Logger
	Now       func() time.Time
}

// Handler serves /identities/* (with the /identities prefix stripped).
type Handler struct {
	o     Options
	codec *tokenCodec
	mux   *http.ServeMux

	mu    sync.Mutex
	pools map[string]authn.TokenVerifier // by pool id
}

// New returns the handler.
func New(o Options) (*Handler, error) {
	if o.Store == nil || o.Vault == nil {
		return nil, errors.New("identity: Store and Vault are required")
	}
	codec, err := newTokenCodec(o.TokenKey, o.AccountID)
	if err != nil {
		return nil, err
	}
	if o.TokenTTL == 0 {
		o.TokenTTL = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{o: o, codec: codec, mux: http.NewServeMux(), pools: map[string]authn.TokenVerifier{}}
	for path, fn := range map[string]func(http.ResponseWriter, *http.Request) error{
		"/GetWorkloadAccessToken":          h.getWorkloadAccessToken,
		"/GetWorkloadAccessTokenForJWT":    h.getWorkloadAccessTokenForJWT,
		"/GetWorkloadAccessTokenForUserId": h.getWorkloadAccessTokenForUserID,
		"/api-key":                         h.getResourceAPIKey,
		"/oauth2/token":                    h.getResourceOAuth2Token,
		"/CompleteResourceTokenAuth":       h.completeResourceTokenAuth,
	} {
		h.mux.HandleFunc("POST "+path, h.wrap(fn))
	}
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, newRequestID(), http.StatusNotFound, "UnknownOperationException",
			fmt.Sprintf("toolgate's Identity data plane does not implement %s /identities%s", r.Method, r.URL.Path))
	})
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// Operations names every operation by its path under /identities/.
var Operations = map[string]string{
	"/identities/GetWorkloadAccessToken":          "GetWorkloadAccessToken",
	"/identities/GetWorkloadAccessTokenForJWT":    "GetWorkloadAccessTokenForJWT",
	"/identities/GetWorkloadAccessTokenForUserId": "GetWorkloadAccessTokenForUserId",
	"/identities/api-key":                         "GetResourceApiKey",
	"/identities/oauth2/token":                    "GetResourceOauth2Token",
	"/identities/CompleteResourceTokenAuth":       "CompleteResourceTokenAuth",
}

// Classify names the operation of a request and the resource it is
// authorised on: the workload identity for the workload-token operations,
// the credential provider for the credential operations. ok is false for a
// request that names no operation (the handler refuses it).
func Classify(region, account string, r *http.Request, body []byte) (op, resource string, ok bool) {
	op, ok = Operations[r.URL.Path]
	if !ok || r.Method != http.MethodPost {
		return "", "", false
	}
	var in struct {
		WorkloadName string `json:"workloadName"`
		Provider     string `json:"resourceCredentialProviderName"`
	}
	_ = json.Unmarshal(body, &in) // the handler validates strictly
	resource = "*"
	switch {
	case strings.HasPrefix(op, "GetWorkloadAccessToken") && in.WorkloadName != "":
		resource = arn.WorkloadIdentity(region, account, in.WorkloadName)
	case op == "GetResourceApiKey" && in.Provider != "":
		resource = arn.APIKeyProvider(region, account, in.Provider)
	case op == "GetResourceOauth2Token" && in.Provider != "":
		resource = arn.OAuth2Provider(region, account, in.Provider)
	}
	return op, resource, true
}

// ---- errors ----------------------------------------------------------------

// apiError is an AWS restJson1 error of the data plane.
type apiError struct {
	status  int
	code    string
	message string
	field   string // ValidationException: the member at fault
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errValidation(field, format string, args ...any) *apiError {
	return &apiError{400, "ValidationException", fmt.Sprintf(format, args...), field}
}

func errNotFound(format string, args ...any) *apiError {
	return &apiError{404, "ResourceNotFoundException", fmt.Sprintf(format, args...), ""}
}

func errUnauthorized(msg string) *apiError {
	return &apiError{401, "UnauthorizedException", msg, ""}
}

func errDenied(format string, args ...any) *apiError {
	return &apiError{403, "AccessDeniedException", fmt.Sprintf(format, args...), ""}
}

// WriteError answers in the data plane's error encoding (that of the AWS
// SDK's restJson1 clients).
func WriteError(w http.ResponseWriter, requestID string, status int, code, message string) {
	writeError(w, requestID, &apiError{status: status, code: code, message: message})
}

func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	body := map[string]any{"message": e.message}
	if e.code == "ValidationException" {
		body["reason"] = "FieldValidationFailed"
		if e.field != "" {
			body["fieldList"] = []map[string]string{{"name": e.field, "message": e.message}}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", e.code)
	h.Set("X-Amzn-Requestid", requestID)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(body)
}

// wrap runs a handler and encodes its error; unknown errors are logged
// with the request id and answered InternalServerException.
func (h *Handler) wrap(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reqID := newRequestID()
		if h.o.RequestID != nil {
			reqID = h.o.RequestID(r)
		}
		w.Header().Set("X-Amzn-Requestid", reqID)
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		var ve *agentcore.ValidationError
		switch {
		case errors.As(err, &ae):
			h.o.Logger.Info("identity data plane: refused", "request_id", reqID, "path", r.URL.Path, "code", ae.code, "message", ae.message)
			writeError(w, reqID, ae)
		case errors.As(err, &ve):
			writeValidation(w, reqID, ve)
		default:
			h.o.Logger.Error("identity data plane: failed", "request_id", reqID, "path", r.URL.Path, "err", err)
			writeError(w, reqID, &apiError{500, "InternalServerException", "An internal error occurred. Check the toolgate log for the request id.", ""})
		}
	}
}

func writeValidation(w http.ResponseWriter, reqID string, ve *agentcore.ValidationError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", "ValidationException")
	h.Set("X-Amzn-Requestid", reqID)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(ve.Body())
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// maxBody bounds a request: the largest member is a 128 KiB token.
const maxBody = 512 << 10

func decode(r *http.Request, req agentcore.Validator) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return errValidation("", "request body unreadable or larger than %d bytes", maxBody)
	}
	return agentcore.DecodeRequest(body, req)
}

func writeJSON(w http.ResponseWriter, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
	return nil
}

// ---- workload access tokens ------------------------------------------------

// workload loads a workload identity by name.
func (h *Handler) workload(ctx context.Context, name string) (store.WorkloadIdentity, error) {
	wi, err := h.o.Store.GetWorkloadIdentity(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return wi, errNotFound("Workload identity %s not found", name)
	}
	return wi, err
}

func (h *Handler) issue(w http.ResponseWriter, cl claims, notAfter time.Time) error {
	now := h.o.Now()
	exp := now.Add(h.o.TokenTTL)
	if !notAfter.IsZero() && notAfter.Before(exp) {
		exp = notAfter
	}
	cl.IssuedAt, cl.Expires = now.Unix(), exp.Unix()
	tok, err := h.codec.seal(cl)
	if err != nil {
		return err
	}
	return writeJSON(w, agentcore.WorkloadAccessTokenResponse{WorkloadAccessToken: tok})
}

func (h *Handler) getWorkloadAccessToken(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetWorkloadAccessTokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if _, err := h.workload(r.Context(), *req.WorkloadName); err != nil {
		return err
	}
	return h.issue(w, claims{Workload: *req.WorkloadName}, time.Time{})
}

func (h *Handler) getWorkloadAccessTokenForUserID(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetWorkloadAccessTokenForUserIdRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if _, err := h.workload(r.Context(), *req.WorkloadName); err != nil {
		return err
	}
	return h.issue(w, claims{Workload: *req.WorkloadName, UserID: *req.UserID}, time.Time{})
}

func (h *Handler) getWorkloadAccessTokenForJWT(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetWorkloadAccessTokenForJWTRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	wi, err := h.workload(r.Context(), *req.WorkloadName)
	if err != nil {
		return err
	}
	issuer, verifier, err := h.verifierFor(r.Context(), wi, *req.UserToken)
	if err != nil {
		return err
	}
	p, ref := verifier.Verify(r.Context(), *req.UserToken)
	if ref != nil {
		h.o.Logger.Info("identity data plane: user token refused", "workload", wi.Name, "issuer", issuer, "diagnosis", ref.Diagnosis)
		return errUnauthorized("The user token is not valid for workload identity " + wi.Name + ": " + ref.Description)
	}
	return h.issue(w, claims{Workload: wi.Name, UserID: p.UserID(), Issuer: issuer}, p.ExpiresAt)
}

// verifierFor picks the verifier a workload's user tokens are checked with:
// the inbound authorizer of the workload's gateway when it verifies JWTs,
// else the embedded identity provider's pool that the token names as its
// issuer.
func (h *Handler) verifierFor(ctx context.Context, wi store.WorkloadIdentity, token string) (string, authn.TokenVerifier, error) {
	if wi.GatewayID != "" && h.o.GatewayVerifier != nil {
		if v := h.o.GatewayVerifier(wi.GatewayID); v != nil {
			return "gateway:" + wi.GatewayID, v, nil
		}
	}
	iss := unverifiedIssuer(token)
	prefix := strings.TrimSuffix(h.o.DataURL, "/") + "/idp/"
	poolID, ok := strings.CutPrefix(iss, prefix)
	if h.o.DataURL == "" || h.o.KeySets == nil || !ok || poolID == "" || strings.Contains(poolID, "/") {
		return "", nil, errUnauthorized("The user token's issuer is not trusted: workload identity " + wi.Name +
			" accepts tokens of its gateway's JWT authorizer or of a user pool of toolgate's identity provider (" + prefix + "<pool id>)")
	}
	if _, err := h.o.Store.GetUserPool(ctx, poolID); errors.Is(err, store.ErrNotFound) {
		return "", nil, errUnauthorized("The user token names the issuer of user pool " + poolID + ", which does not exist")
	} else if err != nil {
		return "", nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	v := h.pools[poolID]
	if v == nil {
		du := idp.DiscoveryURL(strings.TrimSuffix(h.o.DataURL, "/"), poolID)
		cfg := &agentcore.AuthorizerConfiguration{CustomJWTAuthorizer: &agentcore.CustomJWTAuthorizerConfiguration{DiscoveryURL: &du}}
		var err error
		if v, err = catalog.NewJWTVerifier(h.o.KeySets, agentcore.AuthorizerTypeAuthenticateOnly, cfg, h.o.JWTLeeway); err != nil {
			return "", nil, err
		}
		h.pools[poolID] = v
	}
	return iss, v, nil
}

// unverifiedIssuer reads the iss claim of a JWT without verifying it, only
// to choose the verifier that then checks everything.
func unverifiedIssuer(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	_ = json.Unmarshal(raw, &c)
	return c.Iss
}

// ---- resource credentials --------------------------------------------------

// holder checks a workload access token: valid, unexpired, of an existing
// workload identity the caller may act for.
func (h *Handler) holder(r *http.Request, op, token string) (claims, store.WorkloadIdentity, error) {
	cl, err := h.codec.open(token, h.o.Now())
	if err != nil {
		var bt errBadToken
		if errors.As(err, &bt) {
			return cl, store.WorkloadIdentity{}, errUnauthorized(bt.Error())
		}
		return cl, store.WorkloadIdentity{}, err
	}
	wi, err := h.o.Store.GetWorkloadIdentity(r.Context(), cl.Workload)
	if errors.Is(err, store.ErrNotFound) {
		return cl, wi, errUnauthorized("The workload access token's workload identity " + cl.Workload + " no longer exists")
	}
	if err != nil {
		return cl, wi, err
	}
	if h.o.Authorize != nil {
		res := arn.WorkloadIdentity(h.o.Region, h.o.AccountID, wi.Name)
		if err := h.o.Authorize(r, "bedrock-agentcore:"+op, res); err != nil {
			if h.o.IsDenied != nil && h.o.IsDenied(err) {
				return cl, wi, errDenied("You are not authorized to perform bedrock-agentcore:%s on %s", op, res)
			}
			return cl, wi, err
		}
	}
	return cl, wi, nil
}

func (h *Handler) getResourceAPIKey(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetResourceApiKeyRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	cl, _, err := h.holder(r, "GetResourceApiKey", *req.WorkloadIdentityToken)
	if err != nil {
		return err
	}
	name := *req.ResourceCredentialProviderName
	p, err := h.o.Store.GetAPIKeyProvider(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("API-key credential provider %s not found", name)
	}
	if err != nil {
		return err
	}
	key, err := h.o.Vault.Open(catalog.APIKeyAAD(name), p.SealedKey)
	if err != nil {
		return fmt.Errorf("open the key of API-key provider %s: %w", name, err)
	}
	h.o.Logger.Debug("identity data plane: API key handed out", "provider", name, "workload", cl.Workload, "user", cl.UserID != "")
	return writeJSON(w, agentcore.GetResourceApiKeyResponse{APIKey: string(key)})
}

func (h *Handler) getResourceOAuth2Token(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.GetResourceOauth2TokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	switch req.Oauth2Flow {
	case agentcore.Oauth2FlowUserFederation, agentcore.Oauth2FlowOnBehalfOfTokenExchange:
		return errValidation("oauth2Flow", "oauth2Flow %s is not supported by toolgate yet; only M2M (client credentials) is", req.Oauth2Flow)
	}
	cl, wi, err := h.holder(r, "GetResourceOauth2Token", *req.WorkloadIdentityToken)
	if err != nil {
		return err
	}
	if u := req.ResourceOauth2ReturnURL; u != nil && !contains(wi.ReturnURLs, *u) {
		return errValidation("resourceOauth2ReturnUrl", "is not in the allowedResourceOauth2ReturnUrls of workload identity %s", wi.Name)
	}
	if h.o.M2MToken == nil {
		return errValidation("oauth2Flow", "OAuth2 credential providers are not supported by this toolgate yet")
	}
	for k := range req.CustomParameters {
		if oauth2.ReservedParameter(k) {
			return errValidation("customParameters", "custom parameter %s is set by the client-credentials grant itself and cannot be overridden", k)
		}
	}
	name := *req.ResourceCredentialProviderName
	tok, err := h.o.M2MToken(r.Context(), name, req.Scopes, req.CustomParameters)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("OAuth2 credential provider %s not found", name)
	}
	if err != nil {
		return tokenRefusal(h.o.Logger, name, cl.Workload, err)
	}
	return writeJSON(w, agentcore.GetResourceOauth2TokenResponse{AccessToken: &tok})
}

// tokenRefusal is what the caller of GetResourceOauth2Token gets when no
// token came: the public text of a token-endpoint failure (never the token
// endpoint's address or transport detail, which Error carries for the
// log), else an internal error (a store or vault failure is no business of
// the caller's).
func tokenRefusal(log *slog.Logger, provider, workload string, err error) error {
	var pe cred.PublicError
	if !errors.As(err, &pe) {
		return fmt.Errorf("token of OAuth2 credential provider %s: %w", provider, err)
	}
	log.Warn("identity data plane: no token from the provider's token endpoint", "provider", provider, "workload", workload, "err", err)
	return errDenied("%s", pe.Public())
}

func (h *Handler) completeResourceTokenAuth(w http.ResponseWriter, r *http.Request) error {
	var req agentcore.CompleteResourceTokenAuthRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	return errValidation("sessionUri", "CompleteResourceTokenAuth is not supported by toolgate yet: it completes USER_FEDERATION (authorization code) sessions, which toolgate does not start")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
