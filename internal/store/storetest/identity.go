package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/store"
)

// Workload identities, the token vault's keys and sealed secrets
// (store.IdentityStore). A backend passed to Run must implement that
// interface too; beyond the rest of the suite's promises:
//
//   - CreateGateway creates the gateway's workload identity (named after its
//     id, GatewayID set) and DeleteGateway deletes it, in their transactions;
//     such an identity cannot be deleted on its own.
//   - AddVaultKey numbers keys 1, 2, ... and leaves exactly one primary;
//     with ifNoKeys it adds nothing once a key exists.
//   - ListSealedSecrets returns every sealed value of every kind exactly
//     once across pages; ReplaceSealedSecret swaps a value only if it is
//     unchanged, and moves neither Revision nor the owner's Version.

// identityTests are registered in Run.
func identityTests() []suiteTest {
	return []suiteTest{
		{"WorkloadIdentity/CRUD", withIdentity(testWorkloadCRUD)},
		{"WorkloadIdentity/OfGateway", withIdentity(testGatewayWorkload)},
		{"WorkloadIdentity/Conflict", withIdentity(testWorkloadConflict)},
		{"VaultKey/AddDelete", withIdentity(testVaultKeys)},
		{"VaultKey/ConcurrentFirst", withIdentity(testVaultKeyConcurrentFirst)},
		{"SealedSecret/ListReplace", withIdentity(testSealedSecrets)},
	}
}

func withIdentity(fn func(t *testing.T, s store.Store, is store.IdentityStore)) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		is, ok := s.(store.IdentityStore)
		if !ok {
			t.Fatalf("%T does not implement store.IdentityStore", s)
		}
		fn(t, s, is)
	}
}

func newWorkload(n int) store.WorkloadIdentity {
	return store.WorkloadIdentity{
		Name:       fmt.Sprintf("agent-%03d", n),
		ReturnURLs: []string{fmt.Sprintf("https://app.example/callback/%d", n)},
		Tags:       map[string]string{"n": fmt.Sprint(n)},
	}
}

func testWorkloadCRUD(t *testing.T, s store.Store, is store.IdentityStore) {
	ctx := t.Context()
	created := must(is.CreateWorkloadIdentity(ctx, newWorkload(1)))(t)
	if created.Version != 1 || created.CreatedAt.IsZero() || created.GatewayID != "" {
		t.Errorf("created = %+v", created)
	}
	got := must(is.GetWorkloadIdentity(ctx, "agent-001"))(t)
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("Get (-created +got):\n%s", diff)
	}
	rev := must(s.Revision(ctx))(t)
	updated := must(is.UpdateWorkloadIdentity(ctx, "agent-001", func(w store.WorkloadIdentity) (store.WorkloadIdentity, error) {
		w.Name, w.GatewayID = "renamed", "gw-x"
		w.ReturnURLs = nil
		return w, nil
	}))(t)
	if updated.Name != "agent-001" || updated.GatewayID != "" || updated.ReturnURLs != nil || updated.Version != 2 {
		t.Errorf("updated = %+v", updated)
	}
	if r := must(s.Revision(ctx))(t); r <= rev {
		t.Errorf("Revision did not move on update")
	}
	if diff := cmp.Diff(updated, must(is.GetWorkloadIdentity(ctx, "agent-001"))(t)); diff != "" {
		t.Errorf("Get after update:\n%s", diff)
	}
	must(is.CreateWorkloadIdentity(ctx, newWorkload(2)))(t)
	items, next := mustList(is.ListWorkloadIdentities(ctx, store.Page{Limit: 1}))(t)
	if len(items) != 1 || items[0].Name != "agent-001" || next == "" {
		t.Fatalf("first page = %v next %q", items, next)
	}
	items, next = mustList(is.ListWorkloadIdentities(ctx, store.Page{After: next}))(t)
	if len(items) != 1 || items[0].Name != "agent-002" || next != "" {
		t.Fatalf("second page = %v next %q", items, next)
	}
	if err := is.DeleteWorkloadIdentity(ctx, "agent-001"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, err := range []error{
		is.DeleteWorkloadIdentity(ctx, "agent-001"),
		second(is.GetWorkloadIdentity(ctx, "agent-001")),
		second(is.UpdateWorkloadIdentity(ctx, "agent-001", func(w store.WorkloadIdentity) (store.WorkloadIdentity, error) { return w, nil })),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after delete: err = %v, want ErrNotFound", err)
		}
	}
}

