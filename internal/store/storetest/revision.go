package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// testRevision: each successful mutation of any kind raises Revision and
// signals Changes; reads and writes that change nothing do neither.
func testRevision(t *testing.T, s store.Store) {
	gw, tgt, prov, prin := newGateway(1), newTarget(newGateway(1).ID, 1), newProvider(1), newPrincipal(1)
	key := newAccessKey(prin.ID, 1)
	ignore := func(_ any, err error) error { return err }
	ignore3 := func(_ any, _ string, err error) error { return err }

	mutations := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreateGateway", func(ctx context.Context) error { return ignore(s.CreateGateway(ctx, gw)) }},
		{"UpdateGateway", func(ctx context.Context) error {
			return ignore(s.UpdateGateway(ctx, gw.ID, func(g store.Gateway) (store.Gateway, error) { g.Status = "UPDATING"; return g, nil }))
		}},
		{"UpdateGateway without changes", func(ctx context.Context) error {
			return ignore(s.UpdateGateway(ctx, gw.ID, func(g store.Gateway) (store.Gateway, error) { return g, nil }))
		}},
		{"CreateTarget", func(ctx context.Context) error { return ignore(s.CreateTarget(ctx, tgt)) }},
		{"UpdateTarget", func(ctx context.Context) error {
			return ignore(s.UpdateTarget(ctx, gw.ID, tgt.ID, func(tg store.Target) (store.Target, error) { tg.Status = "FAILED"; return tg, nil }))
		}},
		{"DeleteTarget", func(ctx context.Context) error { return s.DeleteTarget(ctx, gw.ID, tgt.ID) }},
		{"DeleteGateway", func(ctx context.Context) error { return s.DeleteGateway(ctx, gw.ID) }},
		{"CreateAPIKeyProvider", func(ctx context.Context) error { return ignore(s.CreateAPIKeyProvider(ctx, prov)) }},
		{"UpdateAPIKeyProvider", func(ctx context.Context) error {
			return ignore(s.UpdateAPIKeyProvider(ctx, prov.Name, func(p store.APIKeyProvider) (store.APIKeyProvider, error) { return p, nil }))
		}},
		{"DeleteAPIKeyProvider", func(ctx context.Context) error { return s.DeleteAPIKeyProvider(ctx, prov.Name) }},
		{"CreatePrincipal", func(ctx context.Context) error { return ignore(s.CreatePrincipal(ctx, prin)) }},
		{"CreateAccessKey", func(ctx context.Context) error { return ignore(s.CreateAccessKey(ctx, key)) }},
		{"DeleteAccessKey", func(ctx context.Context) error { return s.DeleteAccessKey(ctx, key.ID) }},
		{"CreateAccessKey again", func(ctx context.Context) error { return ignore(s.CreateAccessKey(ctx, key)) }},
		{"DeletePrincipal", func(ctx context.Context) error { return s.DeletePrincipal(ctx, prin.ID) }},
		{"InitSetting", func(ctx context.Context) error { return ignore(s.InitSetting(ctx, "account-id", "123456789012")) }},
	}
	// No-ops run against the state the mutations left behind plus a gateway.
	noops := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"Revision", func(ctx context.Context) error { return ignore(s.Revision(ctx)) }},
		{"GetGateway", func(ctx context.Context) error { return ignore(s.GetGateway(ctx, "kept")) }},
		{"GetGatewayByClientToken", func(ctx context.Context) error { return ignore(s.GetGatewayByClientToken(ctx, "kept-token")) }},
		{"ListGateways", func(ctx context.Context) error { return ignore3(s.ListGateways(ctx, store.Page{})) }},
		{"ListTargets", func(ctx context.Context) error { return ignore3(s.ListTargets(ctx, "kept", store.Page{})) }},
		{"ListAPIKeyProviders", func(ctx context.Context) error { return ignore3(s.ListAPIKeyProviders(ctx, store.Page{})) }},
		{"ListPrincipals", func(ctx context.Context) error { return ignore3(s.ListPrincipals(ctx, store.Page{})) }},
		{"GetSetting", func(ctx context.Context) error { return ignore(s.GetSetting(ctx, "account-id")) }},
		{"InitSetting of a set key", func(ctx context.Context) error {
			return ignore(s.InitSetting(ctx, "account-id", "999999999999"))
		}},
	}

	ctx := t.Context()
	prev := revision(t, s)
	for _, m := range mutations {
		drain(s.Changes())
		if err := m.op(ctx); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		r := revision(t, s)
		if r <= prev {
			t.Errorf("%s: Revision %d -> %d, want an increase", m.name, prev, r)
		}
		wantSignal(t, s.Changes(), m.name)
		prev = r
	}

	kept := newGateway(2)
	kept.ID, kept.ClientToken = "kept", "kept-token"
	must(s.CreateGateway(ctx, kept))(t)
	prev = revision(t, s)
	drain(s.Changes())
	for _, n := range noops {
		if err := n.op(ctx); err != nil {
			t.Fatalf("%s: %v", n.name, err)
		}
		if r := revision(t, s); r != prev {
			t.Errorf("%s: Revision %d -> %d, want no change", n.name, prev, r)
		}
		wantNoSignal(t, s.Changes(), n.name)
	}
}

