// Package iam owns the principals that may call the control plane, their
// SigV4 access keys, and the authorisation of their requests by the IAM
// policies attached to them (package iam/policy evaluates documents; this
// package loads and caches them per principal).
//
// Access-key secrets are sealed in the vault, not hashed: verifying SigV4
// needs the plaintext secret to recompute the HMAC.
package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

// ErrUnknownKey is returned for access keys that do not exist or are inactive.
var ErrUnknownKey = errors.New("unknown or inactive access key")

const (
	keyIDAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString draws n characters uniformly from alphabet.
func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// NewAccessKeyID returns an id shaped like AWS's (AKIA + 16), so tools that
// sanity-check key ids accept it.
func NewAccessKeyID() string { return "AKIA" + randomString(keyIDAlphabet, 16) }

// NewSecretAccessKey returns a 40-character secret like AWS's.
func NewSecretAccessKey() string { return randomString(secretAlphabet, 40) }

// NewPrincipalID returns a unique principal id (AWS user ids start AIDA).
func NewPrincipalID() string { return "AIDA" + randomString(keyIDAlphabet, 17) }

func sealAAD(keyID string) string { return "access-key/" + keyID }

// Keyring looks up and creates access keys.
type Keyring struct {
	Store store.Store
	Vault *vault.Vault
}

// Secret returns the plaintext secret of an active key and its principal.
func (k *Keyring) Secret(ctx context.Context, keyID string) (string, store.Principal, error) {
	ak, err := k.Store.GetAccessKey(ctx, keyID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ak.Status != "Active") {
		return "", store.Principal{}, ErrUnknownKey
	}
	if err != nil {
		return "", store.Principal{}, err
	}
	p, err := k.Store.GetPrincipal(ctx, ak.PrincipalID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.Disabled) {
		return "", store.Principal{}, ErrUnknownKey
	}
	if err != nil {
		return "", store.Principal{}, err
	}
	secret, err := k.Vault.Open(sealAAD(keyID), ak.SealedSecret)
	if err != nil {
		return "", store.Principal{}, fmt.Errorf("unseal access key %s: %w", keyID, err)
	}
	return string(secret), p, nil
}

// CreateAccessKey issues a new active key for principalID and returns its
// id and secret. The secret is shown to the caller once and stored sealed.
func (k *Keyring) CreateAccessKey(ctx context.Context, principalID string) (id, secret string, err error) {
	id, secret = NewAccessKeyID(), NewSecretAccessKey()
	sealed, err := k.Vault.Seal(sealAAD(id), []byte(secret))
	if err != nil {
		return "", "", err
	}
	_, err = k.Store.CreateAccessKey(ctx, store.AccessKey{
		ID: id, PrincipalID: principalID, SealedSecret: sealed, Status: "Active", CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		return "", "", err
	}
	return id, secret, nil
}

// CreateRoot creates the root principal of an installation with one key.
func (k *Keyring) CreateRoot(ctx context.Context, accountID string) (store.Principal, string, string, error) {
	p, err := k.Store.CreatePrincipal(ctx, store.Principal{
		ID:        NewPrincipalID(),
		Name:      "root",
		ARN:       "arn:aws:iam::" + accountID + ":root",
		Kind:      "root",
		CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		return store.Principal{}, "", "", fmt.Errorf("create root principal: %w", err)
	}
	id, secret, err := k.CreateAccessKey(ctx, p.ID)
	if err != nil {
		return store.Principal{}, "", "", fmt.Errorf("create root access key: %w", err)
	}
	return p, id, secret, nil
}
