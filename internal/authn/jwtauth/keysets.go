package jwtauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/httprc/v3"
)

// KeySetOptions configures a KeySets. Zero values take the defaults.
type KeySetOptions struct {
	// HTTPClient fetches discovery documents and JWKS. Pass the process's
	// egress-policed client; without a Timeout one of 10s is set on a copy.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// RefreshInterval is how often a key set is re-fetched in the
	// background (default 15m).
	RefreshInterval time.Duration
	// MinKidRefreshInterval spaces the refreshes that unknown kids force,
	// per key set (default 10s): a flood of forged kids costs the IdP at
	// most one request per interval.
	MinKidRefreshInterval time.Duration
	// Now is the clock of the rate limiter (default time.Now).
	Now func() time.Time
}

// Retry bounds of the background fetches that have never succeeded.
const (
	defaultRetryMin = time.Second
	defaultRetryMax = 5 * time.Minute
	// maxDocBytes bounds discovery documents and JWKS.
	maxDocBytes = 1 << 20
	// fetchTimeout bounds a forced refresh that callers wait on.
	fetchTimeout = 30 * time.Second
)

// KeySets caches discovery documents and JWKS per discovery URL; one per
// process, shared by all gateways. Each discovery URL is fetched once
// (retried with exponential backoff until it succeeds); its jwks_uri is
// kept by an httprc cache that refreshes it every RefreshInterval. Gateways
// that share an IdP, even through different discovery URLs, share its keys.
//
// The hot path reads the current keys from an atomic pointer updated by the
// fetcher; it never waits on the cache's controller goroutine, which is why
// this uses httprc directly with its own transformer instead of jwk.Cache,
// whose Lookup is a round trip through that single goroutine.
type KeySets struct {
	httpc    *http.Client
	log      *slog.Logger
	now      func() time.Time
	refresh  time.Duration
	minKid   time.Duration
	retryMin time.Duration
	retryMax time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	ctrl   httprc.Controller
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	issuers map[string]*issuer // by discovery URL
	sets    map[string]*keySet // by jwks_uri
}

// NewKeySets starts the background fetcher; ctx bounds its lifetime (Close
// ends it earlier). No network request is made until an Authorizer
// registers a discovery URL.
func NewKeySets(ctx context.Context, o KeySetOptions) *KeySets {
	k := &KeySets{
		httpc:    o.HTTPClient,
		log:      o.Logger,
		now:      o.Now,
		refresh:  o.RefreshInterval,
		minKid:   o.MinKidRefreshInterval,
		retryMin: defaultRetryMin,
		retryMax: defaultRetryMax,
		issuers:  map[string]*issuer{},
		sets:     map[string]*keySet{},
	}
	if k.httpc == nil {
		k.httpc = &http.Client{}
	}
	if k.httpc.Timeout == 0 {
		c := *k.httpc
		c.Timeout = 10 * time.Second
		k.httpc = &c
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	if k.now == nil {
		k.now = time.Now
	}
	if k.refresh <= 0 {
		k.refresh = 15 * time.Minute
	}
	if k.minKid <= 0 {
		k.minKid = 10 * time.Second
	}
	k.ctx, k.cancel = context.WithCancel(ctx)
	ctrl, err := httprc.NewClient(httprc.WithWorkers(2), httprc.WithHTTPClient(k.httpc)).Start(k.ctx)
	if err != nil { // only possible for a client started twice
		panic("jwtauth: start httprc client: " + err.Error())
	}
	k.ctrl = ctrl
	return k
}

// Close stops background fetching and waits for it. Authorizers keep
// working with the keys already fetched, and fail closed for others.
func (k *KeySets) Close() {
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	k.cancel()
	_ = k.ctrl.Shutdown(5 * time.Second)
	k.wg.Wait()
}

// errClosed is the state of issuers registered after Close.
var errClosed = errors.New("jwtauth: key sets closed")

// issuer returns the entry of a discovery URL, starting its discovery on
// first use.
func (k *KeySets) issuer(discoveryURL string) *issuer {
	k.mu.Lock()
	defer k.mu.Unlock()
	if is := k.issuers[discoveryURL]; is != nil {
		return is
	}
	is := &issuer{ks: k, url: discoveryURL, attempted: make(chan struct{})}
	k.issuers[discoveryURL] = is
	if k.closed {
		is.finish(errClosed)
		return is
	}
	k.wg.Add(1)
	go is.run(k.ctx)
	return is
}

// keySet returns the entry of a jwks_uri, starting its first fetch on
// first use.
func (k *KeySets) keySet(uri string) *keySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s := k.sets[uri]; s != nil {
		return s
	}
	s := &keySet{ks: k, uri: uri, attempted: make(chan struct{}), first: make(chan error, 1)}
	k.sets[uri] = s
	if k.closed {
		s.finish(errClosed)
		return s
	}
	k.wg.Add(1)
	go s.run(k.ctx)
	return s
}

