// Package vault seals secrets at rest: API keys, OAuth2 client secrets,
// access-key secrets and signing keys are stored only as the output of
// Vault.Seal and opened in memory when they are needed.
//
// It uses the standard library's AES-256-GCM with versioned keys rather than
// Tink (DESIGN §6 allows either): stdlib adds no dependency tree to a
// security-critical path, and the sealed format below carries what rotation
// needs (a key id on every value, old keys kept for opening, NeedsReseal to
// find values to rewrite). Which keys a Vault holds is decided by package
// tokenvault: versioned data keys, wrapped by the root key, a local key file
// or an AWS KMS key, installed with SetKeys and rotated without changing the
// format of sealed values.
//
// Sealed format, version 1:
//
//	0x01 | len(keyID) (1 byte) | keyID | nonce (12 random bytes) | AES-GCM ciphertext+tag (16 bytes)
//
// The GCM additional data is the header (version, key id) followed by the
// caller's aad, which names the owner of the secret (for example
// "apikey-provider/<name>"): a sealed value copied to another owner, or
// relabelled with another key id, fails to open instead of decrypting into
// the wrong place. Random 96-bit nonces are safe far beyond the number of
// secrets a gateway stores (the GCM limit is about 2^32 seals per key).
//
// Errors never contain plaintext or key material.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

const (
	formatV1  = 0x01
	keySize   = 32 // AES-256
	nonceSize = 12
	tagSize   = 16
	maxIDLen  = 64

	// materialInfo and idInfo separate the two HKDF outputs taken from the
	// root key, so the public key id reveals nothing about the AES key.
	materialInfo = "toolgate vault v1"
	idInfo       = "toolgate vault v1 key id"
)

var (
	// ErrUnknownKey: the value was sealed under a key this vault does not
	// hold (a rotated-out key, or another installation's key file).
	ErrUnknownKey = errors.New("vault: sealed under an unknown key")
	// ErrMalformed: the bytes are not a sealed value this version understands.
	ErrMalformed = errors.New("vault: malformed sealed value")
	// ErrOpen: authentication failed — wrong owner (aad), tampered bytes, or
	// a different key that happens to share the id.
	ErrOpen = errors.New("vault: cannot open sealed value (wrong owner, tampered data or wrong key)")
)

// Key is one AES-256 key with the id written into every value it seals.
type Key struct {
	ID       string // 1–64 printable ASCII characters
	Material []byte // 32 bytes
}

// String hides the material, so a Key printed by accident reveals only its id.
func (k Key) String() string { return fmt.Sprintf("vault.Key(%s)", k.ID) }

// GoString hides the material from %#v.
func (k Key) GoString() string { return k.String() }

// KeyFromRoot derives the vault key from a 32-byte root key (the contents of
// the vault key file): the material with HKDF-SHA256 (info "toolgate vault
// v1"), the id as the first 8 hex digits of SHA-256 over a second,
// domain-separated HKDF output. Every replica sharing the key file therefore
// derives the same key and id. A root of any other length yields a zero Key,
// which New rejects.
func KeyFromRoot(root []byte) Key {
	if len(root) != keySize {
		return Key{}
	}
	material, err := hkdf.Key(sha256.New, root, nil, materialInfo, keySize)
	if err != nil {
		return Key{} // only possible for absurd lengths; New reports it
	}
	idSeed, err := hkdf.Key(sha256.New, root, nil, idInfo, keySize)
	if err != nil {
		return Key{}
	}
	sum := sha256.Sum256(idSeed)
	return Key{ID: hex.EncodeToString(sum[:])[:8], Material: material}
}

// Vault seals with its primary key and opens with any of its keys. It is safe
// for concurrent use. Its keys can be replaced while it is in use (SetKeys):
// the token vault (package tokenvault) installs a new primary when it
// rotates the data key, and every holder of the *Vault seals with it from
// then on, while values sealed under the previous keys still open.
type Vault struct {
	ks   atomic.Pointer[keySet]
	miss atomic.Pointer[func(keyID string) bool]
}

// OnUnknownKey sets what Open does when a value names a key the vault does
// not hold: f is called with the key id, and when it returns true (it
// installed the key with SetKeys) Open tries once more. The token vault
// uses it to fetch a data key another replica has just created, before
// its change notification arrives.
func (v *Vault) OnUnknownKey(f func(keyID string) bool) { v.miss.Store(&f) }

// keySet is one immutable generation of a vault's keys.
type keySet struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// New returns a vault whose first key is primary (used for every Seal) and
// whose other keys are kept only to open values sealed before a rotation.
func New(keys ...Key) (*Vault, error) {
	ks, err := newKeySet(keys)
	if err != nil {
		return nil, err
	}
	v := &Vault{}
	v.ks.Store(ks)
	return v, nil
}

// SetKeys replaces the vault's keys, with New's rules: the first is the
// primary, the others only open. Seals and opens in progress finish with
// the keys they started with.
func (v *Vault) SetKeys(keys ...Key) error {
	ks, err := newKeySet(keys)
	if err != nil {
		return err
	}
	v.ks.Store(ks)
	return nil
}

