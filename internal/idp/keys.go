package idp

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/vault"
)

const (
	// Algorithm is the JWS algorithm of every key: RS256 is what Cognito signs
	// with and what every JWT library verifies.
	Algorithm = "RS256"
	rsaBits   = 2048
)

// sealAAD names the owner of a sealed signing key: a sealed value copied to
// another pool or relabelled with another kid fails to open.
func sealAAD(poolID, keyID string) string { return "idp-signing-key/" + poolID + "/" + keyID }

// NewSigningKey generates an RSA 2048 key for poolID and returns it sealed
// with v, ready for store.UserPoolStore.CreateUserPool or RotateSigningKey.
// The kid is the key's RFC 7638 thumbprint, so it is unique and can be
// recomputed from the public key. The plaintext key never leaves this
// function.
func NewSigningKey(v *vault.Vault, poolID string, now time.Time) (store.SigningKey, error) {
	if v == nil || poolID == "" {
		return store.SigningKey{}, errors.New("new signing key: vault and pool id are required")
	}
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("new signing key: %w", err)
	}
	kid, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("new signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("new signing key: %w", err)
	}
	sealed, err := v.Seal(sealAAD(poolID, kid), der)
	clear(der)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("new signing key: seal: %w", err)
	}
	return store.SigningKey{
		PoolID:           poolID,
		KeyID:            kid,
		Algorithm:        Algorithm,
		SealedPrivateKey: sealed,
		Status:           store.SigningKeyActive,
		CreatedAt:        now,
	}, nil
}

// thumbprint is the base64url SHA-256 JWK thumbprint of pub (RFC 7638).
func thumbprint(pub *rsa.PublicKey) (string, error) {
	k, err := jwk.Import(pub)
	if err != nil {
		return "", err
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// openedKey is a signing key ready for use: the parsed private key and its
// public JWK. It is immutable and shared between snapshots while the sealed
// bytes it came from stay the same.
type openedKey struct {
	sealed []byte
	kid    string
	priv   *rsa.PrivateKey
	public jwk.Key
}

// openKey unseals k and checks that its kid is the thumbprint of the key it
// holds, so a published kid always verifies the tokens signed under it.
func openKey(v *vault.Vault, k store.SigningKey) (*openedKey, error) {
	if k.Algorithm != Algorithm {
		return nil, fmt.Errorf("unsupported algorithm %q", k.Algorithm)
	}
	der, err := v.Open(sealAAD(k.PoolID, k.KeyID), k.SealedPrivateKey)
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	if err != nil {
		return nil, errors.New("sealed value is not a PKCS#8 private key")
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("sealed key is %T, not RSA", parsed)
	}
	kid, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	if kid != k.KeyID {
		return nil, errors.New("kid does not match the sealed key's thumbprint")
	}
	pub, err := jwk.Import(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	for name, value := range map[string]any{
		jwk.KeyIDKey: kid, jwk.AlgorithmKey: jwa.RS256(), jwk.KeyUsageKey: "sig",
	} {
		if err := pub.Set(name, value); err != nil {
			return nil, err
		}
	}
	return &openedKey{sealed: bytes.Clone(k.SealedPrivateKey), kid: kid, priv: priv, public: pub}, nil
}
