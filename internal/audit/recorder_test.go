package audit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/toolgate/toolgate/internal/audit"
)

// memSink records what it is given; it can block (gate) and fail.
type memSink struct {
	mu      sync.Mutex
	events  []audit.Event
	writes  int
	fail    int           // fail this many next writes
	entered chan struct{} // receives on each Write if non-nil
	gate    chan struct{} // Write waits for it if non-nil
	closed  bool
}

func (s *memSink) Write(ctx context.Context, events []audit.Event) error {
	if s.entered != nil {
		s.entered <- struct{}{}
	}
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.fail > 0 {
		s.fail--
		return errors.New("disk full")
	}
	s.events = append(s.events, events...)
	return nil
}

func (s *memSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

func (s *memSink) snapshot() []audit.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]audit.Event(nil), s.events...)
}

// split separates drop reports from ordinary events.
func split(events []audit.Event) (normal []audit.Event, reports []uint64) {
	for _, e := range events {
		if e.EventName == audit.EventAuditEventsDropped {
			reports = append(reports, e.AdditionalEventData.DroppedEvents)
			continue
		}
		normal = append(normal, e)
	}
	return normal, reports
}

func closeRecorder(t *testing.T, r *audit.Recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderCloseFlushesEverything(t *testing.T) {
	sink := &memSink{}
	store := audit.NewMemoryStore(0)
	r := audit.NewRecorder(audit.Options{Sinks: []audit.Sink{sink, audit.NewStoreSink(store, audit.Defaults{})}, MaxBatch: 7, Defaults: fixedDefaults()})
	const n = 1000
	for i := range n {
		r.Record(numbered("e", i))
	}
	closeRecorder(t, r)
	closeRecorder(t, r) // idempotent
	if diff := cmp.Diff(audit.Stats{Recorded: n, Written: n}, r.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	got := sink.snapshot()
	if len(got) != n || store.Len() != n || !sink.closed {
		t.Fatalf("sink has %d events (closed %v), store %d; want %d", len(got), sink.closed, store.Len(), n)
	}
	for i, e := range got { // order kept, IDs kept, defaults filled
		if e.EventID != fmt.Sprintf("e-%06d", i) || e.AWSRegion != "eu-west-1" || e.EventVersion != "1.09" {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	if sink.writes >= n/2 {
		t.Errorf("%d writes for %d events: not batched", sink.writes, n)
	}
	r.Record(numbered("late", 0))
	if s := r.Stats(); s.Dropped != 1 || s.Recorded != n+1 {
		t.Errorf("Record after Close: %+v, want it counted as dropped", s)
	}
	if err := r.Flush(t.Context()); !errors.Is(err, audit.ErrClosed) {
		t.Errorf("Flush after Close = %v, want ErrClosed", err)
	}
}

func TestRecorderOverflowIsReported(t *testing.T) {
	sink := &memSink{entered: make(chan struct{}, 100), gate: make(chan struct{})}
	r := audit.NewRecorder(audit.Options{Sinks: []audit.Sink{sink}, BufferSize: 10, MaxBatch: 4, ReportInterval: time.Hour})
	r.Record(numbered("e", 0))
	<-sink.entered // the writer is now stuck in the slow sink with e0
	const burst = 50
	for i := 1; i <= burst; i++ {
		r.Record(numbered("e", i)) // must not block
	}
	st := r.Stats()
	if st.Dropped != burst-10 {
		t.Fatalf("Dropped = %d, want %d (buffer 10)", st.Dropped, burst-10)
	}
	close(sink.gate) // the sink catches up
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	normal, reports := split(sink.snapshot())
	if len(normal) != 11 {
		t.Errorf("wrote %d events, want 11", len(normal))
	}
	if diff := cmp.Diff([]uint64{burst - 10}, reports); diff != "" {
		t.Errorf("drop reports (-want +got):\n%s", diff)
	}
	// The report is an error-flagged service event that queries can find.
	var report audit.Event
	for _, e := range sink.snapshot() {
		if e.EventName == audit.EventAuditEventsDropped {
			report = e
		}
	}
	if !(audit.Query{ErrorOnly: true, EventName: "AuditEvents*"}).Match(report) || report.EventType != audit.EventTypeServiceEvent || report.EventID == "" {
		t.Errorf("report event: %+v", report)
	}
	// Further writes carry no further report.
	r.Record(numbered("e", 99))
	closeRecorder(t, r)
	_, reports = split(sink.snapshot())
	if len(reports) != 1 {
		t.Errorf("reports after more writes: %v", reports)
	}
	st = r.Stats()
	if st.Recorded != st.Written+st.Dropped+st.Failed || st.Written != 12 {
		t.Errorf("stats %+v do not add up", st)
	}
}

// A failing sink gets its drop report once it accepts a write again; a
// healthy sink gets it once.
func TestRecorderDropReportPerSink(t *testing.T) {
	slow := &memSink{entered: make(chan struct{}, 100), gate: make(chan struct{})}
	flaky := &memSink{fail: 2}
	var errs []error
	var mu sync.Mutex
	r := audit.NewRecorder(audit.Options{Sinks: []audit.Sink{slow, flaky}, BufferSize: 2, ReportInterval: time.Hour,
		OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }})
	r.Record(numbered("e", 0))
	<-slow.entered
	for i := 1; i <= 7; i++ {
		r.Record(numbered("e", i)) // 2 fit, 5 dropped
	}
	close(slow.gate)
	if err := r.Flush(t.Context()); err != nil { // e0 fails on flaky; e1,e2 + report fail on flaky
		t.Fatal(err)
	}
	r.Record(numbered("e", 8))
	closeRecorder(t, r)

	_, slowReports := split(slow.snapshot())
	flakyNormal, flakyReports := split(flaky.snapshot())
	if diff := cmp.Diff([]uint64{5}, slowReports); diff != "" {
		t.Errorf("healthy sink reports (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]uint64{5}, flakyReports); diff != "" {
		t.Errorf("recovered sink reports (-want +got):\n%s", diff)
	}
	if len(flakyNormal) != 1 || flakyNormal[0].EventID != "e-000008" {
		t.Errorf("flaky sink events: %v", flakyNormal)
	}
	st := r.Stats()
	want := audit.Stats{Recorded: 9, Written: 1, Failed: 3, Dropped: 5, SinkErrors: 2}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "disk full") {
		t.Errorf("OnError got %v", errs)
	}
}

// With no event to carry it, a pending drop report is written on the timer.
func TestRecorderReportsDropsWithoutTraffic(t *testing.T) {
	sink := &memSink{entered: make(chan struct{}, 100), gate: make(chan struct{})}
	r := audit.NewRecorder(audit.Options{Sinks: []audit.Sink{sink}, BufferSize: 1, ReportInterval: 10 * time.Millisecond})
	r.Record(numbered("e", 0))
	<-sink.entered
	r.Record(numbered("e", 1))
	r.Record(numbered("e", 2)) // dropped
	close(sink.gate)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, reports := split(sink.snapshot()); len(reports) == 1 && reports[0] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drop report: %v", sink.snapshot())
		}
		time.Sleep(5 * time.Millisecond)
	}
	closeRecorder(t, r)
}

// Record, Close and Stats race freely; afterwards the books balance.
func TestRecorderConcurrentRecordAndClose(t *testing.T) {
	sink := &memSink{}
	r := audit.NewRecorder(audit.Options{Sinks: []audit.Sink{sink}, BufferSize: 64})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				r.Record(numbered(fmt.Sprint(w), i))
				if i%500 == 0 {
					_ = r.Stats()
				}
			}
		})
	}
	time.Sleep(time.Millisecond)
	closeRecorder(t, r)
	wg.Wait()
	st := r.Stats()
	normal, reports := split(sink.snapshot())
	if st.Recorded != 16000 || st.Recorded != st.Written+st.Dropped+st.Failed || uint64(len(normal)) != st.Written {
		t.Errorf("stats %+v, sink has %d events", st, len(normal))
	}
	var reported uint64
	for _, n := range reports {
		reported += n
	}
	// Drops after Close cannot be reported (nothing is written any more);
	// every drop before the final write is.
	if reported > st.Dropped {
		t.Errorf("reported %d drops, only %d happened", reported, st.Dropped)
	}
}

