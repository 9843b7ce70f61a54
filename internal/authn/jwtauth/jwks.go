package jwtauth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/httprc/v3"
)

// keySet is one jwks_uri: the current key index and the bookkeeping of its
// fetches. The index pointer changes only when the document changes.
type keySet struct {
	ks        *KeySets
	uri       string
	index     atomic.Pointer[keyIndex]
	fetchedAt atomic.Int64 // UnixNano (ks.now) of the last successful fetch

	attempted chan struct{} // closed when the first fetch has finished
	once      sync.Once
	first     chan error // outcome of the first fetch (buffer 1, fed by observe)
	mu        sync.Mutex
	lastErr   error

	rmu           sync.Mutex // guards the forced-refresh state below
	lastForced    time.Time
	lastForcedErr error
	inflight      *forcedRefresh
}

type forcedRefresh struct {
	done chan struct{}
	at   time.Time
	err  error
}

// refreshOutcome describes the forced refresh an unknown kid led to.
type refreshOutcome struct {
	limited bool // none was made: the last one is younger than MinKidRefreshInterval
	at      time.Time
	err     error
}

func (s *keySet) err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

func (s *keySet) finish(err error) {
	if err != nil {
		s.mu.Lock()
		s.lastErr = err
		s.mu.Unlock()
	}
	s.once.Do(func() { close(s.attempted) })
}

// observe records the outcome of every fetch, background or forced.
func (s *keySet) observe(x *keyIndex, err error) {
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
	if err == nil {
		if cur := s.index.Load(); cur != nil && cur.digest == x.digest {
			x = cur // unchanged document: keep cached decisions valid
		}
		s.index.Store(x)
		s.fetchedAt.Store(s.ks.now().UnixNano())
	}
	select {
	case s.first <- err:
	default:
	}
}

// run registers the JWKS with the httprc controller, which fetches it at
// once and then every RefreshInterval, and retries with backoff until a
// first fetch succeeds (httprc alone would wait a whole interval).
func (s *keySet) run(ctx context.Context) {
	defer s.ks.wg.Done()
	res, err := httprc.NewResource[*keyIndex](s.uri, httprc.TransformFunc[*keyIndex](s.transform),
		httprc.WithHTTPClient(observer{s}),
		httprc.WithConstantInterval(s.ks.refresh),
		httprc.WithMinInterval(min(s.ks.refresh, time.Minute)), // retry delay after a failed background fetch
	)
	if err == nil {
		err = s.ks.ctrl.Add(ctx, res, httprc.WithWaitReady(false))
	}
	if err != nil {
		s.finish(err)
		return
	}
	select {
	case err = <-s.first:
	case <-ctx.Done():
		s.finish(ctx.Err())
		return
	}
	s.finish(err)
	for backoff := s.ks.retryMin; err != nil; backoff = min(2*backoff, s.ks.retryMax) {
		s.ks.log.Warn("jwtauth: JWKS unavailable; retrying", "jwks_uri", s.uri, "retry_in", backoff, "err", err)
		if !s.ks.sleep(ctx, backoff) {
			return
		}
		err = s.ks.ctrl.Refresh(ctx, s.uri)
	}
	if x := s.index.Load(); x != nil {
		s.ks.log.Info("jwtauth: JWKS fetched", "jwks_uri", s.uri, "keys", len(x.keys), "skipped", len(x.skipped))
	}
}

// transform turns a fetched JWKS into a key index, off the hot path.
func (s *keySet) transform(_ context.Context, res *http.Response) (*keyIndex, error) {
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocBytes+1))
	if err == nil && len(body) > maxDocBytes {
		err = fmt.Errorf("JWKS %s is larger than %d bytes", s.uri, maxDocBytes)
	}
	var x *keyIndex
	if err == nil {
		x, err = buildIndex(s.uri, body)
	}
	s.observe(x, err)
	return x, err
}

// observer lets the key set see fetch failures that never reach the
// transformer (connection errors, non-200 answers).
type observer struct{ s *keySet }

func (o observer) Do(req *http.Request) (*http.Response, error) {
	req.Header.Set("Accept", "application/json")
	res, err := o.s.ks.httpc.Do(req)
	switch {
	case err != nil:
		o.s.observe(nil, err)
	case res.StatusCode != http.StatusOK:
		o.s.observe(nil, fmt.Errorf("GET %s: HTTP status %d", o.s.uri, res.StatusCode))
	}
	return res, err
}

// forceRefresh re-fetches the JWKS because a token names an unknown kid.
// At most one such fetch runs per MinKidRefreshInterval; concurrent callers
// share it. The fetch runs detached from ctx so that one caller giving up
// does not fail the others; each caller waits at most until its ctx ends.
func (s *keySet) forceRefresh(ctx context.Context) refreshOutcome {
	s.rmu.Lock()
	r := s.inflight
	if r == nil {
		now := s.ks.now()
		if !s.lastForced.IsZero() && now.Sub(s.lastForced) < s.ks.minKid {
			out := refreshOutcome{limited: true, at: s.lastForced, err: s.lastForcedErr}
			s.rmu.Unlock()
			return out
		}
		r = &forcedRefresh{done: make(chan struct{}), at: now}
		if !s.ks.goBackground(func() { s.doRefresh(r) }) {
			s.rmu.Unlock()
			return refreshOutcome{at: now, err: errClosed}
		}
		s.inflight, s.lastForced = r, now
	}
	s.rmu.Unlock()
	select {
	case <-r.done:
		return refreshOutcome{at: r.at, err: r.err}
	case <-ctx.Done():
		return refreshOutcome{at: r.at, err: ctx.Err()}
	}
}

func (s *keySet) doRefresh(r *forcedRefresh) {
	ctx, cancel := context.WithTimeout(s.ks.ctx, fetchTimeout)
	err := s.ks.ctrl.Refresh(ctx, s.uri)
	cancel()
	s.rmu.Lock()
	r.err, s.lastForcedErr, s.inflight = err, err, nil
	s.rmu.Unlock()
	close(r.done)
}
