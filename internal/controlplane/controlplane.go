// Package controlplane serves the AgentCore control API (service
// bedrock-agentcore-control, restJson1) so AWS SDKs, boto3 and the AWS CLI
// manage toolgate with only an endpoint override: gateways, gateway targets
// and API-key credential providers in this release.
//
// Every request is authenticated with SigV4 against toolgate's access keys.
// Handlers decode strictly (unknown or malformed members are a
// ValidationException naming the member), write through the store in one
// transaction, and encode errors in AWS's shape in one place (errors.go).
package controlplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/authn/sigv4"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/tokenvault"
	"github.com/toolgate/toolgate/internal/vault"
)

// SigningName is the SigV4 service name AgentCore clients sign with (§1.1).
const SigningName = "bedrock-agentcore"

// maxBody bounds a control-plane request body: the largest legitimate one is
// an inline OpenAPI schema (1 MB quota, §11.13) plus its JSON envelope.
const maxBody = 2 << 20

// Options configure the control plane.
type Options struct {
	Store     store.Store
	Vault     *vault.Vault
	Keys      *iam.Keyring
	Region    string
	AccountID string
	// GatewayURL returns a gateway's gatewayUrl (package address).
	GatewayURL func(gatewayID string) string
	Logger     *slog.Logger
	// AfterWrite, if set, runs after every successful mutation before the
	// response is written (the server uses it to refresh the catalog so a
	// change is visible to MCP clients as soon as the call returns).
	AfterWrite func(ctx context.Context)
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Services are further AWS APIs served on the control plane under a
	// path prefix (DESIGN §2.2), each verified with its own SigV4 signing
	// name, such as the Cognito user-pool API at /cognito-idp/.
	Services []Service
	// Authorizer decides every operation by the caller's IAM policies. Nil:
	// one reading the Store's policies when it keeps them (store.IAMStore),
	// else one that allows only the root principal.
	Authorizer *iam.Authorizer
	// TrustForwardedHeaders makes aws:SourceIp and aws:SecureTransport come
	// from X-Forwarded-For / X-Forwarded-Proto (only behind a proxy the
	// operator runs, which sets them).
	TrustForwardedHeaders bool
	// Audit, if set, receives one event per request (audit.go).
	Audit Auditor
	// TokenVault answers the token-vault operations (workloads.go); nil
	// answers them "not supported".
	TokenVault *tokenvault.Manager
	// DiscoveryClient fetches OAuth2 providers' discovery documents when
	// they are created or updated (nil: http.DefaultClient). Like identity
	// providers, authorization servers are chosen by operators and may be
	// on private networks.
	DiscoveryClient *http.Client
	// DataURL is the public data-plane URL, the base of OAuth2 providers'
	// callbackUrl.
	DataURL string
	// AWS gives gateways their execution role to read targets' documents
	// from S3 (targets_s3.go); nil refuses such targets with an explanation.
	AWS *awsiam.Provider
	// TargetEnv gives MCP-server targets the egress client and outbound
	// credential to list their tools with (targets_mcpserver.go); nil lists
	// them without either.
	TargetEnv TargetEnvFunc
}

// Service is another AWS API mounted on the control plane.
type Service struct {
	Prefix      string // e.g. "/cognito-idp/"
	SigningName string // e.g. "cognito-idp"
	Handler     http.Handler
	// Classify names the operation a request asks for, for authorisation
	// and audit; body is the request body (the handler can read it again).
	// false: the request names no operation of the service, and the
	// handler refuses it. Required.
	Classify func(r *http.Request, body []byte) (Operation, bool)
	// WriteError answers in the service's own error encoding (refusals and
	// failures of the control plane's own steps). Required.
	WriteError func(w http.ResponseWriter, requestID string, status int, code, message string)
}

type api struct {
	Options
	verifier *sigv4.Verifier
	// routeNames and routeMux name AgentCore routes for audit (noteRoute).
	routeNames map[string]string
	routeMux   *http.ServeMux
}

type (
	principalKey struct{}
	requestIDKey struct{}
)

// New returns the control-plane HTTP handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Authorizer == nil {
		o.Authorizer = NewAuthorizer(o.Store)
	}
	a := &api{Options: o}
	a.verifier = &sigv4.Verifier{Service: SigningName}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	})
	authed := http.NewServeMux()
	a.routes(authed)
	mux.Handle("/", a.authenticate(SigningName, writeAgentCoreError, authed))
	for _, svc := range o.Services {
		if svc.Classify == nil || svc.WriteError == nil {
			panic("controlplane: service " + svc.Prefix + " needs Classify and WriteError")
		}
		mux.Handle(svc.Prefix, a.authenticate(svc.SigningName, svc.WriteError, a.authorizeService(svc, http.StripPrefix(strings.TrimSuffix(svc.Prefix, "/"), svc.Handler))))
	}
	return a.audited(a.recover(mux))
}

// handlerFunc is a handler that returns its error for central encoding.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: it resolves and authorises the operation,
// then runs the handler; errors become AWS errors, server faults are logged
// with the request id (the client sees only the id).
func (a *api) handle(op string, res resolver, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reqID := requestID(r)
		start := a.Now()
		var err error
		r, err = a.resolve(r, op, res)
		if err == nil {
			err = h(w, r)
		}
		if err == nil {
			a.Logger.Debug("control-plane call", "request_id", reqID, "op", op, "principal", principalARN(r), "latency", time.Since(start))
			return
		}
		ae, known := toAPIError(err)
		if !known {
			a.Logger.Error("control-plane call failed", "request_id", reqID, "op", op, "err", err)
		} else {
			a.Logger.Info("control-plane call refused", "request_id", reqID, "op", op, "principal", principalARN(r), "code", ae.Code, "message", ae.Message)
		}
		writeAPIError(w, reqID, ae)
	}
}

