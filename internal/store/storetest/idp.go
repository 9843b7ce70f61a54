package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// The embedded identity provider's entities (store.UserPoolStore). A backend
// passed to Run must implement that interface too; the promises are those of
// the rest of the suite, plus:
//
//   - CreateUserPool stores the pool and its first signing key together, and
//     DeleteUserPool removes the pool's resource servers, clients and keys.
//   - Client ids are unique across pools; domains are unique when non-empty.
//   - Empty Scopes, AllowedOAuthFlows, AllowedOAuthScopes, Config and sealed
//     keys come back nil; AccessTokenValidity comes back in whole seconds.
//   - RotateSigningKey makes the active key retiring (NotAfter = retireAt)
//     and the new key active in one write.

// idpTests are registered in Run.
func idpTests() []suiteTest {
	return []suiteTest{
		{"UserPool/CRUD", withPools(testUserPoolCRUD)},
		{"UserPool/ByDomain", withPools(testUserPoolByDomain)},
		{"UserPool/DeleteCascades", withPools(testDeleteUserPoolCascades)},
		{"UserPool/ConcurrentSameDomain", withPools(testConcurrentSameDomain)},
		{"ResourceServer/CRUD", withPools(testResourceServerCRUD)},
		{"PoolClient/CRUD", withPools(testPoolClientCRUD)},
		{"SigningKey/Rotate", withPools(testRotateSigningKey)},
		{"IdP/NotFound", withPools(testIdPNotFound)},
		{"IdP/Conflicts", withPools(testIdPConflicts)},
		{"IdP/InvalidInput", withPools(testIdPInvalidInput)},
		{"IdP/Revision", withPools(testIdPRevision)},
		{"IdP/UpdateKeepsIdentity", withPools(testIdPUpdateKeepsIdentity)},
		{"IdP/RoundTrip", withPools(testIdPRoundTrip)},
	}
}

// withPools hands a test the store as a store.UserPoolStore too, and fails
// a backend that does not implement it.
func withPools(fn func(t *testing.T, s store.Store, ps store.UserPoolStore)) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		ps, ok := s.(store.UserPoolStore)
		if !ok {
			t.Fatalf("%T does not implement store.UserPoolStore", s)
		}
		fn(t, s, ps)
	}
}

func newUserPool(n int) store.UserPool {
	id := fmt.Sprintf("us-east-1_Pool%05d", n)
	return store.UserPool{
		ID:     id,
		Name:   fmt.Sprintf("pool-%03d", n),
		ARN:    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + id,
		Config: []byte(fmt.Sprintf(`{"MfaConfiguration":"OFF","n":%d}`, n)),
	}
}

func newSigningKey(poolID string, n int) store.SigningKey {
	return store.SigningKey{
		PoolID:           poolID,
		KeyID:            fmt.Sprintf("kid-%03d", n),
		Algorithm:        "RS256",
		SealedPrivateKey: []byte{0x01, 0x00, 0xfe, byte(n)},
		Status:           store.SigningKeyActive,
	}
}

func newResourceServer(poolID string, n int) store.ResourceServer {
	return store.ResourceServer{
		PoolID:     poolID,
		Identifier: fmt.Sprintf("api-%03d", n),
		Name:       fmt.Sprintf("API %d", n),
		Scopes:     []store.Scope{{Name: "invoke", Description: "Invoke tools"}, {Name: "read"}},
	}
}

func newPoolClient(poolID string, n int) store.PoolClient {
	return store.PoolClient{
		PoolID:                          poolID,
		ClientID:                        fmt.Sprintf("client%020d", n),
		ClientName:                      fmt.Sprintf("client-%03d", n),
		SecretHash:                      fmt.Sprintf("pbkdf2-sha256$i=600000$c2FsdA$aGFzaC0%03d", n),
		AllowedOAuthFlows:               []string{"client_credentials"},
		AllowedOAuthScopes:              []string{"api-001/invoke"},
		AllowedOAuthFlowsUserPoolClient: true,
		AccessTokenValidity:             time.Hour,
		Config:                          []byte(`{"TokenValidityUnits":{"AccessToken":"hours"}}`),
	}
}

