package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/toolgate/toolgate/internal/target"
)

// Listing mode DYNAMIC (§11.8): nothing is listed when the target is
// created and nothing is stored; the gateway's tools/list asks the server
// for its tools live (LiveTools), on the target's pooled session, and
// tools/call is forwarded as for DEFAULT targets (Call).
//
// A burst of tools/list calls must not become a burst against the server,
// so a listing — its tools, or the failure to get them — is reused for
// LiveTTL, and concurrent callers wait for the one listing in flight.

var (
	// LiveTTL is how long a DYNAMIC target's listing is reused. Tools the
	// server adds or removes show in the gateway's tools/list at most this
	// late.
	LiveTTL = 5 * time.Second
	// LiveListTimeout bounds one live listing (connecting, initializing and
	// every tools/list page), so a slow or unreachable server delays the
	// gateway's tools/list by at most this much.
	LiveListTimeout = 10 * time.Second
)

// Listing is the result of LiveTools.
type Listing struct {
	// Tools are the server's tools that can be served, sorted by name.
	Tools []target.Tool
	// Warnings name the tools left out (ParseTools, not strict).
	Warnings []target.Warning
	// Err is why the server's tools could not be listed; Tools is then nil.
	Err error
	// Fresh is true when this call listed the server (rather than reusing
	// a listing): Warnings and Err are then news worth logging.
	Fresh bool
}

// LiveTarget is a target whose tools are listed live (listing mode
// DYNAMIC). Its Tools method returns nothing.
type LiveTarget interface {
	target.Target
	LiveTools(ctx context.Context) Listing
}

type liveTarget struct {
	*openTarget
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	last     Listing
	at       time.Time
	valid    bool
	inflight chan struct{}
}

func newLiveTarget(t *openTarget) *liveTarget {
	return &liveTarget{openTarget: t, ttl: LiveTTL, now: time.Now}
}

// Tools is empty: the tools of a DYNAMIC target are not known in advance.
func (t *liveTarget) Tools() []target.Tool { return nil }

// LiveTools returns the server's tools, listing them at most once per
// LiveTTL. ctx only bounds the wait: a listing, once started, runs to its
// end (LiveListTimeout) so that the callers waiting for it get its result.
func (t *liveTarget) LiveTools(ctx context.Context) Listing {
	for {
		t.mu.Lock()
		if t.valid && t.now().Sub(t.at) < t.ttl {
			l := t.last
			t.mu.Unlock()
			return l
		}
		if ch := t.inflight; ch != nil {
			t.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return Listing{Err: ctx.Err()}
			}
		}
		ch := make(chan struct{})
		t.inflight = ch
		t.mu.Unlock()

		tools, warnings, err := t.fetch()
		l := Listing{Tools: tools, Warnings: warnings, Err: err}
		t.mu.Lock()
		t.last, t.at, t.valid, t.inflight = l, t.now(), true, nil
		t.mu.Unlock()
		close(ch)
		l.Fresh = true
		return l
	}
}

// fetch lists the server's tools on the pooled session, reconnecting once
// when the session turns out to be gone.
func (t *liveTarget) fetch() ([]target.Tool, []target.Warning, error) {
	// Not the caller's context: its values must not reach the client
	// transport (see detached), and waiting callers share the result.
	ctx, cancel := context.WithTimeout(context.Background(), LiveListTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		s, err := t.session(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("cannot connect to the MCP server at %s: %s", t.endpoint, Describe(err))
		}
		defs, err := listPages(ctx, s, t.endpoint)
		if err == nil {
			return convert(defs, false)
		}
		var le *listError
		if !errors.As(err, &le) {
			return nil, nil, err // the server answered, with too much
		}
		var we *jsonrpc.Error
		rejected := errors.As(err, &we) && we.Code == codeRejected
		if we != nil && !rejected {
			return nil, nil, err // the server answered: the session is fine
		}
		t.drop(s)
		if attempt == 0 && (rejected || retryable(err)) && ctx.Err() == nil {
			continue
		}
		return nil, nil, err
	}
}
