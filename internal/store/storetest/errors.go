package storetest

import (
	"context"
	"testing"

	"github.com/toolgate/toolgate/internal/store"
)

// testNotFound: every getter, updater and deleter reports ErrNotFound for a
// missing entity, writes nothing and, for updates, never calls fn.
func testNotFound(t *testing.T, s store.Store) {
	f := seedFixture(t, s)
	called := false
	gwFn := func(g store.Gateway) (store.Gateway, error) { called = true; return g, nil }
	tgtFn := func(tg store.Target) (store.Target, error) { called = true; return tg, nil }
	provFn := func(p store.APIKeyProvider) (store.APIKeyProvider, error) { called = true; return p, nil }
	read := func(_ any, err error) error { return err }
	list := func(_ any, _ string, err error) error { return err }

	tests := []storeOp{
		{"GetGateway", func(ctx context.Context) error { return read(s.GetGateway(ctx, "missing-gw")) }},
		{"GetGatewayByClientToken", func(ctx context.Context) error { return read(s.GetGatewayByClientToken(ctx, "missing-token")) }},
		{"UpdateGateway", func(ctx context.Context) error { return read(s.UpdateGateway(ctx, "missing-gw", gwFn)) }},
		{"DeleteGateway", func(ctx context.Context) error { return s.DeleteGateway(ctx, "missing-gw") }},
		{"CreateTarget/missing gateway", func(ctx context.Context) error {
			return read(s.CreateTarget(ctx, newTarget("missing-gw", 9)))
		}},
		{"GetTarget/missing target", func(ctx context.Context) error { return read(s.GetTarget(ctx, f.gwA.ID, "MISSING000")) }},
		{"GetTarget/missing gateway", func(ctx context.Context) error { return read(s.GetTarget(ctx, "missing-gw", f.tgt1.ID)) }},
		{"GetTargetByClientToken", func(ctx context.Context) error {
			return read(s.GetTargetByClientToken(ctx, f.gwA.ID, "missing-token"))
		}},
		{"GetTargetByClientToken/missing gateway", func(ctx context.Context) error {
			return read(s.GetTargetByClientToken(ctx, "missing-gw", f.tgt1.ClientToken))
		}},
		{"ListTargets/missing gateway", func(ctx context.Context) error {
			return list(s.ListTargets(ctx, "missing-gw", store.Page{}))
		}},
		{"UpdateTarget/missing target", func(ctx context.Context) error {
			return read(s.UpdateTarget(ctx, f.gwA.ID, "MISSING000", tgtFn))
		}},
		{"UpdateTarget/missing gateway", func(ctx context.Context) error {
			return read(s.UpdateTarget(ctx, "missing-gw", f.tgt1.ID, tgtFn))
		}},
		{"DeleteTarget/missing target", func(ctx context.Context) error { return s.DeleteTarget(ctx, f.gwA.ID, "MISSING000") }},
		{"DeleteTarget/missing gateway", func(ctx context.Context) error { return s.DeleteTarget(ctx, "missing-gw", f.tgt1.ID) }},
		{"GetAPIKeyProvider", func(ctx context.Context) error { return read(s.GetAPIKeyProvider(ctx, "missing-provider")) }},
		{"UpdateAPIKeyProvider", func(ctx context.Context) error {
			return read(s.UpdateAPIKeyProvider(ctx, "missing-provider", provFn))
		}},
		{"DeleteAPIKeyProvider", func(ctx context.Context) error { return s.DeleteAPIKeyProvider(ctx, "missing-provider") }},
		{"GetPrincipal", func(ctx context.Context) error { return read(s.GetPrincipal(ctx, "AIDAMISSING")) }},
		{"DeletePrincipal", func(ctx context.Context) error { return s.DeletePrincipal(ctx, "AIDAMISSING") }},
		{"CreateAccessKey/missing principal", func(ctx context.Context) error {
			return read(s.CreateAccessKey(ctx, newAccessKey("AIDAMISSING", 9)))
		}},
		{"GetAccessKey", func(ctx context.Context) error { return read(s.GetAccessKey(ctx, "AKIAMISSING")) }},
		{"ListAccessKeys/missing principal", func(ctx context.Context) error {
			return read(s.ListAccessKeys(ctx, "AIDAMISSING"))
		}},
		{"DeleteAccessKey", func(ctx context.Context) error { return s.DeleteAccessKey(ctx, "AKIAMISSING") }},
		{"GetSetting", func(ctx context.Context) error { return read(s.GetSetting(ctx, "missing-setting")) }},
	}
	runNotFound(t, s, func(t *testing.T) world { return snapshot(t, s) }, &called, tests)
}