// createPool creates newUserPool(n) with key newSigningKey(n).
func createPool(t testing.TB, ps store.UserPoolStore, n int) store.UserPool {
	t.Helper()
	p := newUserPool(n)
	return must(ps.CreateUserPool(t.Context(), p, newSigningKey(p.ID, n)))(t)
}

// idpWorld is everything the UserPoolStore can list, plus the revision.
type idpWorld struct {
	Revision int64
	Pools    []store.UserPool
	Servers  map[string][]store.ResourceServer
	Clients  map[string][]store.PoolClient
	Keys     map[string][]store.SigningKey
}

func idpSnapshot(t testing.TB, s store.Store, ps store.UserPoolStore) idpWorld {
	t.Helper()
	ctx := t.Context()
	w := idpWorld{
		Revision: revision(t, s),
		Pools:    listAll(t, func(p store.Page) ([]store.UserPool, string, error) { return ps.ListUserPools(ctx, p) }),
		Servers:  map[string][]store.ResourceServer{},
		Clients:  map[string][]store.PoolClient{},
		Keys:     map[string][]store.SigningKey{},
	}
	for _, p := range w.Pools {
		w.Servers[p.ID] = listAll(t, func(pg store.Page) ([]store.ResourceServer, string, error) {
			return ps.ListResourceServers(ctx, p.ID, pg)
		})
		w.Clients[p.ID] = listAll(t, func(pg store.Page) ([]store.PoolClient, string, error) {
			return ps.ListPoolClients(ctx, p.ID, pg)
		})
		w.Keys[p.ID] = must(ps.ListSigningKeys(ctx, p.ID))(t)
	}
	return w
}

func testUserPoolCRUD(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	in := newUserPool(1)
	key := newSigningKey("", 1) // PoolID filled in by the store
	created := must(ps.CreateUserPool(ctx, in, key))(t)
	if created.Version != 1 || created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Errorf("created pool metadata: Version %d CreatedAt %v UpdatedAt %v", created.Version, created.CreatedAt, created.UpdatedAt)
	}
	want := in
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.UpdatedAt, 1
	same(t, "created pool", want, created)
	same(t, "GetUserPool", created, must(ps.GetUserPool(ctx, in.ID))(t))

	keys := must(ps.ListSigningKeys(ctx, in.ID))(t)
	if len(keys) != 1 {
		t.Fatalf("pool has %d signing keys after create, want 1", len(keys))
	}
	wantKey := key
	wantKey.PoolID, wantKey.CreatedAt, wantKey.Version = in.ID, keys[0].CreatedAt, 1
	same(t, "first signing key", wantKey, keys[0])

	other := createPool(t, ps, 2)
	items, next, err := ps.ListUserPools(ctx, store.Page{})
	check(t, err)
	same(t, "ListUserPools", []store.UserPool{created, other}, items)
	if next != "" {
		t.Errorf("ListUserPools Next = %q, want empty", next)
	}

	updated := must(ps.UpdateUserPool(ctx, in.ID, func(p store.UserPool) (store.UserPool, error) {
		p.Name, p.Domain, p.Config = "renamed", "sre-auth", []byte(`{"changed":true}`)
		return p, nil
	}))(t)
	if updated.Name != "renamed" || updated.Domain != "sre-auth" || string(updated.Config) != `{"changed":true}` || updated.Version != 2 {
		t.Errorf("update not applied: %+v", updated)
	}
	same(t, "GetUserPool after update", updated, must(ps.GetUserPool(ctx, in.ID))(t))

	check(t, ps.DeleteUserPool(ctx, in.ID))
	_, err = ps.GetUserPool(ctx, in.ID)
	wantNotFound(t, "GetUserPool after delete", err)
	items, _, err = ps.ListUserPools(ctx, store.Page{})
	check(t, err)
	same(t, "ListUserPools after delete", []store.UserPool{other}, items)
	wantNotFound(t, "second DeleteUserPool", ps.DeleteUserPool(ctx, in.ID))
}

