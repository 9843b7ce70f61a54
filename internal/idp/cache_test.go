package idp

import (
	"testing"
)

// TestVerifiedSecretCache: after one successful PBKDF2 check the client
// remembers the secret's digest: the next check of the same secret does not
// read the stored hash at all, a different secret still goes through
// PBKDF2, and a rebuilt snapshot keeps the digest only while the stored hash
// is unchanged.
func TestVerifiedSecretCache(t *testing.T) {
	old := SetKDFIterations(1000)
	defer SetKDFIterations(old)
	hash, err := HashSecret("right")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{})
	c := &client{id: "c", secretHash: hash}
	ctx := t.Context()
	if ok, err := s.checkSecret(ctx, c, "right"); !ok || err != nil {
		t.Fatalf("first check = %v, %v", ok, err)
	}
	c.secretHash = "unparseable" // only the cache can answer now
	if ok, err := s.checkSecret(ctx, c, "right"); !ok || err != nil {
		t.Errorf("cached check = %v, %v; want true without reading the hash", ok, err)
	}
	if ok, err := s.checkSecret(ctx, c, "wrong"); ok || err != errBadHash {
		t.Errorf("check of another secret = %v, %v; want the PBKDF2 path (errBadHash)", ok, err)
	}
	c.secretHash = hash
	if ok, _ := s.checkSecret(ctx, c, "wrong"); ok {
		t.Error("wrong secret accepted")
	}
	if ok, _ := s.checkSecret(ctx, c, ""); ok {
		t.Error("empty secret accepted")
	}
}

func TestHashSecretFormat(t *testing.T) {
	old := SetKDFIterations(1000)
	defer SetKDFIterations(old)
	a, _ := HashSecret("same")
	b, _ := HashSecret("same")
	if a == b {
		t.Error("two hashes of one secret are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "md5$1$c2FsdA$aGFzaA", "pbkdf2-sha256$0$c2FsdA$aGFzaA", "pbkdf2-sha256$1000$!!$aGFzaA", "pbkdf2-sha256$1000$c2FsdA$"} {
		if ok, err := verifySecret(bad, "same"); ok || err != errBadHash {
			t.Errorf("verifySecret(%q) = %v, %v; want errBadHash", bad, ok, err)
		}
	}
	if _, err := HashSecret(""); err == nil {
		t.Error("empty secret hashed")
	}
	sec, err := NewClientSecret()
	if err != nil || len(sec) != 51 {
		t.Fatalf("NewClientSecret = %q, %v", sec, err)
	}
	for _, c := range sec {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			t.Fatalf("secret %q has %q, want lowercase letters and digits", sec, c)
		}
	}
}
