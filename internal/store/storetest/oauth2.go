package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/toolgate/toolgate/internal/store"
)

// OAuth2 credential providers (store.OAuth2ProviderStore). A backend passed
// to Run must implement that interface too; the promises are those of the
// API-key providers: names are unique, empty Config, SealedClientSecret and
// Tags come back nil, Update keeps the name, CreatedAt and Version whatever
// its callback returns, and every mutation (only mutations) moves Revision.

// oauth2Tests are registered in Run.
func oauth2Tests() []suiteTest {
	return []suiteTest{
		{"OAuth2Provider/CRUD", withOAuth2(testOAuth2ProviderCRUD)},
		{"OAuth2Provider/UpdateKeepsIdentity", withOAuth2(testOAuth2ProviderUpdate)},
		{"OAuth2Provider/NotFound", withOAuth2(testOAuth2ProviderNotFound)},
		{"OAuth2Provider/Conflict", withOAuth2(testOAuth2ProviderConflict)},
		{"OAuth2Provider/Revision", withOAuth2(testOAuth2ProviderRevision)},
		{"OAuth2Provider/RoundTrip", withOAuth2(testOAuth2ProviderRoundTrip)},
		{"OAuth2Provider/ConcurrentCreate", withOAuth2(testOAuth2ProviderConcurrentCreate)},
	}
}

// withOAuth2 hands a test the store as a store.OAuth2ProviderStore too, and
// fails a backend that does not implement it.
func withOAuth2(fn func(t *testing.T, s store.Store, ops store.OAuth2ProviderStore)) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) {
		ops, ok := s.(store.OAuth2ProviderStore)
		if !ok {
			t.Fatalf("%T does not implement store.OAuth2ProviderStore", s)
		}
		fn(t, s, ops)
	}
}

func newOAuth2Provider(n int) store.OAuth2Provider {
	name := fmt.Sprintf("oauth-%03d", n)
	return store.OAuth2Provider{
		Name:               name,
		ARN:                "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/" + name,
		Vendor:             "CustomOauth2",
		Config:             []byte(fmt.Sprintf(`{"clientId":"client-%d","tokenEndpoint":"https://idp.example/token"}`, n)),
		SealedClientSecret: []byte{0x02, 0x00, 0xff, byte(n)},
		Tags:               map[string]string{"n": fmt.Sprint(n)},
	}
}

func testOAuth2ProviderCRUD(t *testing.T, _ store.Store, ops store.OAuth2ProviderStore) {
	ctx := t.Context()
	in := newOAuth2Provider(1)
	created := must(ops.CreateOAuth2Provider(ctx, in))(t)
	if created.Version != 1 || created.CreatedAt.IsZero() || !created.UpdatedAt.Equal(created.CreatedAt) {
		t.Errorf("created provider metadata: Version %d CreatedAt %v UpdatedAt %v", created.Version, created.CreatedAt, created.UpdatedAt)
	}
	want := in
	want.CreatedAt, want.UpdatedAt, want.Version = created.CreatedAt, created.UpdatedAt, 1
	same(t, "created provider", want, created)
	same(t, "GetOAuth2Provider", created, must(ops.GetOAuth2Provider(ctx, in.Name))(t))

	other := must(ops.CreateOAuth2Provider(ctx, newOAuth2Provider(2)))(t)
	items, next, err := ops.ListOAuth2Providers(ctx, store.Page{})
	check(t, err)
	same(t, "ListOAuth2Providers", []store.OAuth2Provider{created, other}, items)
	if next != "" {
		t.Errorf("ListOAuth2Providers Next = %q, want empty", next)
	}

	updated := must(ops.UpdateOAuth2Provider(ctx, in.Name, func(p store.OAuth2Provider) (store.OAuth2Provider, error) {
		p.SealedClientSecret = []byte{0xde, 0xad, 0xbe, 0xef}
		p.Vendor = "OktaOauth2"
		p.Config = []byte(`{"clientId":"rotated"}`)
		p.Tags = map[string]string{"rotated": "yes"}
		return p, nil
	}))(t)
	same(t, "GetOAuth2Provider after update", updated, must(ops.GetOAuth2Provider(ctx, in.Name))(t))
	same(t, "rotated secret", []byte{0xde, 0xad, 0xbe, 0xef}, updated.SealedClientSecret)
	same(t, "updated vendor", "OktaOauth2", updated.Vendor)

	check(t, ops.DeleteOAuth2Provider(ctx, in.Name))
	_, err = ops.GetOAuth2Provider(ctx, in.Name)
	wantNotFound(t, "GetOAuth2Provider after delete", err)
	items, _, err = ops.ListOAuth2Providers(ctx, store.Page{})
	check(t, err)
	same(t, "ListOAuth2Providers after delete", []store.OAuth2Provider{other}, items)

	// The name is free again, and the new provider starts over.
	again := must(ops.CreateOAuth2Provider(ctx, in))(t)
	if again.Version != 1 {
		t.Errorf("re-created provider Version = %d, want 1", again.Version)
	}
}

