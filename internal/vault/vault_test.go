package vault_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/toolgate/toolgate/internal/vault"
)

func randomRoot(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func newVault(t *testing.T, keys ...vault.Key) *vault.Vault {
	t.Helper()
	v, err := vault.New(keys...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

const owner = "apikey-provider/github"

func TestSealOpenRoundTrip(t *testing.T) {
	v := newVault(t, vault.KeyFromRoot(randomRoot(t)))
	for _, plain := range [][]byte{
		[]byte("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
		{},
		bytes.Repeat([]byte{0, 1, 2, 0xff}, 2<<10),
	} {
		sealed, err := v.Seal(owner, plain)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		got, err := v.Open(owner, sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if diff := cmp.Diff(plain, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		again, _ := v.Seal(owner, plain)
		if bytes.Equal(sealed, again) {
			t.Error("two seals of the same plaintext are identical; the nonce is not random")
		}
	}
}

func TestSealedBytesHideThePlaintext(t *testing.T) {
	v := newVault(t, vault.KeyFromRoot(randomRoot(t)))
	plain := []byte("sk-live-THIS-IS-THE-SECRET-API-KEY")
	sealed, err := v.Seal(owner, plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range [][]byte{plain, plain[:12], []byte(hex.EncodeToString(plain))} {
		if bytes.Contains(sealed, needle) {
			t.Errorf("sealed value contains %q", needle)
		}
	}
}

func TestOpenWrongOwnerFails(t *testing.T) {
	v := newVault(t, vault.KeyFromRoot(randomRoot(t)))
	sealed, _ := v.Seal(owner, []byte("secret"))
	for _, aad := range []string{"apikey-provider/gitlab", "apikey-provider/githu", "", owner + "x"} {
		if _, err := v.Open(aad, sealed); !errors.Is(err, vault.ErrOpen) {
			t.Errorf("Open(%q) = %v, want ErrOpen", aad, err)
		}
	}
	if _, err := v.Seal("", []byte("secret")); err == nil {
		t.Error("Seal with empty aad succeeded; owners must be named")
	}
}

func TestOpenTamperedFails(t *testing.T) {
	v := newVault(t, vault.KeyFromRoot(randomRoot(t)))
	sealed, _ := v.Seal(owner, []byte("secret value"))
	for i := range sealed {
		for _, flip := range []byte{0x01, 0x80} {
			bad := bytes.Clone(sealed)
			bad[i] ^= flip
			if got, err := v.Open(owner, bad); err == nil {
				t.Fatalf("flipping bit %#x of byte %d opened to %q", flip, i, got)
			}
		}
	}
	for n := range len(sealed) {
		if _, err := v.Open(owner, sealed[:n]); err == nil {
			t.Fatalf("truncated to %d bytes opened", n)
		}
	}
	if _, err := v.Open(owner, append(bytes.Clone(sealed), 0)); err == nil {
		t.Fatal("value with a trailing byte opened")
	}
}

func TestOpenUnknownKey(t *testing.T) {
	a := vault.KeyFromRoot(randomRoot(t))
	b := vault.KeyFromRoot(randomRoot(t))
	sealed, _ := newVault(t, a).Seal(owner, []byte("secret"))
	_, err := newVault(t, b).Open(owner, sealed)
	if !errors.Is(err, vault.ErrUnknownKey) {
		t.Fatalf("Open = %v, want ErrUnknownKey", err)
	}
	if !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), b.ID) {
		t.Errorf("error %q should name the sealing key id %s and the vault's %s", err, a.ID, b.ID)
	}
}

func TestRotation(t *testing.T) {
	oldKey := vault.KeyFromRoot(randomRoot(t))
	newKey := vault.KeyFromRoot(randomRoot(t))
	before := newVault(t, oldKey)
	sealedOld, _ := before.Seal(owner, []byte("old secret"))
	if before.NeedsReseal(sealedOld) {
		t.Error("NeedsReseal true for a value sealed under the primary key")
	}

	after := newVault(t, newKey, oldKey)
	got, err := after.Open(owner, sealedOld)
	if err != nil || string(got) != "old secret" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	if !after.NeedsReseal(sealedOld) {
		t.Error("NeedsReseal false for a value sealed under a rotated-out key")
	}

	sealedNew, _ := after.Seal(owner, got)
	if after.NeedsReseal(sealedNew) {
		t.Error("NeedsReseal true for a fresh seal")
	}
	if after.PrimaryKeyID() != newKey.ID {
		t.Errorf("PrimaryKeyID = %s, want %s", after.PrimaryKeyID(), newKey.ID)
	}
	// The new seal uses the primary: a vault without the old key opens it,
	// one with only the old key does not.
	if _, err := newVault(t, newKey).Open(owner, sealedNew); err != nil {
		t.Errorf("new seal does not open with the primary alone: %v", err)
	}
	if _, err := before.Open(owner, sealedNew); !errors.Is(err, vault.ErrUnknownKey) {
		t.Errorf("new seal opened under the old key: %v", err)
	}
	if !after.NeedsReseal([]byte("garbage")) {
		t.Error("NeedsReseal false for a value not in the current format")
	}
}

func TestKeyFromRoot(t *testing.T) {
	root := randomRoot(t)
	k1, k2 := vault.KeyFromRoot(root), vault.KeyFromRoot(bytes.Clone(root))
	if diff := cmp.Diff(k1, k2); diff != "" {
		t.Errorf("derivation is not deterministic (-1 +2):\n%s", diff)
	}
	if len(k1.ID) != 8 || len(k1.Material) != 32 {
		t.Errorf("ID %q (%d), material %d bytes; want 8 hex and 32 bytes", k1.ID, len(k1.ID), len(k1.Material))
	}
	if bytes.Equal(k1.Material, root) || strings.Contains(hex.EncodeToString(k1.Material), k1.ID) {
		t.Error("material is the root key, or the id is taken from the material")
	}
	if other := vault.KeyFromRoot(randomRoot(t)); other.ID == k1.ID {
		t.Error("two random roots gave the same key id")
	}
	s := fmt.Sprintf("%v %+v %#v %s", k1, k1, k1, k1)
	if strings.Contains(s, hex.EncodeToString(k1.Material)) || strings.Contains(s, fmt.Sprint(k1.Material[:4])) {
		t.Errorf("formatting a Key reveals its material: %s", s)
	}
	if _, err := vault.New(vault.KeyFromRoot(root[:16])); err == nil {
		t.Error("New accepted a key derived from a 16-byte root")
	}
}

func TestNewValidates(t *testing.T) {
	good := vault.KeyFromRoot(randomRoot(t))
	for name, keys := range map[string][]vault.Key{
		"no keys":      nil,
		"short key":    {{ID: "k1", Material: make([]byte, 16)}},
		"empty id":     {{ID: "", Material: make([]byte, 32)}},
		"space in id":  {{ID: "a b", Material: make([]byte, 32)}},
		"long id":      {{ID: strings.Repeat("x", 65), Material: make([]byte, 32)}},
		"duplicate id": {good, {ID: good.ID, Material: make([]byte, 32)}},
	} {
		if _, err := vault.New(keys...); err == nil {
			t.Errorf("%s: New succeeded", name)
		} else if strings.Contains(err.Error(), hex.EncodeToString(good.Material)) {
			t.Errorf("%s: error reveals key material", name)
		}
	}
	if _, err := vault.New(vault.Key{ID: "manual-2026", Material: make([]byte, 32)}); err != nil {
		t.Errorf("explicit key: %v", err)
	}
}

func TestErrorsNeverContainPlaintext(t *testing.T) {
	k := vault.KeyFromRoot(randomRoot(t))
	v := newVault(t, k)
	plain := []byte("TOP-SECRET-PLAINTEXT")
	sealed, _ := v.Seal(owner, plain)
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	other := newVault(t, vault.KeyFromRoot(randomRoot(t)))
	for _, err := range []error{
		func() error { _, err := v.Open("other", sealed); return err }(),
		func() error { _, err := v.Open(owner, bad); return err }(),
		func() error { _, err := other.Open(owner, sealed); return err }(),
		func() error { _, err := v.Open(owner, []byte{9, 9, 9}); return err }(),
	} {
		if err == nil {
			t.Fatal("expected an error")
		}
		msg := err.Error()
		if strings.Contains(msg, string(plain)) || strings.Contains(msg, hex.EncodeToString(k.Material)) {
			t.Errorf("error reveals secret material: %s", msg)
		}
	}
}

// TestSetKeysRotates: after SetKeys the new primary seals, values sealed
// before still open while their key is held, and KeyID names the key of a
// sealed value without opening it.
func TestSetKeysRotates(t *testing.T) {
	k1 := vault.Key{ID: "v1", Material: randomRoot(t)}
	k2 := vault.Key{ID: "v2", Material: randomRoot(t)}
	v := newVault(t, k1)
	old, _ := v.Seal(owner, []byte("before"))
	if err := v.SetKeys(k2, k1); err != nil {
		t.Fatal(err)
	}
	if v.PrimaryKeyID() != "v2" || strings.Join(v.KeyIDs(), ",") != "v1,v2" {
		t.Errorf("primary %s, keys %v", v.PrimaryKeyID(), v.KeyIDs())
	}
	fresh, _ := v.Seal(owner, []byte("after"))
	if id, err := vault.KeyID(fresh); err != nil || id != "v2" {
		t.Errorf("KeyID(new value) = %q, %v", id, err)
	}
	if id, _ := vault.KeyID(old); id != "v1" || !v.NeedsReseal(old) || v.NeedsReseal(fresh) {
		t.Errorf("old value under %q; NeedsReseal old %v new %v", id, v.NeedsReseal(old), v.NeedsReseal(fresh))
	}
	if got, err := v.Open(owner, old); err != nil || string(got) != "before" {
		t.Errorf("old value: %q, %v", got, err)
	}
	if err := v.SetKeys(k2); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Open(owner, old); !errors.Is(err, vault.ErrUnknownKey) {
		t.Errorf("a value of a dropped key: err = %v, want ErrUnknownKey", err)
	}
	if err := v.SetKeys(); err == nil {
		t.Error("SetKeys() with no keys succeeded")
	}
	if v.PrimaryKeyID() != "v2" {
		t.Error("a refused SetKeys changed the keys")
	}
	if _, err := vault.KeyID([]byte{9, 9}); !errors.Is(err, vault.ErrMalformed) {
		t.Errorf("KeyID(garbage) err = %v", err)
	}
}
