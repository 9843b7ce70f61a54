package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// The rules every UserPoolStore write obeys: errors leave no trace, updates
// keep identity, mutations move Revision; registered in idpTests.

// testIdPNotFound: every getter, updater, deleter and scoped create reports
// ErrNotFound for a missing entity or parent, writes nothing and never calls
// an update function.
func testIdPNotFound(t *testing.T, s store.Store, ps store.UserPoolStore) {
	p := createPool(t, ps, 1)
	c := must(ps.CreatePoolClient(t.Context(), newPoolClient(p.ID, 1)))(t)
	must(ps.CreateResourceServer(t.Context(), newResourceServer(p.ID, 1)))(t)
	called := false
	read := func(_ any, err error) error { return err }
	list := func(_ any, _ string, err error) error { return err }
	const missing = "us-east-1_Missing99"
	tests := []storeOp{
		{"GetUserPool", func(ctx context.Context) error { return read(ps.GetUserPool(ctx, missing)) }},
		{"GetUserPoolByDomain", func(ctx context.Context) error { return read(ps.GetUserPoolByDomain(ctx, "nobody")) }},
		{"UpdateUserPool", func(ctx context.Context) error {
			return read(ps.UpdateUserPool(ctx, missing, func(p store.UserPool) (store.UserPool, error) { called = true; return p, nil }))
		}},
		{"DeleteUserPool", func(ctx context.Context) error { return ps.DeleteUserPool(ctx, missing) }},
		{"CreateResourceServer/missing pool", func(ctx context.Context) error {
			return read(ps.CreateResourceServer(ctx, newResourceServer(missing, 9)))
		}},
		{"GetResourceServer", func(ctx context.Context) error { return read(ps.GetResourceServer(ctx, p.ID, "nothing")) }},
		{"GetResourceServer/missing pool", func(ctx context.Context) error { return read(ps.GetResourceServer(ctx, missing, "api-001")) }},
		{"ListResourceServers/missing pool", func(ctx context.Context) error {
			return list(ps.ListResourceServers(ctx, missing, store.Page{}))
		}},
		{"UpdateResourceServer", func(ctx context.Context) error {
			return read(ps.UpdateResourceServer(ctx, p.ID, "nothing", func(rs store.ResourceServer) (store.ResourceServer, error) {
				called = true
				return rs, nil
			}))
		}},
		{"DeleteResourceServer", func(ctx context.Context) error { return ps.DeleteResourceServer(ctx, p.ID, "nothing") }},
		{"CreatePoolClient/missing pool", func(ctx context.Context) error {
			return read(ps.CreatePoolClient(ctx, newPoolClient(missing, 9)))
		}},
		{"GetPoolClient", func(ctx context.Context) error { return read(ps.GetPoolClient(ctx, p.ID, "nothing")) }},
		{"GetPoolClient/missing pool", func(ctx context.Context) error { return read(ps.GetPoolClient(ctx, missing, c.ClientID)) }},
		{"ListPoolClients/missing pool", func(ctx context.Context) error { return list(ps.ListPoolClients(ctx, missing, store.Page{})) }},
		{"UpdatePoolClient", func(ctx context.Context) error {
			return read(ps.UpdatePoolClient(ctx, missing, c.ClientID, func(c store.PoolClient) (store.PoolClient, error) {
				called = true
				return c, nil
			}))
		}},
		{"DeletePoolClient", func(ctx context.Context) error { return ps.DeletePoolClient(ctx, p.ID, "nothing") }},
		{"RotateSigningKey/missing pool", func(ctx context.Context) error {
			return read(ps.RotateSigningKey(ctx, newSigningKey(missing, 9), base))
		}},
		{"ListSigningKeys/missing pool", func(ctx context.Context) error { return read(ps.ListSigningKeys(ctx, missing)) }},
		{"UpdateSigningKey", func(ctx context.Context) error {
			return read(ps.UpdateSigningKey(ctx, p.ID, "nothing", func(k store.SigningKey) (store.SigningKey, error) {
				called = true
				return k, nil
			}))
		}},
		{"DeleteSigningKey", func(ctx context.Context) error { return ps.DeleteSigningKey(ctx, p.ID, "nothing") }},
	}
	runNotFound(t, s, func(t *testing.T) idpWorld { return idpSnapshot(t, s, ps) }, &called, tests)
}