// resolve names the operation of an AgentCore request and authorises it; the
// returned request carries the Operation in its context.
func (a *api) resolve(r *http.Request, name string, res resolver) (*http.Request, error) {
	body, err := readBody(r)
	if err != nil {
		return r, err
	}
	op := res(a, r, body)
	op.Service, op.Name, op.ReadOnly = SigningName, name, readOnlyName(name)
	noteOperation(r, op, body)
	r = r.WithContext(context.WithValue(r.Context(), operationKey{}, op))
	if err := a.authorize(r, op); err != nil {
		var de *iam.DeniedError
		if errors.As(err, &de) {
			a.logDenied(r, op, de)
			return r, &apiError{Status: http.StatusForbidden, Code: "AccessDeniedException", Message: de.Error()}
		}
		return r, err
	}
	return r, nil
}

// authorizeService authorises requests to a mounted service before its
// handler runs.
func (a *api) authorizeService(svc Service, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := requestID(r)
		body, err := readBody(r)
		if err != nil {
			svc.WriteError(w, reqID, http.StatusBadRequest, "ValidationException", err.(*apiError).Message)
			return
		}
		op, ok := svc.Classify(r, body)
		if !ok {
			next.ServeHTTP(w, r) // names no operation: the service refuses it
			return
		}
		if op.Service == "" {
			op.Service = svc.SigningName
		}
		noteOperation(r, op, body)
		r = r.WithContext(context.WithValue(r.Context(), operationKey{}, op))
		if err := a.authorize(r, op); err != nil {
			var de *iam.DeniedError
			if errors.As(err, &de) {
				a.logDenied(r, op, de)
				svc.WriteError(w, reqID, http.StatusForbidden, "AccessDeniedException", de.Error())
				return
			}
			a.Logger.Error("authorization failed", "request_id", reqID, "op", op.Name, "err", err)
			svc.WriteError(w, reqID, http.StatusInternalServerError, "InternalFailure", "An internal error occurred. Check the toolgate log for the request id.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate verifies SigV4 for service on every request and puts the
// principal and a fresh request id in the context.
//
// writeErr answers refusals in the API's own error encoding (XML for IAM,
// JSON 1.1 for Cognito, restJson1 for AgentCore), so every SDK can decode
// them.
func (a *api) authenticate(service string, writeErr func(w http.ResponseWriter, requestID string, status int, code, message string), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqID := requestID(r) // the audit trail's, when it assigned one
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, reqID))
		var principal store.Principal
		v := *a.verifier // per request, so Lookup can hand back the principal
		v.Service = service
		v.Lookup = func(ctx context.Context, id string) (string, error) {
			noteAccessKey(ctx, id)
			secret, p, err := a.Keys.Secret(ctx, id)
			if errors.Is(err, iam.ErrUnknownKey) {
				return "", fmt.Errorf("%w: %s", sigv4.ErrUnknownKey, id)
			}
			principal = p
			return secret, err
		}
		if _, err := v.Verify(r); err != nil {
			var se *sigv4.Error
			if !errors.As(err, &se) {
				a.Logger.Error("authentication failed", "request_id", reqID, "err", err)
				ie := errInternal()
				writeErr(w, reqID, ie.Status, ie.Code, ie.Message)
				return
			}
			if se.Status >= 500 {
				a.Logger.Error("authentication failed in the server", "request_id", reqID, "err", err)
			} else {
				a.Logger.Info("authentication refused", "request_id", reqID, "code", se.Code, "detail", se.Detail, "remote", r.RemoteAddr)
			}
			writeErr(w, reqID, se.Status, se.Code, se.Message)
			return
		}
		notePrincipal(r.Context(), principal)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, principal)))
	})
}

func (a *api) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				reqID := requestID(r)
				a.Logger.Error("panic in control-plane handler", "request_id", reqID, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeAPIError(w, reqID, errInternal())
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// writeAgentCoreError writes an AgentCore (restJson1) error.
func writeAgentCoreError(w http.ResponseWriter, requestID string, status int, code, message string) {
	writeAPIError(w, requestID, &apiError{Status: status, Code: code, Message: message})
}

// RequestIDFrom returns the request id the control plane gave a request
// (x-amzn-RequestId), for mounted services to answer and log with the same
// id as the audit trail.
func RequestIDFrom(r *http.Request) string { return requestID(r) }

// requestID returns the id authenticate assigned (x-amzn-RequestId).
func requestID(r *http.Request) string {
	if id, ok := r.Context().Value(requestIDKey{}).(string); ok {
		return id
	}
	return newRequestID()
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// PrincipalFrom returns the authenticated control-plane principal of a
// request, for handlers of mounted Services.
func PrincipalFrom(r *http.Request) (store.Principal, bool) {
	p, ok := r.Context().Value(principalKey{}).(store.Principal)
	return p, ok
}

func principalARN(r *http.Request) string {
	if p, ok := r.Context().Value(principalKey{}).(store.Principal); ok {
		return p.ARN
	}
	return ""
}

// decode reads the body (bounded) and decodes + validates it into req.
func decode(r *http.Request, req agentcore.Validator) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errValidation(fmt.Sprintf("request body exceeds %d bytes", maxBody))
		}
		return errValidation("cannot read request body")
	}
	return agentcore.DecodeRequest(body, req)
}

// writeJSON writes v with the operation's success status.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", requestID(r))
	w.WriteHeader(status)
	_, err = w.Write(data)
	if err != nil {
		return nil // the client went away; nothing left to tell it
	}
	return nil
}

// afterWrite runs the AfterWrite hook.
func (a *api) afterWrite(ctx context.Context) {
	if a.AfterWrite != nil {
		a.AfterWrite(ctx)
	}
}