func TestRecorderSubscribe(t *testing.T) {
	r := audit.NewRecorder(audit.Options{Defaults: fixedDefaults()})
	ch, cancel := r.Subscribe(10)
	e := numbered("e", 1)
	e.RequestParameters = json.RawMessage(`{"clientSecret":"MARKER"}`)
	r.Record(e)
	got := <-ch
	if got.EventID != "e-000001" || strings.Contains(string(got.RequestParameters), "MARKER") {
		t.Errorf("subscriber got %+v", got)
	}
	cancel()
	cancel()
	if _, ok := <-ch; ok {
		t.Error("channel open after cancel")
	}
	ch2, _ := r.Subscribe(1)
	closeRecorder(t, r)
	if _, ok := <-ch2; ok {
		t.Error("channel open after Close")
	}
	ch3, cancel3 := r.Subscribe(1)
	cancel3()
	if _, ok := <-ch3; ok {
		t.Error("subscription after Close is open")
	}
}

// A subscriber that falls behind misses events but is told how many.
func TestRecorderSlowSubscriber(t *testing.T) {
	r := audit.NewRecorder(audit.Options{})
	ch, cancel := r.Subscribe(3)
	defer cancel()
	for i := range 10 {
		r.Record(numbered("e", i))
	}
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got []audit.Event
	for range 3 {
		got = append(got, <-ch)
	}
	r.Record(numbered("e", 10)) // now there is room: the report, then e10
	if err := r.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	got = append(got, <-ch, <-ch)
	normal, reports := split(got)
	if diff := cmp.Diff([]uint64{7}, reports); diff != "" {
		t.Errorf("missed reports (-want +got):\n%s", diff)
	}
	want := []string{"e-000000", "e-000001", "e-000002", "e-000010"}
	if diff := cmp.Diff(want, ids(normal)); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if got[3].ErrorCode != "SubscriberTooSlow" {
		t.Errorf("report: %+v", got[3])
	}
	closeRecorder(t, r)
}

