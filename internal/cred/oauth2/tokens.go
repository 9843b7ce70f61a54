package oauth2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	xoauth2 "golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// Defaults of Options.
const (
	// DefaultLifetime is how long a token without expires_in is used.
	DefaultLifetime = 5 * time.Minute
	// maxEarly is the most a token is refreshed before it expires; shorter
	// lifetimes refresh a quarter of their lifetime early.
	maxEarly = time.Minute
	// fetchTimeout bounds one token request, whoever waits for it.
	fetchTimeout = 30 * time.Second
	// sweepAt is the number of cache entries past which expired ones are
	// dropped when a new one is added.
	sweepAt = 1024
)

// reservedParams cannot be custom parameters: the grant sets them.
var reservedParams = []string{"grant_type", "scope", "client_id", "client_secret", "client_assertion", "client_assertion_type"}

// ReservedParameter reports whether a custom parameter name is one the
// client-credentials request sets itself.
func ReservedParameter(name string) bool {
	return slices.Contains(reservedParams, strings.ToLower(name))
}

// Options configure Tokens.
type Options struct {
	// HTTPClient sends token requests (http.DefaultClient when nil). Token
	// endpoints are chosen by operators, like identity providers, so it is
	// the identity-provider client, not the target client.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Providers and Vault let Token find a provider by name (the Identity
	// data plane); nil when only injectors of opened providers are used.
	Providers store.OAuth2ProviderStore
	Vault     *vault.Vault
	// Now is the clock of the cache; nil = time.Now.
	Now func() time.Time
}

// Tokens caches access tokens. It outlives catalog rebuilds: entries are
// keyed by the provider's fingerprint, so an updated provider's tokens are
// not used, and a rebuilt target keeps the tokens of an unchanged one.
type Tokens struct {
	o       Options
	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	tok       Token
	refreshAt time.Time // use tok until then
	flight    *flight   // the token request in progress, if any
}

type flight struct {
	done chan struct{}
	tok  Token
	err  error
}

// New returns an empty cache.
func New(o Options) *Tokens {
	if o.HTTPClient == nil {
		o.HTTPClient = http.DefaultClient
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Tokens{o: o, entries: map[string]*entry{}}
}

// Token is an access token. It formats without its value.
type Token struct {
	AccessToken string
	// TokenType is what the token endpoint said ("Bearer" when it said
	// nothing).
	TokenType string
	// Expiry is when the token expires, as far as the endpoint said (zero:
	// it did not say).
	Expiry time.Time
}

// String describes the token without its value.
func (t Token) String() string {
	if t.Expiry.IsZero() {
		return "oauth2.Token(" + t.TokenType + ")"
	}
	return "oauth2.Token(" + t.TokenType + ", expires " + t.Expiry.UTC().Format(time.RFC3339) + ")"
}

// GoString keeps %#v from printing the value.
func (t Token) GoString() string { return t.String() }

// Format makes every verb print String.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// LogValue keeps slog handlers from reflecting over the struct.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// ErrUnknownProvider is returned by ClientCredentialsToken for a name no
// provider has (it also matches store.ErrNotFound).
var ErrUnknownProvider = fmt.Errorf("no such OAuth2 credential provider: %w", store.ErrNotFound)

// ClientCredentialsToken returns an access token of the named provider for
// scopes and custom parameters (the M2M flow of GetResourceOauth2Token):
// the cached one while it is valid, else one fresh from the token endpoint.
// Errors: ErrUnknownProvider, a *TokenError from the token endpoint, or the
// provider's configuration or secret failing to open; none holds a secret.
func (t *Tokens) ClientCredentialsToken(ctx context.Context, providerName string, scopes []string, params map[string]string) (Token, error) {
	if t.o.Providers == nil {
		return Token{}, errors.New("oauth2: Tokens has no provider store")
	}
	sp, err := t.o.Providers.GetOAuth2Provider(ctx, providerName)
	if errors.Is(err, store.ErrNotFound) {
		return Token{}, fmt.Errorf("%w: %q", ErrUnknownProvider, providerName)
	}
	if err != nil {
		return Token{}, fmt.Errorf("read OAuth2 credential provider %q: %w", providerName, err)
	}
	p, err := Open(sp, t.o.Vault)
	if err != nil {
		return Token{}, err
	}
	return t.Token(ctx, p, scopes, params)
}

// Token returns an access token of p for scopes and params: the cached one
// while it is valid; otherwise every caller asking at the same time waits
// for one token request. A caller whose context ends stops waiting; the
// request goes on for the others.
func (t *Tokens) Token(ctx context.Context, p *Provider, scopes []string, params map[string]string) (Token, error) {
	if err := checkParams(p, params); err != nil {
		return Token{}, err
	}
	return t.get(ctx, cacheKey(p, scopes, params), p, scopes, params)
}

func (t *Tokens) get(ctx context.Context, key string, p *Provider, scopes []string, params map[string]string) (Token, error) {
	t.mu.Lock()
	e := t.entries[key]
	if e == nil {
		t.sweepLocked()
		e = &entry{}
		t.entries[key] = e
	}
	if e.tok.AccessToken != "" && t.o.Now().Before(e.refreshAt) {
		tok := e.tok
		t.mu.Unlock()
		return tok, nil
	}
	f := e.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		e.flight = f
		go t.fetch(ctx, e, f, p, scopes, params)
	}
	t.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}

