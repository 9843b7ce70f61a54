package idp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/toolgate/toolgate/internal/store"
)

// snapshot is the identity provider's immutable view of the store: what the
// endpoints need, pre-computed, so that serving touches no store and no
// vault. It is rebuilt whole and swapped atomically.
type snapshot struct {
	revision int64
	// staleAt, when non-zero, is the earliest NotAfter of a published retiring
	// key: from then on the JWKS must drop that key, so the snapshot is
	// rebuilt on the next request.
	staleAt time.Time
	pools   map[string]*pool // by pool id
	domains map[string]*pool // by domain prefix
	// expired are retiring keys past NotAfter, for RetireExpiredKeys.
	expired []store.SigningKey
}

// pool is one issuer.
type pool struct {
	id, issuer string
	openID     []byte // /.well-known/openid-configuration
	oauthMeta  []byte // /.well-known/oauth-authorization-server
	jwks       []byte
	signer     *openedKey            // the active key; nil when it cannot be opened
	opened     map[string]*openedKey // published keys by kid, reused by the next snapshot
	clients    map[string]*client
	scopes     map[string]bool // "<resource server>/<scope>" defined in the pool
}

// client is what the token endpoint needs of an app client.
type client struct {
	id, secretHash string
	flows          []string
	scopes         []string
	oauthEnabled   bool
	audience       string
	validity       time.Duration
	// verified is the SHA-256 of the last secret that passed the PBKDF2
	// check, so later requests compare a cheap digest in constant time. It
	// is carried into the next snapshot while secretHash is unchanged.
	verified atomic.Pointer[[32]byte]
}

func (c *client) allowsClientCredentials() bool {
	return c.oauthEnabled && slices.Contains(c.flows, "client_credentials")
}

// Issuer returns the issuer URL of poolID under the data-plane base URL;
// its discovery document is Issuer + "/.well-known/openid-configuration".
func Issuer(dataURL, poolID string) string { return dataURL + "/idp/" + poolID }

// DiscoveryURL is the OIDC discovery URL of poolID, the value a gateway's
// CUSTOM_JWT authorizer takes as discoveryUrl.
func DiscoveryURL(dataURL, poolID string) string {
	return Issuer(dataURL, poolID) + "/.well-known/openid-configuration"
}

// TokenEndpoint is the token endpoint of poolID.
func TokenEndpoint(dataURL, poolID string) string { return Issuer(dataURL, poolID) + "/oauth2/token" }

// metadata is the shared part of the OIDC discovery and RFC 8414 documents.
type metadata struct {
	Issuer                            string   `json:"issuer"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	// OIDC discovery requires these two even of a server that issues no ID
	// tokens; they are left out of the RFC 8414 document.
	SubjectTypesSupported            []string `json:"subject_types_supported,omitempty"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported,omitempty"`
}

// build reads the whole identity-provider state from the store. Keys whose
// sealed bytes did not change are reused from prev rather than unsealed
// again, and so are the clients' verified-secret digests.
func (s *Server) build(ctx context.Context, prev *snapshot) (*snapshot, error) {
	rev, err := s.o.Revisions.Revision(ctx)
	if err != nil {
		return nil, fmt.Errorf("read store revision: %w", err)
	}
	now := s.now()
	pools, err := listAll(func(p store.Page) ([]store.UserPool, string, error) { return s.o.Store.ListUserPools(ctx, p) })
	if err != nil {
		return nil, fmt.Errorf("list user pools: %w", err)
	}
	next := &snapshot{revision: rev, pools: make(map[string]*pool, len(pools)), domains: map[string]*pool{}}
	for _, up := range pools {
		p, err := s.buildPool(ctx, up, prev, next, now)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted while we were reading; the next revision check catches up
		}
		if err != nil {
			return nil, fmt.Errorf("user pool %s: %w", up.ID, err)
		}
		next.pools[p.id] = p
		if up.Domain != "" {
			next.domains[up.Domain] = p
		}
	}
	return next, nil
}

