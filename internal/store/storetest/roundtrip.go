package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/store"
)

// wantTime checks a stored timestamp: equal to want truncated to the
// microsecond, and in UTC.
func wantTime(t *testing.T, what string, want, got time.Time) {
	t.Helper()
	if want.IsZero() {
		if !got.IsZero() {
			t.Errorf("%s = %v, want the zero time", what, got)
		}
		return
	}
	if w := want.Truncate(time.Microsecond); !got.Equal(w) {
		t.Errorf("%s = %v, want %v (microsecond precision)", what, got, w)
	}
	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, got.Location())
	}
}

// testTimestampRoundTrip: timestamps with nanoseconds and a zone other than
// UTC come back as the same instant, truncated to microseconds, in UTC.
func testTimestampRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	cest := time.FixedZone("CEST", 2*60*60)
	created := time.Date(2026, 7, 14, 9, 30, 15, 123456789, cest)
	updated := created.Add(1500 * time.Millisecond).Add(999)
	synced := time.Date(1969, 7, 20, 20, 17, 40, 987654321, time.UTC) // before the Unix epoch

	g := newGateway(1)
	g.CreatedAt, g.UpdatedAt = created, updated
	got := must(s.CreateGateway(ctx, g))(t)
	read := must(s.GetGateway(ctx, g.ID))(t)
	for what, v := range map[string]store.Gateway{"returned": got, "read": read} {
		wantTime(t, what+" gateway CreatedAt", created, v.CreatedAt)
		wantTime(t, what+" gateway UpdatedAt", updated, v.UpdatedAt)
	}

	tg := newTarget(g.ID, 1)
	tg.CreatedAt, tg.UpdatedAt, tg.LastSynchronizedAt = created, updated, synced
	gotT := must(s.CreateTarget(ctx, tg))(t)
	readT := must(s.GetTarget(ctx, g.ID, tg.ID))(t)
	for what, v := range map[string]store.Target{"returned": gotT, "read": readT} {
		wantTime(t, what+" target CreatedAt", created, v.CreatedAt)
		wantTime(t, what+" target UpdatedAt", updated, v.UpdatedAt)
		wantTime(t, what+" target LastSynchronizedAt", synced, v.LastSynchronizedAt)
	}

	never := newTarget(g.ID, 2)
	must(s.CreateTarget(ctx, never))(t)
	wantTime(t, "LastSynchronizedAt never set", time.Time{}, must(s.GetTarget(ctx, g.ID, never.ID))(t).LastSynchronizedAt)

	// An update can clear LastSynchronizedAt again.
	cleared := must(s.UpdateTarget(ctx, g.ID, tg.ID, func(tg store.Target) (store.Target, error) {
		tg.LastSynchronizedAt = time.Time{}
		return tg, nil
	}))(t)
	wantTime(t, "cleared LastSynchronizedAt", time.Time{}, cleared.LastSynchronizedAt)
	wantTime(t, "cleared LastSynchronizedAt read back", time.Time{}, must(s.GetTarget(ctx, g.ID, tg.ID))(t).LastSynchronizedAt)

	p := newProvider(1)
	p.CreatedAt, p.UpdatedAt = created, updated
	wantTime(t, "provider CreatedAt", created, must(s.CreateAPIKeyProvider(ctx, p))(t).CreatedAt)
	wantTime(t, "provider UpdatedAt read back", updated, must(s.GetAPIKeyProvider(ctx, p.Name))(t).UpdatedAt)

	pr := newPrincipal(1)
	pr.CreatedAt = created
	must(s.CreatePrincipal(ctx, pr))(t)
	wantTime(t, "principal CreatedAt", created, must(s.GetPrincipal(ctx, pr.ID))(t).CreatedAt)

	k := newAccessKey(pr.ID, 1)
	k.CreatedAt = created
	must(s.CreateAccessKey(ctx, k))(t)
	wantTime(t, "access key CreatedAt", created, must(s.GetAccessKey(ctx, k.ID))(t).CreatedAt)
}

