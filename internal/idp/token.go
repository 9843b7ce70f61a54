package idp

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// The token endpoint (RFC 6749 §3.2, §4.4, §5): client_credentials only,
// clients authenticated with client_secret_basic or client_secret_post.
// Refusals are RFC 6749 §5.2 error responses; neither they nor the log
// carry a secret, a token or an unverified client id.

const maxTokenRequest = 64 << 10

// oauthError is the RFC 6749 §5.2 error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// refusal is a token request turned down. desc goes to the client, reason
// (which may add detail) to the log; neither may contain a secret.
type refusal struct {
	status    int
	code      string
	desc      string
	reason    string
	challenge bool // add WWW-Authenticate: Basic
}

func invalidRequest(format string, args ...any) *refusal {
	return &refusal{status: http.StatusBadRequest, code: "invalid_request", desc: fmt.Sprintf(format, args...)}
}

// Client authentication methods, as logged.
const (
	authNone  = "none"
	authBasic = "client_secret_basic"
	authPost  = "client_secret_post"
)

// invalidClient is 401 with a Basic challenge when the client used Basic or
// sent no credentials (RFC 6749 §5.2: MUST after Basic; the challenge also
// tells a client without credentials how to authenticate), and 400 after
// client_secret_post.
func invalidClient(method, desc, reason string) *refusal {
	if method == authPost {
		return &refusal{status: http.StatusBadRequest, code: "invalid_client", desc: desc, reason: reason}
	}
	return &refusal{status: http.StatusUnauthorized, code: "invalid_client", desc: desc, reason: reason, challenge: true}
}

// tokenRequest is a parsed request; secret is never logged.
type tokenRequest struct {
	grantType string
	method    string
	clientID  string
	secret    string
	scope     string
	hasScope  bool
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	ctx := r.Context()
	id := r.PathValue("pool")
	p, _, err := lookup(ctx, s, func(snap *snapshot) (*pool, bool) { return snap.pool(id) })
	if err != nil {
		s.log.Error("identity provider unavailable", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, oauthError{Error: "temporarily_unavailable", Description: "the identity provider is not ready"})
		return
	}
	if p == nil {
		writeJSON(w, http.StatusNotFound, oauthError{Error: "not_found", Description: "no such user pool"})
		return
	}
	req, ref := parseTokenRequest(w, r)
	if ref != nil {
		s.refuse(w, p, ref, req.method, "")
		return
	}
	type found struct {
		p *pool
		c *client
	}
	f, _, err := lookup(ctx, s, func(snap *snapshot) (found, bool) {
		p, ok := snap.pool(id)
		if !ok {
			return found{}, false
		}
		c, ok := p.clients[req.clientID]
		return found{p, c}, ok
	})
	if err == nil && f.p != nil {
		p = f.p // the snapshot the client came from
	}
	if f.c == nil {
		s.refuse(w, p, invalidClient(req.method, "client authentication failed", "unknown client"), req.method, "")
		return
	}
	c := f.c
	if c.secretHash == "" {
		s.refuse(w, p, invalidClient(req.method, "client authentication failed", "client has no secret"), req.method, c.id)
		return
	}
	ok, err := s.checkSecret(ctx, c, req.secret)
	if err != nil {
		s.refuse(w, p, &refusal{status: http.StatusInternalServerError, code: "server_error",
			desc: "client authentication could not be completed", reason: err.Error()}, req.method, c.id)
		return
	}
	if !ok {
		s.refuse(w, p, invalidClient(req.method, "client authentication failed", "wrong client secret"), req.method, c.id)
		return
	}
	if req.grantType != "client_credentials" {
		s.refuse(w, p, &refusal{status: http.StatusBadRequest, code: "unsupported_grant_type",
			desc: "only the client_credentials grant is supported", reason: "grant_type " + sanitize(req.grantType)}, req.method, c.id)
		return
	}
	if !c.allowsClientCredentials() {
		s.refuse(w, p, &refusal{status: http.StatusBadRequest, code: "unauthorized_client",
			desc: "this client is not allowed the client_credentials grant (AllowedOAuthFlows and AllowedOAuthFlowsUserPoolClient)"}, req.method, c.id)
		return
	}
	scopes, ref := grantScopes(p, c, req)
	if ref != nil {
		s.refuse(w, p, ref, req.method, c.id)
		return
	}
	if p.signer == nil {
		s.refuse(w, p, &refusal{status: http.StatusInternalServerError, code: "server_error",
			desc: "the pool has no usable signing key", reason: "no active signing key"}, req.method, c.id)
		return
	}
	s.issue(w, p, c, scopes, !req.hasScope)
}

