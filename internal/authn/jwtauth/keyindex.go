package jwtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws/jwsbb"
)

// algInfo describes one accepted signature algorithm. The table is closed:
// "none" and every HMAC algorithm are absent, so no path leads from a token
// header to a symmetric verification, in particular not to an HMAC keyed
// with a public key (algorithm confusion).
type algInfo struct {
	kty  string // JWK kty the key must have
	crv  string // EC/OKP curve, "" for RSA
	hash crypto.Hash
	pss  bool
}

var algs = map[string]algInfo{
	"RS256": {kty: "RSA", hash: crypto.SHA256},
	"RS384": {kty: "RSA", hash: crypto.SHA384},
	"RS512": {kty: "RSA", hash: crypto.SHA512},
	"PS256": {kty: "RSA", hash: crypto.SHA256, pss: true},
	"PS384": {kty: "RSA", hash: crypto.SHA384, pss: true},
	"PS512": {kty: "RSA", hash: crypto.SHA512, pss: true},
	"ES256": {kty: "EC", crv: "P-256", hash: crypto.SHA256},
	"ES384": {kty: "EC", crv: "P-384", hash: crypto.SHA384},
	"ES512": {kty: "EC", crv: "P-521", hash: crypto.SHA512},
	"EdDSA": {kty: "OKP", crv: "Ed25519"},
}

const acceptedAlgs = "RS256/384/512, PS256/384/512, ES256/384/512, EdDSA"

// vkey is one usable verification key, converted once per JWKS fetch.
type vkey struct {
	kid string
	kty string
	crv string
	alg string // the JWK's "alg", "" when absent
	pub any    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

func (k *vkey) String() string {
	s := "kid=" + clean(k.kid) + " (" + k.kty
	if k.crv != "" {
		s += " " + k.crv
	}
	if k.alg != "" {
		s += ", alg " + k.alg
	}
	return s + ")"
}

// accepts says whether a token signed with alg may be verified with k,
// and if not, why.
func (k *vkey) accepts(alg string) (bool, string) {
	a := algs[alg]
	switch {
	case a.kty != k.kty:
		return false, fmt.Sprintf("alg %s needs kty %s", alg, a.kty)
	case a.crv != k.crv:
		return false, fmt.Sprintf("alg %s needs curve %s", alg, a.crv)
	case k.alg != "" && k.alg != alg:
		return false, "the JWK is restricted to alg " + k.alg
	}
	return true, ""
}

// verify checks sig over input. The jwsbb functions are typed by key, so
// the key's type, not the token, selects the primitive.
func (k *vkey) verify(alg string, input, sig []byte) error {
	a := algs[alg]
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		return jwsbb.VerifyRSA(pub, input, sig, a.hash, a.pss)
	case *ecdsa.PublicKey:
		return jwsbb.VerifyECDSA(pub, input, sig, a.hash)
	case ed25519.PublicKey:
		return jwsbb.VerifyEdDSA(pub, input, sig)
	default:
		return fmt.Errorf("unsupported key type %T", pub)
	}
}

// keyIndex is an immutable view of one fetched JWKS. A new index (a new
// pointer) means the keys changed, which invalidates verified-token cache
// entries checked against the old one.
type keyIndex struct {
	uri     string
	digest  [32]byte // of the JWKS document, to keep the pointer when nothing changed
	keys    []*vkey
	byKid   map[string][]*vkey
	skipped []string // why some JWKs are not used, for diagnoses
}

// kids lists the key ids of the set, for diagnoses.
func (x *keyIndex) kids() string {
	ids := make([]string, 0, len(x.keys))
	for _, k := range x.keys {
		ids = append(ids, k.kid)
	}
	return list(ids)
}

// lookupResult says how a key lookup went.
type lookupResult int

const (
	keyFound lookupResult = iota
	keyUnknown
	keyNoKid    // no kid in the token and several keys to choose from
	keyMismatch // kid found, but no key with that kid fits the alg
)