// testCreatedAtDefault: a zero CreatedAt means now, and UpdatedAt is set
// with it; both have the promised precision and zone.
func testCreatedAtDefault(t *testing.T, s store.Store) {
	ctx := t.Context()
	before := time.Now().Truncate(time.Microsecond)
	g := must(s.CreateGateway(ctx, newGateway(1)))(t)
	p := must(s.CreatePrincipal(ctx, newPrincipal(1)))(t)
	k := must(s.CreateAccessKey(ctx, newAccessKey(p.ID, 1)))(t)
	after := time.Now()
	for what, ts := range map[string]time.Time{
		"gateway CreatedAt":    g.CreatedAt,
		"gateway UpdatedAt":    g.UpdatedAt,
		"principal CreatedAt":  p.CreatedAt,
		"access key CreatedAt": k.CreatedAt,
	} {
		if ts.Before(before) || ts.After(after) {
			t.Errorf("%s = %v, want between %v and %v", what, ts, before, after)
		}
		if ts.Location() != time.UTC || !ts.Equal(ts.Truncate(time.Microsecond)) {
			t.Errorf("%s = %v, want UTC with microsecond precision", what, ts)
		}
	}
	if g.UpdatedAt.Before(g.CreatedAt) {
		t.Errorf("gateway UpdatedAt %v before CreatedAt %v", g.UpdatedAt, g.CreatedAt)
	}
	same(t, "gateway read back", g, must(s.GetGateway(ctx, g.ID))(t))
}

// testBytesRoundTrip: Config and the sealed fields come back byte for byte,
// including bytes that are not UTF-8; empty comes back nil.
func testBytesRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	notUTF8 := []byte{0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x00}
	config := []byte(`{"description":"ünïcödé ✓ \u0000","nested":{"b":2,"a":1},"spaces":  true}`)

	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"nil", nil, nil},
		{"empty", []byte{}, nil},
		{"every byte", every, every},
		{"not UTF-8", notUTF8, notUTF8},
		{"JSON as given", config, config},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(i)
			g.Config = tc.in
			gotG := must(s.CreateGateway(ctx, g))(t)
			tg := newTarget(g.ID, i)
			tg.Config = tc.in
			gotT := must(s.CreateTarget(ctx, tg))(t)
			p := newProvider(i)
			p.SealedKey = tc.in
			gotP := must(s.CreateAPIKeyProvider(ctx, p))(t)
			pr := must(s.CreatePrincipal(ctx, newPrincipal(i)))(t)
			k := newAccessKey(pr.ID, i)
			k.SealedSecret = tc.in
			gotK := must(s.CreateAccessKey(ctx, k))(t)

			for what, b := range map[string][]byte{
				"returned gateway Config":          gotG.Config,
				"read gateway Config":              must(s.GetGateway(ctx, g.ID))(t).Config,
				"returned target Config":           gotT.Config,
				"read target Config":               must(s.GetTarget(ctx, g.ID, tg.ID))(t).Config,
				"returned provider SealedKey":      gotP.SealedKey,
				"read provider SealedKey":          must(s.GetAPIKeyProvider(ctx, p.Name))(t).SealedKey,
				"returned access key SealedSecret": gotK.SealedSecret,
				"read access key SealedSecret":     must(s.GetAccessKey(ctx, k.ID))(t).SealedSecret,
			} {
				if !bytes.Equal(b, tc.want) || (tc.want == nil) != (b == nil) {
					t.Errorf("%s = %#v, want %#v", what, b, tc.want)
				}
			}

			same(t, "listed access keys", []store.AccessKey{gotK}, must(s.ListAccessKeys(ctx, pr.ID))(t))

			// Rotating the sealed key through an update round-trips too.
			rot := must(s.UpdateAPIKeyProvider(ctx, p.Name, func(p store.APIKeyProvider) (store.APIKeyProvider, error) {
				p.SealedKey = notUTF8
				return p, nil
			}))(t)
			if read := must(s.GetAPIKeyProvider(ctx, p.Name))(t).SealedKey; !bytes.Equal(read, notUTF8) || !bytes.Equal(rot.SealedKey, notUTF8) {
				t.Errorf("rotated SealedKey: returned %#v, read %#v, want %#v", rot.SealedKey, read, notUTF8)
			}
		})
	}

	t.Run("stored value does not alias the caller's slice", func(t *testing.T) {
		in := []byte("sealed")
		p := newProvider(100)
		p.SealedKey = in
		must(s.CreateAPIKeyProvider(ctx, p))(t)
		in[0] = 'X'
		if got := must(s.GetAPIKeyProvider(ctx, p.Name))(t).SealedKey; string(got) != "sealed" {
			t.Errorf("SealedKey = %q after the caller changed its slice", got)
		}
	})
}

