package tokenvault

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// The re-sealing job moves every stored secret to the primary data key and
// then deletes the retiring keys (see the package documentation for why it
// waits). Every replica may run it; they do not get in each other's way,
// since each value is replaced by compare-and-swap and deleting a key twice
// is harmless.

// aad is the additional data a sealed secret was sealed with.
func aad(s store.SealedSecret) string { return s.Kind + "/" + strings.Join(s.Owner, "/") }

// passResult is what one re-sealing pass saw.
type passResult struct {
	started time.Time
	// left counts, per key id, the values still sealed under a key other
	// than the primary after the pass (they could not be opened, or changed
	// while the pass re-sealed them).
	left     map[string]int
	resealed int
	// unreadable names the values that could not be opened (kind/owner).
	unreadable []string
}

// startJob runs the re-sealing job unless one is running.
func (m *Manager) startJob() {
	m.jobMu.Lock()
	defer m.jobMu.Unlock()
	if m.job != nil || m.ctx == nil {
		return
	}
	done := make(chan struct{})
	m.job = done
	go func() {
		defer func() {
			m.jobMu.Lock()
			m.job = nil
			m.jobMu.Unlock()
			close(done)
		}()
		m.runJob(m.ctx)
	}()
}

// runJob re-seals until no retiring key is left, or ctx ends.
func (m *Manager) runJob(ctx context.Context) {
	for ctx.Err() == nil {
		pass, err := m.resealPass(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.o.Logger.Error("token vault: re-sealing pass failed; retrying", "err", err)
			}
			if !m.sleep(ctx, m.o.RetryAfter) {
				return
			}
			continue
		}
		if pass.resealed > 0 || len(pass.unreadable) > 0 {
			m.o.Logger.Info("token vault: re-sealed secrets with the primary data key", "resealed", pass.resealed, "unreadable", len(pass.unreadable))
		}
		rows, err := m.o.Store.ListVaultKeys(ctx)
		if err != nil {
			if !m.sleep(ctx, m.o.RetryAfter) {
				return
			}
			continue
		}
		var primary store.VaultKey
		var retiring []store.VaultKey
		for _, r := range rows {
			if r.State == store.VaultKeyRetiring {
				retiring = append(retiring, r)
			} else {
				primary = r
			}
		}
		if len(retiring) == 0 {
			return
		}
		readyAt := primary.CreatedAt.Add(m.o.RetireAfter)
		if pass.started.Before(readyAt) {
			// Some replica may still seal with a retiring key: wait, then
			// make a pass that also catches what it sealed.
			if !m.sleep(ctx, readyAt.Sub(m.o.Now())) {
				return
			}
			continue
		}
		deleted, blocked := 0, 0
		for _, r := range retiring {
			if pass.left[r.KeyID] > 0 {
				blocked++
				m.o.Logger.Warn("token vault: a retiring data key still has secrets the pass could not re-seal; keeping it",
					"key", r.KeyID, "values", pass.left[r.KeyID], "unreadable", strings.Join(first(pass.unreadable, 10), ", "))
				continue
			}
			if err := m.o.Store.DeleteVaultKey(ctx, r.KeyID); err != nil && !errors.Is(err, store.ErrNotFound) {
				m.o.Logger.Error("token vault: delete a retired data key", "key", r.KeyID, "err", err)
				blocked++
				continue
			}
			deleted++
			m.o.Logger.Info("token vault: retired a data key: no secret is sealed with it any more", "key", r.KeyID, "version", r.Version)
		}
		if deleted > 0 {
			if err := m.Reload(ctx); err != nil {
				m.o.Logger.Error("token vault: reload keys", "err", err)
			}
		}
		if blocked == 0 {
			return
		}
		if !m.sleep(ctx, m.o.RetryAfter) {
			return
		}
	}
}

// resealPass re-seals every stored value that is not sealed under the
// vault's primary key.
func (m *Manager) resealPass(ctx context.Context) (passResult, error) {
	res := passResult{started: m.o.Now(), left: map[string]int{}}
	after := ""
	for {
		items, next, err := m.o.Store.ListSealedSecrets(ctx, store.Page{After: after, Limit: 200})
		if err != nil {
			return res, err
		}
		for _, s := range items {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			id, err := vault.KeyID(s.Sealed)
			if err != nil {
				res.unreadable = append(res.unreadable, aad(s))
				continue
			}
			if id == m.o.Vault.PrimaryKeyID() {
				continue
			}
			plain, err := m.o.Vault.Open(aad(s), s.Sealed)
			if err != nil {
				res.left[id]++
				res.unreadable = append(res.unreadable, aad(s))
				continue
			}
			sealed, err := m.o.Vault.Seal(aad(s), plain)
			clear(plain)
			if err != nil {
				return res, err
			}
			switch err := m.o.Store.ReplaceSealedSecret(ctx, s, sealed); {
			case err == nil:
				res.resealed++
			case errors.Is(err, store.ErrNotFound):
				// deleted meanwhile
			case errors.Is(err, store.ErrConflict):
				res.left[id]++ // rewritten meanwhile: look again next pass
			default:
				return res, err
			}
		}
		if next == "" {
			return res, nil
		}
		after = next
	}
}

func (m *Manager) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		d = time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// Wait blocks until no re-sealing job runs and no retiring key is left, or
// ctx ends (tests and the CLI use it).
func (m *Manager) Wait(ctx context.Context) error {
	for {
		m.jobMu.Lock()
		job := m.job
		m.jobMu.Unlock()
		if job != nil {
			select {
			case <-job:
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		rows, err := m.o.Store.ListVaultKeys(ctx)
		if err != nil {
			return err
		}
		if !hasRetiring(rows) {
			// Another replica's job may have retired the keys: catch up.
			return m.Reload(ctx)
		}
		m.startJob()
		if !m.sleep(ctx, 10*time.Millisecond) {
			return ctx.Err()
		}
	}
}

func hasRetiring(rows []store.VaultKey) bool {
	for _, r := range rows {
		if r.State == store.VaultKeyRetiring {
			return true
		}
	}
	return false
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