// testOAuth2ProviderUpdate: what the callback does to the identity and the
// bookkeeping fields is ignored; Version grows and UpdatedAt moves forward.
func testOAuth2ProviderUpdate(t *testing.T, _ store.Store, ops store.OAuth2ProviderStore) {
	ctx := t.Context()
	in := newOAuth2Provider(1)
	in.CreatedAt, in.UpdatedAt = base, base
	old := must(ops.CreateOAuth2Provider(ctx, in))(t)
	var seen store.OAuth2Provider
	got := must(ops.UpdateOAuth2Provider(ctx, in.Name, func(p store.OAuth2Provider) (store.OAuth2Provider, error) {
		seen = p
		p.Name, p.CreatedAt, p.UpdatedAt, p.Version = "renamed", base.AddDate(1, 0, 0), base.AddDate(-1, 0, 0), 99
		p.ARN = "arn:changed"
		return p, nil
	}))(t)
	same(t, "callback input", old, seen)
	if got.Name != in.Name || !got.CreatedAt.Equal(old.CreatedAt) || got.Version != 2 || !got.UpdatedAt.After(old.UpdatedAt) {
		t.Errorf("after update: Name %q CreatedAt %v UpdatedAt %v Version %d; want the name and CreatedAt kept, Version 2, UpdatedAt after %v",
			got.Name, got.CreatedAt, got.UpdatedAt, got.Version, old.UpdatedAt)
	}
	if got.ARN != "arn:changed" {
		t.Errorf("ARN = %q, want the callback's", got.ARN)
	}
	_, err := ops.GetOAuth2Provider(ctx, "renamed")
	wantNotFound(t, "GetOAuth2Provider of the callback's name", err)

	// A callback error aborts and is returned unchanged.
	boom := errors.New("boom")
	if _, err := ops.UpdateOAuth2Provider(ctx, in.Name, func(p store.OAuth2Provider) (store.OAuth2Provider, error) {
		p.Vendor = "never"
		return p, boom
	}); !errors.Is(err, boom) {
		t.Errorf("update with failing callback: %v, want boom", err)
	}
	same(t, "after aborted update", got, must(ops.GetOAuth2Provider(ctx, in.Name))(t))
}

func testOAuth2ProviderNotFound(t *testing.T, _ store.Store, ops store.OAuth2ProviderStore) {
	ctx := t.Context()
	_, err := ops.GetOAuth2Provider(ctx, "missing")
	wantNotFound(t, "GetOAuth2Provider", err)
	called := false
	_, err = ops.UpdateOAuth2Provider(ctx, "missing", func(p store.OAuth2Provider) (store.OAuth2Provider, error) {
		called = true
		return p, nil
	})
	wantNotFound(t, "UpdateOAuth2Provider", err)
	if called {
		t.Error("UpdateOAuth2Provider called its callback for a missing provider")
	}
	wantNotFound(t, "DeleteOAuth2Provider", ops.DeleteOAuth2Provider(ctx, "missing"))
}

func testOAuth2ProviderConflict(t *testing.T, s store.Store, ops store.OAuth2ProviderStore) {
	ctx := t.Context()
	first := must(ops.CreateOAuth2Provider(ctx, newOAuth2Provider(1)))(t)
	dup := newOAuth2Provider(1)
	dup.Vendor = "GithubOauth2"
	_, err := ops.CreateOAuth2Provider(ctx, dup)
	wantConflict(t, "CreateOAuth2Provider with a taken name", err, "name")
	same(t, "provider after the refused create", first, must(ops.GetOAuth2Provider(ctx, first.Name))(t))

	// An API-key provider of the same name is another namespace.
	ak := newProvider(1)
	ak.Name = first.Name
	check(t, dropValue(s.CreateAPIKeyProvider(ctx, ak)))

	if _, err := ops.CreateOAuth2Provider(ctx, store.OAuth2Provider{}); err == nil {
		t.Error("CreateOAuth2Provider without a name succeeded")
	}
}

