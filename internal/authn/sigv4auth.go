package authn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/toolgate/toolgate/internal/authn/sigv4"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/store"
)

// SigV4Keys verifies SigV4-signed data-plane requests for AWS_IAM gateways
// (signing name bedrock-agentcore, action bedrock-agentcore:InvokeGateway).
// Unsealed secrets are cached so a tool call does not read the store; Clear
// (called on every store change) makes a deleted or deactivated key stop
// working at once.
type SigV4Keys struct {
	keys *iam.Keyring
	// authz decides bedrock-agentcore:InvokeGateway; nil allows every
	// authenticated principal (tests of signature checking alone).
	authz *iam.Authorizer
	// trustForwarded: see iam.RequestContext.
	trustForwarded bool

	mu    sync.RWMutex
	gen   uint64 // bumped by Clear
	cache map[string]cachedKey
}

type cachedKey struct {
	secret    string
	principal store.Principal
}

// NewSigV4Keys returns a verifier backed by keys that authorises with authz.
func NewSigV4Keys(keys *iam.Keyring, authz *iam.Authorizer, trustForwardedHeaders bool) *SigV4Keys {
	return &SigV4Keys{keys: keys, authz: authz, trustForwarded: trustForwardedHeaders, cache: map[string]cachedKey{}}
}

// Clear drops every cached secret, including those being loaded: a lookup
// that read the store before a change (another replica deleting the key)
// must not put what it read back into the cache after the change.
func (k *SigV4Keys) Clear() {
	k.mu.Lock()
	k.gen++
	k.cache = map[string]cachedKey{}
	k.mu.Unlock()
}

func (k *SigV4Keys) lookup(ctx context.Context, id string) (cachedKey, error) {
	k.mu.RLock()
	c, ok := k.cache[id]
	gen := k.gen
	k.mu.RUnlock()
	if ok {
		return c, nil
	}
	secret, p, err := k.keys.Secret(ctx, id)
	if errors.Is(err, iam.ErrUnknownKey) {
		return cachedKey{}, fmt.Errorf("%w: %s", sigv4.ErrUnknownKey, id)
	}
	if err != nil {
		return cachedKey{}, err
	}
	c = cachedKey{secret: secret, principal: p}
	k.mu.Lock()
	if k.gen == gen { // not cleared while we were reading
		if len(k.cache) > 10000 {
			k.cache = map[string]cachedKey{}
		}
		k.cache[id] = c
	}
	k.mu.Unlock()
	return c, nil
}

// InvokeAction is the IAM action an AWS_IAM gateway authorises MCP
// requests as.
const InvokeAction = "bedrock-agentcore:InvokeGateway"

// verify checks the request's signature and that the caller may invoke g,
// and returns the caller.
func (k *SigV4Keys) verify(r *http.Request, g Gateway) (*Principal, *sigv4.Error) {
	var found cachedKey
	v := sigv4.Verifier{Service: "bedrock-agentcore", Lookup: func(ctx context.Context, id string) (string, error) {
		c, err := k.lookup(ctx, id)
		found = c
		return c.secret, err
	}}
	id, err := v.Verify(r)
	if err != nil {
		var se *sigv4.Error
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, &sigv4.Error{Code: "InternalFailure", Status: 500, Message: "The request could not be authenticated.", Err: err}
	}
	if k.authz != nil {
		ctx := iam.RequestContext(r, found.principal, time.Now(), k.trustForwarded)
		iam.AddTags(ctx, "aws:ResourceTag/", g.Tags)
		err := k.authz.Check(r.Context(), found.principal, policy.Request{Action: InvokeAction, Resource: g.ARN, Context: ctx})
		var de *iam.DeniedError
		if errors.As(err, &de) {
			return nil, &sigv4.Error{Code: "AccessDeniedException", Status: http.StatusForbidden, Message: de.Error(), Detail: "denied: " + de.Decided}
		}
		if err != nil {
			return nil, &sigv4.Error{Code: "InternalFailure", Status: 500, Message: "The request could not be authorized.", Err: err}
		}
	}
	return &Principal{Subject: found.principal.ARN, ClientID: id.AccessKeyID}, nil
}