// fetch runs one token request for everyone waiting on f. It keeps the
// values of the caller's context (request ids for logs) but not its
// cancellation: the others still need the token.
func (t *Tokens) fetch(ctx context.Context, e *entry, f *flight, p *Provider, scopes []string, params map[string]string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	defer cancel()
	tok, lifetime, err := t.request(ctx, p, scopes, params)
	t.mu.Lock()
	e.flight = nil
	if err == nil {
		early := min(maxEarly, lifetime/4)
		e.tok, e.refreshAt = tok, t.o.Now().Add(lifetime-early)
	}
	t.mu.Unlock()
	// Logged before the waiters wake, so the line precedes whatever they
	// report.
	if err != nil {
		t.o.Logger.Warn("OAuth2 token request failed", "provider", p.name, "token_endpoint", p.tokenURL, "err", err)
	} else {
		t.o.Logger.Debug("OAuth2 token obtained", "provider", p.name, "token", tok, "lifetime", lifetime)
	}
	f.tok, f.err = tok, err
	close(f.done)
}

// request asks the token endpoint for a client-credentials token.
func (t *Tokens) request(ctx context.Context, p *Provider, scopes []string, params map[string]string) (Token, time.Duration, error) {
	cfg := clientcredentials.Config{
		ClientID: p.clientID, ClientSecret: p.secret, TokenURL: p.tokenURL, Scopes: scopes,
		AuthStyle: xoauth2.AuthStyleInHeader,
	}
	if p.authMethod == ClientSecretPost {
		cfg.AuthStyle = xoauth2.AuthStyleInParams
	}
	if len(params) > 0 {
		cfg.EndpointParams = url.Values{}
		for k, v := range params {
			cfg.EndpointParams.Set(k, v)
		}
	}
	ctx = context.WithValue(ctx, xoauth2.HTTPClient, t.o.HTTPClient)
	xt, err := cfg.Token(ctx)
	if err != nil {
		return Token{}, 0, p.tokenError(err)
	}
	tok := Token{AccessToken: xt.AccessToken, TokenType: xt.Type(), Expiry: xt.Expiry}
	lifetime := DefaultLifetime
	if !xt.Expiry.IsZero() {
		lifetime = time.Until(xt.Expiry) // x/oauth2 dated it with the real clock
	}
	if !strings.EqualFold(tok.TokenType, "Bearer") {
		return Token{}, 0, &TokenError{Provider: p.name, Message: fmt.Sprintf("the token endpoint issued a %q token; only Bearer tokens are supported", p.scrub(tok.TokenType))}
	}
	return tok, max(lifetime, 0), nil
}

// TokenError is a failed token request. Its Error names the provider and
// what went wrong (the RFC 6749 error code and description, the HTTP
// status, or why the endpoint could not be reached) and never the secret.
type TokenError struct {
	Provider string
	// Status is the token endpoint's HTTP status (0: no response).
	Status int
	// Code and Description are the RFC 6749 §5.2 error and
	// error_description, when the endpoint sent them.
	Code, Description string
	// Message is the rest of the explanation.
	Message string
	// Unreachable is true when no response came back.
	Unreachable bool
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("OAuth2 credential provider %q: %s", e.Provider, e.detail())
}

func (e *TokenError) detail() string {
	switch {
	case e.Code != "" && e.Description != "":
		return fmt.Sprintf("the token endpoint refused the request: %s (%s)", e.Code, e.Description)
	case e.Code != "":
		return "the token endpoint refused the request: " + e.Code
	}
	return e.Message
}

// Public is the text a tool caller sees: what failed, without addresses or
// transport detail.
func (e *TokenError) Public() string {
	what := fmt.Sprintf("the gateway could not get an access token from OAuth2 credential provider %q", e.Provider)
	switch {
	case e.Code != "":
		return what + ": the token endpoint refused the request (" + e.Code + ")"
	case e.Unreachable:
		return what + ": the token endpoint could not be reached"
	case e.Status != 0:
		return what + ": the token endpoint answered HTTP " + fmt.Sprint(e.Status)
	}
	return what
}

var _ cred.PublicError = (*TokenError)(nil)

