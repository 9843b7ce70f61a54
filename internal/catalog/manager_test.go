package catalog_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/catalog"
)

// countingBuilder counts how often a Builder runs and can be made to fail.
type countingBuilder struct {
	inner catalog.Builder
	n     atomic.Int64
	fail  atomic.Pointer[error]
}

func (c *countingBuilder) build(ctx context.Context, prev *catalog.Snapshot) (*catalog.Snapshot, error) {
	c.n.Add(1)
	if err := c.fail.Load(); err != nil {
		return nil, *err
	}
	return c.inner(ctx, prev)
}

// silentSource is a RevisionSource whose change signal never fires, as for
// writes made by another process: only the revision poll can see them.
type silentSource struct {
	catalog.RevisionSource
	never chan struct{}
}

func (s silentSource) Changes() <-chan struct{} { return s.never }

var errRevision = errors.New("revision unavailable")

// snapshots records what a subscriber is given.
type snapshots struct {
	mu   sync.Mutex
	got  []*catalog.Snapshot
	next chan *catalog.Snapshot
}

func newSnapshots() *snapshots { return &snapshots{next: make(chan *catalog.Snapshot, 100)} }

func (s *snapshots) add(snap *catalog.Snapshot) {
	s.mu.Lock()
	s.got = append(s.got, snap)
	s.mu.Unlock()
	s.next <- snap
}

func (s *snapshots) all() []*catalog.Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*catalog.Snapshot(nil), s.got...)
}

// waitFor returns the first snapshot delivered within d that serves gateway id.
func (s *snapshots) waitFor(id string, d time.Duration) (*catalog.Snapshot, bool) {
	deadline := time.After(d)
	for {
		select {
		case snap := <-s.next:
			if snap.Gateway(id) != nil {
				return snap, true
			}
		case <-deadline:
			return nil, false
		}
	}
}

