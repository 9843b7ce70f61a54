package storetest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// lister adapts one paged list to the pagination checks, reduced to the
// keys of the listed items.
type lister struct {
	name string
	// setup creates what the items need (a parent gateway, neighbours in
	// another scope that must not show up).
	setup func(ctx context.Context, s store.Store) error
	// create creates item i with CreatedAt base+i seconds and returns its key.
	// Keys sort opposite to i, so creation order is visibly not key order.
	create func(ctx context.Context, s store.Store, i int) (string, error)
	list   func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error)
	delete func(ctx context.Context, s store.Store, key string) error
}

func createdAt(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

// invKey is a key that sorts before the keys of smaller i.
func invKey(prefix string, i int) string { return fmt.Sprintf("%s%07d", prefix, 9999999-i) }

func keysOf[T any](items []T, next string, err error, key func(T) string) ([]string, string, error) {
	var keys []string
	for _, it := range items {
		keys = append(keys, key(it))
	}
	return keys, next, err
}

const pagedGateway = "paged-gw"

func listers() []lister {
	return []lister{
		{
			name:  "Gateways",
			setup: func(context.Context, store.Store) error { return nil },
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				g := newGateway(i)
				g.ID, g.CreatedAt = invKey("gw-", i), createdAt(i)
				g, err := s.CreateGateway(ctx, g)
				return g.ID, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := s.ListGateways(ctx, p)
				return keysOf(items, next, err, func(g store.Gateway) string { return g.ID })
			},
			delete: func(ctx context.Context, s store.Store, key string) error { return s.DeleteGateway(ctx, key) },
		},
		{
			name: "Targets",
			setup: func(ctx context.Context, s store.Store) error {
				g := newGateway(1)
				g.ID = pagedGateway
				if _, err := s.CreateGateway(ctx, g); err != nil {
					return err
				}
				// A neighbour gateway whose targets must not leak into the list.
				other, err := s.CreateGateway(ctx, newGateway(2))
				if err != nil {
					return err
				}
				for i := range 3 {
					if _, err := s.CreateTarget(ctx, newTarget(other.ID, i)); err != nil {
						return err
					}
				}
				return nil
			},
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				tg := newTarget(pagedGateway, i)
				tg.ID, tg.CreatedAt = invKey("TGT", i), createdAt(i)
				tg, err := s.CreateTarget(ctx, tg)
				return tg.ID, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := s.ListTargets(ctx, pagedGateway, p)
				return keysOf(items, next, err, func(tg store.Target) string { return tg.ID })
			},
			delete: func(ctx context.Context, s store.Store, key string) error {
				return s.DeleteTarget(ctx, pagedGateway, key)
			},
		},
		{
			name:  "APIKeyProviders",
			setup: func(context.Context, store.Store) error { return nil },
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				p := newProvider(i)
				p.Name, p.CreatedAt = invKey("provider-", i), createdAt(i)
				p, err := s.CreateAPIKeyProvider(ctx, p)
				return p.Name, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := s.ListAPIKeyProviders(ctx, p)
				return keysOf(items, next, err, func(p store.APIKeyProvider) string { return p.Name })
			},
			delete: func(ctx context.Context, s store.Store, key string) error { return s.DeleteAPIKeyProvider(ctx, key) },
		},
		{
			name:  "Principals",
			setup: func(context.Context, store.Store) error { return nil },
			create: func(ctx context.Context, s store.Store, i int) (string, error) {
				p := newPrincipal(i)
				p.ID, p.CreatedAt = invKey("AIDA", i), createdAt(i)
				p, err := s.CreatePrincipal(ctx, p)
				return p.ID, err
			},
			list: func(ctx context.Context, s store.Store, p store.Page) ([]string, string, error) {
				items, next, err := s.ListPrincipals(ctx, p)
				return keysOf(items, next, err, func(p store.Principal) string { return p.ID })
			},
			delete: func(ctx context.Context, s store.Store, key string) error { return s.DeletePrincipal(ctx, key) },
		},
	}
}

// seedList creates items 0..n-1 and returns their keys in creation order.
func seedList(t *testing.T, s store.Store, l lister, n int) []string {
	t.Helper()
	ctx := t.Context()
	check(t, l.setup(ctx, s))
	keys := make([]string, n)
	for i := range n {
		keys[i] = must(l.create(ctx, s, i))(t)
	}
	return keys
}

