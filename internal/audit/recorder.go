package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder defaults.
const (
	DefaultBufferSize       = 8192
	DefaultMaxBatch         = 512
	DefaultWriteTimeout     = 10 * time.Second
	DefaultReportInterval   = time.Second
	DefaultSubscriberBuffer = 256
)

// Options configures a Recorder.
type Options struct {
	// Sinks receive every batch, in order. The recorder closes them in Close.
	Sinks []Sink
	// BufferSize bounds the events waiting to be written; when it is full
	// Record drops the event and counts it. 0 means DefaultBufferSize.
	BufferSize int
	// MaxBatch bounds the events handed to one Sink.Write. 0 means
	// DefaultMaxBatch.
	MaxBatch int
	// Defaults fill events (region, account, IDs, clock) before they are
	// written; the recorder prepares (and so redacts) every event once,
	// before sinks and subscribers see it.
	Defaults Defaults
	// WriteTimeout bounds each Sink.Write. 0 means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// ReportInterval is how often a pending drop report is written when no
	// event arrives to carry it. 0 means DefaultReportInterval.
	ReportInterval time.Duration
	// OnError is told about every failed Sink.Write (nil: ignored, but
	// counted in Stats).
	OnError func(error)
}

// Stats are the recorder's counters. Once Close has returned,
// Recorded == Written + Failed + Dropped.
type Stats struct {
	Recorded   uint64 // calls to Record
	Written    uint64 // events every sink accepted
	Dropped    uint64 // events refused because the buffer was full (or the recorder closed)
	Failed     uint64 // events at least one sink failed to write
	SinkErrors uint64 // failed Sink.Write calls
}

// Recorder buffers events and writes them to its sinks from one background
// goroutine. Record never blocks; when the buffer is full the event is
// counted as dropped and the next write to each sink carries an
// AuditEventsDropped event with the number dropped since that sink's last
// report, so loss is reported, never silent.
type Recorder struct {
	opts Options
	now  func() time.Time

	// Hot path: Record reads closed under mu (shared) and sends on ch.
	mu       sync.RWMutex
	closed   bool
	ch       chan Event
	recorded atomic.Uint64
	_        [56]byte // keep the hot counters on their own cache lines
	dropped  atomic.Uint64
	_        [56]byte

	written, failed, sinkErrors atomic.Uint64

	flushReq  chan chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	// Worker state.
	reported    []uint64 // per sink: the Dropped count its last report covered
	subReported uint64   // the Dropped count the subscribers' last report covered
	batch       []Event

	subMu   sync.Mutex
	subs    map[*subscriber]struct{}
	subDone bool
}

// NewRecorder starts a recorder writing to opts.Sinks.
func NewRecorder(opts Options) *Recorder {
	if opts.BufferSize <= 0 {
		opts.BufferSize = DefaultBufferSize
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.ReportInterval <= 0 {
		opts.ReportInterval = DefaultReportInterval
	}
	now := opts.Defaults.Now
	if now == nil {
		now = time.Now
	}
	r := &Recorder{
		opts:     opts,
		now:      now,
		ch:       make(chan Event, opts.BufferSize),
		flushReq: make(chan chan struct{}),
		done:     make(chan struct{}),
		reported: make([]uint64, len(opts.Sinks)),
		batch:    make([]Event, 0, opts.MaxBatch),
		subs:     map[*subscriber]struct{}{},
	}
	go r.run()
	return r
}

// Record queues e for writing and returns at once. It stamps EventTime when
// it is zero; everything else (ID, redaction, defaults) happens in the
// background. Record takes ownership of e's slices.
func (r *Recorder) Record(e Event) {
	r.recorded.Add(1)
	if e.EventTime.IsZero() {
		e.EventTime = r.now()
	}
	r.mu.RLock()
	if !r.closed {
		select {
		case r.ch <- e:
			r.mu.RUnlock()
			return
		default:
		}
	}
	r.mu.RUnlock()
	r.dropped.Add(1)
}

// Stats returns the counters.
func (r *Recorder) Stats() Stats {
	// Load the worker's counters before Recorded so that a snapshot never
	// shows more events written than recorded.
	w, f, se, d := r.written.Load(), r.failed.Load(), r.sinkErrors.Load(), r.dropped.Load()
	return Stats{Recorded: r.recorded.Load(), Written: w, Failed: f, SinkErrors: se, Dropped: d}
}

// Flush waits until every event recorded before the call has been handed to
// the sinks (written or failed), along with any pending drop report.
func (r *Recorder) Flush(ctx context.Context) error {
	ack := make(chan struct{})
	select {
	case r.flushReq <- ack:
	case <-r.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events, writes everything buffered (and a final drop
// report), closes the sinks and ends every subscription. If ctx ends first
// Close returns its error and the flush continues in the background.
// Close may be called more than once.
func (r *Recorder) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		close(r.ch)
		r.mu.Unlock()
	})
	select {
	case <-r.done:
		return r.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Recorder) run() {
	defer close(r.done)
	ticker := time.NewTicker(r.opts.ReportInterval)
	defer ticker.Stop()
	for {
		select {
		case e, ok := <-r.ch:
			if !ok {
				r.write(nil)
				r.shutdown()
				return
			}
			r.write(r.drain(append(r.batch[:0], e)))
		case <-ticker.C:
			r.write(nil)
		case ack := <-r.flushReq:
			for {
				b := r.drain(r.batch[:0])
				if len(b) == 0 {
					break
				}
				r.write(b)
			}
			r.write(nil)
			close(ack)
		}
	}
}

// drain appends the events waiting in the buffer, up to MaxBatch, without
// blocking.
func (r *Recorder) drain(b []Event) []Event {
	for len(b) < r.opts.MaxBatch {
		select {
		case e, ok := <-r.ch:
			if !ok {
				return b
			}
			b = append(b, e)
		default:
			return b
		}
	}
	return b
}

// write prepares batch, adds each sink's pending drop report, writes to every
// sink and publishes to subscribers. With an empty batch it only writes
// pending drop reports.
func (r *Recorder) write(batch []Event) {
	dropped := r.dropped.Load()
	for i := range batch {
		batch[i] = r.opts.Defaults.Prepare(batch[i])
	}
	var report Event // shared by the sinks with the same pending count
	var reportCount uint64
	failed := false
	for i, s := range r.opts.Sinks {
		events := batch
		pending := dropped - r.reported[i]
		if pending > 0 {
			if pending != reportCount {
				report, reportCount = r.dropReport(pending), pending
			}
			events = append(batch[:len(batch):len(batch)], report)
		}
		if len(events) == 0 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), r.opts.WriteTimeout)
		err := s.Write(ctx, events)
		cancel()
		if err != nil {
			failed = true
			r.sinkErrors.Add(1)
			if r.opts.OnError != nil {
				r.opts.OnError(fmt.Errorf("audit: sink %d (%T): %w", i, s, err))
			}
			continue
		}
		r.reported[i] = dropped
	}
	if failed {
		r.failed.Add(uint64(len(batch)))
	} else {
		r.written.Add(uint64(len(batch)))
	}
	r.publish(batch, dropped)
}

