// Package storetest is the acceptance suite for store.Store backends: a
// backend is accepted only when Run passes against it. The suite uses nothing
// but the store.Store contract, so the same tests run against SQLite and
// PostgreSQL and keep them interchangeable.
//
// Besides what the interface comments say, the suite pins down these
// promises, which callers may rely on:
//
//   - Timestamps come back in UTC, truncated to the microsecond (the
//     precision PostgreSQL keeps). A zero CreatedAt or UpdatedAt passed to a
//     Create means "now"; a non-zero one is kept. A zero LastSynchronizedAt
//     stays zero.
//   - Empty StatusReasons, Tags, Config, SealedKey and SealedSecret come back
//     nil, whether they were stored as nil or as empty; other values
//     round-trip exactly, bytes included (sealed fields are not UTF-8).
//   - What a Create or Update returns equals what a later Get reads.
//   - Lists run oldest first (CreatedAt, then ID, or Name for providers).
//     Next is "" exactly when no item follows, Limit <= 0 means 100, an
//     unknown cursor is an error, and a cursor stays usable across writes.
//   - ListTargets and ListAccessKeys of a missing parent are ErrNotFound; an
//     empty client token never matches in Get...ByClientToken.
//   - Update callbacks receive the stored value; what they do to the
//     identity fields (ID, GatewayID, a provider's Name), CreatedAt, Version
//     and UpdatedAt is ignored. Version then increases and UpdatedAt moves
//     strictly forward.
//   - Revision and Changes move only on committed mutations: not on reads,
//     not on failed writes, not on an InitSetting that finds the key set.
package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/store"
)

// Run runs the whole suite, one subtest per behaviour. The subtests run in
// parallel, each on its own store: open must return a new, empty store every
// time it is called (a fresh file, database or schema). Run closes it when
// the subtest ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []suiteTest{
		{"Gateway/CRUD", testGatewayCRUD},
		{"Gateway/ByClientToken", testGatewayByClientToken},
		{"Gateway/DeleteWithTargets", testDeleteGatewayWithTargets},
		{"Target/CRUD", testTargetCRUD},
		{"Target/ScopedToGateway", testTargetScoping},
		{"Target/ByClientToken", testTargetByClientToken},
		{"APIKeyProvider/CRUD", testProviderCRUD},
		{"Principal/CRUD", testPrincipalCRUD},
		{"AccessKey/CRUD", testAccessKeyCRUD},
		{"AccessKey/ListPerPrincipal", testListAccessKeys},
		{"Principal/DeleteDeletesKeys", testDeletePrincipalDeletesKeys},
		{"Setting/InitFirstWriterWins", testInitSetting},
		{"Errors/NotFound", testNotFound},
		{"Errors/Conflict", testConflicts},
		{"Update/Gateway", testUpdateGateway},
		{"Update/Target", testUpdateTarget},
		{"Update/APIKeyProvider", testUpdateProvider},
		{"Revision/Mutations", testRevision},
		{"Changes/NonBlocking", testChangesNonBlocking},
		{"Concurrency/UpdateGateway", testConcurrentUpdates},
		{"Concurrency/CreateSameName", testConcurrentCreateSameName},
		{"Concurrency/InitSetting", testConcurrentInitSetting},
		{"RoundTrip/Timestamps", testTimestampRoundTrip},
		{"RoundTrip/CreatedAtDefaultsToNow", testCreatedAtDefault},
		{"RoundTrip/Bytes", testBytesRoundTrip},
		{"RoundTrip/StatusReasons", testStatusReasonsRoundTrip},
		{"RoundTrip/Tags", testTagsRoundTrip},
	}
	tests = append(tests, idpTests()...)
	tests = append(tests, iamTests()...)
	tests = append(tests, oauth2Tests()...)
	tests = append(tests, identityTests()...)
	for _, l := range slices.Concat(listers(), idpListers(), iamListers(), oauth2Listers(), identityListers()) {
		for _, pt := range []struct {
			name string
			run  func(*testing.T, store.Store, lister)
		}{
			{"Pages", testPagination},
			{"DefaultLimit", testDefaultLimit},
			{"InvalidCursor", testInvalidCursor},
			{"AcrossWrites", testPaginationAcrossWrites},
		} {
			tests = append(tests, suiteTest{"Pagination/" + l.name + "/" + pt.name,
				func(t *testing.T, s store.Store) { pt.run(t, s, l) }})
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.run(t, s)
		})
	}
}

