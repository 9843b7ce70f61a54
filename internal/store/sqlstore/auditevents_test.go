package sqlstore

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/audit/audittest"
)

// Every audit test runs against both backends; newStore returns an empty
// store closed when the test ends.
type auditBackend struct {
	name     string
	newStore func(t *testing.T) *Store
}

func auditBackends() []auditBackend {
	return []auditBackend{
		{"SQLite", func(t *testing.T) *Store {
			s := openTemp(t)
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"Postgres", func(t *testing.T) *Store {
			_, dsn := newTestSchema(t)
			s := openDSN(t, dsn)
			t.Cleanup(func() { s.Close() }) // before the schema is dropped
			return s
		}},
	}
}

func TestAuditEventStoreSuite(t *testing.T) {
	for _, b := range auditBackends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "Postgres" {
				postgresAdmin(t) // skip (or fail) once, not in every subtest
			}
			audittest.Run(t, func(t *testing.T) audit.EventStore { return b.newStore(t) })
		})
	}
}

// TestAuditEventsAreNotConfiguration: appending, querying and deleting
// audit events neither bump Revision nor signal Changes, or every replica
// would rebuild its catalog on every tool call.
func TestAuditEventsAreNotConfiguration(t *testing.T) {
	for _, b := range auditBackends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.newStore(t)
			ctx := t.Context()
			rev, err := s.Revision(ctx)
			if err != nil {
				t.Fatal(err)
			}
			drainChanges(s)
			if err := s.AppendAuditEvents(ctx, audittest.Events()); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.QueryAuditEvents(ctx, audit.Query{}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.DeleteAuditEventsBefore(ctx, audittest.Base.Add(3*time.Minute)); err != nil || n != 3 {
				t.Fatalf("DeleteAuditEventsBefore = %d, %v; want 3", n, err)
			}
			if r, err := s.Revision(ctx); err != nil || r != rev {
				t.Errorf("Revision %d -> %d (%v) after audit writes, want no change", rev, r, err)
			}
			select {
			case <-s.Changes():
				t.Error("audit writes signalled Changes")
			default:
			}
		})
	}
}

func drainChanges(s *Store) {
	for {
		select {
		case <-s.Changes():
		default:
			return
		}
	}
}

// TestAuditTimesFinerThanMicroseconds: the indexed event_time keeps
// microseconds, but filters and retention decide on the exact EventTime of
// events that were not prepared (Prepare truncates to the second).
func TestAuditTimesFinerThanMicroseconds(t *testing.T) {
	at := audittest.Base.Add(7 * time.Microsecond)
	events := []audit.Event{
		{EventID: "early", EventName: "A", EventTime: at.Add(200 * time.Nanosecond)},
		{EventID: "late", EventName: "A", EventTime: at.Add(800 * time.Nanosecond)},
		{EventID: "next", EventName: "A", EventTime: at.Add(time.Microsecond)},
	}
	cut := at.Add(500 * time.Nanosecond)
	ids := func(es []audit.Event) []string {
		out := []string{}
		for _, e := range es {
			out = append(out, e.EventID)
		}
		return out
	}
	for _, b := range auditBackends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.newStore(t)
			ctx := t.Context()
			if err := s.AppendAuditEvents(ctx, events); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				q    audit.Query
				want []string
			}{
				{audit.Query{Since: cut}, []string{"late", "next"}},
				{audit.Query{Until: cut}, []string{"early"}},
				{audit.Query{Until: at.Add(time.Microsecond)}, []string{"early", "late"}},
			} {
				got, _, err := s.QueryAuditEvents(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, ids(got)); d != "" {
					t.Errorf("query %+v (-want +got):\n%s", tc.q, d)
				}
			}
			n, err := s.DeleteAuditEventsBefore(ctx, cut)
			if err != nil || n != 1 {
				t.Fatalf("DeleteAuditEventsBefore(mid-microsecond) = %d, %v; want 1", n, err)
			}
			got, _, err := s.QueryAuditEvents(ctx, audit.Query{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff([]string{"late", "next"}, ids(got)); d != "" {
				t.Errorf("after retention (-want +got):\n%s", d)
			}
		})
	}
}

// TestAuditCursorFollowsConcurrentAppends: a reader tailing the trail with
// cursors while writers append concurrently sees every event exactly once.
// On PostgreSQL this holds only because appends commit in seq order: a seq
// committed after a reader passed it would be skipped for good.
func TestAuditCursorFollowsConcurrentAppends(t *testing.T) {
	const writers, batches, perBatch = 4, 25, 3
	const total = writers * batches * perBatch
	for _, b := range auditBackends() {
		t.Run(b.name, func(t *testing.T) {
			s := b.newStore(t)
			ctx := t.Context()
			var wg sync.WaitGroup
			errs := make([]error, writers)
			for w := range writers {
				wg.Go(func() {
					for i := range batches {
						var batch []audit.Event
						for j := range perBatch {
							batch = append(batch, audit.Event{
								EventID:   fmt.Sprintf("w%d-%03d-%d", w, i, j),
								EventName: "CallTool",
								EventTime: audittest.Base.Add(time.Duration(i) * time.Second),
							})
						}
						if errs[w] = s.AppendAuditEvents(ctx, batch); errs[w] != nil {
							return
						}
					}
				})
			}
			// The reader keeps the last cursor it was given and reads on
			// from there; a last page has no cursor, so it is read again
			// (with whatever was appended since) until a cursor comes.
			seen := map[string]bool{}
			cursor := ""
			deadline := time.Now().Add(30 * time.Second)
			for len(seen) < total && time.Now().Before(deadline) {
				got, next, err := s.QueryAuditEvents(ctx, audit.Query{After: cursor, Limit: 7})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range got {
					seen[e.EventID] = true
				}
				if next != "" {
					cursor = next
				} else {
					time.Sleep(time.Millisecond)
				}
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if len(seen) != total {
				t.Fatalf("the tailing reader saw %d of %d events: an event committed behind its cursor was skipped", len(seen), total)
			}
		})
	}
}
