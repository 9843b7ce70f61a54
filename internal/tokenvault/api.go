package tokenvault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// The token-vault operations of the Identity control plane (agentcore-api.md
// §3, §8.4). toolgate has one token vault, "default", as an AgentCore
// account has by default.

// DefaultID is the id of the token vault.
const DefaultID = "default"

// Key types (KmsConfiguration.keyType).
const (
	KeyTypeService  = "ServiceManagedKey"
	KeyTypeCustomer = "CustomerManagedKey"
)

// ErrNotFound is returned for a token vault id other than "default".
var ErrNotFound = errors.New("token vault not found")

// InputError is a request the vault refuses, naming the member at fault
// (the control plane answers ValidationException). Messages never contain
// key material.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Field + ": " + e.Message }

// Config is a token vault as GetTokenVault reports it.
type Config struct {
	ID           string
	KeyType      string
	KMSKeyARN    string // "" for ServiceManagedKey
	LastModified time.Time
}

func vaultID(id string) (string, error) {
	switch id {
	case "", DefaultID:
		return DefaultID, nil
	}
	return "", fmt.Errorf("%w: %s (toolgate has one token vault, %q)", ErrNotFound, id, DefaultID)
}

// Get returns the configuration of token vault id ("" = default).
func (m *Manager) Get(ctx context.Context, id string) (Config, error) {
	id, err := vaultID(id)
	if err != nil {
		return Config{}, err
	}
	tv, err := m.o.Store.GetTokenVault(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		// Never configured: the first start stores it; an installation
		// that predates it has the service-managed key.
		return Config{ID: id, KeyType: KeyTypeService, LastModified: m.o.Now()}, nil
	}
	if err != nil {
		return Config{}, err
	}
	return Config{ID: tv.ID, KeyType: tv.KeyType, KMSKeyARN: tv.KMSKeyARN, LastModified: tv.UpdatedAt}, nil
}

// SetCMK sets the key that protects the vault: ServiceManagedKey (the root
// key; kmsKeyArn must be empty) or CustomerManagedKey with kmsKeyArn naming
// an AWS KMS key or a local key file (kek.go). It always starts a new data
// key under that key (so calling it with the current configuration rotates
// the data key) and re-seals every stored secret in the background.
func (m *Manager) SetCMK(ctx context.Context, id, keyType, kmsKeyARN string) (Config, error) {
	id, err := vaultID(id)
	if err != nil {
		return Config{}, err
	}
	var k kek
	switch keyType {
	case KeyTypeService:
		if kmsKeyARN != "" {
			return Config{}, &InputError{"kmsConfiguration.kmsKeyArn", "must not be set when keyType is ServiceManagedKey"}
		}
		k = m.rootKEK
	case KeyTypeCustomer:
		if kmsKeyARN == "" {
			return Config{}, &InputError{"kmsConfiguration.kmsKeyArn", "is required when keyType is CustomerManagedKey"}
		}
		ref, err := parseCustomerKey(kmsKeyARN)
		if err != nil {
			return Config{}, &InputError{"kmsConfiguration.kmsKeyArn", err.Error()}
		}
		if k, err = m.kekFor(ref); err != nil {
			return Config{}, &InputError{"kmsConfiguration.kmsKeyArn", "the key cannot be used: " + err.Error()}
		}
	default:
		return Config{}, &InputError{"kmsConfiguration.keyType", "must be ServiceManagedKey or CustomerManagedKey"}
	}
	m.opMu.Lock()
	defer m.opMu.Unlock()
	tv := store.TokenVault{ID: id, KeyType: keyType, KMSKeyARN: kmsKeyARN}
	if _, err := m.rotate(ctx, tv, k, dataKeyPrefix); err != nil {
		return Config{}, err
	}
	m.o.Logger.Info("token vault: key set; re-sealing every secret with a new data key", "keyType", keyType, "kmsKeyArn", kmsKeyARN)
	return m.Get(ctx, id)
}

