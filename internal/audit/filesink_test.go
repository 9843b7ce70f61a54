package audit_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/audit"
)

// readLines decodes every line of every file, in order, failing on a torn or
// invalid line.
func readLines(t *testing.T, files ...string) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e audit.Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Fatalf("%s: bad line %q: %v", name, sc.Text(), err)
			}
			out = append(out, e)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return out
}

// allFiles returns the rotated files (oldest first) then the active one.
func allFiles(t *testing.T, s *audit.FileSink, active string) []string {
	t.Helper()
	rotated, err := s.RotatedFiles()
	if err != nil {
		t.Fatal(err)
	}
	return append(rotated, active)
}

func numbered(prefix string, i int) audit.Event {
	e := audit.NewControlPlaneEvent("GetGateway", true)
	e.EventID = fmt.Sprintf("%s-%06d", prefix, i)
	e.EventTime = fixedTime
	e.RequestParameters = json.RawMessage(`{"gatewayIdentifier":"gw-` + fmt.Sprint(i) + `"}`)
	return e
}

func TestFileSinkConcurrentRotationLosesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	const maxBytes = 8 << 10
	// A frozen clock: every rotation in the same instant must still get a
	// distinct name.
	s, err := audit.NewFileSink(audit.FileSinkOptions{Path: path, MaxBytes: maxBytes, MaxFiles: -1, Now: func() time.Time { return fixedTime }})
	if err != nil {
		t.Fatal(err)
	}
	const writers, batches = 8, 60
	var wg sync.WaitGroup
	var total atomic.Int64
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				size := 1 + (w+b)%5
				batch := make([]audit.Event, size)
				for i := range batch {
					batch[i] = numbered(fmt.Sprintf("w%d", w), b*10+i)
				}
				if err := s.Write(t.Context(), batch); err != nil {
					t.Error(err)
					return
				}
				total.Add(int64(size))
			}
		})
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	files := allFiles(t, s, path)
	if len(files) < 5 {
		t.Fatalf("only %d files: rotation did not happen several times", len(files))
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > maxBytes {
			t.Errorf("%s is %d bytes, over %d", f, st.Size(), maxBytes)
		}
		if mode := st.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, mode)
		}
	}
	events := readLines(t, files...)
	seen := map[string]int{}
	for _, e := range events {
		seen[e.EventID]++
	}
	if int64(len(events)) != total.Load() || int64(len(seen)) != total.Load() {
		t.Errorf("read %d lines, %d distinct events; wrote %d", len(events), len(seen), total.Load())
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s written %d times", id, n)
		}
	}
}

func TestFileSinkKeepsNewestFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	clock := fixedTime
	s, err := audit.NewFileSink(audit.FileSinkOptions{Path: path, MaxBytes: 1024, MaxFiles: 2, Now: func() time.Time {
		clock = clock.Add(time.Second)
		return clock
	}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		if err := s.Write(t.Context(), []audit.Event{numbered("e", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	rotated, err := s.RotatedFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(rotated) != 2 {
		t.Fatalf("rotated files = %v, want 2", rotated)
	}
	for _, f := range rotated {
		if !strings.HasPrefix(filepath.Base(f), "audit-2025") || !strings.HasSuffix(f, ".jsonl") {
			t.Errorf("rotated name %s, want audit-<timestamp>.jsonl", f)
		}
	}
	// What is left is the newest events, contiguous, ending with the last.
	events := readLines(t, append(rotated, path)...)
	first := n - len(events)
	for i, e := range events {
		if want := fmt.Sprintf("e-%06d", first+i); e.EventID != want {
			t.Fatalf("event %d is %s, want %s", i, e.EventID, want)
		}
	}
}

func TestFileSinkReopenAppendsAndCountsSize(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "audit.jsonl")
	opts := audit.FileSinkOptions{Path: path, MaxBytes: 600, MaxFiles: -1}
	write := func(from, to int) {
		s, err := audit.NewFileSink(opts)
		if err != nil {
			t.Fatal(err)
		}
		for i := from; i < to; i++ {
			if err := s.Write(t.Context(), []audit.Event{numbered("e", i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Write(t.Context(), []audit.Event{numbered("late", 0)}); !errors.Is(err, audit.ErrClosed) {
			t.Errorf("write after Close: %v, want ErrClosed", err)
		}
	}
	write(0, 1)
	write(1, 4) // the first write of the reopened sink must account for the existing line
	s, _ := audit.NewFileSink(opts)
	defer s.Close()
	files := allFiles(t, s, path)
	var got []string
	for _, e := range readLines(t, files...) {
		got = append(got, e.EventID)
	}
	if diff := cmp.Diff([]string{"e-000000", "e-000001", "e-000002", "e-000003"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, f := range files {
		if st, _ := os.Stat(f); st.Size() > 600 {
			t.Errorf("%s is %d bytes: the reopened file's size was not counted", f, st.Size())
		}
	}
}

func TestFileSinkExplicitRotate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	s, err := audit.NewFileSink(audit.FileSinkOptions{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Write(t.Context(), []audit.Event{numbered("e", 1)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(t.Context(), []audit.Event{numbered("e", 2)}); err != nil {
		t.Fatal(err)
	}
	rotated, _ := s.RotatedFiles()
	if len(rotated) != 1 || len(readLines(t, rotated[0])) != 1 || len(readLines(t, path)) != 1 {
		t.Errorf("rotated %v: want one event in each file", rotated)
	}
}