// testConflicts: uniqueness rules and dependency rules. A violation is a
// *store.ConflictError naming the field and leaves the store untouched;
// the "ok" rows show where the same value is allowed.
func testConflicts(t *testing.T, s store.Store) {
	f := seedFixture(t, s)
	gw := func(id, name, token string) store.Gateway {
		g := newGateway(50)
		g.ID, g.Name, g.ClientToken = id, name, token
		return g
	}
	tgt := func(gatewayID, id, name, token string) store.Target {
		tg := newTarget(gatewayID, 50)
		tg.ID, tg.Name, tg.ClientToken = id, name, token
		return tg
	}
	createGW := func(g store.Gateway) func(context.Context) error {
		return func(ctx context.Context) error { _, err := s.CreateGateway(ctx, g); return err }
	}
	createTgt := func(tg store.Target) func(context.Context) error {
		return func(ctx context.Context) error { _, err := s.CreateTarget(ctx, tg); return err }
	}
	updateGW := func(id string, edit func(*store.Gateway)) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := s.UpdateGateway(ctx, id, func(g store.Gateway) (store.Gateway, error) { edit(&g); return g, nil })
			return err
		}
	}
	updateTgt := func(gatewayID, id string, edit func(*store.Target)) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := s.UpdateTarget(ctx, gatewayID, id, func(tg store.Target) (store.Target, error) { edit(&tg); return tg, nil })
			return err
		}
	}

	// Rows run in order on one store; "ok" rows create distinct new values,
	// so later rows are unaffected by them.
	tests := []conflictOp{
		{"gateway duplicate name", createGW(gw("new-gw-1", f.gwA.Name, "")), "name"},
		{"gateway duplicate client token", createGW(gw("new-gw-1", "gamma", f.gwA.ClientToken)), "clientToken"},
		{"gateway duplicate id", createGW(gw(f.gwA.ID, "gamma", "")), "id"},
		{"gateway empty client token again ok", createGW(gw("new-gw-1", "gamma", "")), ""},
		{"target duplicate name in gateway", createTgt(tgt(f.gwA.ID, "NEWTGT0001", f.tgt1.Name, "")), "name"},
		{"target duplicate client token in gateway", createTgt(tgt(f.gwA.ID, "NEWTGT0001", "fresh", f.tgt1.ClientToken)), "clientToken"},
		{"target duplicate id in gateway", createTgt(tgt(f.gwA.ID, f.tgt1.ID, "fresh", "")), "id"},
		{"target same name, token and id in other gateway ok", createTgt(tgt(f.gwB.ID, f.tgt1.ID, f.tgt1.Name, f.tgt1.ClientToken)), ""},
		{"target empty client token again ok", createTgt(tgt(f.gwA.ID, "NEWTGT0002", "fresh", "")), ""},
		{"api key provider duplicate name", func(ctx context.Context) error {
			p := newProvider(50)
			p.Name = f.provider.Name
			_, err := s.CreateAPIKeyProvider(ctx, p)
			return err
		}, "name"},
		{"principal duplicate name", func(ctx context.Context) error {
			p := newPrincipal(50)
			p.Name = f.principal.Name
			_, err := s.CreatePrincipal(ctx, p)
			return err
		}, "name"},
		{"principal duplicate id", func(ctx context.Context) error {
			p := newPrincipal(50)
			p.ID = f.principal.ID
			_, err := s.CreatePrincipal(ctx, p)
			return err
		}, "id"},
		{"access key duplicate id", func(ctx context.Context) error {
			_, err := s.CreateAccessKey(ctx, newAccessKey(f.principal.ID, 1))
			return err
		}, "id"},
		{"update gateway to a taken name", updateGW(f.gwB.ID, func(g *store.Gateway) { g.Name = f.gwA.Name }), "name"},
		{"update gateway to a taken client token", updateGW(f.gwB.ID, func(g *store.Gateway) { g.ClientToken = f.gwA.ClientToken }), "clientToken"},
		{"update gateway keeping its own name and token ok", updateGW(f.gwA.ID, func(g *store.Gateway) { g.Status = "UPDATING" }), ""},
		{"update gateway to a free name ok", updateGW(f.gwB.ID, func(g *store.Gateway) { g.Name = "beta-renamed" }), ""},
		{"update target to a taken name", updateTgt(f.gwA.ID, f.tgt2.ID, func(tg *store.Target) { tg.Name = f.tgt1.Name }), "name"},
		{"update target to a taken client token", updateTgt(f.gwA.ID, f.tgt2.ID, func(tg *store.Target) { tg.ClientToken = f.tgt1.ClientToken }), "clientToken"},
		{"target name free in its gateway ok", createTgt(tgt(f.gwB.ID, "NEWTGT0003", "only-in-b", "")), ""},
		{"update target to a name used in another gateway ok", updateTgt(f.gwA.ID, f.tgt2.ID, func(tg *store.Target) { tg.Name = "only-in-b" }), ""},
		{"delete gateway with targets", func(ctx context.Context) error { return s.DeleteGateway(ctx, f.gwA.ID) }, "targets"},
	}
	runConflicts(t, s, func(t *testing.T) world { return snapshot(t, s) }, tests)
}