// rotate adds a new primary data key under k, installs it and starts the
// re-sealing job. A failure of the KEK to produce a key is an *InputError
// (the customer key is missing, disabled or not ours to use).
func (m *Manager) rotate(ctx context.Context, tv store.TokenVault, k kek, prefix string) (store.VaultKey, error) {
	keyID := newKeyID(prefix)
	plain, wrapped, err := k.newDataKey(ctx, keyID)
	if err != nil {
		return store.VaultKey{}, &InputError{"kmsConfiguration.kmsKeyArn", "the key cannot be used: " + err.Error()}
	}
	row, err := m.o.Store.AddVaultKey(ctx, store.VaultKey{KeyID: keyID, KEK: k.ref(), WrappedKey: wrapped}, tv, false)
	if err != nil {
		clear(plain)
		return store.VaultKey{}, fmt.Errorf("token vault: store the new data key: %w", err)
	}
	m.mu.Lock()
	m.keys[keyID] = &dataKey{row: row, key: vault.Key{ID: keyID, Material: plain}, triedAt: m.o.Now()}
	m.mu.Unlock()
	if err := m.Reload(ctx); err != nil {
		return row, err
	}
	m.startJob()
	return row, nil
}

// Reset recovers a vault whose customer key was deleted, as AgentCore's
// ResetTokenVaultKeyMaterial does: it moves the vault to new
// service-managed key material, permanently deletes the OAuth tokens
// cached in it (Options.OnReset), and re-seals every secret this process
// can still open (it holds the data keys it unwrapped before the customer
// key went away). Data keys nobody can unwrap any more are deleted; the
// secrets they sealed are lost and are logged by owner, so an operator can
// set them again. While the customer key still exists (disabled or pending
// deletion included) Reset is refused, as in AgentCore: use SetCMK to
// switch keys. A vault on the service-managed key gets new key material.
func (m *Manager) Reset(ctx context.Context, id string) (Config, error) {
	id, err := vaultID(id)
	if err != nil {
		return Config{}, err
	}
	m.opMu.Lock()
	defer m.opMu.Unlock()
	cur, err := m.Get(ctx, id)
	if err != nil {
		return Config{}, err
	}
	if cur.KeyType == KeyTypeCustomer {
		exists, err := m.customerKeyExists(ctx, cur.KMSKeyARN)
		if err != nil {
			return Config{}, fmt.Errorf("token vault: check the customer key %s: %w", cur.KMSKeyARN, err)
		}
		if exists {
			return Config{}, &InputError{"tokenVaultId", fmt.Sprintf("the token vault's customer managed key %s still exists; "+
				"ResetTokenVaultKeyMaterial only recovers a vault whose key was deleted (enable the key, or switch keys with SetTokenVaultCMK)", cur.KMSKeyARN)}
		}
	}
	if _, err := m.rotate(ctx, store.TokenVault{ID: id, KeyType: KeyTypeService}, m.rootKEK, resetKeyPrefix); err != nil {
		return Config{}, err
	}
	if m.o.OnReset != nil {
		if err := m.o.OnReset(ctx); err != nil {
			return Config{}, fmt.Errorf("token vault: delete cached OAuth tokens: %w", err)
		}
	}
	// Re-seal now with what this process holds, then drop the keys nobody
	// can unwrap: their values are lost either way.
	pass, err := m.resealPass(ctx)
	if err != nil {
		return Config{}, fmt.Errorf("token vault: re-seal: %w", err)
	}
	for _, ks := range m.Keys() {
		if ks.State != store.VaultKeyRetiring || ks.Available {
			continue
		}
		if err := m.o.Store.DeleteVaultKey(ctx, ks.KeyID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return Config{}, fmt.Errorf("token vault: delete the lost data key %s: %w", ks.KeyID, err)
		}
		m.o.Logger.Warn("token vault: deleted a data key whose key-encryption key is gone; the secrets it sealed are lost and must be set again",
			"key", ks.KeyID, "kek", ks.KEK, "secrets", pass.left[ks.KeyID], "owners", strings.Join(first(pass.unreadable, 20), ", "))
	}
	if err := m.Reload(ctx); err != nil {
		return Config{}, err
	}
	m.o.Logger.Info("token vault: key material reset; the vault uses the service-managed key", "resealed", pass.resealed)
	return m.Get(ctx, id)
}

// customerKeyExists reports whether a customer key still exists: the KMS
// key (DescribeKey) or the local key file.
func (m *Manager) customerKeyExists(ctx context.Context, kmsKeyARN string) (bool, error) {
	ref, err := parseCustomerKey(kmsKeyARN)
	if err != nil {
		return false, nil
	}
	if name, ok := strings.CutPrefix(ref, "file:"); ok {
		if m.o.LocalKeyDir == "" {
			return false, nil
		}
		_, err := os.Stat(filepath.Join(m.o.LocalKeyDir, name+".key"))
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	k, err := m.kekFor(ref)
	if err != nil {
		return false, err
	}
	return k.(*kmsKEK).exists(ctx)
}