func TestManagerRunBuildsSynchronously(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	e.createTarget("gw", "TARGET0001", "api", specDoc(e.up.URL(""), "ping"), nil)
	cb := &countingBuilder{inner: e.builder(nil)}
	m := catalog.NewManager(e.store, cb.build, discardLog, time.Hour)
	if m.Current() != nil {
		t.Fatal("Current is not nil before the first build")
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	snap := m.Current()
	if snap == nil {
		t.Fatal("Run returned before the first snapshot was built")
	}
	if got := toolNames(mustGateway(t, snap, "gw").Tools); !cmp.Equal(got, []string{"api___ping"}) {
		t.Errorf("tools = %v, want [api___ping]", got)
	}
	rev, err := e.store.Revision(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Revision != rev {
		t.Errorf("snapshot revision %d, store revision %d", snap.Revision, rev)
	}
	if n := cb.n.Load(); n != 1 {
		t.Errorf("Run built %d times, want 1", n)
	}
}

func TestManagerRunFailsWhenFirstBuildFails(t *testing.T) {
	e := newEnv(t)
	cb := &countingBuilder{inner: e.builder(nil)}
	boom := errors.New("boom")
	cb.fail.Store(&boom)
	m := catalog.NewManager(e.store, cb.build, discardLog, time.Hour)
	if err := m.Run(t.Context()); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the builder's error", err)
	}
	if m.Current() != nil {
		t.Error("a failed first build published a snapshot")
	}
}

// TestManagerRefresh drives Refresh by hand (no watcher) and counts builds.
func TestManagerRefresh(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	cb := &countingBuilder{inner: e.builder(nil)}
	m := catalog.NewManager(e.store, cb.build, discardLog, time.Hour)
	ctx := t.Context()

	steps := []struct {
		name      string
		write     func()
		force     bool
		wantBuild bool
		wantGWs   []string
	}{
		{"first refresh builds even unforced", nil, false, true, []string{"gw"}},
		{"unchanged revision", nil, false, false, []string{"gw"}},
		{"unchanged again", nil, false, false, []string{"gw"}},
		{"forced", nil, true, true, []string{"gw"}},
		{"after a gateway write", func() { e.createGateway("gw2", baseGateway("gw2")) }, false, true, []string{"gw", "gw2"}},
		{"after a target write", func() { e.createTarget("gw2", "TARGET0001", "api", specDoc(e.up.URL(""), "ping"), nil) }, false, true, []string{"gw", "gw2"}},
		{"after a provider write", func() { e.createProvider("p", "key-0000") }, false, true, []string{"gw", "gw2"}},
		{"settled", nil, false, false, []string{"gw", "gw2"}},
	}
	for _, st := range steps {
		if st.write != nil {
			st.write()
		}
		before, prev := cb.n.Load(), m.Current()
		if err := m.Refresh(ctx, st.force); err != nil {
			t.Fatalf("%s: Refresh: %v", st.name, err)
		}
		built := cb.n.Load() != before
		if built != st.wantBuild {
			t.Errorf("%s: built = %v, want %v", st.name, built, st.wantBuild)
		}
		cur := m.Current()
		if changed := cur != prev; changed != st.wantBuild {
			t.Errorf("%s: snapshot replaced = %v, want %v", st.name, changed, st.wantBuild)
		}
		if got := gatewayIDs(cur); !cmp.Equal(got, st.wantGWs) {
			t.Errorf("%s: gateways = %v, want %v", st.name, got, st.wantGWs)
		}
	}
}

// TestManagerWatcher: a write becomes visible within one second without
// Refresh, through the store's change signal or, when that signal is not
// delivered (another process wrote), through the revision poll.
func TestManagerWatcher(t *testing.T) {
	tests := []struct {
		name     string
		silent   bool // the change signal never fires
		poll     time.Duration
		wantSeen bool
	}{
		{name: "change signal", poll: time.Hour, wantSeen: true},
		{name: "poll", silent: true, poll: 20 * time.Millisecond, wantSeen: true},
		{name: "default poll", silent: true, poll: 0, wantSeen: true},
		// Control: with neither signal nor poll nothing can notice the write,
		// so the cases above really exercise the path they name.
		{name: "neither", silent: true, poll: time.Hour, wantSeen: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.createGateway("before", baseGateway("before"))
			var src catalog.RevisionSource = e.store
			if tc.silent {
				src = silentSource{RevisionSource: e.store, never: make(chan struct{})}
			}
			m := catalog.NewManager(src, e.builder(nil), e.log, tc.poll)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if err := m.Run(ctx); err != nil {
				t.Fatal(err)
			}
			subs := newSnapshots()
			m.Subscribe(subs.add)
			if _, ok := subs.waitFor("before", time.Second); !ok {
				t.Fatal("Subscribe did not deliver the current snapshot")
			}

			start := time.Now()
			e.createGateway("after", baseGateway("after"))
			e.createTarget("after", "TARGET0001", "api", specDoc(e.up.URL(""), "ping"), nil)
			wait := time.Second
			if !tc.wantSeen {
				wait = 300 * time.Millisecond
			}
			snap, seen := subs.waitFor("after", wait)
			if seen != tc.wantSeen {
				t.Fatalf("write seen within %v = %v, want %v", wait, seen, tc.wantSeen)
			}
			if !seen {
				return
			}
			t.Logf("visible after %v", time.Since(start))
			// The snapshot that shows the gateway may predate its target
			// (two writes); the target follows within the same second.
			for len(snap.Gateway("after").Tools) == 0 {
				if snap, seen = subs.waitFor("after", time.Until(start.Add(time.Second))); !seen {
					t.Fatal("the target written with the gateway did not appear within one second")
				}
			}
			if cur := m.Current(); cur.Gateway("after") == nil {
				t.Error("Current does not serve the new gateway")
			}
		})
	}
}