// dropReport is the synthetic event reporting n dropped events.
func (r *Recorder) dropReport(n uint64) Event {
	return r.opts.Defaults.Prepare(Event{
		UserIdentity:        UserIdentity{Type: IdentityService, PrincipalID: EventSourceAudit},
		EventTime:           r.now(),
		EventSource:         EventSourceAudit,
		EventName:           EventAuditEventsDropped,
		SourceIPAddress:     EventSourceAudit,
		UserAgent:           EventSourceAudit,
		ErrorCode:           "AuditBufferFull",
		ErrorMessage:        fmt.Sprintf("%d audit events were dropped because the audit buffer was full", n),
		AdditionalEventData: &AdditionalEventData{DroppedEvents: n},
		EventType:           EventTypeServiceEvent,
		EventCategory:       CategoryManagement,
	})
}

func (r *Recorder) shutdown() {
	var errs []error
	for i, s := range r.opts.Sinks {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("audit: close sink %d (%T): %w", i, s, err))
		}
	}
	r.closeErr = errors.Join(errs...)
	r.subMu.Lock()
	defer r.subMu.Unlock()
	r.subDone = true
	for s := range r.subs {
		delete(r.subs, s)
		close(s.ch)
	}
}

type subscriber struct {
	ch     chan Event
	missed uint64
}

// Subscribe follows new events (for `toolgate audit tail`): every event
// written after the call, prepared and redacted, and the recorder's drop
// reports. A subscriber that does not keep up never slows the recorder: the
// events it misses are counted and reported to it as an AuditEventsDropped
// event once it has room. buffer <= 0 means DefaultSubscriberBuffer. cancel
// ends the subscription and closes the channel; Close closes every
// subscription.
func (r *Recorder) Subscribe(buffer int) (events <-chan Event, cancel func()) {
	if buffer <= 0 {
		buffer = DefaultSubscriberBuffer
	}
	s := &subscriber{ch: make(chan Event, buffer)}
	r.subMu.Lock()
	defer r.subMu.Unlock()
	if r.subDone {
		close(s.ch)
		return s.ch, func() {}
	}
	r.subs[s] = struct{}{}
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			r.subMu.Lock()
			defer r.subMu.Unlock()
			if _, ok := r.subs[s]; ok {
				delete(r.subs, s)
				close(s.ch)
			}
		})
	}
}

func (r *Recorder) publish(batch []Event, dropped uint64) {
	r.subMu.Lock()
	defer r.subMu.Unlock()
	if len(r.subs) == 0 {
		r.subReported = dropped
		return
	}
	events := batch
	if pending := dropped - r.subReported; pending > 0 {
		events = append(batch[:len(batch):len(batch)], r.dropReport(pending))
	}
	r.subReported = dropped
	for s := range r.subs {
		for _, e := range events {
			if s.missed > 0 {
				select {
				case s.ch <- r.subscriberMissed(s.missed):
					s.missed = 0
				default:
					s.missed++
					continue
				}
			}
			select {
			case s.ch <- e:
			default:
				s.missed++
			}
		}
	}
}

func (r *Recorder) subscriberMissed(n uint64) Event {
	e := r.dropReport(n)
	e.ErrorCode = "SubscriberTooSlow"
	e.ErrorMessage = fmt.Sprintf("%d audit events were not delivered to this subscriber because it did not keep up", n)
	return e
}
