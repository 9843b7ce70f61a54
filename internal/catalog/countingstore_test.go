package catalog_test

import (
	"context"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/store"
)

// countingStore counts every call made through the store.Store interface.
// It embeds the real store but overrides every method, so a call cannot
// slip past the counter through a promoted method; TestCountingStoreCountsEveryMethod
// fails when the interface grows a method this file does not override.
type countingStore struct {
	store.Store
	n atomic.Int64
}

// countedMethods are the store.Store methods countingStore overrides.
var countedMethods = []string{
	"Changes", "Close",
	"CreateAPIKeyProvider", "CreateAccessKey", "CreateGateway", "CreatePrincipal", "CreateTarget",
	"DeleteAPIKeyProvider", "DeleteAccessKey", "DeleteGateway", "DeletePrincipal", "DeleteTarget",
	"GetAPIKeyProvider", "GetAccessKey", "GetGateway", "GetGatewayByClientToken", "GetPrincipal",
	"GetSetting", "GetTarget", "GetTargetByClientToken", "InitSetting",
	"ListAPIKeyProviders", "ListAccessKeys", "ListGateways", "ListPrincipals", "ListTargets",
	"Revision", "UpdateAPIKeyProvider", "UpdateGateway", "UpdateTarget",
}

func (c *countingStore) calls() int64 { return c.n.Load() }
func (c *countingStore) hit()         { c.n.Add(1) }

func (c *countingStore) CreateGateway(ctx context.Context, g store.Gateway) (store.Gateway, error) {
	c.hit()
	return c.Store.CreateGateway(ctx, g)
}

func (c *countingStore) GetGateway(ctx context.Context, id string) (store.Gateway, error) {
	c.hit()
	return c.Store.GetGateway(ctx, id)
}

func (c *countingStore) GetGatewayByClientToken(ctx context.Context, token string) (store.Gateway, error) {
	c.hit()
	return c.Store.GetGatewayByClientToken(ctx, token)
}

func (c *countingStore) ListGateways(ctx context.Context, p store.Page) ([]store.Gateway, string, error) {
	c.hit()
	return c.Store.ListGateways(ctx, p)
}

func (c *countingStore) UpdateGateway(ctx context.Context, id string, fn func(store.Gateway) (store.Gateway, error)) (store.Gateway, error) {
	c.hit()
	return c.Store.UpdateGateway(ctx, id, fn)
}

func (c *countingStore) DeleteGateway(ctx context.Context, id string) error {
	c.hit()
	return c.Store.DeleteGateway(ctx, id)
}

func (c *countingStore) CreateTarget(ctx context.Context, t store.Target) (store.Target, error) {
	c.hit()
	return c.Store.CreateTarget(ctx, t)
}

func (c *countingStore) GetTarget(ctx context.Context, gatewayID, targetID string) (store.Target, error) {
	c.hit()
	return c.Store.GetTarget(ctx, gatewayID, targetID)
}

func (c *countingStore) GetTargetByClientToken(ctx context.Context, gatewayID, token string) (store.Target, error) {
	c.hit()
	return c.Store.GetTargetByClientToken(ctx, gatewayID, token)
}

func (c *countingStore) ListTargets(ctx context.Context, gatewayID string, p store.Page) ([]store.Target, string, error) {
	c.hit()
	return c.Store.ListTargets(ctx, gatewayID, p)
}

func (c *countingStore) UpdateTarget(ctx context.Context, gatewayID, targetID string, fn func(store.Target) (store.Target, error)) (store.Target, error) {
	c.hit()
	return c.Store.UpdateTarget(ctx, gatewayID, targetID, fn)
}

func (c *countingStore) DeleteTarget(ctx context.Context, gatewayID, targetID string) error {
	c.hit()
	return c.Store.DeleteTarget(ctx, gatewayID, targetID)
}

func (c *countingStore) CreateAPIKeyProvider(ctx context.Context, p store.APIKeyProvider) (store.APIKeyProvider, error) {
	c.hit()
	return c.Store.CreateAPIKeyProvider(ctx, p)
}