func testUserPoolByDomain(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	a, b := newUserPool(1), newUserPool(2)
	a.Domain = "alpha-auth"
	a = must(ps.CreateUserPool(ctx, a, newSigningKey(a.ID, 1)))(t)
	must(ps.CreateUserPool(ctx, b, newSigningKey(b.ID, 2)))(t) // no domain: never found by ""
	same(t, "GetUserPoolByDomain(alpha-auth)", a, must(ps.GetUserPoolByDomain(ctx, "alpha-auth"))(t))
	_, err := ps.GetUserPoolByDomain(ctx, "beta-auth")
	wantNotFound(t, "unknown domain", err)
	_, err = ps.GetUserPoolByDomain(ctx, "")
	wantNotFound(t, "empty domain", err)

	// Moving the domain to b frees it from a.
	must(ps.UpdateUserPool(ctx, a.ID, func(p store.UserPool) (store.UserPool, error) { p.Domain = ""; return p, nil }))(t)
	must(ps.UpdateUserPool(ctx, b.ID, func(p store.UserPool) (store.UserPool, error) { p.Domain = "alpha-auth"; return p, nil }))(t)
	if got := must(ps.GetUserPoolByDomain(ctx, "alpha-auth"))(t); got.ID != b.ID {
		t.Errorf("domain alpha-auth resolves to %s after the move, want %s", got.ID, b.ID)
	}
}

func testDeleteUserPoolCascades(t *testing.T, s store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	doomed, kept := createPool(t, ps, 1), createPool(t, ps, 2)
	for _, p := range []store.UserPool{doomed, kept} {
		must(ps.CreateResourceServer(ctx, newResourceServer(p.ID, 1)))(t)
	}
	dc := must(ps.CreatePoolClient(ctx, newPoolClient(doomed.ID, 1)))(t)
	kc := must(ps.CreatePoolClient(ctx, newPoolClient(kept.ID, 2)))(t)
	must(ps.RotateSigningKey(ctx, newSigningKey(doomed.ID, 9), base))(t)
	before := idpSnapshot(t, s, ps)

	check(t, ps.DeleteUserPool(ctx, doomed.ID))
	_, err := ps.GetPoolClient(ctx, doomed.ID, dc.ClientID)
	wantNotFound(t, "client of a deleted pool", err)
	_, err = ps.GetResourceServer(ctx, doomed.ID, "api-001")
	wantNotFound(t, "resource server of a deleted pool", err)
	_, err = ps.ListSigningKeys(ctx, doomed.ID)
	wantNotFound(t, "signing keys of a deleted pool", err)
	_, _, err = ps.ListPoolClients(ctx, doomed.ID, store.Page{})
	wantNotFound(t, "clients of a deleted pool", err)

	after := idpSnapshot(t, s, ps)
	same(t, "the other pool's resource servers", before.Servers[kept.ID], after.Servers[kept.ID])
	same(t, "the other pool's clients", before.Clients[kept.ID], after.Clients[kept.ID])
	same(t, "the other pool's keys", before.Keys[kept.ID], after.Keys[kept.ID])
	same(t, "the other pool's client", kc, must(ps.GetPoolClient(ctx, kept.ID, kc.ClientID))(t))

	// Nothing lingers: the deleted pool's ids are free again.
	again := createPool(t, ps, 1)
	must(ps.CreatePoolClient(ctx, newPoolClient(again.ID, 1)))(t)
	must(ps.CreateResourceServer(ctx, newResourceServer(again.ID, 1)))(t)
	if keys := must(ps.ListSigningKeys(ctx, again.ID))(t); len(keys) != 1 {
		t.Errorf("recreated pool has %d keys, want only its new one", len(keys))
	}
}