// testIdPConflicts: uniqueness rules. A violation is a *store.ConflictError
// naming the field and leaves the store untouched; "ok" rows show where the
// same value is allowed.
func testIdPConflicts(t *testing.T, s store.Store, ps store.UserPoolStore) {
	a := newUserPool(1)
	a.Domain = "alpha-auth"
	a = must(ps.CreateUserPool(t.Context(), a, newSigningKey(a.ID, 1)))(t)
	b := createPool(t, ps, 2)
	must(ps.CreateResourceServer(t.Context(), newResourceServer(a.ID, 1)))(t)
	c := must(ps.CreatePoolClient(t.Context(), newPoolClient(a.ID, 1)))(t)

	createPoolWith := func(id, domain string) func(context.Context) error {
		return func(ctx context.Context) error {
			p := newUserPool(50)
			p.ID, p.Domain = id, domain
			_, err := ps.CreateUserPool(ctx, p, newSigningKey(id, 50))
			return err
		}
	}
	setDomain := func(id, domain string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := ps.UpdateUserPool(ctx, id, func(p store.UserPool) (store.UserPool, error) { p.Domain = domain; return p, nil })
			return err
		}
	}
	tests := []conflictOp{
		{"pool duplicate id", createPoolWith(a.ID, ""), "id"},
		{"pool duplicate domain", createPoolWith("us-east-1_New000001", a.Domain), "domain"},
		{"pool same name ok", func(ctx context.Context) error {
			p := newUserPool(51)
			p.Name = a.Name
			_, err := ps.CreateUserPool(ctx, p, newSigningKey(p.ID, 51))
			return err
		}, ""},
		{"update pool to a taken domain", setDomain(b.ID, a.Domain), "domain"},
		{"update pool keeping its own domain ok", setDomain(a.ID, a.Domain), ""},
		{"resource server duplicate identifier", func(ctx context.Context) error {
			_, err := ps.CreateResourceServer(ctx, newResourceServer(a.ID, 1))
			return err
		}, "identifier"},
		{"resource server identifier in another pool ok", func(ctx context.Context) error {
			_, err := ps.CreateResourceServer(ctx, newResourceServer(b.ID, 1))
			return err
		}, ""},
		{"client duplicate id in the same pool", func(ctx context.Context) error {
			_, err := ps.CreatePoolClient(ctx, newPoolClient(a.ID, 1))
			return err
		}, "clientId"},
		{"client id taken in another pool", func(ctx context.Context) error {
			_, err := ps.CreatePoolClient(ctx, newPoolClient(b.ID, 1))
			return err
		}, "clientId"},
		{"client same name ok", func(ctx context.Context) error {
			cl := newPoolClient(a.ID, 2)
			cl.ClientName = c.ClientName
			_, err := ps.CreatePoolClient(ctx, cl)
			return err
		}, ""},
		{"rotate to an existing key id", func(ctx context.Context) error {
			_, err := ps.RotateSigningKey(ctx, newSigningKey(a.ID, 1), base)
			return err
		}, "keyId"},
		{"rotate to a key id used by another pool ok", func(ctx context.Context) error {
			_, err := ps.RotateSigningKey(ctx, newSigningKey(b.ID, 1), base)
			return err
		}, ""},
	}
	runConflicts(t, s, func(t *testing.T) idpWorld { return idpSnapshot(t, s, ps) }, tests)
}

