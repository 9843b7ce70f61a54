package catalog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// RevisionSource is the part of the store the Manager watches.
type RevisionSource interface {
	Revision(ctx context.Context) (int64, error)
	Changes() <-chan struct{}
}

// Manager keeps the current Snapshot up to date.
type Manager struct {
	src      RevisionSource
	build    Builder
	log      *slog.Logger
	interval time.Duration

	current atomic.Pointer[Snapshot]

	mu   sync.Mutex // serialises rebuilds and subscriber calls
	subs []func(*Snapshot)
}

// NewManager returns a Manager that rebuilds with build whenever src's
// revision moves. poll is the safety-net interval for changes made by other
// processes (0 = 500ms, well inside the one-second visibility promise).
func NewManager(src RevisionSource, build Builder, log *slog.Logger, poll time.Duration) *Manager {
	if poll == 0 {
		poll = 500 * time.Millisecond
	}
	return &Manager{src: src, build: build, log: log, interval: poll}
}

// Current returns the latest snapshot (nil before the first build).
func (m *Manager) Current() *Snapshot { return m.current.Load() }

// Subscribe registers fn to be called, serially, with every new snapshot,
// and immediately with the current one if there is one.
func (m *Manager) Subscribe(fn func(*Snapshot)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subs = append(m.subs, fn)
	if s := m.current.Load(); s != nil {
		fn(s)
	}
}

// Refresh rebuilds the snapshot if the store revision moved since the last
// build (or always, when force is set). Safe to call concurrently.
func (m *Manager) Refresh(ctx context.Context, force bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := m.current.Load()
	if !force && prev != nil {
		rev, err := m.src.Revision(ctx)
		if err != nil {
			return err
		}
		if rev == prev.Revision {
			return nil
		}
	}
	next, err := m.build(ctx, prev)
	if err != nil {
		return err
	}
	m.current.Store(next)
	for _, fn := range m.subs {
		fn(next)
	}
	return nil
}

// Run builds the first snapshot synchronously, then keeps it fresh until ctx
// ends. It returns after the first build so the caller can start serving;
// watching continues in the background.
func (m *Manager) Run(ctx context.Context) error {
	if err := m.Refresh(ctx, true); err != nil {
		return err
	}
	go m.watch(ctx)
	return nil
}

func (m *Manager) watch(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.src.Changes():
		case <-t.C:
		}
		if err := m.Refresh(ctx, false); err != nil && ctx.Err() == nil {
			m.log.Error("catalog rebuild failed; serving the previous snapshot", "err", err)
		}
	}
}