// testStatusReasonsRoundTrip: reasons keep order, duplicates, empty strings
// and non-ASCII text; nil and empty both come back nil.
func testStatusReasonsRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, nil},
		{"empty", []string{}, nil},
		{"one", []string{"Target is being created"}, []string{"Target is being created"}},
		{"awkward", []string{"", "b, c", `quote "x"`, "ünï ✓", "line\nbreak", "b, c"},
			[]string{"", "b, c", `quote "x"`, "ünï ✓", "line\nbreak", "b, c"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(i)
			g.StatusReasons = tc.in
			same(t, "returned gateway StatusReasons", tc.want, must(s.CreateGateway(ctx, g))(t).StatusReasons)
			same(t, "read gateway StatusReasons", tc.want, must(s.GetGateway(ctx, g.ID))(t).StatusReasons)
			tg := newTarget(g.ID, i)
			tg.StatusReasons = tc.in
			same(t, "returned target StatusReasons", tc.want, must(s.CreateTarget(ctx, tg))(t).StatusReasons)
			same(t, "read target StatusReasons", tc.want, must(s.GetTarget(ctx, g.ID, tg.ID))(t).StatusReasons)

			// Set by an update, from something else.
			upd := must(s.UpdateGateway(ctx, g.ID, func(g store.Gateway) (store.Gateway, error) {
				g.StatusReasons = []string{"placeholder"}
				return g, nil
			}))(t)
			same(t, "placeholder", []string{"placeholder"}, upd.StatusReasons)
			upd = must(s.UpdateGateway(ctx, g.ID, func(g store.Gateway) (store.Gateway, error) {
				g.StatusReasons = tc.in
				return g, nil
			}))(t)
			same(t, "updated StatusReasons", tc.want, upd.StatusReasons)
			same(t, "updated StatusReasons read back", tc.want, must(s.GetGateway(ctx, g.ID))(t).StatusReasons)
		})
	}
}

// testTagsRoundTrip: tags come back as given; nil and empty both come back
// nil.
func testTagsRoundTrip(t *testing.T, s store.Store) {
	ctx := t.Context()
	tests := []struct {
		name string
		in   map[string]string
		want map[string]string
	}{
		{"nil", nil, nil},
		{"empty", map[string]string{}, nil},
		{"several", map[string]string{"team": "payments", "ü": "✓", "empty": "", "a:b": "c=d"},
			map[string]string{"team": "payments", "ü": "✓", "empty": "", "a:b": "c=d"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(i)
			p.Tags = tc.in
			same(t, "returned Tags", tc.want, must(s.CreateAPIKeyProvider(ctx, p))(t).Tags)
			same(t, "read Tags", tc.want, must(s.GetAPIKeyProvider(ctx, p.Name))(t).Tags)
			upd := must(s.UpdateAPIKeyProvider(ctx, p.Name, func(p store.APIKeyProvider) (store.APIKeyProvider, error) {
				p.Tags = map[string]string{"placeholder": "x"}
				return p, nil
			}))(t)
			same(t, "placeholder Tags", map[string]string{"placeholder": "x"}, upd.Tags)
			upd = must(s.UpdateAPIKeyProvider(ctx, p.Name, func(p store.APIKeyProvider) (store.APIKeyProvider, error) {
				p.Tags = tc.in
				return p, nil
			}))(t)
			same(t, "updated Tags", tc.want, upd.Tags)
			same(t, "updated Tags read back", tc.want, must(s.GetAPIKeyProvider(ctx, p.Name))(t).Tags)
		})
	}
}