// testIdPInvalidInput: writes missing required fields or carrying an unknown
// key status fail without a trace, and are neither conflicts nor not-found.
func testIdPInvalidInput(t *testing.T, s store.Store, ps store.UserPoolStore) {
	p := createPool(t, ps, 1)
	key := newSigningKey(p.ID, 1)
	ignore := func(_ any, err error) error { return err }
	tests := []storeOp{
		{"pool without id", func(ctx context.Context) error {
			q := newUserPool(2)
			q.ID = ""
			return ignore(ps.CreateUserPool(ctx, q, newSigningKey("", 2)))
		}},
		{"pool without a key id", func(ctx context.Context) error {
			return ignore(ps.CreateUserPool(ctx, newUserPool(2), store.SigningKey{Algorithm: "RS256"}))
		}},
		{"pool whose first key is retiring", func(ctx context.Context) error {
			k := newSigningKey("", 2)
			k.Status = store.SigningKeyRetiring
			return ignore(ps.CreateUserPool(ctx, newUserPool(2), k))
		}},
		{"pool with another pool's key", func(ctx context.Context) error {
			return ignore(ps.CreateUserPool(ctx, newUserPool(2), newSigningKey(p.ID, 2)))
		}},
		{"resource server without name", func(ctx context.Context) error {
			rs := newResourceServer(p.ID, 1)
			rs.Name = ""
			return ignore(ps.CreateResourceServer(ctx, rs))
		}},
		{"client without name", func(ctx context.Context) error {
			c := newPoolClient(p.ID, 1)
			c.ClientName = ""
			return ignore(ps.CreatePoolClient(ctx, c))
		}},
		{"rotate to a retired key", func(ctx context.Context) error {
			k := newSigningKey(p.ID, 2)
			k.Status = store.SigningKeyRetired
			return ignore(ps.RotateSigningKey(ctx, k, base))
		}},
		{"rotate without retireAt", func(ctx context.Context) error {
			return ignore(ps.RotateSigningKey(ctx, newSigningKey(p.ID, 2), time.Time{}))
		}},
		{"update key to an unknown status", func(ctx context.Context) error {
			return ignore(ps.UpdateSigningKey(ctx, p.ID, key.KeyID, func(k store.SigningKey) (store.SigningKey, error) {
				k.Status = "compromised"
				return k, nil
			}))
		}},
	}
	runInvalid(t, s, func(t *testing.T) idpWorld { return idpSnapshot(t, s, ps) }, tests)
}

