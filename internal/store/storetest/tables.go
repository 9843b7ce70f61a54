package storetest

import (
	"context"
	"testing"

	"github.com/toolgate/toolgate/internal/store"
)

// The table tests of refused operations (missing entities, conflicts,
// invalid input) share their runners: each row is a subtest, and a refused
// operation must leave the store as snap sees it (snapshot, iamSnapshot,
// idpSnapshot) and signal no change.

// storeOp is a row: an operation on the store.
type storeOp struct {
	name string
	op   func(ctx context.Context) error
}

// conflictOp is a row of a conflicts table: op must fail with a
// *store.ConflictError naming field, or succeed when field is "".
type conflictOp struct {
	name  string
	op    func(ctx context.Context) error
	field string // "" means the write must succeed
}

// runRefused runs each op through try, which calls it and judges its error,
// and checks that it changed and signalled nothing.
func runRefused[W any](t *testing.T, s store.Store, snap func(*testing.T) W, ops []storeOp, try func(*testing.T, storeOp)) {
	t.Helper()
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			before := snap(t)
			drain(s.Changes())
			try(t, tc)
			same(t, "store after "+tc.name, before, snap(t))
			wantNoSignal(t, s.Changes(), tc.name)
		})
	}
}

// runNotFound: each op fails with store.ErrNotFound and, when it updates,
// does not call its update function (which sets *called).
func runNotFound[W any](t *testing.T, s store.Store, snap func(*testing.T) W, called *bool, ops []storeOp) {
	t.Helper()
	runRefused(t, s, snap, ops, func(t *testing.T, tc storeOp) {
		*called = false
		wantNotFound(t, tc.name, tc.op(t.Context()))
		if *called {
			t.Errorf("%s called the update function for a missing entity", tc.name)
		}
	})
}

// runInvalid: each op fails with a plain validation error, neither
// store.ErrNotFound nor store.ErrConflict.
func runInvalid[W any](t *testing.T, s store.Store, snap func(*testing.T) W, ops []storeOp) {
	t.Helper()
	runRefused(t, s, snap, ops, func(t *testing.T, tc storeOp) {
		err := tc.op(t.Context())
		if err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		if isNotFoundOrConflict(err) {
			t.Errorf("%s: error %v, want a plain validation error, not not-found or conflict", tc.name, err)
		}
	})
}

// runConflicts runs the rows in order on one store: a conflict is refused
// as runRefused checks, a row with no field must succeed and raise
// Revision.
func runConflicts[W any](t *testing.T, s store.Store, snap func(*testing.T) W, ops []conflictOp) {
	t.Helper()
	for _, tc := range ops {
		t.Run(tc.name, func(t *testing.T) {
			before, rev := snap(t), revision(t, s)
			drain(s.Changes())
			err := tc.op(t.Context())
			if tc.field == "" {
				check(t, err)
				if after := revision(t, s); after <= rev {
					t.Errorf("Revision %d -> %d after a successful write", rev, after)
				}
				return
			}
			wantConflict(t, tc.name, err, tc.field)
			same(t, "store after "+tc.name, before, snap(t))
			wantNoSignal(t, s.Changes(), tc.name)
		})
	}
}