func testGatewayWorkload(t *testing.T, s store.Store, is store.IdentityStore) {
	ctx := t.Context()
	g := must(s.CreateGateway(ctx, newGateway(1)))(t)
	w := must(is.GetWorkloadIdentity(ctx, g.ID))(t)
	if w.GatewayID != g.ID || w.Version != 1 || !w.CreatedAt.Equal(g.CreatedAt) {
		t.Errorf("gateway's workload identity = %+v", w)
	}
	var ce *store.ConflictError
	if err := is.DeleteWorkloadIdentity(ctx, g.ID); !errors.As(err, &ce) || ce.Field != "gatewayId" {
		t.Errorf("deleting a gateway's identity: err = %v, want a conflict on gatewayId", err)
	}
	// Updating it is allowed and keeps it the gateway's.
	upd := must(is.UpdateWorkloadIdentity(ctx, g.ID, func(w store.WorkloadIdentity) (store.WorkloadIdentity, error) {
		w.ReturnURLs = []string{"https://x.example/cb"}
		w.GatewayID = ""
		return w, nil
	}))(t)
	if upd.GatewayID != g.ID {
		t.Errorf("update dropped the gateway: %+v", upd)
	}
	if err := s.DeleteGateway(ctx, g.ID); err != nil {
		t.Fatalf("DeleteGateway: %v", err)
	}
	if _, err := is.GetWorkloadIdentity(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("identity after DeleteGateway: err = %v, want ErrNotFound", err)
	}
	// A gateway whose identity name is taken is not created at all.
	g2 := newGateway(2)
	must(is.CreateWorkloadIdentity(ctx, store.WorkloadIdentity{Name: g2.ID}))(t)
	if _, err := s.CreateGateway(ctx, g2); !errors.As(err, &ce) || ce.Field != "workloadIdentity" {
		t.Errorf("CreateGateway with a taken identity name: err = %v, want a conflict on workloadIdentity", err)
	}
	if _, err := s.GetGateway(ctx, g2.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused gateway exists: %v", err)
	}
}

func testWorkloadConflict(t *testing.T, _ store.Store, is store.IdentityStore) {
	ctx := t.Context()
	must(is.CreateWorkloadIdentity(ctx, newWorkload(1)))(t)
	var ce *store.ConflictError
	if _, err := is.CreateWorkloadIdentity(ctx, newWorkload(1)); !errors.As(err, &ce) || ce.Field != "name" {
		t.Errorf("duplicate: err = %v, want a conflict on name", err)
	}
}

func newVaultKey(n int) store.VaultKey {
	return store.VaultKey{KeyID: fmt.Sprintf("v%d-test", n), KEK: "service:abcd", WrappedKey: []byte{0x01, 0x00, byte(n), 0xff}}
}

