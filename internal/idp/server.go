package idp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

const (
	// DefaultTokenValidity is the lifetime of access tokens of clients that
	// set none, Cognito's default.
	DefaultTokenValidity = time.Hour
	// clockLeeway keeps a rotated-out key published a little past the expiry
	// of its last token, for verifiers whose clocks run behind.
	clockLeeway = 5 * time.Minute
	defaultPoll = 500 * time.Millisecond
)

// RevisionSource tells the server whether the store changed since its last
// snapshot; *sqlstore.Store implements it.
type RevisionSource interface {
	Revision(ctx context.Context) (int64, error)
}

// Options configure a Server.
type Options struct {
	// Store holds the pools; the server writes to it only to rotate and
	// retire signing keys.
	Store store.UserPoolStore
	// Revisions is polled (every Poll) and checked on a miss; nil means
	// Store, which must then implement RevisionSource (*sqlstore.Store does).
	Revisions RevisionSource
	// Changes, if set, signals that the store may have changed. The server
	// does not read store.Store.Changes itself: that channel holds one
	// pending signal for one reader, and the catalog already reads it. Feed
	// this from catalog.Manager.Subscribe, or call Notify.
	Changes <-chan struct{}
	// Vault opens the sealed signing keys and seals rotated ones.
	Vault *vault.Vault
	// DataURL is the public data-plane base URL without a trailing slash;
	// each pool's issuer is DataURL + "/idp/" + poolID.
	DataURL string
	Logger  *slog.Logger
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Poll is the interval of the revision check in Run; 0 = 500ms.
	Poll time.Duration
}

// Server serves every pool's issuer endpoints. It is safe for concurrent use.
type Server struct {
	o       Options
	log     *slog.Logger
	now     func() time.Time
	current atomic.Pointer[snapshot]
	mu      sync.Mutex    // serialises rebuilds
	notify  chan struct{} // Notify -> watch
	// kdf bounds concurrent PBKDF2 checks, so a flood of wrong secrets
	// costs at most GOMAXPROCS cores, never the whole data plane.
	kdf chan struct{}
}

// New returns a Server. Call Run to load the first snapshot eagerly and keep
// it fresh; without Run the first request loads it and only misses refresh it.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Poll <= 0 {
		o.Poll = defaultPoll
	}
	if o.Revisions == nil {
		o.Revisions, _ = o.Store.(RevisionSource)
	}
	o.DataURL = strings.TrimRight(o.DataURL, "/")
	return &Server{
		o:      o,
		log:    o.Logger,
		now:    o.Now,
		notify: make(chan struct{}, 1),
		kdf:    make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
}

// Handler serves, for every pool:
//
//	GET  /idp/{pool}/.well-known/openid-configuration
//	GET  /idp/{pool}/.well-known/oauth-authorization-server
//	GET  /.well-known/openid-configuration/idp/{pool}        (RFC 8414 §3 form)
//	GET  /.well-known/oauth-authorization-server/idp/{pool}  (RFC 8414 §3 form)
//	GET  /idp/{pool}/.well-known/jwks.json
//	POST /idp/{pool}/oauth2/token
//
// The token endpoint also answers under the pool's domain prefix
// (/idp/{domain}/oauth2/token), as a Cognito domain hosts /oauth2/token.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /idp/{pool}/.well-known/openid-configuration", s.serveOpenID)
	mux.HandleFunc("GET /.well-known/openid-configuration/idp/{pool}", s.serveOpenID)
	mux.HandleFunc("GET /idp/{pool}/.well-known/oauth-authorization-server", s.serveOAuthMetadata)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server/idp/{pool}", s.serveOAuthMetadata)
	mux.HandleFunc("GET /idp/{pool}/.well-known/jwks.json", s.serveJWKS)
	mux.HandleFunc("POST /idp/{pool}/oauth2/token", s.serveToken)
	return mux
}

// Run loads the first snapshot, then keeps it fresh until ctx ends: on
// Changes, Notify, and every Poll. It also marks retiring keys retired once
// their last token has expired. It returns after the first load.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Refresh(ctx, true); err != nil {
		return err
	}
	go s.watch(ctx)
	return nil
}

func (s *Server) watch(ctx context.Context) {
	t := time.NewTicker(s.o.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.o.Changes:
		case <-s.notify:
		case <-t.C:
		}
		if err := s.Refresh(ctx, false); err != nil && ctx.Err() == nil {
			s.log.Error("identity provider refresh failed; serving the previous snapshot", "err", err)
		}
		if err := s.RetireExpiredKeys(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("identity provider could not retire expired signing keys", "err", err)
		}
	}
}

// Notify asks the Run loop to check the store now. It never blocks.
func (s *Server) Notify() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Refresh rebuilds the snapshot when the store revision moved, a published
// retiring key expired, or force is set. Safe to call concurrently.
func (s *Server) Refresh(ctx context.Context, force bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked(ctx, force)
}