// goBackground runs f in a goroutine Close waits for, unless closed.
func (k *KeySets) goBackground(f func()) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return false
	}
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		f()
	}()
	return true
}

// sleep waits d (with up to 25% jitter, so replicas do not retry in step)
// and reports whether ctx is still alive.
func (k *KeySets) sleep(ctx context.Context, d time.Duration) bool {
	d += time.Duration(float64(d) * 0.25 * rand.Float64())
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// metadata is what toolgate takes from a discovery document.
type metadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
	set     *keySet
}

// issuer is one discovery URL: its metadata, once fetched, and the state
// of the attempts.
type issuer struct {
	ks        *KeySets
	url       string
	meta      atomic.Pointer[metadata]
	attempted chan struct{} // closed when the first attempt has finished
	once      sync.Once
	mu        sync.Mutex
	lastErr   error
}

func (is *issuer) finish(err error) {
	is.mu.Lock()
	is.lastErr = err
	is.mu.Unlock()
	is.once.Do(func() { close(is.attempted) })
}

func (is *issuer) err() error {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.lastErr
}

// run fetches the discovery document until it succeeds. The document is
// not re-fetched afterwards: issuer and jwks_uri are an IdP's identity,
// and changing them is a configuration change on both sides.
func (is *issuer) run(ctx context.Context) {
	defer is.ks.wg.Done()
	for backoff := is.ks.retryMin; ; backoff = min(2*backoff, is.ks.retryMax) {
		md, err := fetchMetadata(ctx, is.ks.httpc, is.url)
		if err == nil {
			md.set = is.ks.keySet(md.JWKSURI)
			is.meta.Store(md)
			is.finish(nil)
			is.ks.log.Info("jwtauth: discovery document fetched", "discovery_url", is.url, "issuer", md.Issuer, "jwks_uri", md.JWKSURI)
			return
		}
		is.finish(err)
		is.ks.log.Warn("jwtauth: discovery document unavailable; retrying", "discovery_url", is.url, "retry_in", backoff, "err", err)
		if !is.ks.sleep(ctx, backoff) {
			return
		}
	}
}

// current returns the metadata and key index without waiting; either may
// be nil.
func (is *issuer) current() (*metadata, *keyIndex) {
	md := is.meta.Load()
	if md == nil {
		return nil, nil
	}
	return md, md.set.index.Load()
}

// await returns the metadata and key index, waiting for the first fetch
// attempts (bounded by ctx) when they have not finished yet, or an
// Unavailable failure.
func (is *issuer) await(ctx context.Context) (*metadata, *keyIndex, *Failure) {
	if md, x := is.current(); x != nil {
		return md, x, nil
	}
	select {
	case <-is.attempted:
	case <-ctx.Done():
		return nil, nil, unavailable("waiting for the discovery document "+is.url, ctx.Err())
	}
	md := is.meta.Load()
	if md == nil {
		return nil, nil, unavailable("the discovery document "+is.url+" could not be fetched", is.err())
	}
	select {
	case <-md.set.attempted:
	case <-ctx.Done():
		return md, nil, unavailable("waiting for the JWKS "+md.JWKSURI, ctx.Err())
	}
	if x := md.set.index.Load(); x != nil {
		return md, x, nil
	}
	return md, nil, unavailable("the JWKS "+md.JWKSURI+" has never been fetched", md.set.err())
}

func unavailable(what string, err error) *Failure {
	detail := what
	if err != nil {
		detail += ": " + err.Error()
	}
	return newFailure(Unavailable, checkKey, descUnavailable, detail+"; retrying in the background",
		"check that toolgate can reach the IdP (network, egress policy, TLS) and that discoveryUrl is right")
}

// fetchMetadata GETs and checks a discovery document (OIDC Discovery §4,
// RFC 8414 §3).
func fetchMetadata(ctx context.Context, c *http.Client, u string) (*metadata, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP status %d", u, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", u, err)
	}
	if len(body) > maxDocBytes {
		return nil, fmt.Errorf("GET %s: document larger than %d bytes", u, maxDocBytes)
	}
	var md metadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("GET %s: not a JSON discovery document: %w", u, err)
	}
	if md.Issuer == "" {
		return nil, fmt.Errorf("GET %s: discovery document has no issuer", u)
	}
	if p, err := url.Parse(md.JWKSURI); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return nil, fmt.Errorf("GET %s: discovery document has no absolute http(s) jwks_uri", u)
	}
	return &md, nil
}
