// Package tokenvault is toolgate's AgentCore token vault: the versioned data
// keys every secret is sealed with (package vault seals), the
// key-encryption keys that wrap them (kek.go), key rotation with background
// re-sealing of every stored secret (reseal.go), and the token-vault
// operations of the Identity control plane — GetTokenVault,
// SetTokenVaultCMK and ResetTokenVaultKeyMaterial (api.go).
//
// Keys. The store holds data keys only wrapped: by a key derived from the
// installation's root key (ServiceManagedKey), or by a customer key — a
// local key file or an AWS KMS key (CustomerManagedKey). Every sealed value
// names the id of the data key that sealed it, so a value sealed before a
// rotation still opens. Each process unwraps the keys once (on start, and
// when another replica adds one) and installs them into the shared
// *vault.Vault; sealing and opening never call KMS.
//
// Rotation. Changing the key (SetTokenVaultCMK, ResetTokenVaultKeyMaterial)
// adds a new primary data key under the chosen KEK and makes the previous
// ones retiring: new secrets are sealed with the new key at once, and a
// background job re-seals every stored secret (API keys, OAuth2 client
// secrets, access-key secrets, identity-provider signing keys) with it,
// each with a compare-and-swap so that a concurrent update is never
// overwritten. A retiring key is deleted only after a grace period (so
// that every replica has switched to the new primary) and a re-sealing pass
// that started after it found no value left under that key; until then it
// keeps opening what it sealed. Nothing is unreadable at any moment.
//
// The installation's first data key is created on first start; values
// sealed before it existed (under the key derived directly from the root
// key, the format of earlier releases) are re-sealed like any other, and
// that legacy key stays available for opening, since it costs nothing to
// derive.
package tokenvault

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// Store is what the token vault needs of the store.
type Store interface {
	store.IdentityStore
}

// Options configure a Manager.
type Options struct {
	Store Store
	// Vault is the vault every component seals and opens with; the Manager
	// installs the data keys into it.
	Vault *vault.Vault
	// Root is the installation's 32-byte root key (the vault key file or
	// environment variable).
	Root []byte
	// LocalKeyDir holds the local customer keys (file:NAME is
	// LocalKeyDir/NAME.key).
	LocalKeyDir string
	// KMS returns an AWS KMS client for a region; nil refuses AWS KMS keys.
	KMS func(region string) (KMSAPI, error)
	// RetireAfter is the grace period after a rotation before retiring keys
	// may be deleted (default 5 minutes): longer than any replica takes to
	// notice the new primary.
	RetireAfter time.Duration
	// RetryAfter is how long the re-sealing job waits before another pass
	// when values are left under a retiring key (default 1 minute).
	RetryAfter time.Duration
	// OnReset deletes the OAuth tokens cached in the vault
	// (ResetTokenVaultKeyMaterial); nil when there are none.
	OnReset func(ctx context.Context) error
	Logger  *slog.Logger
	Now     func() time.Time
}

// Manager owns the token vault's keys. It is safe for concurrent use.
type Manager struct {
	o       Options
	rootID  string // the public fingerprint of the root key
	rootKEK *localKEK
	legacy  vault.Key

	mu        sync.Mutex // guards keys and primaryID; serialises installs
	keys      map[string]*dataKey
	primaryID string
	lastRows  []store.VaultKey

	opMu sync.Mutex // serialises SetCMK and Reset

	missMu sync.Mutex
	misses map[string]time.Time // key ids Open asked for, when

	wake chan struct{}
	// job is non-nil while a re-sealing job runs; it is closed when it ends.
	jobMu sync.Mutex
	job   chan struct{}
	ctx   context.Context
}

// dataKey is one data key as this process knows it: unwrapped, or why not.
type dataKey struct {
	row       store.VaultKey
	key       vault.Key // zero when err != nil
	err       error
	triedAt   time.Time
	installed bool
}