// testConcurrentSameDomain: of racing creates with one domain exactly one
// wins; the others get a domain conflict.
func testConcurrentSameDomain(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			p := newUserPool(i)
			p.Domain = "contested"
			_, errs[i] = ps.CreateUserPool(t.Context(), p, newSigningKey(p.ID, i))
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantConflict(t, "losing create", err, "domain")
	}
	if wins != 1 {
		t.Errorf("%d creates with the same domain succeeded, want 1", wins)
	}
}

func testResourceServerCRUD(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	p, q := createPool(t, ps, 1), createPool(t, ps, 2)
	in := newResourceServer(p.ID, 1)
	created := must(ps.CreateResourceServer(ctx, in))(t)
	want := in
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.UpdatedAt, 1
	same(t, "created resource server", want, created)
	same(t, "GetResourceServer", created, must(ps.GetResourceServer(ctx, p.ID, in.Identifier))(t))

	bare := newResourceServer(p.ID, 2)
	bare.Scopes = []store.Scope{} // empty reads back nil
	bare = must(ps.CreateResourceServer(ctx, bare))(t)
	if bare.Scopes != nil {
		t.Errorf("empty Scopes returned as %#v, want nil", bare.Scopes)
	}
	// Same identifier in another pool is a different resource server.
	elsewhere := must(ps.CreateResourceServer(ctx, newResourceServer(q.ID, 1)))(t)

	items, next, err := ps.ListResourceServers(ctx, p.ID, store.Page{})
	check(t, err)
	same(t, "ListResourceServers", []store.ResourceServer{created, bare}, items)
	if next != "" {
		t.Errorf("Next = %q, want empty", next)
	}

	updated := must(ps.UpdateResourceServer(ctx, p.ID, in.Identifier, func(rs store.ResourceServer) (store.ResourceServer, error) {
		rs.Name = "renamed"
		rs.Scopes = append(rs.Scopes, store.Scope{Name: "admin", Description: "Administer"})
		return rs, nil
	}))(t)
	if updated.Name != "renamed" || len(updated.Scopes) != 3 || updated.Version != 2 {
		t.Errorf("update not applied: %+v", updated)
	}
	same(t, "GetResourceServer after update", updated, must(ps.GetResourceServer(ctx, p.ID, in.Identifier))(t))

	check(t, ps.DeleteResourceServer(ctx, p.ID, in.Identifier))
	_, err = ps.GetResourceServer(ctx, p.ID, in.Identifier)
	wantNotFound(t, "GetResourceServer after delete", err)
	same(t, "the other pool's resource server", elsewhere, must(ps.GetResourceServer(ctx, q.ID, in.Identifier))(t))
}