type suiteTest struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// base is the CreatedAt of fixtures that need a fixed one; items created
// with base+i sort in creation order.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newGateway(n int) store.Gateway {
	id := fmt.Sprintf("gateway-%03d-gw-a1b2c3d4e5", n)
	return store.Gateway{
		ID:          id,
		Name:        fmt.Sprintf("gateway-%03d", n),
		ARN:         "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/" + id,
		Status:      "READY",
		RequestHash: fmt.Sprintf("hash-%03d", n),
		Config:      []byte(fmt.Sprintf(`{"name":"gateway-%03d","protocolType":"MCP"}`, n)),
	}
}

func newTarget(gatewayID string, n int) store.Target {
	return store.Target{
		GatewayID:   gatewayID,
		ID:          fmt.Sprintf("TGT%07d", n),
		Name:        fmt.Sprintf("target-%03d", n),
		Status:      "READY",
		RequestHash: fmt.Sprintf("hash-%03d", n),
		Config:      []byte(fmt.Sprintf(`{"name":"target-%03d"}`, n)),
	}
}

func newProvider(n int) store.APIKeyProvider {
	name := fmt.Sprintf("provider-%03d", n)
	return store.APIKeyProvider{
		Name:      name,
		ARN:       "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/" + name,
		SealedKey: []byte{0x01, 0x00, 0xfe, byte(n)},
		Tags:      map[string]string{"n": fmt.Sprint(n)},
	}
}

func newPrincipal(n int) store.Principal {
	name := fmt.Sprintf("user-%03d", n)
	return store.Principal{
		ID:   fmt.Sprintf("AIDA%016d", n),
		Name: name,
		ARN:  "arn:aws:iam::123456789012:user/" + name,
		Kind: "user",
	}
}

func newAccessKey(principalID string, n int) store.AccessKey {
	return store.AccessKey{
		ID:           fmt.Sprintf("AKIA%016d", n),
		PrincipalID:  principalID,
		SealedSecret: []byte{0x02, 0xff, 0x00, byte(n)},
		Status:       "Active",
	}
}

// must returns v, or fails the test on err. It is curried so that a call
// with two results fits in: must(s.GetGateway(ctx, id))(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// same fails the test when got differs from want; time.Time fields compare
// with Equal (cmp uses Equal methods).
func same(t testing.TB, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

func revision(t testing.TB, s store.Store) int64 {
	t.Helper()
	return must(s.Revision(t.Context()))(t)
}

func wantNotFound(t testing.TB, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: error = %v, want one matching store.ErrNotFound", what, err)
	}
	if errors.Is(err, store.ErrConflict) {
		t.Errorf("%s: error %v also matches store.ErrConflict", what, err)
	}
}

// wantConflict checks that err is a *store.ConflictError on field that also
// matches store.ErrConflict.
func wantConflict(t testing.TB, what string, err error, field string) {
	t.Helper()
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		t.Errorf("%s: error = %v, want a *store.ConflictError on %q", what, err, field)
		return
	}
	if ce.Field != field {
		t.Errorf("%s: ConflictError.Field = %q, want %q (error %v)", what, ce.Field, field, err)
	}
	if ce.Entity == "" {
		t.Errorf("%s: ConflictError.Entity is empty", what)
	}
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("%s: error %v does not match store.ErrConflict", what, err)
	}
}