func newKeySet(keys []Key) (*keySet, error) {
	if len(keys) == 0 {
		return nil, errors.New("vault: no keys")
	}
	ks := &keySet{primary: keys[0].ID, aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if err := validID(k.ID); err != nil {
			return nil, fmt.Errorf("vault: key %d: %w", i+1, err)
		}
		if len(k.Material) != keySize {
			return nil, fmt.Errorf("vault: key %d (%s): material must be %d bytes, got %d", i+1, k.ID, keySize, len(k.Material))
		}
		if _, dup := ks.aeads[k.ID]; dup {
			return nil, fmt.Errorf("vault: key %d: duplicate key id %s", i+1, k.ID)
		}
		block, err := aes.NewCipher(k.Material)
		if err != nil {
			return nil, fmt.Errorf("vault: key %d (%s): %w", i+1, k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("vault: key %d (%s): %w", i+1, k.ID, err)
		}
		ks.aeads[k.ID] = aead
	}
	return ks, nil
}

func validID(id string) error {
	if id == "" {
		return errors.New("empty key id (was the root key 32 bytes?)")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("key id longer than %d bytes", maxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return errors.New("key id must be printable ASCII without spaces")
		}
	}
	return nil
}

// PrimaryKeyID is the id new seals carry, for status output and logs.
func (v *Vault) PrimaryKeyID() string { return v.ks.Load().primary }

// KeyIDs lists the ids of every key the vault holds, sorted.
func (v *Vault) KeyIDs() []string { return v.ks.Load().ids() }

// KeyID returns the id of the key a sealed value names, without opening it.
func KeyID(sealed []byte) (string, error) {
	id, _, _, err := parse(sealed)
	return id, err
}

// Seal encrypts plaintext under the primary key, bound to aad. aad names the
// secret's owner and must not be empty, so every caller decides what a
// sealed value may not be moved to.
func (v *Vault) Seal(aad string, plaintext []byte) ([]byte, error) {
	if aad == "" {
		return nil, errors.New("vault: Seal needs a non-empty aad naming the secret's owner")
	}
	ks := v.ks.Load()
	header := appendHeader(nil, ks.primary)
	out := make([]byte, len(header), len(header)+nonceSize+len(plaintext)+tagSize)
	copy(out, header)
	nonce := out[len(out) : len(out)+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("vault: nonce: %w", err)
	}
	out = out[:len(out)+nonceSize]
	return ks.aeads[ks.primary].Seal(out, nonce, plaintext, additionalData(header, aad)), nil
}

// Open decrypts a value sealed by Seal with the same aad. It fails with
// ErrMalformed, ErrUnknownKey (naming the key id) or ErrOpen.
func (v *Vault) Open(aad string, sealed []byte) ([]byte, error) {
	id, header, rest, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	ks := v.ks.Load()
	aead, ok := ks.aeads[id]
	if f := v.miss.Load(); !ok && f != nil && (*f)(id) {
		ks = v.ks.Load()
		aead, ok = ks.aeads[id]
	}
	if !ok {
		return nil, fmt.Errorf("%w: key id %s (this vault holds %s)", ErrUnknownKey, id, strings.Join(ks.ids(), ", "))
	}
	if len(rest) < nonceSize+tagSize {
		return nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	plain, err := aead.Open(nil, rest[:nonceSize], rest[nonceSize:], additionalData(header, aad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// NeedsReseal reports whether sealed should be rewritten: it was sealed under
// a key other than the primary (after a rotation), or is not in the current
// format. A rotation job opens such values and seals them again; values it
// cannot open are reported by Open.
func (v *Vault) NeedsReseal(sealed []byte) bool {
	id, _, _, err := parse(sealed)
	return err != nil || id != v.ks.Load().primary
}

func (ks *keySet) ids() []string {
	ids := make([]string, 0, len(ks.aeads))
	for id := range ks.aeads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func appendHeader(b []byte, id string) []byte {
	b = append(b, formatV1, byte(len(id)))
	return append(b, id...)
}

// additionalData is header || aad. The header is self-delimiting (its length
// byte), so no two (header, aad) pairs produce the same bytes.
func additionalData(header []byte, aad string) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	ad = append(ad, header...)
	return append(ad, aad...)
}

// parse splits a sealed value into key id, header bytes and nonce+ciphertext.
func parse(sealed []byte) (id string, header, rest []byte, err error) {
	if len(sealed) < 2 {
		return "", nil, nil, fmt.Errorf("%w: too short", ErrMalformed)
	}
	if sealed[0] != formatV1 {
		return "", nil, nil, fmt.Errorf("%w: unsupported format version %d", ErrMalformed, sealed[0])
	}
	n := int(sealed[1])
	if n == 0 || n > maxIDLen || len(sealed) < 2+n {
		return "", nil, nil, fmt.Errorf("%w: bad key id length", ErrMalformed)
	}
	id = string(sealed[2 : 2+n])
	if validID(id) != nil {
		return "", nil, nil, fmt.Errorf("%w: bad key id", ErrMalformed)
	}
	return id, sealed[:2+n], sealed[2+n:], nil
}
