package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/authn/jwtauth"
)

// jwtVerifier adapts a jwtauth.Authorizer to the data plane's
// authn.TokenVerifier.
type jwtVerifier struct{ a *jwtauth.Authorizer }

// NewJWTVerifier compiles a gateway's customJWTAuthorizer configuration.
// leeway 0 means jwtauth's default.
func NewJWTVerifier(keys *jwtauth.KeySets, authorizerType agentcore.AuthorizerType, cfg *agentcore.AuthorizerConfiguration, leeway time.Duration) (authn.TokenVerifier, error) {
	mode, ok := jwtauth.ModeFor(authorizerType)
	if !ok {
		return nil, nil
	}
	if cfg == nil || cfg.CustomJWTAuthorizer == nil {
		return nil, errors.New("authorizerConfiguration.customJWTAuthorizer is missing")
	}
	a, err := jwtauth.New(keys, *cfg.CustomJWTAuthorizer, jwtauth.Options{Mode: mode, Leeway: leeway})
	if err != nil {
		return nil, err
	}
	return jwtVerifier{a}, nil
}

func (v jwtVerifier) Verify(ctx context.Context, token string) (*authn.Principal, *authn.Refusal) {
	p, err := v.a.Verify(ctx, token)
	if err == nil {
		return &authn.Principal{Subject: p.Subject, ClientID: p.ClientID, Scopes: p.Scopes, Claims: p.Claims, ExpiresAt: p.ExpiresAt, Token: p.Token}, nil
	}
	var f *jwtauth.Failure
	if !errors.As(err, &f) {
		return nil, &authn.Refusal{Status: 401, Code: "invalid_token", Description: "the token could not be verified", Diagnosis: err.Error()}
	}
	r := &authn.Refusal{Status: 401, Code: "invalid_token", Description: f.Description, Diagnosis: f.Check + ": " + f.Diagnosis}
	if f.Kind == jwtauth.InsufficientScope {
		r.Status, r.Code, r.Scopes = 403, "insufficient_scope", f.MissingScopes
	}
	return nil, r
}

func (v jwtVerifier) Scopes() []string { return v.a.RequiredScopes() }

// AuthorizationServers returns the issuer, waiting briefly for the first
// discovery when a gateway was just created.
func (v jwtVerifier) AuthorizationServers(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	iss, err := v.a.Issuer(ctx)
	if err != nil {
		return []string{}
	}
	return []string{iss}
}

// Authorizer returns the underlying jwtauth.Authorizer of a verifier built
// by NewJWTVerifier (for `token check`), or nil.
func Authorizer(v authn.TokenVerifier) *jwtauth.Authorizer {
	if j, ok := v.(jwtVerifier); ok {
		return j.a
	}
	return nil
}
