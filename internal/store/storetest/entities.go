package storetest

import (
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

func testGatewayCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := newGateway(1)
	in.ClientToken = "token-1"
	in.StatusReasons = []string{"creating"}
	in.Status = "CREATING"

	created := must(s.CreateGateway(ctx, in))(t)
	if created.Version != 1 {
		t.Errorf("created Version = %d, want 1", created.Version)
	}
	if created.CreatedAt.IsZero() || created.UpdatedAt.IsZero() {
		t.Errorf("created timestamps not set: CreatedAt %v UpdatedAt %v", created.CreatedAt, created.UpdatedAt)
	}
	want := in
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.UpdatedAt, 1
	same(t, "created gateway", want, created)
	same(t, "GetGateway after create", created, must(s.GetGateway(ctx, in.ID))(t))

	other := must(s.CreateGateway(ctx, newGateway(2)))(t)
	items, next, err := s.ListGateways(ctx, store.Page{})
	check(t, err)
	same(t, "ListGateways", []store.Gateway{created, other}, items)
	if next != "" {
		t.Errorf("ListGateways Next = %q, want empty", next)
	}

	updated := must(s.UpdateGateway(ctx, in.ID, func(g store.Gateway) (store.Gateway, error) {
		g.Status, g.StatusReasons = "READY", nil
		g.ARN += "-changed"
		g.Config = []byte(`{"changed":true}`)
		return g, nil
	}))(t)
	if updated.Status != "READY" || updated.StatusReasons != nil || string(updated.Config) != `{"changed":true}` {
		t.Errorf("update not applied: %+v", updated)
	}
	same(t, "GetGateway after update", updated, must(s.GetGateway(ctx, in.ID))(t))

	check(t, s.DeleteGateway(ctx, in.ID))
	_, err = s.GetGateway(ctx, in.ID)
	wantNotFound(t, "GetGateway after delete", err)
	items, _, err = s.ListGateways(ctx, store.Page{})
	check(t, err)
	same(t, "ListGateways after delete", []store.Gateway{other}, items)
	wantNotFound(t, "second DeleteGateway", s.DeleteGateway(ctx, in.ID))
}

func testGatewayByClientToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b, c := newGateway(1), newGateway(2), newGateway(3)
	a.ClientToken, b.ClientToken = "token-a", "token-b"
	a = must(s.CreateGateway(ctx, a))(t)
	b = must(s.CreateGateway(ctx, b))(t)
	must(s.CreateGateway(ctx, c))(t) // no token: must never be found by ""

	same(t, "GetGatewayByClientToken(token-b)", b, must(s.GetGatewayByClientToken(ctx, "token-b"))(t))
	same(t, "GetGatewayByClientToken(token-a)", a, must(s.GetGatewayByClientToken(ctx, "token-a"))(t))
	_, err := s.GetGatewayByClientToken(ctx, "token-z")
	wantNotFound(t, "unknown token", err)
	_, err = s.GetGatewayByClientToken(ctx, "")
	wantNotFound(t, "empty token", err)
}

func testDeleteGatewayWithTargets(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := must(s.CreateGateway(ctx, newGateway(1)))(t)
	t1 := must(s.CreateTarget(ctx, newTarget(g.ID, 1)))(t)
	t2 := must(s.CreateTarget(ctx, newTarget(g.ID, 2)))(t)
	before := snapshot(t, s)

	wantConflict(t, "DeleteGateway with targets", s.DeleteGateway(ctx, g.ID), "targets")
	same(t, "store after refused delete", before, snapshot(t, s))

	check(t, s.DeleteTarget(ctx, g.ID, t1.ID))
	wantConflict(t, "DeleteGateway with one target", s.DeleteGateway(ctx, g.ID), "targets")
	check(t, s.DeleteTarget(ctx, g.ID, t2.ID))
	check(t, s.DeleteGateway(ctx, g.ID))
	_, err := s.GetGateway(ctx, g.ID)
	wantNotFound(t, "GetGateway after delete", err)
}

func testTargetCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	g := must(s.CreateGateway(ctx, newGateway(1)))(t)
	in := newTarget(g.ID, 1)
	in.ClientToken = "token-1"
	in.StatusReasons = []string{"creating", "synchronising"}
	in.LastSynchronizedAt = base.Add(90 * time.Second)

	created := must(s.CreateTarget(ctx, in))(t)
	if created.Version != 1 || created.CreatedAt.IsZero() || created.UpdatedAt.IsZero() {
		t.Errorf("created target metadata: Version %d CreatedAt %v UpdatedAt %v", created.Version, created.CreatedAt, created.UpdatedAt)
	}
	want := in
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.UpdatedAt, 1
	same(t, "created target", want, created)
	same(t, "GetTarget after create", created, must(s.GetTarget(ctx, g.ID, in.ID))(t))

	other := must(s.CreateTarget(ctx, newTarget(g.ID, 2)))(t)
	items, next, err := s.ListTargets(ctx, g.ID, store.Page{})
	check(t, err)
	same(t, "ListTargets", []store.Target{created, other}, items)
	if next != "" {
		t.Errorf("ListTargets Next = %q, want empty", next)
	}

	synced := base.Add(time.Hour)
	updated := must(s.UpdateTarget(ctx, g.ID, in.ID, func(tg store.Target) (store.Target, error) {
		tg.Status, tg.StatusReasons, tg.LastSynchronizedAt = "READY", nil, synced
		tg.Config = []byte(`{"changed":true}`)
		return tg, nil
	}))(t)
	if updated.Status != "READY" || !updated.LastSynchronizedAt.Equal(synced) || string(updated.Config) != `{"changed":true}` {
		t.Errorf("update not applied: %+v", updated)
	}
	same(t, "GetTarget after update", updated, must(s.GetTarget(ctx, g.ID, in.ID))(t))

	check(t, s.DeleteTarget(ctx, g.ID, in.ID))
	_, err = s.GetTarget(ctx, g.ID, in.ID)
	wantNotFound(t, "GetTarget after delete", err)
	items, _, err = s.ListTargets(ctx, g.ID, store.Page{})
	check(t, err)
	same(t, "ListTargets after delete", []store.Target{other}, items)
}

// testTargetScoping: a target belongs to its gateway; the other gateway
// neither sees nor can touch it, and may reuse its ID and name.
func testTargetScoping(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := must(s.CreateGateway(ctx, newGateway(1)))(t)
	b := must(s.CreateGateway(ctx, newGateway(2)))(t)
	inA := must(s.CreateTarget(ctx, newTarget(a.ID, 1)))(t)
	onlyA := must(s.CreateTarget(ctx, newTarget(a.ID, 2)))(t)
	twin := newTarget(b.ID, 1) // same ID and name as inA, other gateway
	twin.Config = []byte(`{"twin":true}`)
	twin = must(s.CreateTarget(ctx, twin))(t)

	same(t, "GetTarget in A", inA, must(s.GetTarget(ctx, a.ID, inA.ID))(t))
	same(t, "GetTarget in B", twin, must(s.GetTarget(ctx, b.ID, inA.ID))(t))
	_, err := s.GetTarget(ctx, b.ID, onlyA.ID)
	wantNotFound(t, "GetTarget of A's target through B", err)

	items, _, err := s.ListTargets(ctx, b.ID, store.Page{})
	check(t, err)
	same(t, "ListTargets(B)", []store.Target{twin}, items)

	wantNotFound(t, "DeleteTarget of A's target through B", s.DeleteTarget(ctx, b.ID, onlyA.ID))
	_, err = s.UpdateTarget(ctx, b.ID, onlyA.ID, func(tg store.Target) (store.Target, error) { return tg, nil })
	wantNotFound(t, "UpdateTarget of A's target through B", err)
	check(t, s.DeleteTarget(ctx, b.ID, twin.ID))
	same(t, "A's twin after deleting B's", inA, must(s.GetTarget(ctx, a.ID, inA.ID))(t))
}

func testTargetByClientToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	a := must(s.CreateGateway(ctx, newGateway(1)))(t)
	b := must(s.CreateGateway(ctx, newGateway(2)))(t)
	t1, t2 := newTarget(a.ID, 1), newTarget(a.ID, 2)
	t1.ClientToken, t2.ClientToken = "token-1", "token-2"
	t1 = must(s.CreateTarget(ctx, t1))(t)
	t2 = must(s.CreateTarget(ctx, t2))(t)
	must(s.CreateTarget(ctx, newTarget(a.ID, 3)))(t) // no token

	same(t, "GetTargetByClientToken(token-2)", t2, must(s.GetTargetByClientToken(ctx, a.ID, "token-2"))(t))
	same(t, "GetTargetByClientToken(token-1)", t1, must(s.GetTargetByClientToken(ctx, a.ID, "token-1"))(t))
	_, err := s.GetTargetByClientToken(ctx, b.ID, "token-1")
	wantNotFound(t, "token of A looked up in B", err)
	_, err = s.GetTargetByClientToken(ctx, a.ID, "token-z")
	wantNotFound(t, "unknown token", err)
	_, err = s.GetTargetByClientToken(ctx, a.ID, "")
	wantNotFound(t, "empty token", err)
}

func testProviderCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := newProvider(1)
	created := must(s.CreateAPIKeyProvider(ctx, in))(t)
	if created.Version != 1 || created.CreatedAt.IsZero() || created.UpdatedAt.IsZero() {
		t.Errorf("created provider metadata: Version %d CreatedAt %v UpdatedAt %v", created.Version, created.CreatedAt, created.UpdatedAt)
	}
	want := in
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.UpdatedAt, 1
	same(t, "created provider", want, created)
	same(t, "GetAPIKeyProvider", created, must(s.GetAPIKeyProvider(ctx, in.Name))(t))

	other := must(s.CreateAPIKeyProvider(ctx, newProvider(2)))(t)
	items, next, err := s.ListAPIKeyProviders(ctx, store.Page{})
	check(t, err)
	same(t, "ListAPIKeyProviders", []store.APIKeyProvider{created, other}, items)
	if next != "" {
		t.Errorf("ListAPIKeyProviders Next = %q, want empty", next)
	}

	updated := must(s.UpdateAPIKeyProvider(ctx, in.Name, func(p store.APIKeyProvider) (store.APIKeyProvider, error) {
		p.SealedKey = []byte{0xde, 0xad, 0xbe, 0xef}
		p.Tags = map[string]string{"rotated": "yes"}
		return p, nil
	}))(t)
	same(t, "GetAPIKeyProvider after update", updated, must(s.GetAPIKeyProvider(ctx, in.Name))(t))
	same(t, "rotated key", []byte{0xde, 0xad, 0xbe, 0xef}, updated.SealedKey)

	check(t, s.DeleteAPIKeyProvider(ctx, in.Name))
	_, err = s.GetAPIKeyProvider(ctx, in.Name)
	wantNotFound(t, "GetAPIKeyProvider after delete", err)
	items, _, err = s.ListAPIKeyProviders(ctx, store.Page{})
	check(t, err)
	same(t, "ListAPIKeyProviders after delete", []store.APIKeyProvider{other}, items)
}

func testPrincipalCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	in := newPrincipal(1)
	created := must(s.CreatePrincipal(ctx, in))(t)
	if created.Version != 1 || created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Errorf("created principal metadata: Version %d CreatedAt %v UpdatedAt %v", created.Version, created.CreatedAt, created.UpdatedAt)
	}
	want := in
	want.Path = "/" // the IAM default for an unset path
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.CreatedAt, 1
	same(t, "created principal", want, created)
	same(t, "GetPrincipal", created, must(s.GetPrincipal(ctx, in.ID))(t))

	root := newPrincipal(2)
	root.Kind = "root"
	root = must(s.CreatePrincipal(ctx, root))(t)
	items, next, err := s.ListPrincipals(ctx, store.Page{})
	check(t, err)
	same(t, "ListPrincipals", []store.Principal{created, root}, items)
	if next != "" {
		t.Errorf("ListPrincipals Next = %q, want empty", next)
	}

	check(t, s.DeletePrincipal(ctx, in.ID))
	_, err = s.GetPrincipal(ctx, in.ID)
	wantNotFound(t, "GetPrincipal after delete", err)
	items, _, err = s.ListPrincipals(ctx, store.Page{})
	check(t, err)
	same(t, "ListPrincipals after delete", []store.Principal{root}, items)
}

func testAccessKeyCRUD(t *testing.T, s store.Store) {
	ctx := t.Context()
	p := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	in := newAccessKey(p.ID, 1)
	created := must(s.CreateAccessKey(ctx, in))(t)
	if created.CreatedAt.IsZero() {
		t.Errorf("created access key has no CreatedAt")
	}
	want := in
	want.CreatedAt = created.CreatedAt
	same(t, "created access key", want, created)
	same(t, "GetAccessKey", created, must(s.GetAccessKey(ctx, in.ID))(t))
	same(t, "ListAccessKeys", []store.AccessKey{created}, must(s.ListAccessKeys(ctx, p.ID))(t))

	check(t, s.DeleteAccessKey(ctx, in.ID))
	_, err := s.GetAccessKey(ctx, in.ID)
	wantNotFound(t, "GetAccessKey after delete", err)
	if keys := must(s.ListAccessKeys(ctx, p.ID))(t); len(keys) != 0 {
		t.Errorf("ListAccessKeys after delete = %v, want none", keys)
	}
	same(t, "principal after deleting its key", p, must(s.GetPrincipal(ctx, p.ID))(t))
}

func testListAccessKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	bob := must(s.CreatePrincipal(ctx, newPrincipal(2)))(t)
	carol := must(s.CreatePrincipal(ctx, newPrincipal(3)))(t)
	// IDs sort against creation order, so the list order is visibly by time.
	k1, k2, k3 := newAccessKey(alice.ID, 9), newAccessKey(alice.ID, 8), newAccessKey(bob.ID, 7)
	k1.CreatedAt, k2.CreatedAt, k3.CreatedAt = base, base.Add(time.Second), base.Add(2*time.Second)
	k2.Status = "Inactive"
	k1 = must(s.CreateAccessKey(ctx, k1))(t)
	k2 = must(s.CreateAccessKey(ctx, k2))(t)
	k3 = must(s.CreateAccessKey(ctx, k3))(t)

	same(t, "ListAccessKeys(alice)", []store.AccessKey{k1, k2}, must(s.ListAccessKeys(ctx, alice.ID))(t))
	same(t, "ListAccessKeys(bob)", []store.AccessKey{k3}, must(s.ListAccessKeys(ctx, bob.ID))(t))
	if keys := must(s.ListAccessKeys(ctx, carol.ID))(t); len(keys) != 0 {
		t.Errorf("ListAccessKeys(carol) = %v, want none", keys)
	}
	check(t, s.DeleteAccessKey(ctx, k1.ID))
	same(t, "ListAccessKeys(alice) after delete", []store.AccessKey{k2}, must(s.ListAccessKeys(ctx, alice.ID))(t))
}

func testDeletePrincipalDeletesKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	bob := must(s.CreatePrincipal(ctx, newPrincipal(2)))(t)
	a1 := must(s.CreateAccessKey(ctx, newAccessKey(alice.ID, 1)))(t)
	a2 := must(s.CreateAccessKey(ctx, newAccessKey(alice.ID, 2)))(t)
	b1 := must(s.CreateAccessKey(ctx, newAccessKey(bob.ID, 3)))(t)

	check(t, s.DeletePrincipal(ctx, alice.ID))
	for _, k := range []store.AccessKey{a1, a2} {
		_, err := s.GetAccessKey(ctx, k.ID)
		wantNotFound(t, "GetAccessKey of deleted principal's key "+k.ID, err)
	}
	_, err := s.ListAccessKeys(ctx, alice.ID)
	wantNotFound(t, "ListAccessKeys of deleted principal", err)
	same(t, "other principal's key", b1, must(s.GetAccessKey(ctx, b1.ID))(t))

	// The key ids are free again: nothing of alice's keys lingers.
	must(s.CreateAccessKey(ctx, newAccessKey(bob.ID, 1)))(t)
}

func testInitSetting(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.GetSetting(ctx, "account-id")
	wantNotFound(t, "GetSetting before init", err)

	if got := must(s.InitSetting(ctx, "account-id", "111111111111"))(t); got != "111111111111" {
		t.Errorf("first InitSetting = %q, want its own value", got)
	}
	if got := must(s.InitSetting(ctx, "account-id", "222222222222"))(t); got != "111111111111" {
		t.Errorf("second InitSetting = %q, want the first writer's value", got)
	}
	if got := must(s.GetSetting(ctx, "account-id"))(t); got != "111111111111" {
		t.Errorf("GetSetting = %q, want the first writer's value", got)
	}
	if got := must(s.InitSetting(ctx, "region", "eu-west-1"))(t); got != "eu-west-1" {
		t.Errorf("InitSetting of another key = %q, want its own value", got)
	}
	if got := must(s.InitSetting(ctx, "empty", ""))(t); got != "" {
		t.Errorf("InitSetting with empty value = %q", got)
	}
	if got := must(s.InitSetting(ctx, "empty", "later"))(t); got != "" {
		t.Errorf("an empty value must still win: got %q", got)
	}
}