func (s *Server) buildPool(ctx context.Context, up store.UserPool, prev, next *snapshot, now time.Time) (*pool, error) {
	servers, err := listAll(func(p store.Page) ([]store.ResourceServer, string, error) {
		return s.o.Store.ListResourceServers(ctx, up.ID, p)
	})
	if err != nil {
		return nil, err
	}
	clients, err := listAll(func(p store.Page) ([]store.PoolClient, string, error) {
		return s.o.Store.ListPoolClients(ctx, up.ID, p)
	})
	if err != nil {
		return nil, err
	}
	keys, err := s.o.Store.ListSigningKeys(ctx, up.ID)
	if err != nil {
		return nil, err
	}

	p := &pool{id: up.ID, issuer: Issuer(s.o.DataURL, up.ID), clients: make(map[string]*client, len(clients)),
		scopes: map[string]bool{}, opened: map[string]*openedKey{}}
	var prevPool *pool
	if prev != nil {
		prevPool = prev.pools[up.ID]
	}
	scopeList := []string{}
	for _, rs := range servers {
		for _, sc := range rs.Scopes {
			name := rs.Identifier + "/" + sc.Name
			if !p.scopes[name] {
				p.scopes[name] = true
				scopeList = append(scopeList, name)
			}
		}
	}
	slices.Sort(scopeList)
	for _, c := range clients {
		cl := &client{
			id: c.ClientID, secretHash: c.SecretHash, flows: c.AllowedOAuthFlows, scopes: c.AllowedOAuthScopes,
			oauthEnabled: c.AllowedOAuthFlowsUserPoolClient, audience: c.Audience, validity: c.AccessTokenValidity,
		}
		if prevPool != nil {
			if old := prevPool.clients[c.ClientID]; old != nil && old.secretHash == c.SecretHash {
				cl.verified.Store(old.verified.Load())
			}
		}
		p.clients[c.ClientID] = cl
	}

	// Publish the active key first, then retiring keys newest first; keys
	// past NotAfter are not published whatever their stored status.
	set := jwk.NewSet()
	slices.SortFunc(keys, func(a, b store.SigningKey) int {
		if (a.Status == store.SigningKeyActive) != (b.Status == store.SigningKeyActive) {
			if a.Status == store.SigningKeyActive {
				return -1
			}
			return 1
		}
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.KeyID, b.KeyID)
	})
	for _, k := range keys {
		published := k.Status == store.SigningKeyActive || (k.Status == store.SigningKeyRetiring && now.Before(k.NotAfter))
		if k.Status == store.SigningKeyRetiring && !now.Before(k.NotAfter) {
			next.expired = append(next.expired, k)
		}
		if !published {
			continue
		}
		ok := s.openCached(k, prevPool)
		if ok == nil {
			continue
		}
		p.opened[k.KeyID] = ok
		if err := set.AddKey(ok.public); err != nil {
			return nil, fmt.Errorf("publish key %s: %w", k.KeyID, err)
		}
		if k.Status == store.SigningKeyActive && p.signer == nil {
			p.signer = ok
		}
		if k.Status == store.SigningKeyRetiring && (next.staleAt.IsZero() || k.NotAfter.Before(next.staleAt)) {
			next.staleAt = k.NotAfter
		}
	}
	if p.signer == nil {
		s.log.Error("identity provider pool has no usable active signing key; its token endpoint answers server_error", "pool", up.ID)
	}
	if p.jwks, err = json.Marshal(set); err != nil {
		return nil, fmt.Errorf("encode JWKS: %w", err)
	}
	md := metadata{
		Issuer:                            p.issuer,
		TokenEndpoint:                     p.issuer + "/oauth2/token",
		JWKSURI:                           p.issuer + "/.well-known/jwks.json",
		ScopesSupported:                   scopeList,
		ResponseTypesSupported:            []string{}, // no authorization endpoint
		GrantTypesSupported:               []string{"client_credentials"},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
	}
	if p.oauthMeta, err = json.Marshal(md); err != nil {
		return nil, err
	}
	md.SubjectTypesSupported, md.IDTokenSigningAlgValuesSupported = []string{"public"}, []string{Algorithm}
	if p.openID, err = json.Marshal(md); err != nil {
		return nil, err
	}
	return p, nil
}

// openCached returns the opened form of k, reusing the previous snapshot's
// when the sealed bytes are unchanged; nil (logged) when k cannot be opened.
func (s *Server) openCached(k store.SigningKey, prevPool *pool) *openedKey {
	if prevPool != nil {
		if ok := prevPool.opened[k.KeyID]; ok != nil && bytes.Equal(ok.sealed, k.SealedPrivateKey) {
			return ok
		}
	}
	ok, err := openKey(s.o.Vault, k)
	if err != nil {
		// Vault and parse errors name no key material.
		s.log.Error("identity provider signing key unusable; left out of the JWKS", "pool", k.PoolID, "kid", k.KeyID, "err", err)
		return nil
	}
	return ok
}

func listAll[T any](list func(store.Page) ([]T, string, error)) ([]T, error) {
	var all []T
	page := store.Page{Limit: 1000}
	for {
		items, next, err := list(page)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			return all, nil
		}
		page.After = next
	}
}
