package audit

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// EventStore keeps audit events for `toolgate audit query`. Backends append
// in order, answer queries in that order (oldest first) with Query.Match as
// the only filter semantics, and delete by event time for retention. The
// audittest package holds the suite every backend must pass.
type EventStore interface {
	// AppendAuditEvents stores events (already prepared by the caller).
	AppendAuditEvents(ctx context.Context, events []Event) error
	// QueryAuditEvents returns up to q.EffectiveLimit() events matching q,
	// oldest first, after the cursor q.After, and the cursor of the next
	// page ("" when there is no further match).
	QueryAuditEvents(ctx context.Context, q Query) (events []Event, next string, err error)
	// DeleteAuditEventsBefore deletes every event whose EventTime is before
	// t and returns how many it deleted.
	DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int, error)
}

// ErrInvalidCursor is returned for a Query.After the store did not issue.
var ErrInvalidCursor = errors.New("audit: invalid query cursor")

// Query limits.
const (
	DefaultQueryLimit = 50
	MaxQueryLimit     = 1000
)

// Query selects events. Zero fields do not filter.
type Query struct {
	// Since (inclusive) and Until (exclusive) bound EventTime.
	Since, Until time.Time
	// Principal matches the identity's ARN, access key id, sub, client_id,
	// principal id or user name exactly.
	Principal string
	// EventName matches exactly, or as a pattern where * matches any run of
	// characters; case-insensitive ("*Gateway*", "Delete*").
	EventName string
	// ErrorOnly keeps events with an error code or a data-plane outcome
	// other than success.
	ErrorOnly bool
	// Gateway matches a gateway id or ARN: additionalEventData.gateway, or a
	// resource that is the gateway or one of its targets.
	Gateway string
	// Limit is the page size: <= 0 means DefaultQueryLimit, and it is
	// capped at MaxQueryLimit.
	Limit int
	// After is the cursor returned by the previous page.
	After string
}

// EffectiveLimit is the page size a store must use for q.
func (q Query) EffectiveLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultQueryLimit
	case q.Limit > MaxQueryLimit:
		return MaxQueryLimit
	}
	return q.Limit
}

// Match reports whether e satisfies every filter of q (not the cursor or
// the limit). It is pure, so every backend filters identically; SQL backends
// may pre-filter on indexed columns but must apply Match to what they
// return.
func (q Query) Match(e Event) bool {
	if !q.Since.IsZero() && e.EventTime.Before(q.Since) {
		return false
	}
	if !q.Until.IsZero() && !e.EventTime.Before(q.Until) {
		return false
	}
	if q.Principal != "" {
		u := e.UserIdentity
		if q.Principal != u.ARN && q.Principal != u.AccessKeyID && q.Principal != u.Sub &&
			q.Principal != u.ClientID && q.Principal != u.PrincipalID && q.Principal != u.UserName {
			return false
		}
	}
	if q.EventName != "" && !MatchPattern(q.EventName, e.EventName) {
		return false
	}
	if q.ErrorOnly && !e.IsError() {
		return false
	}
	if q.Gateway != "" && !matchGateway(q.Gateway, e) {
		return false
	}
	return true
}

func matchGateway(g string, e Event) bool {
	id := g
	if gid, ok := gatewayID(g); ok {
		id = gid
	}
	if d := e.AdditionalEventData; d != nil && d.Gateway != "" && (d.Gateway == g || d.Gateway == id) {
		return true
	}
	for _, r := range e.Resources {
		if r.ARN == g || strings.HasPrefix(r.ARN, g+"/") {
			return true
		}
		if rid, ok := gatewayID(r.ARN); ok && rid == id {
			return true
		}
	}
	return false
}

// gatewayID returns the gateway id of arn:…:gateway/<id> or
// arn:…:gateway/<id>/target/<target>.
func gatewayID(arn string) (string, bool) {
	i := strings.Index(arn, ":gateway/")
	if !strings.HasPrefix(arn, "arn:") || i < 0 {
		return "", false
	}
	id := arn[i+len(":gateway/"):]
	if j := strings.IndexByte(id, '/'); j >= 0 {
		id = id[:j]
	}
	return id, id != ""
}