func testVaultKeys(t *testing.T, s store.Store, is store.IdentityStore) {
	ctx := t.Context()
	if _, err := is.GetTokenVault(ctx, "default"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetTokenVault before any key: err = %v, want ErrNotFound", err)
	}
	k1 := must(is.AddVaultKey(ctx, newVaultKey(1), store.TokenVault{ID: "default", KeyType: "ServiceManagedKey"}, true))(t)
	if k1.Version != 1 || k1.State != store.VaultKeyPrimary {
		t.Errorf("first key = %+v", k1)
	}
	// ifNoKeys: the existing primary comes back, nothing is added.
	rev := must(s.Revision(ctx))(t)
	again := must(is.AddVaultKey(ctx, newVaultKey(9), store.TokenVault{}, true))(t)
	if again.KeyID != k1.KeyID {
		t.Errorf("AddVaultKey(ifNoKeys) with a key present = %+v, want %+v", again, k1)
	}
	if r := must(s.Revision(ctx))(t); r != rev {
		t.Errorf("AddVaultKey(ifNoKeys) that added nothing moved Revision")
	}
	tv := must(is.GetTokenVault(ctx, "default"))(t)
	if tv.KeyType != "ServiceManagedKey" || tv.Version != 1 {
		t.Errorf("vault = %+v", tv)
	}
	k2 := must(is.AddVaultKey(ctx, newVaultKey(2), store.TokenVault{ID: "default", KeyType: "CustomerManagedKey", KMSKeyARN: "file:cmk"}, false))(t)
	if k2.Version != 2 {
		t.Errorf("second key version = %d", k2.Version)
	}
	tv2 := must(is.GetTokenVault(ctx, "default"))(t)
	if tv2.KeyType != "CustomerManagedKey" || tv2.KMSKeyARN != "file:cmk" || tv2.Version != 2 || !tv2.UpdatedAt.After(tv.UpdatedAt) {
		t.Errorf("vault after second key = %+v (before %+v)", tv2, tv)
	}
	keys := must(is.ListVaultKeys(ctx))(t)
	if len(keys) != 2 || keys[0].State != store.VaultKeyRetiring || keys[1].State != store.VaultKeyPrimary ||
		!bytes.Equal(keys[1].WrappedKey, newVaultKey(2).WrappedKey) || keys[1].KEK != "service:abcd" {
		t.Fatalf("keys = %+v", keys)
	}
	var ce *store.ConflictError
	if err := is.DeleteVaultKey(ctx, k2.KeyID); !errors.As(err, &ce) {
		t.Errorf("deleting the primary: err = %v, want a conflict", err)
	}
	if _, err := is.AddVaultKey(ctx, newVaultKey(2), store.TokenVault{}, false); !errors.As(err, &ce) {
		t.Errorf("a duplicate key id: err = %v, want a conflict", err)
	}
	if err := is.DeleteVaultKey(ctx, k1.KeyID); err != nil {
		t.Fatalf("DeleteVaultKey: %v", err)
	}
	if err := is.DeleteVaultKey(ctx, k1.KeyID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: err = %v, want ErrNotFound", err)
	}
	k3 := must(is.AddVaultKey(ctx, newVaultKey(3), store.TokenVault{}, false))(t)
	if k3.Version != 3 {
		t.Errorf("versions are not reused: got %d, want 3", k3.Version)
	}
}

func testVaultKeyConcurrentFirst(t *testing.T, _ store.Store, is store.IdentityStore) {
	ctx := t.Context()
	const n = 5
	got := make([]store.VaultKey, n)
	errs := make([]error, n)
	done := make(chan int)
	for i := range n {
		go func() {
			got[i], errs[i] = is.AddVaultKey(ctx, newVaultKey(i+1), store.TokenVault{ID: "default", KeyType: "ServiceManagedKey"}, true)
			done <- i
		}()
	}
	for range n {
		<-done
	}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("AddVaultKey #%d: %v", i, errs[i])
		}
		if got[i].KeyID != got[0].KeyID {
			t.Errorf("replica %d got key %s, replica 0 %s: both created a first key", i, got[i].KeyID, got[0].KeyID)
		}
	}
	if keys := must(is.ListVaultKeys(ctx))(t); len(keys) != 1 {
		t.Errorf("%d keys after concurrent first starts, want 1", len(keys))
	}
}