// tokenError turns what x/oauth2 returned into a *TokenError.
func (p *Provider) tokenError(err error) *TokenError {
	te := &TokenError{Provider: p.name}
	var re *xoauth2.RetrieveError
	var ue *url.Error
	switch {
	case errors.As(err, &re):
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		te.Code, te.Description = p.scrub(clip(re.ErrorCode, 100)), p.scrub(clip(re.ErrorDescription, 300))
		if te.Code == "" {
			te.Message = fmt.Sprintf("the token endpoint answered HTTP %d %s", te.Status, http.StatusText(te.Status))
		}
	case errors.As(err, &ue):
		te.Unreachable = true
		te.Message = "the token endpoint could not be reached: " + p.scrub(ue.Err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		te.Unreachable = true
		te.Message = "the token endpoint did not answer in time"
	default:
		te.Message = "the token endpoint's response could not be used: " + p.scrub(strings.TrimPrefix(err.Error(), "oauth2: "))
	}
	return te
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// checkParams refuses custom parameters the grant sets itself.
func checkParams(p *Provider, params map[string]string) error {
	for k := range params {
		if ReservedParameter(k) {
			return &TokenError{Provider: p.name, Message: fmt.Sprintf("custom parameter %q is set by the client-credentials grant itself and cannot be overridden", k)}
		}
	}
	return nil
}

// cacheKey is one cached token's identity: the provider's fingerprint, the
// scopes as a set (in order) and the parameters.
func cacheKey(p *Provider, scopes []string, params map[string]string) string {
	var b strings.Builder
	b.WriteString(p.fingerprint)
	s := slices.Clone(scopes)
	slices.Sort(s)
	for _, sc := range slices.Compact(s) {
		b.WriteString("\x00s")
		b.WriteString(sc)
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b.WriteString("\x00p")
		b.WriteString(k)
		b.WriteString("=")
		b.WriteString(params[k])
	}
	return b.String()
}

// sweepLocked drops expired entries nobody is fetching once the cache is
// large, so providers updated or deleted long ago do not accumulate.
func (t *Tokens) sweepLocked() {
	if len(t.entries) < sweepAt {
		return
	}
	now := t.o.Now()
	for k, e := range t.entries {
		if e.flight == nil && !now.Before(e.refreshAt) {
			delete(t.entries, k)
		}
	}
}

// Clear forgets every cached token: the token vault's key material was
// reset (ResetTokenVaultKeyMaterial deletes the tokens it holds). Requests
// in flight still answer their callers but are not cached.
func (t *Tokens) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.entries = map[string]*entry{}
}

// drop forgets the cached token of key if it is still sent (another caller
// may have renewed it already). It reports whether a retry can expect a
// different token.
func (t *Tokens) drop(key, sent string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	if e == nil {
		return true
	}
	if e.tok.AccessToken == sent {
		e.tok, e.refreshAt = Token{}, time.Time{}
	}
	return true
}

// Injector returns the credential injector of a target: it sets
// "Authorization: Bearer <token>" for p, scopes and params, and, as a
// cred.Renewer, drops the token an upstream refused with 401.
func (t *Tokens) Injector(p *Provider, scopes []string, params map[string]string) cred.Injector {
	return &injector{t: t, p: p, scopes: slices.Clone(scopes), params: params, key: cacheKey(p, scopes, params)}
}

type injector struct {
	t      *Tokens
	p      *Provider
	scopes []string
	params map[string]string
	key    string
}

var _ cred.Renewer = (*injector)(nil)

// Inject sets the Authorization header, replacing any the request had.
func (in *injector) Inject(ctx context.Context, req *http.Request) error {
	if err := checkParams(in.p, in.params); err != nil {
		return err
	}
	tok, err := in.t.get(ctx, in.key, in.p, in.scopes, in.params)
	if err != nil {
		return err
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	for k := range req.Header {
		if strings.EqualFold(k, "Authorization") {
			delete(req.Header, k)
		}
	}
	req.Header["Authorization"] = []string{"Bearer " + tok.AccessToken}
	return nil
}

// Renew drops the token sent carried, if it is still the cached one.
func (in *injector) Renew(_ context.Context, sent *http.Request) bool {
	v, ok := strings.CutPrefix(sent.Header.Get("Authorization"), "Bearer ")
	if !ok || v == "" {
		return false
	}
	return in.t.drop(in.key, v)
}

// String describes the injector without any token.
func (in *injector) String() string { return "oauth2(" + in.p.name + ")" }

// GoString keeps %#v from printing the fields.
func (in *injector) GoString() string { return in.String() }

// Format makes every verb print String.
func (in *injector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, in.String()) }

// LogValue keeps slog handlers from reflecting over the struct.
func (in *injector) LogValue() slog.Value { return slog.StringValue(in.String()) }