func testPoolClientCRUD(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	p, q := createPool(t, ps, 1), createPool(t, ps, 2)
	in := newPoolClient(p.ID, 1)
	in.Audience = "https://gateway.example"
	created := must(ps.CreatePoolClient(ctx, in))(t)
	want := in
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.UpdatedAt, 1
	same(t, "created client", want, created)
	same(t, "GetPoolClient", created, must(ps.GetPoolClient(ctx, p.ID, in.ClientID))(t))
	_, err := ps.GetPoolClient(ctx, q.ID, in.ClientID)
	wantNotFound(t, "GetPoolClient through another pool", err)

	public := newPoolClient(p.ID, 2)
	public.SecretHash, public.AllowedOAuthFlows, public.AllowedOAuthScopes = "", nil, []string{}
	public.AllowedOAuthFlowsUserPoolClient, public.AccessTokenValidity, public.Config = false, 0, nil
	public = must(ps.CreatePoolClient(ctx, public))(t)
	if public.AllowedOAuthScopes != nil || public.AllowedOAuthFlowsUserPoolClient {
		t.Errorf("public client read back wrong: %+v", public)
	}
	items, _, err := ps.ListPoolClients(ctx, p.ID, store.Page{})
	check(t, err)
	same(t, "ListPoolClients", []store.PoolClient{created, public}, items)
	if items := must3[store.PoolClient](t)(ps.ListPoolClients(ctx, q.ID, store.Page{})); len(items) != 0 {
		t.Errorf("the other pool lists %d clients, want none", len(items))
	}

	updated := must(ps.UpdatePoolClient(ctx, p.ID, in.ClientID, func(c store.PoolClient) (store.PoolClient, error) {
		c.ClientName, c.Audience, c.AccessTokenValidity = "renamed", "", 5*time.Minute
		c.AllowedOAuthScopes = []string{"api-001/invoke", "api-001/read"}
		return c, nil
	}))(t)
	if updated.ClientName != "renamed" || updated.Audience != "" || updated.AccessTokenValidity != 5*time.Minute ||
		len(updated.AllowedOAuthScopes) != 2 || updated.Version != 2 {
		t.Errorf("update not applied: %+v", updated)
	}
	same(t, "GetPoolClient after update", updated, must(ps.GetPoolClient(ctx, p.ID, in.ClientID))(t))

	wantNotFound(t, "DeletePoolClient through another pool", ps.DeletePoolClient(ctx, q.ID, in.ClientID))
	check(t, ps.DeletePoolClient(ctx, p.ID, in.ClientID))
	_, err = ps.GetPoolClient(ctx, p.ID, in.ClientID)
	wantNotFound(t, "GetPoolClient after delete", err)
}

func must3[T any](t testing.TB) func([]T, string, error) []T {
	return func(items []T, _ string, err error) []T {
		t.Helper()
		check(t, err)
		return items
	}
}

func testRotateSigningKey(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	first := newSigningKey("", 1)
	first.CreatedAt = base
	p := newUserPool(1)
	must(ps.CreateUserPool(ctx, p, first))(t)
	other := createPool(t, ps, 2)

	retireAt := base.Add(2 * time.Hour)
	second := newSigningKey(p.ID, 2)
	second.CreatedAt = base.Add(time.Hour)
	second.Status = "" // means active
	got := must(ps.RotateSigningKey(ctx, second, retireAt))(t)
	if got.Status != store.SigningKeyActive || got.Version != 1 {
		t.Errorf("rotated-in key: %+v", got)
	}
	keys := must(ps.ListSigningKeys(ctx, p.ID))(t)
	if len(keys) != 2 {
		t.Fatalf("%d keys after rotation, want 2", len(keys))
	}
	old := keys[0]
	if old.KeyID != first.KeyID || old.Status != store.SigningKeyRetiring || !old.NotAfter.Equal(retireAt) || old.Version != 2 {
		t.Errorf("old key after rotation = %+v, want retiring until %v at version 2", old, retireAt)
	}
	same(t, "new key", got, keys[1])
	if k := must(ps.ListSigningKeys(ctx, other.ID))(t); len(k) != 1 || k[0].Status != store.SigningKeyActive {
		t.Errorf("rotation touched another pool's keys: %+v", k)
	}

	retired := must(ps.UpdateSigningKey(ctx, p.ID, old.KeyID, func(k store.SigningKey) (store.SigningKey, error) {
		k.Status = store.SigningKeyRetired
		return k, nil
	}))(t)
	if retired.Status != store.SigningKeyRetired || !retired.NotAfter.Equal(retireAt) || retired.Version != 3 {
		t.Errorf("retired key = %+v", retired)
	}
	same(t, "keys after retiring", []store.SigningKey{retired, got}, must(ps.ListSigningKeys(ctx, p.ID))(t))

	// A second rotation retires only the key that is active now.
	third := newSigningKey(p.ID, 3)
	third.CreatedAt = base.Add(3 * time.Hour)
	must(ps.RotateSigningKey(ctx, third, base.Add(4*time.Hour)))(t)
	keys = must(ps.ListSigningKeys(ctx, p.ID))(t)
	statuses := []string{keys[0].Status, keys[1].Status, keys[2].Status}
	same(t, "statuses after a second rotation",
		[]string{store.SigningKeyRetired, store.SigningKeyRetiring, store.SigningKeyActive}, statuses)
	if !keys[0].NotAfter.Equal(retireAt) {
		t.Errorf("a retired key's NotAfter moved to %v", keys[0].NotAfter)
	}

	check(t, ps.DeleteSigningKey(ctx, p.ID, retired.KeyID))
	if k := must(ps.ListSigningKeys(ctx, p.ID))(t); len(k) != 2 {
		t.Errorf("%d keys after deleting one of 3", len(k))
	}
}