// pool finds a pool by id or, for the token endpoint, by domain prefix.
func (snap *snapshot) pool(idOrDomain string) (*pool, bool) {
	if p, ok := snap.pools[idOrDomain]; ok {
		return p, true
	}
	p, ok := snap.domains[idOrDomain]
	return p, ok
}

// parseTokenRequest reads the form and the client's credentials. It checks
// the syntax of the request only; the credentials are checked by the caller.
func parseTokenRequest(w http.ResponseWriter, r *http.Request) (tokenRequest, *refusal) {
	req := tokenRequest{method: authNone}
	if q, err := url.ParseQuery(r.URL.RawQuery); err != nil || q.Has("client_secret") {
		return req, invalidRequest("parameters, and client_secret above all, belong in the request body, not the URL")
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return req, invalidRequest("the request body must be application/x-www-form-urlencoded")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTokenRequest))
	if err != nil {
		return req, invalidRequest("the request body could not be read or is larger than %d bytes", maxTokenRequest)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return req, invalidRequest("the request body is not a valid form")
	}
	for _, name := range slices.Sorted(maps.Keys(form)) {
		if len(form[name]) > 1 {
			return req, invalidRequest("parameter %s is repeated", sanitize(name))
		}
	}
	req.grantType = form.Get("grant_type")
	req.scope, req.hasScope = form.Get("scope"), form.Has("scope")
	if req.grantType == "" {
		return req, invalidRequest("grant_type is required")
	}

	if auth := r.Header.Get("Authorization"); auth != "" {
		req.method = authBasic
		scheme, cred, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "Basic") {
			return req, invalidClient(authBasic, "unsupported client authentication scheme: use Basic or client_secret_post", "Authorization scheme "+sanitize(scheme))
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
		user, pass, ok := strings.Cut(string(raw), ":")
		if err != nil || !ok {
			return req, invalidClient(authBasic, "malformed Basic credentials", "malformed Basic credentials")
		}
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
		id, err1 := url.QueryUnescape(user)
		secret, err2 := url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return req, invalidClient(authBasic, "malformed Basic credentials", "Basic credentials are not form-encoded")
		}
		if form.Has("client_secret") {
			return req, invalidRequest("use one client authentication method, not Basic and client_secret together")
		}
		if bodyID := form.Get("client_id"); bodyID != "" && bodyID != id {
			return req, invalidRequest("client_id does not match the client of the Authorization header")
		}
		req.clientID, req.secret = id, secret
		return req, nil
	}
	if form.Has("client_secret") {
		req.method = authPost
		req.clientID, req.secret = form.Get("client_id"), form.Get("client_secret")
		if req.clientID == "" {
			return req, invalidRequest("client_id is required with client_secret")
		}
		return req, nil
	}
	return req, invalidClient(authNone, "client authentication required: use HTTP Basic or client_id and client_secret in the body", "no client credentials")
}

// checkSecret verifies secret against the client's stored hash. A secret
// that passed once is remembered as its SHA-256, so the next check is one
// hash and a constant-time compare rather than 600,000 PBKDF2 rounds.
func (s *Server) checkSecret(ctx context.Context, c *client, secret string) (bool, error) {
	digest := sha256.Sum256([]byte(secret))
	if v := c.verified.Load(); v != nil && subtle.ConstantTimeCompare(v[:], digest[:]) == 1 {
		return true, nil
	}
	select {
	case s.kdf <- struct{}{}:
		defer func() { <-s.kdf }()
	case <-ctx.Done():
		return false, ctx.Err()
	}
	ok, err := verifySecret(c.secretHash, secret)
	if ok {
		c.verified.Store(&digest)
	}
	return ok, err
}

// grantScopes decides the token's scopes: the requested ones, each allowed
// for the client and defined by a resource server of the pool; without a
// scope parameter, every allowed scope the pool still defines.
func grantScopes(p *pool, c *client, req tokenRequest) ([]string, *refusal) {
	usable := func(sc string) bool { return slices.Contains(c.scopes, sc) && p.scopes[sc] }
	var granted []string
	if req.hasScope && strings.TrimSpace(req.scope) != "" {
		for _, sc := range strings.Fields(req.scope) {
			if !usable(sc) {
				return nil, &refusal{status: http.StatusBadRequest, code: "invalid_scope",
					desc: "scope " + sanitize(sc) + " is not allowed for this client or not defined in this pool"}
			}
			if !slices.Contains(granted, sc) {
				granted = append(granted, sc)
			}
		}
		return granted, nil
	}
	for _, sc := range c.scopes {
		if usable(sc) && !slices.Contains(granted, sc) {
			granted = append(granted, sc)
		}
	}
	if len(granted) == 0 {
		return nil, &refusal{status: http.StatusBadRequest, code: "invalid_scope",
			desc: "the client is allowed no scope that a resource server of this pool defines"}
	}
	return granted, nil
}