// New returns a Manager; Start loads the keys.
func New(o Options) (*Manager, error) {
	if o.Store == nil || o.Vault == nil {
		return nil, errors.New("tokenvault: Store and Vault are required")
	}
	legacy := vault.KeyFromRoot(o.Root)
	if legacy.ID == "" {
		return nil, errors.New("tokenvault: the root key must be 32 bytes")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RetireAfter == 0 {
		o.RetireAfter = 5 * time.Minute
	}
	if o.RetryAfter == 0 {
		o.RetryAfter = time.Minute
	}
	rootKEK, err := newLocalKEK("service:"+legacy.ID, o.Root)
	if err != nil {
		return nil, err
	}
	m := &Manager{
		o: o, rootID: legacy.ID, rootKEK: rootKEK, legacy: legacy,
		keys: map[string]*dataKey{}, wake: make(chan struct{}, 1), misses: map[string]time.Time{},
	}
	o.Vault.OnUnknownKey(m.fetchKey)
	return m, nil
}

// fetchKey loads a data key a sealed value names but this process does not
// hold yet: another replica rotated the key and re-sealed the value before
// this one heard of it. At most one reload per key id every two seconds.
func (m *Manager) fetchKey(id string) bool {
	if !strings.HasPrefix(id, dataKeyPrefix) && !strings.HasPrefix(id, resetKeyPrefix) {
		return false
	}
	m.missMu.Lock()
	now := m.o.Now()
	if last, ok := m.misses[id]; ok && now.Sub(last) < 2*time.Second {
		m.missMu.Unlock()
		return false
	}
	if len(m.misses) > 1000 {
		clear(m.misses)
	}
	m.misses[id] = now
	m.missMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := m.Reload(ctx); err != nil {
		m.o.Logger.Error("token vault: load a data key a secret names", "key", id, "err", err)
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	dk := m.keys[id]
	return dk != nil && dk.err == nil
}

// Start creates the installation's first data key if there is none, loads
// and installs every key, and starts the background work (reloading when
// Notify says the store changed, re-sealing after rotations) until ctx ends.
func (m *Manager) Start(ctx context.Context) error {
	m.ctx = ctx
	rows, err := m.o.Store.ListVaultKeys(ctx)
	if err != nil {
		return fmt.Errorf("token vault: %w", err)
	}
	if len(rows) == 0 {
		keyID := newKeyID(dataKeyPrefix)
		plain, wrapped, err := m.rootKEK.newDataKey(ctx, keyID)
		if err != nil {
			return fmt.Errorf("token vault: first data key: %w", err)
		}
		row, err := m.o.Store.AddVaultKey(ctx, store.VaultKey{KeyID: keyID, KEK: m.rootKEK.ref(), WrappedKey: wrapped},
			store.TokenVault{ID: DefaultID, KeyType: KeyTypeService}, true)
		if err != nil {
			return fmt.Errorf("token vault: first data key: %w", err)
		}
		if row.KeyID == keyID { // not a concurrent replica's
			m.mu.Lock()
			m.keys[keyID] = &dataKey{row: row, key: vault.Key{ID: keyID, Material: plain}, triedAt: m.o.Now()}
			m.mu.Unlock()
			m.o.Logger.Info("token vault: created the first data key", "key", keyID)
		}
	}
	if err := m.Reload(ctx); err != nil {
		return err
	}
	go m.loop(ctx)
	m.startJob() // values sealed before this key existed, or an unfinished rotation
	return nil
}

// Notify tells the Manager the store changed (another replica may have
// rotated the key); it reloads in the background. It never blocks.
func (m *Manager) Notify() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *Manager) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		}
		if err := m.Reload(ctx); err != nil && ctx.Err() == nil {
			m.o.Logger.Error("token vault: reload keys", "err", err)
		}
	}
}