// testIdPRevision: each successful mutation raises Revision and signals
// Changes; reads do neither.
func testIdPRevision(t *testing.T, s store.Store, ps store.UserPoolStore) {
	p := newUserPool(1)
	rs, c := newResourceServer(p.ID, 1), newPoolClient(p.ID, 1)
	ignore := func(_ any, err error) error { return err }
	ignore3 := func(_ any, _ string, err error) error { return err }
	mutations := []struct {
		name string
		op   func(ctx context.Context) error
	}{
		{"CreateUserPool", func(ctx context.Context) error { return ignore(ps.CreateUserPool(ctx, p, newSigningKey(p.ID, 1))) }},
		{"UpdateUserPool", func(ctx context.Context) error {
			return ignore(ps.UpdateUserPool(ctx, p.ID, func(p store.UserPool) (store.UserPool, error) { p.Domain = "d"; return p, nil }))
		}},
		{"CreateResourceServer", func(ctx context.Context) error { return ignore(ps.CreateResourceServer(ctx, rs)) }},
		{"UpdateResourceServer", func(ctx context.Context) error {
			return ignore(ps.UpdateResourceServer(ctx, p.ID, rs.Identifier, func(r store.ResourceServer) (store.ResourceServer, error) { return r, nil }))
		}},
		{"CreatePoolClient", func(ctx context.Context) error { return ignore(ps.CreatePoolClient(ctx, c)) }},
		{"UpdatePoolClient", func(ctx context.Context) error {
			return ignore(ps.UpdatePoolClient(ctx, p.ID, c.ClientID, func(c store.PoolClient) (store.PoolClient, error) { return c, nil }))
		}},
		{"RotateSigningKey", func(ctx context.Context) error { return ignore(ps.RotateSigningKey(ctx, newSigningKey(p.ID, 2), base)) }},
		{"UpdateSigningKey", func(ctx context.Context) error {
			return ignore(ps.UpdateSigningKey(ctx, p.ID, "kid-001", func(k store.SigningKey) (store.SigningKey, error) {
				k.Status = store.SigningKeyRetired
				return k, nil
			}))
		}},
		{"DeleteSigningKey", func(ctx context.Context) error { return ps.DeleteSigningKey(ctx, p.ID, "kid-001") }},
		{"DeletePoolClient", func(ctx context.Context) error { return ps.DeletePoolClient(ctx, p.ID, c.ClientID) }},
		{"DeleteResourceServer", func(ctx context.Context) error { return ps.DeleteResourceServer(ctx, p.ID, rs.Identifier) }},
		{"DeleteUserPool", func(ctx context.Context) error { return ps.DeleteUserPool(ctx, p.ID) }},
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

	kept := createPool(t, ps, 2)
	must(ps.CreateResourceServer(ctx, newResourceServer(kept.ID, 1)))(t)
	must(ps.CreatePoolClient(ctx, newPoolClient(kept.ID, 2)))(t)
	prev = revision(t, s)
	drain(s.Changes())
	reads := []func() error{
		func() error { return ignore(ps.GetUserPool(ctx, kept.ID)) },
		func() error { return ignore3(ps.ListUserPools(ctx, store.Page{})) },
		func() error { return ignore(ps.GetResourceServer(ctx, kept.ID, "api-001")) },
		func() error { return ignore3(ps.ListResourceServers(ctx, kept.ID, store.Page{})) },
		func() error { return ignore(ps.GetPoolClient(ctx, kept.ID, newPoolClient("", 2).ClientID)) },
		func() error { return ignore3(ps.ListPoolClients(ctx, kept.ID, store.Page{})) },
		func() error { return ignore(ps.ListSigningKeys(ctx, kept.ID)) },
	}
	for i, read := range reads {
		check(t, read())
		if r := revision(t, s); r != prev {
			t.Errorf("read %d: Revision %d -> %d, want no change", i, prev, r)
		}
		wantNoSignal(t, s.Changes(), fmt.Sprintf("read %d", i))
	}
}

// testIdPUpdateKeepsIdentity: what update callbacks do to identity fields,
// CreatedAt and Version is ignored; UpdatedAt moves strictly forward.
func testIdPUpdateKeepsIdentity(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	p := createPool(t, ps, 1)
	rs := must(ps.CreateResourceServer(ctx, newResourceServer(p.ID, 1)))(t)
	c := must(ps.CreatePoolClient(ctx, newPoolClient(p.ID, 1)))(t)
	far := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)

	up := must(ps.UpdateUserPool(ctx, p.ID, func(q store.UserPool) (store.UserPool, error) {
		q.ID, q.CreatedAt, q.UpdatedAt, q.Version = "other", far, far, 99
		return q, nil
	}))(t)
	if up.ID != p.ID || !up.CreatedAt.Equal(p.CreatedAt) || up.Version != 2 || !up.UpdatedAt.After(p.UpdatedAt) {
		t.Errorf("UpdateUserPool let identity change: %+v (was %+v)", up, p)
	}
	urs := must(ps.UpdateResourceServer(ctx, p.ID, rs.Identifier, func(r store.ResourceServer) (store.ResourceServer, error) {
		r.PoolID, r.Identifier, r.CreatedAt, r.Version = "other", "other", far, 99
		return r, nil
	}))(t)
	if urs.PoolID != p.ID || urs.Identifier != rs.Identifier || !urs.CreatedAt.Equal(rs.CreatedAt) || urs.Version != 2 ||
		!urs.UpdatedAt.After(rs.UpdatedAt) {
		t.Errorf("UpdateResourceServer let identity change: %+v", urs)
	}
	uc := must(ps.UpdatePoolClient(ctx, p.ID, c.ClientID, func(c store.PoolClient) (store.PoolClient, error) {
		c.PoolID, c.ClientID, c.CreatedAt, c.Version = "other", "other", far, 99
		return c, nil
	}))(t)
	if uc.PoolID != p.ID || uc.ClientID != c.ClientID || !uc.CreatedAt.Equal(c.CreatedAt) || uc.Version != 2 ||
		!uc.UpdatedAt.After(c.UpdatedAt) {
		t.Errorf("UpdatePoolClient let identity change: %+v", uc)
	}
	key := must(ps.ListSigningKeys(ctx, p.ID))(t)[0]
	uk := must(ps.UpdateSigningKey(ctx, p.ID, key.KeyID, func(k store.SigningKey) (store.SigningKey, error) {
		k.PoolID, k.KeyID, k.CreatedAt, k.Version = "other", "other", far, 99
		k.SealedPrivateKey = []byte{0x02, 0x03}
		return k, nil
	}))(t)
	if uk.PoolID != p.ID || uk.KeyID != key.KeyID || !uk.CreatedAt.Equal(key.CreatedAt) || uk.Version != 2 {
		t.Errorf("UpdateSigningKey let identity change: %+v", uk)
	}
	same(t, "resealed key", []byte{0x02, 0x03}, uk.SealedPrivateKey)
	same(t, "keys after update", []store.SigningKey{uk}, must(ps.ListSigningKeys(ctx, p.ID))(t))
}