// pages walks a list with the given limit and returns the page sizes and
// all keys in order.
func pages(t *testing.T, s store.Store, l lister, limit int) ([]int, []string) {
	t.Helper()
	var sizes []int
	var all []string
	p := store.Page{Limit: limit}
	for range 100 {
		keys, next, err := l.list(t.Context(), s, p)
		check(t, err)
		sizes = append(sizes, len(keys))
		all = append(all, keys...)
		if next == "" {
			return sizes, all
		}
		p.After = next
	}
	t.Fatalf("%s: list did not end after 100 pages", l.name)
	return nil, nil
}

// testPagination: every item exactly once, oldest first, in pages of the
// requested size, and Next empty exactly at the end.
func testPagination(t *testing.T, s store.Store, l lister) {
	want := seedList(t, s, l, 25)
	tests := []struct {
		limit int
		sizes []int
	}{
		{limit: 10, sizes: []int{10, 10, 5}},
		{limit: 5, sizes: []int{5, 5, 5, 5, 5}},
		{limit: 1, sizes: slices.Repeat([]int{1}, 25)},
		{limit: 25, sizes: []int{25}},
		{limit: 24, sizes: []int{24, 1}},
		{limit: 100, sizes: []int{25}},
		{limit: 0, sizes: []int{25}},  // the default page size, 100
		{limit: -1, sizes: []int{25}}, // likewise
	}
	for _, tc := range tests {
		sizes, got := pages(t, s, l, tc.limit)
		same(t, fmt.Sprintf("page sizes with Limit %d", tc.limit), tc.sizes, sizes)
		same(t, fmt.Sprintf("items with Limit %d", tc.limit), want, got)
	}

	// The same cursor gives the same page again.
	ctx := t.Context()
	first, next := must2(t)(l.list(ctx, s, store.Page{Limit: 10}))
	again, next2 := must2(t)(l.list(ctx, s, store.Page{Limit: 10}))
	same(t, "first page listed twice", first, again)
	p2, _ := must2(t)(l.list(ctx, s, store.Page{Limit: 10, After: next}))
	p2again, _ := must2(t)(l.list(ctx, s, store.Page{Limit: 10, After: next2}))
	same(t, "second page listed twice", p2, p2again)
}

// testDefaultLimit: Limit <= 0 means pages of 100.
func testDefaultLimit(t *testing.T, s store.Store, l lister) {
	keys := seedList(t, s, l, 101)
	got, next := must2(t)(l.list(t.Context(), s, store.Page{}))
	same(t, "first default page", keys[:100], got)
	if next == "" {
		t.Fatalf("Next is empty after 100 of 101 items")
	}
	rest, next := must2(t)(l.list(t.Context(), s, store.Page{After: next}))
	same(t, "second default page", keys[100:], rest)
	if next != "" {
		t.Errorf("Next = %q after the last item", next)
	}
}

func must2(t *testing.T) func([]string, string, error) ([]string, string) {
	return func(keys []string, next string, err error) ([]string, string) {
		t.Helper()
		check(t, err)
		return keys, next
	}
}

// testInvalidCursor: a cursor the store did not issue is an error, for
// every list, and never a panic or a silently restarted list.
func testInvalidCursor(t *testing.T, s store.Store, l lister) {
	cursors := []string{
		"not-a-cursor",
		"!!!!",
		"%",
		base64.RawURLEncoding.EncodeToString([]byte("garbage")),
		base64.StdEncoding.EncodeToString([]byte(`{"x":1}`)),
		"\x00\xff",
	}
	seedList(t, s, l, 3)
	for _, c := range cursors {
		keys, next, err := l.list(t.Context(), s, store.Page{After: c, Limit: 10})
		if !errors.Is(err, store.ErrInvalidCursor) {
			t.Errorf("cursor %q: err = %v, want ErrInvalidCursor (got %v, next %q)", c, err, keys, next)
		}
	}
}

// testPaginationAcrossWrites: deleting the item a cursor points at, or items
// not yet listed, and creating new ones between pages neither breaks the
// cursor nor repeats or skips the items that stayed.
func testPaginationAcrossWrites(t *testing.T, s store.Store, l lister) {
	ctx := t.Context()
	keys := seedList(t, s, l, 25)
	page1, next := must2(t)(l.list(ctx, s, store.Page{Limit: 10}))
	same(t, "page 1", keys[:10], page1)

	check(t, l.delete(ctx, s, keys[9]))  // the cursor's own item
	check(t, l.delete(ctx, s, keys[15])) // an item not listed yet
	added := must(l.create(ctx, s, 30))(t)

	var rest []string
	for p := (store.Page{Limit: 10, After: next}); ; {
		got, next := must2(t)(l.list(ctx, s, p))
		rest = append(rest, got...)
		if next == "" {
			break
		}
		p.After = next
	}
	want := append(slices.Clone(keys[10:15]), keys[16:]...)
	want = append(want, added)
	same(t, "items after page 1", want, rest)
}
