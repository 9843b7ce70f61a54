package server

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/toolgate/toolgate/internal/authn"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/controlplane"
	"github.com/toolgate/toolgate/internal/cred/oauth2"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/identity"
	"github.com/toolgate/toolgate/internal/tokenvault"
)

// identityAPI is the AgentCore Identity data plane (package identity),
// served on the data listener under /identities/. It is mounted as a
// service of a control-plane handler so that it authenticates (SigV4,
// signing name bedrock-agentcore, toolgate access keys), authorises (IAM
// policies, action bedrock-agentcore:<Operation>) and audits exactly as the
// control plane does. cp carries the control plane's store, vault,
// keyring, authorizer, audit and identity of the installation; in is the
// rest of the data plane's configuration.
func identityAPI(cp controlplane.Options, in identity.Options, root []byte, cat *catalog.Manager, tokens *oauth2.Tokens) (http.Handler, error) {
	key, err := tokenvault.WorkloadTokenKey(root)
	if err != nil {
		return nil, err
	}
	in.TokenKey = key
	in.Vault, in.Region, in.AccountID, in.Logger = cp.Vault, cp.Region, cp.AccountID, cp.Logger
	in.RequestID = controlplane.RequestIDFrom
	in.GatewayVerifier = func(id string) authn.TokenVerifier {
		if g := cat.Current().Gateway(id); g != nil {
			return g.Verifier
		}
		return nil
	}
	if tokens != nil {
		in.M2MToken = func(ctx context.Context, provider string, scopes []string, params map[string]string) (string, error) {
			tok, err := tokens.ClientCredentialsToken(ctx, provider, scopes, params)
			return tok.AccessToken, err
		}
	}
	authz, now := cp.Authorizer, cp.Now
	if authz == nil {
		authz = controlplane.NewAuthorizer(cp.Store)
	}
	if now == nil {
		now = time.Now
	}
	in.Authorize = func(r *http.Request, action, resource string) error {
		p, ok := controlplane.PrincipalFrom(r)
		if !ok {
			return errors.New("identity: no authenticated principal")
		}
		ctx := iam.RequestContext(r, p, now(), cp.TrustForwardedHeaders)
		return authz.Check(r.Context(), p, policy.Request{Action: action, Resource: resource, Context: ctx})
	}
	in.IsDenied = func(err error) bool {
		var de *iam.DeniedError
		return errors.As(err, &de)
	}
	h, err := identity.New(in)
	if err != nil {
		return nil, err
	}
	region, account := cp.Region, cp.AccountID
	cp.Services = []controlplane.Service{{
		Prefix: "/identities/", SigningName: controlplane.SigningName, Handler: h,
		Classify: func(r *http.Request, body []byte) (controlplane.Operation, bool) {
			op, resource, ok := identity.Classify(region, account, r, body)
			return controlplane.Operation{Name: op, Resource: resource, ReadOnly: op != "CompleteResourceTokenAuth"}, ok
		},
		WriteError: identity.WriteError,
	}}
	cp.AfterWrite = nil
	return controlplane.New(cp), nil
}