// drain empties the Changes channel so the next signal is the next write's.
func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// signalTimeout is generous: a signal is due right after the commit, and
// the wait ends as soon as it arrives.
const signalTimeout = 5 * time.Second

// wantSignal stops the test when the signal does not come: every later
// wait would time out too.
func wantSignal(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(signalTimeout):
		t.Fatalf("%s: no Changes signal within %v", what, signalTimeout)
	}
}

func wantNoSignal(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Errorf("%s: unexpected Changes signal", what)
	default:
	}
}

// world is everything a store holds that the contract can list, plus the
// revision: comparing two snapshots proves a failed write left no trace.
type world struct {
	Revision   int64
	Gateways   []store.Gateway
	Targets    map[string][]store.Target
	Providers  []store.APIKeyProvider
	Principals []store.Principal
	Keys       map[string][]store.AccessKey
}

func snapshot(t testing.TB, s store.Store) world {
	t.Helper()
	ctx := t.Context()
	w := world{
		Revision:   revision(t, s),
		Gateways:   listAll(t, func(p store.Page) ([]store.Gateway, string, error) { return s.ListGateways(ctx, p) }),
		Providers:  listAll(t, func(p store.Page) ([]store.APIKeyProvider, string, error) { return s.ListAPIKeyProviders(ctx, p) }),
		Principals: listAll(t, func(p store.Page) ([]store.Principal, string, error) { return s.ListPrincipals(ctx, p) }),
		Targets:    map[string][]store.Target{},
		Keys:       map[string][]store.AccessKey{},
	}
	for _, g := range w.Gateways {
		w.Targets[g.ID] = listAll(t, func(p store.Page) ([]store.Target, string, error) { return s.ListTargets(ctx, g.ID, p) })
	}
	for _, p := range w.Principals {
		w.Keys[p.ID] = must(s.ListAccessKeys(ctx, p.ID))(t)
	}
	return w
}

// listAll follows Next to the end.
func listAll[T any](t testing.TB, list func(store.Page) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	p := store.Page{}
	for range 1000 {
		items, next, err := list(p)
		check(t, err)
		all = append(all, items...)
		if next == "" {
			return all
		}
		p.After = next
	}
	t.Fatalf("list did not end after 1000 pages")
	return nil
}

// fixture is a small store used by the error tables: two gateways, two
// targets in the first, a provider, a principal with a key and a setting.
type fixture struct {
	gwA, gwB   store.Gateway
	tgt1, tgt2 store.Target
	provider   store.APIKeyProvider
	principal  store.Principal
	key        store.AccessKey
}

func seedFixture(t testing.TB, s store.Store) fixture {
	t.Helper()
	ctx := t.Context()
	var f fixture
	f.gwA = newGateway(1)
	f.gwA.Name, f.gwA.ClientToken = "alpha", "gw-token-a"
	f.gwA = must(s.CreateGateway(ctx, f.gwA))(t)
	f.gwB = newGateway(2)
	f.gwB.Name = "beta"
	f.gwB = must(s.CreateGateway(ctx, f.gwB))(t)
	f.tgt1 = newTarget(f.gwA.ID, 1)
	f.tgt1.Name, f.tgt1.ClientToken = "orders", "tgt-token-1"
	f.tgt1 = must(s.CreateTarget(ctx, f.tgt1))(t)
	f.tgt2 = newTarget(f.gwA.ID, 2)
	f.tgt2.Name = "billing"
	f.tgt2 = must(s.CreateTarget(ctx, f.tgt2))(t)
	f.provider = must(s.CreateAPIKeyProvider(ctx, newProvider(1)))(t)
	f.principal = must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	f.key = must(s.CreateAccessKey(ctx, newAccessKey(f.principal.ID, 1)))(t)
	must(s.InitSetting(ctx, "account-id", "123456789012"))(t)
	return f
}