func ids(events []audit.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.EventID)
	}
	return out
}

// Planted secrets never reach a written byte: not the file sink's files, not
// the store's query results, not a subscriber.
func TestRecorderNeverWritesSecrets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	fileSink, err := audit.NewFileSink(audit.FileSinkOptions{Path: path, MaxBytes: 2048, MaxFiles: -1})
	if err != nil {
		t.Fatal(err)
	}
	store := audit.NewMemoryStore(0)
	r := audit.NewRecorder(audit.Options{Sinks: []audit.Sink{fileSink, audit.NewStoreSink(store, audit.Defaults{})}})
	sub, cancel := r.Subscribe(1000)
	defer cancel()

	n := 0
	marker := func() string { n++; return fmt.Sprintf("PLANTED-%04d-x", n) }
	var events []audit.Event
	for _, key := range sensitiveKeys {
		for depth := range 4 {
			req, _ := json.Marshal(nest(key, marker(), depth, depth%2 == 1))
			resp, _ := json.Marshal(map[string]any{"items": []any{nest(key, []any{marker(), map[string]any{"v": marker()}}, depth, true)}})
			e := audit.NewControlPlaneEvent("CreateGateway", false)
			e.RequestParameters, e.ResponseElements = req, resp
			events = append(events, e)
		}
	}
	inline := audit.NewControlPlaneEvent("CreateGatewayTarget", false)
	inline.RequestParameters = json.RawMessage(`{"targetConfiguration":{"mcp":{"openApiSchema":{"inlinePayload":"` + marker() + `"}}}}`)
	auth := audit.NewDataPlaneEvent(audit.EventInvokeGateway, "gw", "", "", audit.OutcomeAuthFailed, time.Millisecond)
	auth.ErrorMessage = "rejected Bearer " + marker()
	events = append(events, inline, auth)
	for _, e := range events {
		r.Record(e)
	}
	closeRecorder(t, r)

	check := func(where string, b []byte) {
		t.Helper()
		if strings.Contains(string(b), "PLANTED-") {
			i := strings.Index(string(b), "PLANTED-")
			t.Errorf("%s leaks a secret near %q", where, b[max(0, i-80):min(len(b), i+20)])
		}
	}
	rotated, _ := fileSink.RotatedFiles()
	if len(rotated) == 0 {
		t.Error("expected the file sink to rotate")
	}
	lines := 0
	for _, f := range append(rotated, path) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		check(f, b)
		lines += strings.Count(string(b), "\n")
	}
	if lines != len(events) {
		t.Errorf("file sink wrote %d lines, want %d", lines, len(events))
	}
	var stored []audit.Event
	q := audit.Query{Limit: audit.MaxQueryLimit}
	for {
		page, next, err := store.QueryAuditEvents(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, page...)
		if next == "" {
			break
		}
		q.After = next
	}
	b, _ := json.Marshal(stored)
	check("query results", b)
	if len(stored) != len(events) {
		t.Errorf("store has %d events, want %d", len(stored), len(events))
	}
	var followed []audit.Event
	for e := range sub {
		followed = append(followed, e)
	}
	b, _ = json.Marshal(followed)
	check("subscription", b)
	if len(followed) != len(events) {
		t.Errorf("subscriber got %d events, want %d", len(followed), len(events))
	}
	// The file and the store hold the same records.
	fromFile := readLines(t, append(rotated, path)...)
	if diff := cmp.Diff(stored, fromFile, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("file and store differ (-store +file):\n%s", diff)
	}
}

func BenchmarkRecord(b *testing.B) {
	r := audit.NewRecorder(audit.Options{Sinks: []audit.Sink{discard{}}, BufferSize: 1 << 16})
	defer r.Close(context.Background())
	e := audit.NewDataPlaneEvent(audit.EventCallTool, "gw-1", "weather", "weather___get", audit.OutcomeSuccess, 3*time.Millisecond)
	e.UserIdentity = audit.JWTIdentity("user-123", "client-abc")
	e.RequestParameters = json.RawMessage(`{"name":"weather___get","arguments":{"city":"Lyon"}}`)
	e.SourceIPAddress, e.UserAgent, e.RequestID = "192.0.2.1", "mcp-client/1.0", "req-1"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(e)
		}
	})
	b.StopTimer()
	st := r.Stats()
	b.ReportMetric(float64(st.Dropped)/float64(max(st.Recorded, 1))*100, "%dropped")
}

type discard struct{}

func (discard) Write(context.Context, []audit.Event) error { return nil }
func (discard) Close() error                               { return nil }