func (c *countingStore) GetAPIKeyProvider(ctx context.Context, name string) (store.APIKeyProvider, error) {
	c.hit()
	return c.Store.GetAPIKeyProvider(ctx, name)
}

func (c *countingStore) ListAPIKeyProviders(ctx context.Context, p store.Page) ([]store.APIKeyProvider, string, error) {
	c.hit()
	return c.Store.ListAPIKeyProviders(ctx, p)
}

func (c *countingStore) UpdateAPIKeyProvider(ctx context.Context, name string, fn func(store.APIKeyProvider) (store.APIKeyProvider, error)) (store.APIKeyProvider, error) {
	c.hit()
	return c.Store.UpdateAPIKeyProvider(ctx, name, fn)
}

func (c *countingStore) DeleteAPIKeyProvider(ctx context.Context, name string) error {
	c.hit()
	return c.Store.DeleteAPIKeyProvider(ctx, name)
}

func (c *countingStore) CreatePrincipal(ctx context.Context, p store.Principal) (store.Principal, error) {
	c.hit()
	return c.Store.CreatePrincipal(ctx, p)
}

func (c *countingStore) GetPrincipal(ctx context.Context, id string) (store.Principal, error) {
	c.hit()
	return c.Store.GetPrincipal(ctx, id)
}

func (c *countingStore) ListPrincipals(ctx context.Context, p store.Page) ([]store.Principal, string, error) {
	c.hit()
	return c.Store.ListPrincipals(ctx, p)
}

func (c *countingStore) DeletePrincipal(ctx context.Context, id string) error {
	c.hit()
	return c.Store.DeletePrincipal(ctx, id)
}

func (c *countingStore) CreateAccessKey(ctx context.Context, k store.AccessKey) (store.AccessKey, error) {
	c.hit()
	return c.Store.CreateAccessKey(ctx, k)
}

func (c *countingStore) GetAccessKey(ctx context.Context, id string) (store.AccessKey, error) {
	c.hit()
	return c.Store.GetAccessKey(ctx, id)
}

func (c *countingStore) ListAccessKeys(ctx context.Context, principalID string) ([]store.AccessKey, error) {
	c.hit()
	return c.Store.ListAccessKeys(ctx, principalID)
}

func (c *countingStore) DeleteAccessKey(ctx context.Context, id string) error {
	c.hit()
	return c.Store.DeleteAccessKey(ctx, id)
}

func (c *countingStore) GetSetting(ctx context.Context, key string) (string, error) {
	c.hit()
	return c.Store.GetSetting(ctx, key)
}

func (c *countingStore) InitSetting(ctx context.Context, key, value string) (string, error) {
	c.hit()
	return c.Store.InitSetting(ctx, key, value)
}

func (c *countingStore) Revision(ctx context.Context) (int64, error) {
	c.hit()
	return c.Store.Revision(ctx)
}

func (c *countingStore) Changes() <-chan struct{} {
	c.hit()
	return c.Store.Changes()
}

func (c *countingStore) Close() error {
	c.hit()
	return c.Store.Close()
}

// TestCountingStoreCountsEveryMethod guards the decorator the hot-path test
// relies on: every store.Store method must be overridden (and so counted).
func TestCountingStoreCountsEveryMethod(t *testing.T) {
	iface := reflect.TypeFor[store.Store]()
	var want []string
	for i := range iface.NumMethod() {
		want = append(want, iface.Method(i).Name)
	}
	got := slices.Sorted(slices.Values(countedMethods))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("countingStore overrides a different method set than store.Store (-interface +overridden):\n%s", diff)
	}

	// And each override really counts: drive a few through a real store.
	e := newEnv(t)
	c := &countingStore{Store: e.store}
	ctx := t.Context()
	before := c.calls()
	_, _ = c.Revision(ctx)
	_, _, _ = c.ListGateways(ctx, store.Page{})
	_, _ = c.GetAPIKeyProvider(ctx, "nope")
	_ = c.Changes()
	if got := c.calls() - before; got != 4 {
		t.Errorf("4 calls counted as %d", got)
	}
}