// accessClaims is a Cognito access token's claim set, in Cognito's order.
// aud appears only for a client configured with an Audience.
type accessClaims struct {
	Sub      string `json:"sub"`
	Aud      string `json:"aud,omitempty"`
	Iss      string `json:"iss"`
	Version  int    `json:"version"`
	ClientID string `json:"client_id"`
	TokenUse string `json:"token_use"`
	Scope    string `json:"scope"`
	AuthTime int64  `json:"auth_time"`
	Exp      int64  `json:"exp"`
	Iat      int64  `json:"iat"`
	Jti      string `json:"jti"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
	// Scope is returned when it may differ from the request (RFC 6749
	// §5.1): when the client asked for no scope in particular.
	Scope string `json:"scope,omitempty"`
}

func (s *Server) issue(w http.ResponseWriter, p *pool, c *client, scopes []string, reportScope bool) {
	now := s.now()
	validity := c.validity
	if validity <= 0 {
		validity = DefaultTokenValidity
	}
	jti, err := newUUID()
	if err != nil {
		s.refuse(w, p, &refusal{status: http.StatusInternalServerError, code: "server_error", desc: "token could not be issued", reason: err.Error()}, "", c.id)
		return
	}
	scope := strings.Join(scopes, " ")
	claims := accessClaims{
		Sub: c.id, Aud: c.audience, Iss: p.issuer, Version: 2, ClientID: c.id, TokenUse: "access", Scope: scope,
		AuthTime: now.Unix(), Iat: now.Unix(), Exp: now.Add(validity).Unix(), Jti: jti,
	}
	token, err := sign(p.signer, claims)
	if err != nil {
		s.refuse(w, p, &refusal{status: http.StatusInternalServerError, code: "server_error", desc: "token could not be issued", reason: err.Error()}, "", c.id)
		return
	}
	resp := tokenResponse{AccessToken: token, ExpiresIn: int64(validity.Seconds()), TokenType: "Bearer"}
	if reportScope {
		resp.Scope = scope
	}
	s.log.Info("identity provider issued an access token", "pool", p.id, "client_id", c.id, "scope", scope,
		"kid", p.signer.kid, "expires_in", resp.ExpiresIn)
	writeJSON(w, http.StatusOK, resp)
}

// sign returns the compact JWS of claims with the header Cognito uses:
// kid, alg RS256 and typ JWT.
func sign(k *openedKey, claims accessClaims) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, k.kid); err != nil {
		return "", err
	}
	if err := hdr.Set(jws.TypeKey, "JWT"); err != nil {
		return "", err
	}
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), k.priv, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return string(out), nil
}

// refuse writes an RFC 6749 §5.2 error and logs why. A client id is logged
// only once it names an existing client (knownClientID), so a secret pasted
// into the client_id field never reaches the log.
func (s *Server) refuse(w http.ResponseWriter, p *pool, ref *refusal, method, knownClientID string) {
	if ref.challenge {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+p.issuer+`"`)
	}
	attrs := []any{"pool", p.id, "error", ref.code, "auth_method", method}
	if knownClientID != "" {
		attrs = append(attrs, "client_id", knownClientID)
	}
	reason := ref.reason
	if reason == "" {
		reason = ref.desc
	}
	attrs = append(attrs, "reason", reason)
	if ref.status >= 500 {
		s.log.Error("identity provider token request failed", attrs...)
	} else {
		s.log.Info("identity provider refused a token request", attrs...)
	}
	writeJSON(w, ref.status, oauthError{Error: ref.code, Description: sanitize(ref.desc)})
}

// sanitize keeps what RFC 6749 allows in error_description (%x20-21,
// %x23-5B, %x5D-7E) and bounds its length, so echoed request values cannot
// break the JSON or the log.
func sanitize(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 200; i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			b.WriteByte(c)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck // the client went away
}

// newUUID returns a random (version 4) UUID for jti.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