func (s *Server) refreshLocked(ctx context.Context, force bool) error {
	if s.o.Revisions == nil || s.o.Store == nil {
		return errors.New("identity provider: Options.Store and Options.Revisions are required")
	}
	prev := s.current.Load()
	if !force && prev != nil && (prev.staleAt.IsZero() || s.now().Before(prev.staleAt)) {
		rev, err := s.o.Revisions.Revision(ctx)
		if err != nil {
			return fmt.Errorf("read store revision: %w", err)
		}
		if rev == prev.revision {
			return nil
		}
	}
	next, err := s.build(ctx, prev)
	if err != nil {
		return err
	}
	s.current.Store(next)
	return nil
}

// snapshot returns the current snapshot, loading the first one and
// rebuilding one whose published keys expired.
func (s *Server) snapshot(ctx context.Context) (*snapshot, error) {
	snap := s.current.Load()
	if snap != nil && (snap.staleAt.IsZero() || s.now().Before(snap.staleAt)) {
		return snap, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.current.Load(); cur != snap && cur != nil {
		return cur, nil // rebuilt while we waited
	}
	if err := s.refreshLocked(ctx, true); err != nil {
		if snap != nil {
			s.log.Error("identity provider refresh failed; serving the previous snapshot", "err", err)
			return snap, nil
		}
		return nil, err
	}
	return s.current.Load(), nil
}

// lookup finds what find looks for in the current snapshot and, on a miss,
// once more after catching up with the store: a pool or client created a
// moment ago through the control plane is found without waiting for the
// poll. A miss costs one revision query; a rebuild happens only when the
// store changed.
func lookup[T any](ctx context.Context, s *Server, find func(*snapshot) (T, bool)) (T, *snapshot, error) {
	snap, err := s.snapshot(ctx)
	if err != nil {
		var zero T
		return zero, nil, err
	}
	if v, ok := find(snap); ok {
		return v, snap, nil
	}
	if err := s.Refresh(ctx, false); err != nil {
		s.log.Error("identity provider refresh failed; serving the previous snapshot", "err", err)
		var zero T
		return zero, snap, nil
	}
	snap = s.current.Load()
	v, _ := find(snap)
	return v, snap, nil
}

// RotateSigningKey makes a new key the active key of poolID. The old active
// key stays in the JWKS, retiring, until every token it signed has expired
// (the longest token validity of the pool's clients, plus a clock leeway);
// after that it leaves the JWKS and RetireExpiredKeys marks it retired. The
// new key signs tokens as soon as this returns.
func (s *Server) RotateSigningKey(ctx context.Context, poolID string) (store.SigningKey, error) {
	clients, err := listAll(func(p store.Page) ([]store.PoolClient, string, error) {
		return s.o.Store.ListPoolClients(ctx, poolID, p)
	})
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("rotate signing key of pool %s: %w", poolID, err)
	}
	longest := DefaultTokenValidity
	for _, c := range clients {
		longest = max(longest, c.AccessTokenValidity)
	}
	now := s.now()
	key, err := NewSigningKey(s.o.Vault, poolID, now)
	if err != nil {
		return store.SigningKey{}, err
	}
	key, err = s.o.Store.RotateSigningKey(ctx, key, now.Add(longest+clockLeeway))
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("rotate signing key of pool %s: %w", poolID, err)
	}
	s.log.Info("identity provider signing key rotated", "pool", poolID, "kid", key.KeyID)
	if err := s.Refresh(ctx, true); err != nil {
		return key, fmt.Errorf("signing key rotated, but reloading failed: %w", err)
	}
	return key, nil
}

// errUnchanged aborts an UpdateSigningKey that has nothing to do.
var errUnchanged = errors.New("unchanged")

// RetireExpiredKeys marks retired every retiring key whose NotAfter has
// passed (they are already out of the JWKS). Run calls it on every tick; it
// writes only when there is such a key.
func (s *Server) RetireExpiredKeys(ctx context.Context) error {
	snap, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	if len(snap.expired) == 0 {
		return nil
	}
	now := s.now()
	for _, k := range snap.expired {
		_, err := s.o.Store.UpdateSigningKey(ctx, k.PoolID, k.KeyID, func(cur store.SigningKey) (store.SigningKey, error) {
			if cur.Status != store.SigningKeyRetiring || now.Before(cur.NotAfter) {
				return cur, errUnchanged
			}
			cur.Status = store.SigningKeyRetired
			return cur, nil
		})
		switch {
		case err == nil:
			s.log.Info("identity provider signing key retired", "pool", k.PoolID, "kid", k.KeyID)
		case errors.Is(err, errUnchanged), errors.Is(err, store.ErrNotFound):
		default:
			return fmt.Errorf("retire key %s of pool %s: %w", k.KeyID, k.PoolID, err)
		}
	}
	return s.Refresh(ctx, false)
}
