package iam

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

func keyring(t *testing.T) *Keyring {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "iam.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v, err := vault.New(vault.KeyFromRoot(bytes.Repeat([]byte{1}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return &Keyring{Store: st, Vault: v}
}

func TestRootKeyRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := keyring(t)
	p, id, secret, err := k.CreateRoot(ctx, "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(id) || len(secret) != 40 {
		t.Fatalf("key shape: %q / %d chars", id, len(secret))
	}
	if p.ARN != "arn:aws:iam::123456789012:root" || p.Kind != "root" {
		t.Fatalf("principal %+v", p)
	}
	got, gotP, err := k.Secret(ctx, id)
	if err != nil || got != secret || gotP.ID != p.ID {
		t.Fatalf("Secret(%s) = %q, %+v, %v", id, got, gotP, err)
	}
	// The secret is stored sealed, not in the clear.
	ak, err := k.Store.GetAccessKey(ctx, id)
	if err != nil || bytes.Contains(ak.SealedSecret, []byte(secret)) {
		t.Fatalf("stored secret not sealed: %v", err)
	}
	// A second root cannot be created (principal names are unique).
	if _, _, _, err := k.CreateRoot(ctx, "123456789012"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second root: %v", err)
	}
}

func TestUnknownAndInactiveKeys(t *testing.T) {
	ctx := context.Background()
	k := keyring(t)
	if _, _, err := k.Secret(ctx, "AKIAAAAAAAAAAAAAAAAA"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	p, _, _, err := k.CreateRoot(ctx, "123456789012")
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := k.Vault.Seal(sealAAD("AKIAINACTIVEKEY00000"), []byte("s"))
	if _, err := k.Store.CreateAccessKey(ctx, store.AccessKey{ID: "AKIAINACTIVEKEY00000", PrincipalID: p.ID, SealedSecret: sealed, Status: "Inactive"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.Secret(ctx, "AKIAINACTIVEKEY00000"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("inactive key: %v", err)
	}
	// A secret sealed for another key id does not open under this one.
	moved, _ := k.Vault.Seal(sealAAD("AKIAOTHERKEY00000000"), []byte("s"))
	if _, err := k.Store.CreateAccessKey(ctx, store.AccessKey{ID: "AKIAMOVEDKEY00000000", PrincipalID: p.ID, SealedSecret: moved, Status: "Active"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.Secret(ctx, "AKIAMOVEDKEY00000000"); err == nil || errors.Is(err, ErrUnknownKey) {
		t.Fatalf("moved secret: %v", err)
	}
}

func TestGeneratedIDsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		for _, id := range []string{NewAccessKeyID(), NewSecretAccessKey(), NewPrincipalID()} {
			if seen[id] {
				t.Fatalf("duplicate %s", id)
			}
			seen[id] = true
		}
	}
}