func TestManagerSubscribe(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	m := catalog.NewManager(e.store, e.builder(nil), discardLog, time.Hour)
	ctx := t.Context()

	early := newSnapshots()
	m.Subscribe(early.add) // nothing built yet: nothing delivered
	if got := early.all(); len(got) != 0 {
		t.Fatalf("subscriber called with %d snapshots before the first build", len(got))
	}
	if err := m.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	s1 := m.Current()

	late := newSnapshots()
	m.Subscribe(late.add) // called synchronously with the current snapshot
	if diff := cmp.Diff([]*catalog.Snapshot{s1}, late.all(), sameSnapshot); diff != "" {
		t.Errorf("late subscriber right after Subscribe (-want +got):\n%s", diff)
	}

	if err := m.Refresh(ctx, false); err != nil { // unchanged: no delivery
		t.Fatal(err)
	}
	e.createGateway("gw2", baseGateway("gw2"))
	if err := m.Refresh(ctx, false); err != nil {
		t.Fatal(err)
	}
	s2 := m.Current()
	if err := m.Refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	s3 := m.Current()
	if s1 == s2 || s2 == s3 {
		t.Fatal("refreshes did not produce new snapshots")
	}

	if diff := cmp.Diff([]*catalog.Snapshot{s1, s2, s3}, early.all(), sameSnapshot); diff != "" {
		t.Errorf("early subscriber (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]*catalog.Snapshot{s1, s2, s3}, late.all(), sameSnapshot); diff != "" {
		t.Errorf("late subscriber (-want +got):\n%s", diff)
	}
}

// TestManagerKeepsSnapshotOnError: a failed rebuild keeps serving the
// previous snapshot, tells no subscriber, and the next good build wins.
func TestManagerKeepsSnapshotOnError(t *testing.T) {
	boom := errors.New("builder exploded")
	tests := []struct {
		name    string
		breakIt func(cb *countingBuilder, src *switchSource)
		wantErr error
	}{
		{"builder error", func(cb *countingBuilder, _ *switchSource) { cb.fail.Store(&boom) }, boom},
		{"revision error", func(_ *countingBuilder, src *switchSource) { src.broken.Store(true) }, errRevision},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.createGateway("gw", baseGateway("gw"))
			cb := &countingBuilder{inner: e.builder(nil)}
			src := &switchSource{ok: e.store}
			m := catalog.NewManager(src, cb.build, discardLog, time.Hour)
			ctx := t.Context()
			if err := m.Refresh(ctx, false); err != nil {
				t.Fatal(err)
			}
			good := m.Current()
			subs := newSnapshots()
			m.Subscribe(subs.add)

			tc.breakIt(cb, src)
			e.createGateway("gw2", baseGateway("gw2"))
			if err := m.Refresh(ctx, false); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Refresh = %v, want %v", err, tc.wantErr)
			}
			if m.Current() != good {
				t.Fatal("a failed rebuild replaced the snapshot")
			}
			if got := gatewayIDs(m.Current()); !cmp.Equal(got, []string{"gw"}) {
				t.Errorf("served gateways = %v, want [gw]", got)
			}

			cb.fail.Store(nil)
			src.broken.Store(false)
			if err := m.Refresh(ctx, false); err != nil {
				t.Fatalf("Refresh after recovery: %v", err)
			}
			if got := gatewayIDs(m.Current()); !cmp.Equal(got, []string{"gw", "gw2"}) {
				t.Errorf("after recovery gateways = %v, want [gw gw2]", got)
			}
			if diff := cmp.Diff([]*catalog.Snapshot{good, m.Current()}, subs.all(), sameSnapshot); diff != "" {
				t.Errorf("subscriber saw (-want +got):\n%s", diff)
			}
		})
	}
}

// TestManagerWatcherSurvivesBuildErrors: with the background watcher, a
// failing build keeps the old snapshot and a later write is still picked up
// once building works again.
func TestManagerWatcherSurvivesBuildErrors(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw", baseGateway("gw"))
	cb := &countingBuilder{inner: e.builder(nil)}
	m := catalog.NewManager(e.store, cb.build, e.log, 10*time.Millisecond)
	if err := m.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	good := m.Current()
	boom := errors.New("builder exploded")
	cb.fail.Store(&boom)
	before := cb.n.Load()
	e.createGateway("gw2", baseGateway("gw2"))
	deadline := time.Now().Add(time.Second)
	for cb.n.Load() < before+2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if cb.n.Load() < before+2 {
		t.Fatal("the watcher did not try to rebuild after the write")
	}
	if m.Current() != good {
		t.Fatal("a failing background rebuild replaced the snapshot")
	}
	cb.fail.Store(nil)
	for m.Current().Gateway("gw2") == nil && time.Now().Before(deadline.Add(time.Second)) {
		time.Sleep(5 * time.Millisecond)
	}
	if m.Current().Gateway("gw2") == nil {
		t.Fatal("the watcher did not recover once building worked again")
	}
	if !strings.Contains(e.logs.String(), "builder exploded") {
		t.Errorf("the failed background rebuild was not logged:\n%s", e.logs.String())
	}
}

// switchSource reads its revision from ok until broken is set.
type switchSource struct {
	ok     catalog.RevisionSource
	broken atomic.Bool
}

func (s *switchSource) Revision(ctx context.Context) (int64, error) {
	if s.broken.Load() {
		return 0, errRevision
	}
	return s.ok.Revision(ctx)
}

func (s *switchSource) Changes() <-chan struct{} { return s.ok.Changes() }
