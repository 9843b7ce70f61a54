// Package authn authenticates inbound data-plane requests per gateway
// authorizer: CUSTOM_JWT and AUTHENTICATE_ONLY verify bearer tokens (through
// a TokenVerifier compiled into the catalog), AWS_IAM verifies SigV4 against
// toolgate's access keys, and NONE lets requests through.
// Every HTTP request is checked; sessions are not authentication.
package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Refusal is why a verifier rejected a token.
type Refusal struct {
	// Status is 401 (invalid or unverifiable token) or 403 (valid token
	// without a required scope).
	Status int
	// Code is the RFC 6750 error code: invalid_token or insufficient_scope.
	Code string
	// Description is safe to send to the caller: it names the failed check
	// but never a claim value.
	Description string
	// Diagnosis names the failed check precisely, with the fix, for the log
	// and audit trail; it may contain sub and client_id but no other claims.
	Diagnosis string
	// Scopes are the scopes to advertise in the challenge.
	Scopes []string
}

func (r *Refusal) Error() string { return r.Diagnosis }

// TokenVerifier verifies bearer tokens for one gateway's configuration.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (*Principal, *Refusal)
	// Scopes are the scopes advertised in challenges and the protected
	// resource metadata (allowedScopes through advertisedScopeMapping).
	Scopes() []string
	// AuthorizationServers are the issuers clients obtain tokens from.
	AuthorizationServers(ctx context.Context) []string
}

// Authorizer applies a gateway's authorizer to data-plane requests.
type Authorizer struct {
	log *slog.Logger
	// IAM verifies AWS_IAM gateways' SigV4 requests; nil refuses them.
	IAM *SigV4Keys
}

// NewAuthorizer returns an Authorizer; iam may be nil (AWS_IAM gateways
// then refuse every request).
func NewAuthorizer(log *slog.Logger, iam *SigV4Keys) *Authorizer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authorizer{log: log, IAM: iam}
}

// ErrNotImplemented is logged when a gateway uses an authorizer this
// release cannot evaluate; the request is refused.
var ErrNotImplemented = errors.New("authorizer not implemented in this release; request refused")

// Gateway is what the authorizer needs to know of the gateway a request is
// for.
type Gateway struct {
	// ARN is the resource AWS_IAM callers are authorised on.
	ARN string
	// AuthorizerType is the gateway's authorizerType.
	AuthorizerType string
	// Verifier is its compiled token verifier (nil when its configuration
	// could not be compiled: bearer requests then fail closed).
	Verifier TokenVerifier
	// MetadataURL is its protected resource metadata in the form the
	// request used (package address).
	MetadataURL string
	// Tags are the gateway's tags, for aws:ResourceTag/… conditions.
	Tags map[string]string
}

// Authorize returns the request to serve (carrying the principal in its
// context), or writes the refusal and returns an error for the log.
func (a *Authorizer) Authorize(w http.ResponseWriter, r *http.Request, g Gateway) (*http.Request, error) {
	switch g.AuthorizerType {
	case "NONE":
		return r, nil
	case "CUSTOM_JWT", "AUTHENTICATE_ONLY":
		return a.bearer(w, r, g.Verifier, g.MetadataURL)
	case "AWS_IAM":
		if a.IAM == nil {
			break
		}
		// SigV4 says who; bedrock-agentcore:InvokeGateway on the gateway's
		// ARN, by the caller's policies, says whether.
		p, se := a.IAM.verify(r, g)
		if se != nil {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", se.Code)
			w.WriteHeader(se.Status)
			fmt.Fprintf(w, `{"message":%q}`+"\n", se.Message)
			return nil, fmt.Errorf("%s: %s", se.Code, se.Detail)
		}
		return r.WithContext(WithPrincipal(r.Context(), p)), nil
	}
	// Unknown authorizers, or AWS_IAM without a key source: fail closed.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, `{"message":"gateway authorizer %s is not available in this toolgate release"}`+"\n", g.AuthorizerType)
	return nil, fmt.Errorf("%s: %w", g.AuthorizerType, ErrNotImplemented)
}

func (a *Authorizer) bearer(w http.ResponseWriter, r *http.Request, v TokenVerifier, prm string) (*http.Request, error) {
	if v == nil {
		// The configuration could not be compiled: fail closed.
		refuse(w, http.StatusUnauthorized, Challenge("invalid_token", "the gateway cannot validate tokens right now", nil, prm))
		return nil, errors.New("gateway has no usable token verifier")
	}
	token, err := BearerToken(r)
	switch {
	case errors.Is(err, ErrNoToken):
		// No error code when no credentials were sent (RFC 6750 §3.1).
		refuse(w, http.StatusUnauthorized, Challenge("", "", v.Scopes(), prm))
		return nil, err
	case err != nil:
		refuse(w, http.StatusBadRequest, Challenge("invalid_request", err.Error(), v.Scopes(), prm))
		return nil, err
	}
	p, refusal := v.Verify(r.Context(), token)
	if refusal != nil {
		scopes := refusal.Scopes
		if len(scopes) == 0 {
			scopes = v.Scopes()
		}
		refuse(w, refusal.Status, Challenge(refusal.Code, refusal.Description, scopes, prm))
		return nil, refusal
	}
	return r.WithContext(WithPrincipal(r.Context(), p)), nil
}

func refuse(w http.ResponseWriter, status int, challenge string) {
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	code := "invalid_token"
	switch status {
	case http.StatusForbidden:
		code = "insufficient_scope"
	case http.StatusBadRequest:
		code = "invalid_request"
	}
	fmt.Fprintf(w, `{"error":%q}`+"\n", code)
}