// testChangesNonBlocking: nobody reads Changes, yet 100 writes complete; a
// signal is pending afterwards.
func testChangesNonBlocking(t *testing.T, s store.Store) {
	done := make(chan error, 1)
	go func() {
		for i := range 100 {
			if _, err := s.CreateGateway(t.Context(), newGateway(i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		check(t, err)
	case <-time.After(60 * time.Second):
		t.Fatal("100 writes with nobody reading Changes did not finish: a writer blocks on the channel")
	}
	wantSignal(t, s.Changes(), "after 100 unread writes")
}

// testConcurrentUpdates: read-modify-write through UpdateGateway loses no
// update when 20 goroutines race.
func testConcurrentUpdates(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := must(s.CreateGateway(ctx, newGateway(1)))(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := s.UpdateGateway(ctx, g.ID, func(g store.Gateway) (store.Gateway, error) {
				g.StatusReasons = append(g.StatusReasons, fmt.Sprintf("reason-%02d", i))
				return g, nil
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		check(t, err)
	}
	got := must(s.GetGateway(ctx, g.ID))(t)
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("reason-%02d", i))
	}
	reasons := slices.Sorted(slices.Values(got.StatusReasons))
	same(t, "status reasons after concurrent updates", want, reasons)
	if got.Version < g.Version+n {
		t.Errorf("Version %d -> %d after %d updates, want at least +%d", g.Version, got.Version, n, n)
	}
}

// testConcurrentCreateSameName: of racing creates with one name exactly one
// wins; the others get a name conflict.
func testConcurrentCreateSameName(t *testing.T, s store.Store) {
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			g := newGateway(i)
			g.Name = "contested"
			_, errs[i] = s.CreateGateway(t.Context(), g)
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantConflict(t, "losing create", err, "name")
	}
	if wins != 1 {
		t.Errorf("%d creates of the same name succeeded, want 1", wins)
	}
	items, _, err := s.ListGateways(t.Context(), store.Page{})
	check(t, err)
	if len(items) != 1 {
		t.Errorf("%d gateways stored, want 1", len(items))
	}
}

// testConcurrentInitSetting: replicas starting together agree on one value.
func testConcurrentInitSetting(t *testing.T, s store.Store) {
	const n = 8
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = s.InitSetting(t.Context(), "account-id", fmt.Sprintf("%012d", i))
		})
	}
	wg.Wait()
	check(t, errors.Join(errs...))
	stored := must(s.GetSetting(t.Context(), "account-id"))(t)
	for i, v := range got {
		if v != stored {
			t.Errorf("InitSetting #%d returned %q, but %q is stored", i, v, stored)
		}
	}
	var offered []string
	for i := range n {
		offered = append(offered, fmt.Sprintf("%012d", i))
	}
	if !slices.Contains(offered, stored) {
		t.Errorf("stored value %q was never offered", stored)
	}
}