// testIdPRoundTrip: timestamps, durations and byte fields come back as the
// store promises.
func testIdPRoundTrip(t *testing.T, _ store.Store, ps store.UserPoolStore) {
	ctx := t.Context()
	cest := time.FixedZone("CEST", 2*60*60)
	created := time.Date(2026, 7, 14, 9, 30, 15, 123456789, cest)
	p := newUserPool(1)
	p.CreatedAt = created
	p.Config = nil
	key := newSigningKey(p.ID, 1)
	key.CreatedAt = created
	key.SealedPrivateKey = []byte{0x00, 0xff, 0x80, 0x00} // not UTF-8
	got := must(ps.CreateUserPool(ctx, p, key))(t)
	read := must(ps.GetUserPool(ctx, p.ID))(t)
	for what, v := range map[string]store.UserPool{"returned": got, "read": read} {
		wantTime(t, what+" pool CreatedAt", created, v.CreatedAt)
		wantTime(t, what+" pool UpdatedAt", created, v.UpdatedAt)
		if v.Config != nil {
			t.Errorf("%s pool Config = %q, want nil", what, v.Config)
		}
	}

	notAfter := time.Date(2026, 7, 14, 11, 30, 15, 987654321, cest)
	must(ps.RotateSigningKey(ctx, newSigningKey(p.ID, 2), notAfter))(t)
	keys := must(ps.ListSigningKeys(ctx, p.ID))(t)
	wantTime(t, "key CreatedAt", created, keys[0].CreatedAt)
	wantTime(t, "retiring key NotAfter", notAfter, keys[0].NotAfter)
	wantTime(t, "active key NotAfter", time.Time{}, keys[1].NotAfter)
	same(t, "sealed key bytes", []byte{0x00, 0xff, 0x80, 0x00}, keys[0].SealedPrivateKey)

	c := newPoolClient(p.ID, 1)
	c.AccessTokenValidity = 90*time.Minute + 1500*time.Millisecond
	c.Config = []byte{}
	gotC := must(ps.CreatePoolClient(ctx, c))(t)
	readC := must(ps.GetPoolClient(ctx, p.ID, c.ClientID))(t)
	for what, v := range map[string]store.PoolClient{"returned": gotC, "read": readC} {
		if v.AccessTokenValidity != 90*time.Minute+time.Second {
			t.Errorf("%s AccessTokenValidity = %v, want whole seconds 1h30m1s", what, v.AccessTokenValidity)
		}
		if v.Config != nil {
			t.Errorf("%s client Config = %q, want nil", what, v.Config)
		}
	}
}
