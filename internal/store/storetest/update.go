package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// updateSubject adapts one entity kind to the checks every Update* method
// shares, so gateways, targets and providers are held to the same contract.
type updateSubject[T any] struct {
	seed   func(ctx context.Context, s store.Store) (T, error)
	get    func(ctx context.Context, s store.Store) (T, error)
	update func(ctx context.Context, s store.Store, fn func(T) (T, error)) (T, error)
	// change makes an ordinary edit, different on every call (n).
	change func(v T, n int) T
	// tamper rewrites every field the store manages.
	tamper func(v T) T
	// meta returns the store-managed fields.
	meta func(v T) (key string, created, updated time.Time, version int64)
}

func testUpdateContract[T any](t *testing.T, s store.Store, u updateSubject[T]) {
	ctx := t.Context()
	orig := must(u.seed(ctx, s))(t)

	t.Run("fn error aborts", func(t *testing.T) {
		before := snapshot(t, s)
		drain(s.Changes())
		refused := errors.New("storetest: update refused")
		_, err := u.update(ctx, s, func(v T) (T, error) { return u.change(v, 99), refused })
		if !errors.Is(err, refused) {
			t.Errorf("Update error = %v, want the callback's error", err)
		}
		same(t, "store after a refused update", before, snapshot(t, s))
		same(t, "entity after a refused update", orig, must(u.get(ctx, s))(t))
		wantNoSignal(t, s.Changes(), "refused update")
	})

	prev := orig
	for i := 1; i <= 3; i++ {
		r0 := revision(t, s)
		var seen T
		got := must(u.update(ctx, s, func(v T) (T, error) { seen = v; return u.change(v, i), nil }))(t)
		same(t, "value passed to fn", prev, seen)
		checkUpdated(t, u, prev, got)
		same(t, "Get after update", got, must(u.get(ctx, s))(t))
		if r := revision(t, s); r <= r0 {
			t.Errorf("update %d: Revision %d -> %d, want an increase", i, r0, r)
		}
		prev = got
	}

	t.Run("managed fields ignored", func(t *testing.T) {
		got := must(u.update(ctx, s, func(v T) (T, error) { return u.tamper(u.change(v, 7)), nil }))(t)
		checkUpdated(t, u, prev, got)
		same(t, "Get after tampering update", got, must(u.get(ctx, s))(t))
	})
}

// checkUpdated compares the managed fields of an update's result with those
// of the value it replaced.
func checkUpdated[T any](t *testing.T, u updateSubject[T], old, got T) {
	t.Helper()
	oldKey, oldCreated, oldUpdated, oldVersion := u.meta(old)
	key, created, updated, version := u.meta(got)
	if key != oldKey {
		t.Errorf("update changed the identity from %q to %q", oldKey, key)
	}
	if !created.Equal(oldCreated) {
		t.Errorf("update changed CreatedAt from %v to %v", oldCreated, created)
	}
	if version <= oldVersion {
		t.Errorf("update: Version %d -> %d, want an increase", oldVersion, version)
	}
	if !updated.After(oldUpdated) {
		t.Errorf("update: UpdatedAt %v -> %v, want a later time", oldUpdated, updated)
	}
}

var tamperedTime = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)

func testUpdateGateway(t *testing.T, s store.Store) {
	id := newGateway(1).ID
	testUpdateContract(t, s, updateSubject[store.Gateway]{
		seed: func(ctx context.Context, s store.Store) (store.Gateway, error) {
			return s.CreateGateway(ctx, newGateway(1))
		},
		get: func(ctx context.Context, s store.Store) (store.Gateway, error) { return s.GetGateway(ctx, id) },
		update: func(ctx context.Context, s store.Store, fn func(store.Gateway) (store.Gateway, error)) (store.Gateway, error) {
			return s.UpdateGateway(ctx, id, fn)
		},
		change: func(g store.Gateway, n int) store.Gateway {
			g.Status = "UPDATING"
			g.StatusReasons = append(g.StatusReasons, "edit")
			g.Name = newGateway(100 + n).Name
			g.Config = append([]byte(nil), newGateway(100+n).Config...)
			return g
		},
		tamper: func(g store.Gateway) store.Gateway {
			g.ID, g.CreatedAt, g.UpdatedAt, g.Version = "tampered", tamperedTime, tamperedTime, 1000
			return g
		},
		meta: func(g store.Gateway) (string, time.Time, time.Time, int64) {
			return g.ID, g.CreatedAt, g.UpdatedAt, g.Version
		},
	})
}

func testUpdateTarget(t *testing.T, s store.Store) {
	gwID := newGateway(1).ID
	id := newTarget(gwID, 1).ID
	testUpdateContract(t, s, updateSubject[store.Target]{
		seed: func(ctx context.Context, s store.Store) (store.Target, error) {
			if _, err := s.CreateGateway(ctx, newGateway(1)); err != nil {
				return store.Target{}, err
			}
			if _, err := s.CreateGateway(ctx, newGateway(2)); err != nil {
				return store.Target{}, err
			}
			return s.CreateTarget(ctx, newTarget(gwID, 1))
		},
		get: func(ctx context.Context, s store.Store) (store.Target, error) { return s.GetTarget(ctx, gwID, id) },
		update: func(ctx context.Context, s store.Store, fn func(store.Target) (store.Target, error)) (store.Target, error) {
			return s.UpdateTarget(ctx, gwID, id, fn)
		},
		change: func(tg store.Target, n int) store.Target {
			tg.Status = "UPDATING"
			tg.Name = newTarget(gwID, 100+n).Name
			tg.LastSynchronizedAt = base.Add(time.Duration(n) * time.Minute)
			return tg
		},
		tamper: func(tg store.Target) store.Target {
			tg.GatewayID, tg.ID = newGateway(2).ID, "TAMPERED00"
			tg.CreatedAt, tg.UpdatedAt, tg.Version = tamperedTime, tamperedTime, 1000
			return tg
		},
		meta: func(tg store.Target) (string, time.Time, time.Time, int64) {
			return tg.GatewayID + "/" + tg.ID, tg.CreatedAt, tg.UpdatedAt, tg.Version
		},
	})
}

func testUpdateProvider(t *testing.T, s store.Store) {
	name := newProvider(1).Name
	testUpdateContract(t, s, updateSubject[store.APIKeyProvider]{
		seed: func(ctx context.Context, s store.Store) (store.APIKeyProvider, error) {
			return s.CreateAPIKeyProvider(ctx, newProvider(1))
		},
		get: func(ctx context.Context, s store.Store) (store.APIKeyProvider, error) {
			return s.GetAPIKeyProvider(ctx, name)
		},
		update: func(ctx context.Context, s store.Store, fn func(store.APIKeyProvider) (store.APIKeyProvider, error)) (store.APIKeyProvider, error) {
			return s.UpdateAPIKeyProvider(ctx, name, fn)
		},
		change: func(p store.APIKeyProvider, n int) store.APIKeyProvider {
			p.SealedKey = []byte{0xff, byte(n), 0x00}
			p.Tags = map[string]string{"edit": newProvider(n).Name}
			return p
		},
		tamper: func(p store.APIKeyProvider) store.APIKeyProvider {
			p.Name, p.CreatedAt, p.UpdatedAt, p.Version = "tampered", tamperedTime, tamperedTime, 1000
			return p
		},
		meta: func(p store.APIKeyProvider) (string, time.Time, time.Time, int64) {
			return p.Name, p.CreatedAt, p.UpdatedAt, p.Version
		},
	})
}