// find selects the key for a token. With a kid, only keys with that kid
// are candidates; without one, the set must hold exactly one key (RFC 7515
// makes kid optional, and single-key IdPs omit it).
func (x *keyIndex) find(kid string, hasKid bool, alg string) (*vkey, lookupResult, string) {
	var cands []*vkey
	switch {
	case hasKid:
		cands = x.byKid[kid]
		if len(cands) == 0 {
			return nil, keyUnknown, ""
		}
	case len(x.keys) == 1:
		cands = x.keys
	case len(x.keys) == 0:
		return nil, keyUnknown, ""
	default:
		return nil, keyNoKid, ""
	}
	var why string
	for _, k := range cands {
		ok, reason := k.accepts(alg)
		if ok {
			return k, keyFound, ""
		}
		why = k.String() + ", and " + reason
	}
	return nil, keyMismatch, why
}

// buildIndex parses a JWKS document into usable verification keys. Keys
// that cannot verify token signatures (encryption keys, symmetric keys,
// unknown key types) are skipped with a note rather than failing the set
// (RFC 7517 §5: ignore keys that are not understood).
func buildIndex(uri string, doc []byte) (*keyIndex, error) {
	set, err := jwk.Parse(doc, jwk.WithStrictKeySetParsing(false))
	if err != nil {
		return nil, fmt.Errorf("parse JWKS %s: %w", uri, err)
	}
	x := &keyIndex{uri: uri, digest: sha256.Sum256(doc), byKid: map[string][]*vkey{}}
	for i := range set.Len() {
		key, _ := set.Key(i)
		k, why := usableKey(key)
		if k == nil {
			kid, _ := key.KeyID()
			x.skipped = append(x.skipped, fmt.Sprintf("kid=%s: %s", clean(kid), why))
			continue
		}
		x.keys = append(x.keys, k)
		x.byKid[k.kid] = append(x.byKid[k.kid], k)
	}
	return x, nil
}

var errNotPublic = errors.New("not a public signature key")

func usableKey(key jwk.Key) (*vkey, string) {
	if jwk.IsUnsupportedKey(key) {
		return nil, "unsupported key"
	}
	if use, ok := key.KeyUsage(); ok && use != string(jwk.ForSignature) {
		return nil, "use is " + clean(use) + ", not sig"
	}
	if ops, ok := key.KeyOps(); ok && !containsOp(ops, jwk.KeyOpVerify) {
		return nil, "key_ops does not include verify"
	}
	k := &vkey{}
	k.kid, _ = key.KeyID()
	if a, ok := key.Algorithm(); ok {
		k.alg = a.String()
		if _, known := algs[k.alg]; !known {
			return nil, "alg " + clean(k.alg) + " is not an accepted signature algorithm"
		}
	}
	switch kt := key.KeyType(); kt {
	case jwa.RSA():
		k.kty = "RSA"
	case jwa.EC():
		k.kty = "EC"
	case jwa.OKP():
		k.kty = "OKP"
	default:
		return nil, "kty " + clean(kt.String()) + " is not used for signatures"
	}
	pk, err := key.PublicKey()
	if err != nil {
		return nil, err.Error()
	}
	var raw any
	if err := jwk.Export(pk, &raw); err != nil {
		return nil, err.Error()
	}
	switch pub := raw.(type) {
	case *rsa.PublicKey:
		k.pub = pub
	case *ecdsa.PublicKey:
		k.pub, k.crv = pub, pub.Curve.Params().Name
	case ed25519.PublicKey:
		k.pub, k.crv = pub, "Ed25519"
	default:
		return nil, fmt.Sprintf("%s: %T", errNotPublic, raw)
	}
	return k, ""
}

func containsOp(ops jwk.KeyOperationList, op jwk.KeyOperation) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// describeSet summarises a key set for diagnoses.
func describeSet(x *keyIndex, fetched time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "the JWKS at %s (fetched %s) has kids %s", x.uri, fetched.UTC().Format(time.RFC3339), x.kids())
	if len(x.skipped) > 0 {
		fmt.Fprintf(&b, " and skips %s", strings.Join(x.skipped, "; "))
	}
	return b.String()
}