func testSealedSecrets(t *testing.T, s store.Store, is store.IdentityStore) {
	ctx := t.Context()
	// One value of each kind, two of some, and rows without a value.
	p1 := must(s.CreateAPIKeyProvider(ctx, newProvider(1)))(t)
	must(s.CreateAPIKeyProvider(ctx, newProvider(2)))(t)
	empty := newProvider(3)
	empty.SealedKey = nil
	must(s.CreateAPIKeyProvider(ctx, empty))(t)
	pr := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	must(s.CreateAccessKey(ctx, newAccessKey(pr.ID, 1)))(t)
	want := []string{
		"apikey-provider/provider-001", "apikey-provider/provider-002",
		"access-key/" + newAccessKey(pr.ID, 1).ID,
	}
	if ps, ok := s.(store.UserPoolStore); ok {
		p := newUserPool(1)
		must(ps.CreateUserPool(ctx, p, newSigningKey(p.ID, 1)))(t)
		want = append(want, "idp-signing-key/"+p.ID+"/kid-001")
	}
	if os, ok := s.(store.OAuth2ProviderStore); ok {
		must(os.CreateOAuth2Provider(ctx, newOAuth2Provider(1)))(t)
		want = append(want, "oauth2-provider/oauth-001")
	}
	for _, limit := range []int{0, 1, 2} {
		var got []string
		byOwner := map[string]store.SealedSecret{}
		after := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("pagination does not end")
			}
			items, next := mustList(is.ListSealedSecrets(ctx, store.Page{After: after, Limit: limit}))(t)
			if limit > 0 && len(items) > limit {
				t.Fatalf("page of %d items with limit %d", len(items), limit)
			}
			for _, it := range items {
				k := it.Kind + "/" + strings.Join(it.Owner, "/")
				got = append(got, k)
				byOwner[k] = it
			}
			if next == "" {
				break
			}
			after = next
		}
		slices.Sort(got)
		w := slices.Clone(want)
		slices.Sort(w)
		if diff := cmp.Diff(w, got); diff != "" {
			t.Fatalf("limit %d: sealed secrets (-want +got):\n%s", limit, diff)
		}
		if !bytes.Equal(byOwner["apikey-provider/provider-001"].Sealed, p1.SealedKey) {
			t.Errorf("sealed bytes differ from the provider's")
		}
	}
	if _, _, err := is.ListSealedSecrets(ctx, store.Page{After: "bogus"}); !errors.Is(err, store.ErrInvalidCursor) {
		t.Errorf("bogus cursor: err = %v", err)
	}

	rev := must(s.Revision(ctx))(t)
	sec := store.SealedSecret{Kind: store.SealedAPIKey, Owner: []string{"provider-001"}, Sealed: p1.SealedKey}
	if err := is.ReplaceSealedSecret(ctx, sec, []byte{9, 9, 9}); err != nil {
		t.Fatalf("ReplaceSealedSecret: %v", err)
	}
	after := must(s.GetAPIKeyProvider(ctx, "provider-001"))(t)
	if !bytes.Equal(after.SealedKey, []byte{9, 9, 9}) || after.Version != p1.Version || !after.UpdatedAt.Equal(p1.UpdatedAt) {
		t.Errorf("after replace: %+v", after)
	}
	if r := must(s.Revision(ctx))(t); r != rev {
		t.Errorf("ReplaceSealedSecret moved Revision")
	}
	// The old value is gone: a second swap from it is a conflict.
	if err := is.ReplaceSealedSecret(ctx, sec, []byte{8}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("stale replace: err = %v, want ErrConflict", err)
	}
	gone := store.SealedSecret{Kind: store.SealedAPIKey, Owner: []string{"nobody"}, Sealed: []byte{1}}
	if err := is.ReplaceSealedSecret(ctx, gone, []byte{8}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replace of a missing owner: err = %v, want ErrNotFound", err)
	}
	ak := newAccessKey(pr.ID, 1)
	if err := is.ReplaceSealedSecret(ctx, store.SealedSecret{Kind: store.SealedAccessKey, Owner: []string{ak.ID}, Sealed: ak.SealedSecret}, []byte{7, 7}); err != nil {
		t.Fatalf("replace access key secret: %v", err)
	}
	if k := must(s.GetAccessKey(ctx, ak.ID))(t); !bytes.Equal(k.SealedSecret, []byte{7, 7}) {
		t.Errorf("access key secret after replace = %x", k.SealedSecret)
	}
}

// mustList is must for a list call's three results.
func mustList[T any](items []T, next string, err error) func(testing.TB) ([]T, string) {
	return func(t testing.TB) ([]T, string) {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return items, next
	}
}

func second[T any](_ T, err error) error { return err }

// identityListers page workload identities like every other list.
func identityListers() []lister {
	return []lister{{
		name:  "WorkloadIdentities",
		setup: func(context.Context, store.Store) error { return nil },
		create: func(ctx context.Context, s store.Store, i int) (string, error) {
			is, ok := s.(store.IdentityStore)
			if !ok {
				return "", fmt.Errorf("%T does not implement store.IdentityStore", s)
			}
			w := newWorkload(i)
			w.Name, w.CreatedAt = invKey("wl-", i), createdAt(i)
			w, err := is.CreateWorkloadIdentity(ctx, w)
			return w.Name, err
		},
		list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
			items, next, err := s.(store.IdentityStore).ListWorkloadIdentities(ctx, p)
			return keysOf(items, next, err, func(w store.WorkloadIdentity) string { return w.Name })
		},
		delete: func(ctx context.Context, s store.Store, key string) error {
			return s.(store.IdentityStore).DeleteWorkloadIdentity(ctx, key)
		},
	}}
}