func testOAuth2ProviderRevision(t *testing.T, s store.Store, ops store.OAuth2ProviderStore) {
	ctx := t.Context()
	p := newOAuth2Provider(1)
	changes := s.Changes()
	drain := func() {
		for {
			select {
			case <-changes:
			default:
				return
			}
		}
	}
	steps := []struct {
		name    string
		mutates bool
		run     func(context.Context) error
	}{
		{"Create", true, func(ctx context.Context) error { return dropValue(ops.CreateOAuth2Provider(ctx, p)) }},
		{"Get", false, func(ctx context.Context) error { return dropValue(ops.GetOAuth2Provider(ctx, p.Name)) }},
		{"List", false, func(ctx context.Context) error { _, _, err := ops.ListOAuth2Providers(ctx, store.Page{}); return err }},
		{"Update", true, func(ctx context.Context) error {
			return dropValue(ops.UpdateOAuth2Provider(ctx, p.Name, func(p store.OAuth2Provider) (store.OAuth2Provider, error) { return p, nil }))
		}},
		{"FailedCreate", false, func(ctx context.Context) error {
			if _, err := ops.CreateOAuth2Provider(ctx, p); err == nil {
				return errors.New("duplicate create succeeded")
			}
			return nil
		}},
		{"FailedUpdate", false, func(ctx context.Context) error {
			_, err := ops.UpdateOAuth2Provider(ctx, p.Name, func(p store.OAuth2Provider) (store.OAuth2Provider, error) { return p, errors.New("no") })
			if err == nil {
				return errors.New("failing update succeeded")
			}
			return nil
		}},
		{"Delete", true, func(ctx context.Context) error { return ops.DeleteOAuth2Provider(ctx, p.Name) }},
		{"FailedDelete", false, func(ctx context.Context) error {
			if err := ops.DeleteOAuth2Provider(ctx, p.Name); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("second delete: %v", err)
			}
			return nil
		}},
	}
	for _, st := range steps {
		drain()
		before := revision(t, s)
		if err := st.run(ctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		after := revision(t, s)
		signalled := false
		select {
		case <-changes:
			signalled = true
		default:
		}
		if st.mutates && (after <= before || !signalled) {
			t.Errorf("%s: Revision %d -> %d, signalled %v; want it to move and signal", st.name, before, after, signalled)
		}
		if !st.mutates && after != before {
			t.Errorf("%s: Revision %d -> %d; want it unchanged", st.name, before, after)
		}
	}
}

// testOAuth2ProviderRoundTrip: sealed bytes of any value, empty fields as
// nil, and Config bytes exactly.
func testOAuth2ProviderRoundTrip(t *testing.T, _ store.Store, ops store.OAuth2ProviderStore) {
	ctx := t.Context()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	full := newOAuth2Provider(1)
	full.SealedClientSecret = all
	full.Config = []byte(`{"b":1,  "a":"ü"}`)
	empty := newOAuth2Provider(2)
	empty.SealedClientSecret, empty.Config, empty.Tags = []byte{}, []byte{}, map[string]string{}
	for _, p := range []store.OAuth2Provider{full, empty} {
		created := must(ops.CreateOAuth2Provider(ctx, p))(t)
		got := must(ops.GetOAuth2Provider(ctx, p.Name))(t)
		same(t, "read back "+p.Name, created, got)
	}
	got := must(ops.GetOAuth2Provider(ctx, empty.Name))(t)
	if got.SealedClientSecret != nil || got.Config != nil || got.Tags != nil {
		t.Errorf("empty fields read back as %#v, %#v, %#v; want nil", got.SealedClientSecret, got.Config, got.Tags)
	}
	same(t, "all byte values", all, must(ops.GetOAuth2Provider(ctx, full.Name))(t).SealedClientSecret)
}

func testOAuth2ProviderConcurrentCreate(t *testing.T, _ store.Store, ops store.OAuth2ProviderStore) {
	ctx := t.Context()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = ops.CreateOAuth2Provider(ctx, newOAuth2Provider(7))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("concurrent create: %v, want success or a conflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d concurrent creates of one name succeeded, want 1", ok)
	}
}

// oauth2Listers are registered in Run.
func oauth2Listers() []lister {
	ofStore := func(s store.Store) store.OAuth2ProviderStore { ops, _ := s.(store.OAuth2ProviderStore); return ops }
	return []lister{{
		name: "OAuth2Providers",
		setup: func(_ context.Context, s store.Store) error {
			if ofStore(s) == nil {
				return fmt.Errorf("%T does not implement store.OAuth2ProviderStore", s)
			}
			return nil
		},
		create: func(ctx context.Context, s store.Store, i int) (string, error) {
			p := newOAuth2Provider(i)
			p.Name, p.CreatedAt = invKey("oauth-", i), createdAt(i)
			p, err := ofStore(s).CreateOAuth2Provider(ctx, p)
			return p.Name, err
		},
		list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
			items, next, err := ofStore(s).ListOAuth2Providers(ctx, p)
			return keysOf(items, next, err, func(p store.OAuth2Provider) string { return p.Name })
		},
		delete: func(ctx context.Context, s store.Store, key string) error {
			return ofStore(s).DeleteOAuth2Provider(ctx, key)
		},
	}}
}

// dropValue keeps the error of a call that also returns a value.
func dropValue[T any](_ T, err error) error { return err }
