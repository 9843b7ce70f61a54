package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/store"
)

// The audit trail: one recorder that both planes record into, writing to a
// rotating JSON-lines file (config audit.file) and to the store, which keeps
// events for audit.retention_days and answers `toolgate audit query`
// through the extension API (GET /toolgate/audit/events); `toolgate audit
// tail` follows the recorder (GET /toolgate/audit/tail).

// retentionInterval is how often events older than the retention period
// are deleted from the store.
const retentionInterval = time.Hour

// memoryStoreEvents bounds the in-memory event store used when the store
// cannot keep audit events.
const memoryStoreEvents = 100_000

// noAuditForTest, set by benchmarks before Run, runs without a recorder:
// the baseline that measures what auditing costs.
var noAuditForTest atomic.Bool

// auditTrail is the running audit trail of one server.
type auditTrail struct {
	rec    *audit.Recorder
	events audit.EventStore
	// shared is true when other replicas write to the same event store
	// (a PostgreSQL store): tail then also follows the store, so it shows
	// every replica's events, not only this one's.
	shared bool
	log    *slog.Logger
	stop   context.CancelFunc // retention
	done   chan struct{}
}

// startAudit starts the recorder with its sinks and the store's retention.
func startAudit(cfg config.Config, st store.Store, accountID string, log *slog.Logger) (*auditTrail, error) {
	t := &auditTrail{log: log, done: make(chan struct{})}
	if noAuditForTest.Load() {
		close(t.done)
		return t, nil
	}
	defaults := audit.Defaults{Region: cfg.Region, AccountID: accountID}
	var sinks []audit.Sink
	if path := cfg.Audit.FilePath(); path != "" {
		fs, err := audit.NewFileSink(audit.FileSinkOptions{
			Path: path, MaxBytes: cfg.Audit.MaxFileBytes, MaxFiles: cfg.Audit.MaxFiles, Defaults: defaults,
		})
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		sinks = append(sinks, fs)
	}
	es, ok := st.(audit.EventStore)
	if !ok {
		log.Warn("the store cannot keep audit events; `toolgate audit query` sees only this process's recent events", "kept", memoryStoreEvents)
		es = audit.NewMemoryStore(memoryStoreEvents)
	}
	t.events = es
	t.shared = ok && config.IsPostgresDSN(cfg.Store)
	storeSink := audit.NewStoreSink(es, defaults)
	sinks = append(sinks, storeSink)

	var lastErrLog atomic.Int64
	t.rec = audit.NewRecorder(audit.Options{
		Sinks: sinks, BufferSize: cfg.Audit.BufferSize, Defaults: defaults,
		OnError: func(err error) {
			// At most one line a minute: a full disk must not flood the log.
			now := time.Now().Unix()
			if last := lastErrLog.Load(); now-last >= 60 && lastErrLog.CompareAndSwap(last, now) {
				log.Error("audit events could not be written", "err", err)
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.stop = cancel
	maxAge := time.Duration(cfg.Audit.RetentionDays) * 24 * time.Hour
	go func() {
		defer close(t.done)
		storeSink.RunRetention(ctx, retentionInterval, maxAge, func(err error) {
			log.Warn("audit retention failed", "err", err)
		})
	}()
	return t, nil
}

// auditor is what the planes record into; nil when auditing is off.
func (t *auditTrail) auditor() interface{ Record(audit.Event) } {
	if t.rec == nil {
		return nil
	}
	return t.rec
}

// close stops retention and writes every buffered event before the store
// closes.
func (t *auditTrail) close() {
	if t.rec == nil {
		return
	}
	t.stop()
	<-t.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.rec.Close(ctx); err != nil {
		t.log.Error("closing the audit trail", "err", err)
	}
	if s := t.rec.Stats(); s.Dropped > 0 || s.Failed > 0 {
		t.log.Warn("audit events lost during this run", "dropped", s.Dropped, "failed", s.Failed, "recorded", s.Recorded)
	}
}

// register adds the audit routes to the extension API's mux.
func (t *auditTrail) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /audit/events", t.query)
	mux.HandleFunc("GET /audit/tail", t.tail)
}

// auditEventsPage is the answer of GET /toolgate/audit/events.
type auditEventsPage struct {
	Events    []audit.Event `json:"events"`
	NextToken string        `json:"nextToken,omitempty"`
}

// query answers GET /toolgate/audit/events?since=&until=&principal=&event=
// &errorsOnly=&gateway=&limit=&nextToken= with {events, nextToken}, oldest
// first.
func (t *auditTrail) query(w http.ResponseWriter, r *http.Request) {
	if t.rec == nil {
		extensionError(w, http.StatusNotImplemented, "UnsupportedOperationException", "auditing is off in this server")
		return
	}
	q, err := parseAuditQuery(r.URL.Query(), time.Now(), true)
	if err != nil {
		extensionError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	// Read your writes: what was recorded before this call is in the answer.
	fctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	_ = t.rec.Flush(fctx)
	cancel()
	events, next, err := t.events.QueryAuditEvents(r.Context(), q)
	if errors.Is(err, audit.ErrInvalidCursor) {
		extensionError(w, http.StatusBadRequest, "ValidationException", "nextToken is not a token this server issued")
		return
	}
	if err != nil {
		t.log.Error("audit query failed", "err", err)
		extensionError(w, http.StatusInternalServerError, "InternalServerException", "the audit trail could not be queried; see the server log")
		return
	}
	if events == nil {
		events = []audit.Event{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(auditEventsPage{Events: events, NextToken: next})
}

// tailKeepAlive is how often tail writes an empty line when no event
// arrives, so a vanished client is noticed and proxies keep the stream.
const tailKeepAlive = 15 * time.Second

// tail answers GET /toolgate/audit/tail?event=&principal=&errorsOnly=
// &gateway= with the events recorded from now on, one JSON object per line,
// until the client goes away or the server stops. Reports of dropped events
// are always sent.
func (t *auditTrail) tail(w http.ResponseWriter, r *http.Request) {
	if t.rec == nil {
		extensionError(w, http.StatusNotImplemented, "UnsupportedOperationException", "auditing is off in this server")
		return
	}
	q, err := parseAuditQuery(r.URL.Query(), time.Now(), false)
	if err != nil {
		extensionError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	events, cancel := t.rec.Subscribe(0)
	defer cancel()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if rc.Flush() != nil {
		return
	}
	enc := json.NewEncoder(w)
	keepAlive := time.NewTicker(tailKeepAlive)
	defer keepAlive.Stop()
	// With a shared store, other replicas' events come from polling it;
	// this replica's come from the recorder at once and again from the
	// store, so events are sent once by id.
	var poll <-chan time.Time
	follow := newSharedTail(t.events, q, time.Now())
	if t.shared {
		ticker := time.NewTicker(sharedTailPoll)
		defer ticker.Stop()
		poll = ticker.C
	}
	send := func(e audit.Event) bool {
		if !follow.first(e) {
			return true
		}
		return enc.Encode(e) == nil && rc.Flush() == nil
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			if _, err := w.Write([]byte("\n")); err != nil || rc.Flush() != nil {
				return
			}
		case now := <-poll:
			found, err := follow.poll(r.Context(), now)
			if err != nil {
				if r.Context().Err() == nil {
					t.log.Warn("audit tail: reading other replicas' events failed", "err", err)
				}
				continue
			}
			for _, e := range found {
				if !send(e) {
					return
				}
			}
		case e, ok := <-events:
			if !ok {
				return // the recorder closed: the server is stopping
			}
			if e.EventName != audit.EventAuditEventsDropped && !q.Match(e) {
				continue
			}
			if !send(e) {
				return
			}
		}
	}
}

// Following a shared event store: each poll asks again for the last
// sharedTailWindow, because events reach the store up to a recorder flush
// after they happened and replicas' clocks differ a little; ids already
// sent are skipped.
const (
	sharedTailPoll   = time.Second
	sharedTailWindow = 10 * time.Second
)

// sharedTail remembers which events a tail has sent.
type sharedTail struct {
	store audit.EventStore
	q     audit.Query
	start time.Time            // events before the tail began are not sent
	sent  map[string]time.Time // event id → event time, within the window
}

func newSharedTail(es audit.EventStore, q audit.Query, start time.Time) *sharedTail {
	// Event times have whole seconds (as CloudTrail's): an event of this
	// very second must not fall before the start.
	return &sharedTail{store: es, q: q, start: start.Truncate(time.Second), sent: map[string]time.Time{}}
}

// first reports whether e has not been sent yet, and marks it sent.
func (s *sharedTail) first(e audit.Event) bool {
	if e.EventID == "" {
		return true
	}
	if _, dup := s.sent[e.EventID]; dup {
		return false
	}
	s.sent[e.EventID] = e.EventTime
	return true
}

// poll returns the matching events of the last window not sent yet (first
// still decides), oldest first, and forgets ids that left the window.
func (s *sharedTail) poll(ctx context.Context, now time.Time) ([]audit.Event, error) {
	q := s.q
	q.Since = now.Add(-sharedTailWindow)
	if q.Since.Before(s.start) {
		q.Since = s.start
	}
	q.Limit = audit.MaxQueryLimit
	var out []audit.Event
	for {
		page, next, err := s.store.QueryAuditEvents(ctx, q)
		if err != nil {
			return out, err
		}
		for _, e := range page {
			if _, dup := s.sent[e.EventID]; !dup {
				out = append(out, e)
			}
		}
		if next == "" {
			break
		}
		q.After = next
	}
	for id, at := range s.sent {
		if at.Before(now.Add(-2 * sharedTailWindow)) {
			delete(s.sent, id)
		}
	}
	return out, nil
}

// parseAuditQuery reads the query parameters of the audit routes; paged
// (events) also takes since, until, limit and nextToken. Times are RFC 3339
// or a duration back from now ("90m", "24h", "7d").
func parseAuditQuery(v url.Values, now time.Time, paged bool) (audit.Query, error) {
	var q audit.Query
	var errs []string
	for k, vals := range v {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			continue // SigV4 query authentication
		}
		val := vals[len(vals)-1]
		var err error
		switch k {
		case "principal":
			q.Principal = val
		case "event":
			q.EventName = val
		case "gateway":
			q.Gateway = val
		case "errorsOnly":
			q.ErrorOnly, err = strconv.ParseBool(val)
		case "since", "until", "limit", "nextToken":
			if !paged {
				err = errors.New("tail follows new events; it takes event, principal, errorsOnly and gateway")
				break
			}
			switch k {
			case "since":
				q.Since, err = audit.ParseTime(val, now)
			case "until":
				q.Until, err = audit.ParseTime(val, now)
			case "limit":
				q.Limit, err = strconv.Atoi(val)
				if err == nil && (q.Limit < 1 || q.Limit > audit.MaxQueryLimit) {
					err = fmt.Errorf("want 1..%d", audit.MaxQueryLimit)
				}
			case "nextToken":
				q.After = val
			}
		default:
			err = errors.New("unknown parameter")
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", k, err))
		}
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		errs = append(errs, "until must be after since")
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return q, errors.New(strings.Join(errs, "; "))
	}
	return q, nil
}