const pagedPool = "us-east-1_PagedPool"

// idpListers adapt the paged identity-provider lists to the pagination
// checks; Run adds them to listers().
func idpListers() []lister {
	poolsOf := func(s store.Store) store.UserPoolStore { ps, _ := s.(store.UserPoolStore); return ps }
	setupPaged := func(ctx context.Context, s store.Store) error {
		ps := poolsOf(s)
		if ps == nil {
			return fmt.Errorf("%T does not implement store.UserPoolStore", s)
		}
		p := newUserPool(1)
		p.ID = pagedPool
		if _, err := ps.CreateUserPool(ctx, p, newSigningKey(p.ID, 1)); err != nil {
			return err
		}
		// A neighbour pool whose items must not leak into the list.
		other := newUserPool(2)
		if _, err := ps.CreateUserPool(ctx, other, newSigningKey(other.ID, 2)); err != nil {
			return err
		}
		for i := range 3 {
			if _, err := ps.CreateResourceServer(ctx, newResourceServer(other.ID, i)); err != nil {
				return err
			}
			if _, err := ps.CreatePoolClient(ctx, newPoolClient(other.ID, 900+i)); err != nil {
				return err
			}
		}
		return nil
	}
	return []lister{
		{
			name: "UserPools",
			setup: func(_ context.Context, s store.Store) error {
				if poolsOf(s) == nil {
					return fmt.Errorf("%T does not implement store.UserPoolStore", s)
				}
				return nil
			},
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				p := newUserPool(i)
				p.ID, p.CreatedAt = invKey("us-east-1_", i), createdAt(i)
				p, err := poolsOf(s).CreateUserPool(ctx, p, newSigningKey(p.ID, i))
				return p.ID, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := poolsOf(s).ListUserPools(ctx, p)
				return keysOf(items, next, err, func(p store.UserPool) string { return p.ID })
			},
			delete: func(ctx context.Context, s store.Store, key string) error { return poolsOf(s).DeleteUserPool(ctx, key) },
		},
		{
			name:  "ResourceServers",
			setup: setupPaged,
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				rs := newResourceServer(pagedPool, i)
				rs.Identifier, rs.CreatedAt = invKey("api-", i), createdAt(i)
				rs, err := poolsOf(s).CreateResourceServer(ctx, rs)
				return rs.Identifier, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := poolsOf(s).ListResourceServers(ctx, pagedPool, p)
				return keysOf(items, next, err, func(rs store.ResourceServer) string { return rs.Identifier })
			},
			delete: func(ctx context.Context, s store.Store, key string) error {
				return poolsOf(s).DeleteResourceServer(ctx, pagedPool, key)
			},
		},
		{
			name:  "PoolClients",
			setup: setupPaged,
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				c := newPoolClient(pagedPool, i)
				c.ClientID, c.CreatedAt = invKey("client", i), createdAt(i)
				c, err := poolsOf(s).CreatePoolClient(ctx, c)
				return c.ClientID, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := poolsOf(s).ListPoolClients(ctx, pagedPool, p)
				return keysOf(items, next, err, func(c store.PoolClient) string { return c.ClientID })
			},
			delete: func(ctx context.Context, s store.Store, key string) error {
				return poolsOf(s).DeletePoolClient(ctx, pagedPool, key)
			},
		},
	}
}