// MatchPattern matches name against pattern, where * matches any run of
// characters, ignoring case. A pattern without * is an exact
// (case-insensitive) comparison.
func MatchPattern(pattern, name string) bool {
	p, n := strings.ToLower(pattern), strings.ToLower(name)
	if !strings.Contains(p, "*") {
		return p == n
	}
	parts := strings.Split(p, "*")
	if !strings.HasPrefix(n, parts[0]) {
		return false
	}
	n = n[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(n, part)
		if i < 0 {
			return false
		}
		n = n[i+len(part):]
	}
	return len(n) >= len(last) && strings.HasSuffix(n, last)
}

// MemoryStore is an in-memory EventStore for tests and small deployments.
// It keeps insertion order and, when MaxEvents > 0, at most that many
// events (the oldest go first).
type MemoryStore struct {
	mu        sync.RWMutex
	events    []storedEvent // ascending seq
	next      uint64
	maxEvents int
}

type storedEvent struct {
	seq uint64
	e   Event
}

// NewMemoryStore returns an empty store keeping at most maxEvents events
// (0: unbounded).
func NewMemoryStore(maxEvents int) *MemoryStore {
	return &MemoryStore{maxEvents: maxEvents}
}

// AppendAuditEvents implements EventStore.
func (m *MemoryStore) AppendAuditEvents(ctx context.Context, events []Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range events {
		m.next++
		m.events = append(m.events, storedEvent{m.next, e.Clone()})
	}
	if m.maxEvents > 0 && len(m.events) > m.maxEvents {
		n := copy(m.events, m.events[len(m.events)-m.maxEvents:])
		clear(m.events[n:])
		m.events = m.events[:n]
	}
	return nil
}

const memCursorPrefix = "m1."

// QueryAuditEvents implements EventStore.
func (m *MemoryStore) QueryAuditEvents(ctx context.Context, q Query) ([]Event, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	var after uint64
	if q.After != "" {
		s, ok := strings.CutPrefix(q.After, memCursorPrefix)
		v, err := strconv.ParseUint(s, 10, 64)
		if !ok || err != nil {
			return nil, "", fmt.Errorf("%w: %q", ErrInvalidCursor, q.After)
		}
		after = v
	}
	limit := q.EffectiveLimit()
	m.mu.RLock()
	defer m.mu.RUnlock()
	i := sort.Search(len(m.events), func(i int) bool { return m.events[i].seq > after })
	var out []Event
	var lastSeq uint64
	for ; i < len(m.events); i++ {
		se := m.events[i]
		if !q.Match(se.e) {
			continue
		}
		if len(out) == limit { // one more match exists: there is a next page
			return out, memCursorPrefix + strconv.FormatUint(lastSeq, 10), nil
		}
		out = append(out, se.e.Clone())
		lastSeq = se.seq
	}
	return out, "", nil
}

// DeleteAuditEventsBefore implements EventStore.
func (m *MemoryStore) DeleteAuditEventsBefore(ctx context.Context, t time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.events[:0]
	for _, se := range m.events {
		if !se.e.EventTime.Before(t) {
			kept = append(kept, se)
		}
	}
	n := len(m.events) - len(kept)
	clear(m.events[len(kept):])
	m.events = kept
	return n, nil
}

// Len returns how many events the store holds.
func (m *MemoryStore) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.events)
}

// StoreSink is a Sink over an EventStore.
type StoreSink struct {
	Store EventStore
	// Defaults are applied by Prepare before events are appended.
	Defaults Defaults
	// Now is used by Retain; nil means time.Now.
	Now func() time.Time
}

// NewStoreSink returns a sink appending to store.
func NewStoreSink(store EventStore, d Defaults) *StoreSink {
	return &StoreSink{Store: store, Defaults: d}
}

// Write prepares (and so redacts) events and appends them.
func (s *StoreSink) Write(ctx context.Context, events []Event) error {
	prepared := make([]Event, len(events))
	for i, e := range events {
		prepared[i] = s.Defaults.Prepare(e)
	}
	return s.Store.AppendAuditEvents(ctx, prepared)
}

// Close does nothing: the store belongs to its opener.
func (s *StoreSink) Close() error { return nil }

// Retain deletes events older than maxAge and returns how many it deleted.
func (s *StoreSink) Retain(ctx context.Context, maxAge time.Duration) (int, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return s.Store.DeleteAuditEventsBefore(ctx, now().Add(-maxAge))
}

// RunRetention calls Retain every interval until ctx is done, reporting
// errors to onErr (which may be nil).
func (s *StoreSink) RunRetention(ctx context.Context, interval, maxAge time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Retain(ctx, maxAge); err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
