package idp

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Client secrets are stored as PBKDF2-HMAC-SHA256 hashes (stdlib
// crypto/pbkdf2, no new dependency) in a self-describing string, so the cost
// can be raised later without invalidating stored hashes:
//
//	pbkdf2-sha256$<iterations>$<base64url salt>$<base64url derived key>
//
// 600,000 iterations is OWASP's current figure for PBKDF2-SHA256. Generated
// secrets carry about 263 random bits and need no stretching at all; the cost
// protects secrets an operator chose (Cognito's ClientSecret parameter) if
// the database leaks. It is paid once per client and process: the token
// endpoint remembers a verified secret's SHA-256 (see client.verified).
const hashScheme = "pbkdf2-sha256"

var kdfIterations = 600_000 // a variable so tests can make hashing cheap

const (
	saltSize = 16
	dkSize   = 32
	// secretAlphabet and secretLength give Cognito-shaped secrets: 51
	// lowercase letters and digits, log2(36)*51 ≈ 263 bits.
	secretAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	secretLength   = 51
)

// NewClientSecret returns a fresh random client secret in Cognito's shape.
// It is shown to the operator once and stored only as HashSecret's output.
func NewClientSecret() (string, error) {
	return randomString(secretAlphabet, secretLength)
}

// randomString draws n characters uniformly from alphabet (rejection
// sampling, so no character is more likely than another).
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet) // bytes at or above limit would bias the draw
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// HashSecret returns the salted hash of secret to store as
// store.PoolClient.SecretHash.
func HashSecret(secret string) (string, error) {
	if secret == "" {
		return "", errors.New("hash client secret: empty secret")
	}
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash client secret: salt: %w", err)
	}
	dk, err := pbkdf2.Key(sha256.New, secret, salt, kdfIterations, dkSize)
	if err != nil {
		return "", fmt.Errorf("hash client secret: %w", err)
	}
	enc := base64.RawURLEncoding
	return hashScheme + "$" + strconv.Itoa(kdfIterations) + "$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(dk), nil
}

// errBadHash: a stored hash this version cannot parse. The message names no
// part of the hash.
var errBadHash = errors.New("stored client secret hash is malformed")

// verifySecret reports whether secret matches the stored hash, comparing
// the derived keys in constant time.
func verifySecret(hash, secret string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 4 || parts[0] != hashScheme {
		return false, errBadHash
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 10_000_000 {
		return false, errBadHash
	}
	enc := base64.RawURLEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) == 0 || len(want) == 0 {
		return false, errBadHash
	}
	got, err := pbkdf2.Key(sha256.New, secret, salt, iter, len(want))
	if err != nil {
		return false, errBadHash
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