// Reload reads the data keys from the store, unwraps the ones this process
// does not hold yet and installs them into the vault; when there are
// retiring keys it makes sure a re-sealing job runs.
func (m *Manager) Reload(ctx context.Context) error {
	rows, err := m.o.Store.ListVaultKeys(ctx)
	if err != nil {
		return fmt.Errorf("token vault: list keys: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.o.Now()
	present := map[string]bool{}
	retiring := false
	primary := ""
	for _, row := range rows {
		present[row.KeyID] = true
		if row.State == store.VaultKeyRetiring {
			retiring = true
		} else {
			primary = row.KeyID
		}
		dk := m.keys[row.KeyID]
		if dk != nil && dk.err == nil {
			dk.row = row
			continue
		}
		if dk != nil && now.Sub(dk.triedAt) < 30*time.Second {
			dk.row = row
			continue // failed recently; do not hammer KMS
		}
		if dk == nil && len(m.lastRows) > 0 && row.State == store.VaultKeyPrimary && strings.HasPrefix(row.KeyID, resetKeyPrefix) && m.o.OnReset != nil {
			// Another replica reset the key material: drop the OAuth
			// tokens this process caches too.
			go func() {
				if err := m.o.OnReset(ctx); err != nil {
					m.o.Logger.Error("token vault: delete cached OAuth tokens after a reset", "err", err)
				}
			}()
		}
		dk = &dataKey{row: row, triedAt: now}
		m.keys[row.KeyID] = dk
		material, err := m.unwrap(ctx, row)
		if err != nil {
			dk.err = err
			m.o.Logger.Error("token vault: cannot unwrap a data key; secrets sealed with it cannot be opened until its key-encryption key is available again",
				"key", row.KeyID, "kek", row.KEK, "state", row.State, "err", err)
			continue
		}
		dk.key = vault.Key{ID: row.KeyID, Material: material}
	}
	for id := range m.keys {
		if !present[id] {
			delete(m.keys, id) // retired: every value it sealed was re-sealed
		}
	}
	m.lastRows = rows
	if err := m.installLocked(primary); err != nil {
		return err
	}
	if retiring {
		go m.startJob()
	}
	return nil
}

func (m *Manager) unwrap(ctx context.Context, row store.VaultKey) ([]byte, error) {
	k, err := m.kekFor(row.KEK)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	material, err := k.unwrap(ctx, row.KeyID, row.WrappedKey)
	if err == nil && len(material) != dataKeySize {
		err = fmt.Errorf("unwrapped key has %d bytes, want %d", len(material), dataKeySize)
	}
	return material, err
}

// installLocked puts the keys into the vault: the primary first (the legacy
// root-derived key when the primary cannot be unwrapped, so that sealing
// keeps working; the re-sealing job moves those values later), then the
// others, then the legacy key.
func (m *Manager) installLocked(primary string) error {
	var keys []vault.Key
	if dk := m.keys[primary]; dk != nil && dk.err == nil {
		keys = append(keys, dk.key)
	} else if primary != "" {
		m.o.Logger.Error("token vault: the primary data key is unavailable; sealing new secrets with the root key until it is", "key", primary)
	}
	ids := make([]string, 0, len(m.keys))
	for id := range m.keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if dk := m.keys[id]; id != primary && dk.err == nil {
			keys = append(keys, dk.key)
		}
	}
	keys = append(keys, m.legacy)
	if err := m.o.Vault.SetKeys(keys...); err != nil {
		return fmt.Errorf("token vault: install keys: %w", err)
	}
	m.primaryID = keys[0].ID
	return nil
}

// Data key ids: "dk-" and 12 hex digits, "rk-" for the key a reset of the
// key material created (which tells other replicas to drop their cached
// OAuth tokens too).
const (
	dataKeyPrefix  = "dk-"
	resetKeyPrefix = "rk-"
)

// newKeyID returns the id of a new data key.
func newKeyID(prefix string) string {
	var b [6]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// WorkloadTokenKey derives from the root key the key that seals workload
// access tokens (package identity), so every replica shares it.
func WorkloadTokenKey(root []byte) ([]byte, error) {
	return hkdf.Key(sha256.New, root, nil, "toolgate workload access token v1", 32)
}

// KeyStatus describes one data key, for status output and tests.
type KeyStatus struct {
	KeyID     string
	Version   int64
	KEK       string
	State     string
	Available bool
}

// Keys returns the data keys as this process last loaded them.
func (m *Manager) Keys() []KeyStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]KeyStatus, 0, len(m.lastRows))
	for _, r := range m.lastRows {
		dk := m.keys[r.KeyID]
		out = append(out, KeyStatus{KeyID: r.KeyID, Version: r.Version, KEK: r.KEK, State: r.State, Available: dk != nil && dk.err == nil})
	}
	return out
}

// PrimaryKeyID is the id of the key new secrets are sealed with.
func (m *Manager) PrimaryKeyID() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.primaryID
}
