package idp_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
)

func kids(set jwk.Set) []string {
	var out []string
	for i := range set.Len() {
		k, _ := set.Key(i)
		kid, _ := k.KeyID()
		out = append(out, kid)
	}
	return out
}

func headerKid(t *testing.T, token string) string {
	h, _ := segments(t, token)
	kid, _ := h["kid"].(string)
	return kid
}

// TestKeyRotationOverlap: after a rotation new tokens carry the new kid,
// tokens signed before still verify against the published JWKS until they
// expire, and then the old key leaves the JWKS and is marked retired.
func TestKeyRotationOverlap(t *testing.T) {
	e, secret := newTokenEnv(t)
	// The longest-lived client of the pool decides how long the old key
	// stays published: 2h, plus the 5 minute clock leeway.
	longSecret := e.createClient(pool1, "longlived00000000000000000", []string{"sre-gateway/invoke"}, func(c *store.PoolClient) {
		c.AccessTokenValidity = 2 * time.Hour
	})
	oldToken := e.accessToken(pool1, "longlived00000000000000000", longSecret)
	oldKid := headerKid(t, oldToken)
	if got := kids(e.jwks(pool1)); !slices.Equal(got, []string{oldKid}) {
		t.Fatalf("JWKS before rotation = %v, want [%s]", got, oldKid)
	}

	e.clock.Advance(10 * time.Minute)
	rotatedAt := e.clock.Now()
	newKey, err := e.srv.RotateSigningKey(t.Context(), pool1)
	if err != nil {
		t.Fatalf("RotateSigningKey: %v", err)
	}
	if newKey.KeyID == oldKid || newKey.Status != store.SigningKeyActive {
		t.Fatalf("rotated-in key = %+v", newKey)
	}
	newToken := e.accessToken(pool1, clientA, secret)
	if kid := headerKid(t, newToken); kid != newKey.KeyID {
		t.Errorf("token after rotation has kid %s, want the new %s", kid, newKey.KeyID)
	}
	if got := kids(e.jwks(pool1)); !slices.Equal(got, []string{newKey.KeyID, oldKid}) {
		t.Errorf("JWKS after rotation = %v, want [new old]", got)
	}
	if _, err := e.verify(pool1, oldToken); err != nil {
		t.Errorf("token signed before the rotation no longer verifies: %v", err)
	}
	if _, err := e.verify(pool1, newToken); err != nil {
		t.Errorf("token signed after the rotation does not verify: %v", err)
	}
	keys, err := e.st.ListSigningKeys(t.Context(), pool1)
	if err != nil {
		t.Fatal(err)
	}
	if wantNotAfter := rotatedAt.Add(2*time.Hour + 5*time.Minute); keys[0].Status != store.SigningKeyRetiring || !keys[0].NotAfter.Equal(wantNotAfter) {
		t.Errorf("old key = %s until %v, want retiring until %v", keys[0].Status, keys[0].NotAfter, wantNotAfter)
	}

	// An hour later the old key is still needed: the 2h token is valid.
	e.clock.Advance(time.Hour)
	if got := kids(e.jwks(pool1)); !slices.Contains(got, oldKid) {
		t.Errorf("old key left the JWKS at %v while a token it signed is valid", got)
	}
	if err := e.srv.RetireExpiredKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	if keys, _ := e.st.ListSigningKeys(t.Context(), pool1); keys[0].Status != store.SigningKeyRetiring {
		t.Errorf("old key %s before its NotAfter", keys[0].Status)
	}

	// Past NotAfter the old key is gone, without any store write needed.
	e.clock.Advance(time.Hour + 6*time.Minute)
	if got := kids(e.jwks(pool1)); !slices.Equal(got, []string{newKey.KeyID}) {
		t.Errorf("JWKS after the old key's last token expired = %v, want [%s]", got, newKey.KeyID)
	}
	if err := e.srv.RetireExpiredKeys(t.Context()); err != nil {
		t.Fatal(err)
	}
	keys, _ = e.st.ListSigningKeys(t.Context(), pool1)
	if keys[0].Status != store.SigningKeyRetired || keys[1].Status != store.SigningKeyActive {
		t.Errorf("key statuses after retirement = %s, %s", keys[0].Status, keys[1].Status)
	}
	if got := kids(e.jwks(pool1)); !slices.Equal(got, []string{newKey.KeyID}) {
		t.Errorf("JWKS lists %v after retirement", got)
	}
	// A token under the retired kid fails even at a time when it would
	// still be valid (t0+1h of its 2h): its key is unknown.
	e.clock.Advance(-76 * time.Minute)
	if _, err := e.verify(pool1, oldToken); err == nil {
		t.Error("token of a retired key still verifies against the JWKS")
	}
}

// TestRotateTwice: two rotations leave the newest key active and both
// predecessors published while their tokens may live.
func TestRotateTwice(t *testing.T) {
	e, secret := newTokenEnv(t)
	first := headerKid(t, e.accessToken(pool1, clientA, secret))
	e.clock.Advance(time.Minute)
	k2, err := e.srv.RotateSigningKey(t.Context(), pool1)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	k3, err := e.srv.RotateSigningKey(t.Context(), pool1)
	if err != nil {
		t.Fatal(err)
	}
	if got := kids(e.jwks(pool1)); !slices.Equal(got, []string{k3.KeyID, k2.KeyID, first}) {
		t.Errorf("JWKS = %v, want [%s %s %s]", got, k3.KeyID, k2.KeyID, first)
	}
	if kid := headerKid(t, e.accessToken(pool1, clientA, secret)); kid != k3.KeyID {
		t.Errorf("new token kid %s, want %s", kid, k3.KeyID)
	}
	if _, err := e.srv.RotateSigningKey(t.Context(), "us-east-1_Nobody"); err == nil {
		t.Error("rotating a missing pool succeeded")
	}
}

// TestUnusableKeyIsLeftOut: a key the vault cannot open (sealed for another
// pool) is neither published nor used, and the pool answers server_error
// rather than signing with something else.
func TestUnusableKeyIsLeftOut(t *testing.T) {
	e, secret := newTokenEnv(t)
	const pool2 = "us-east-1_Pool00002"
	e.createPool(pool2, map[string][]string{"api": {"call"}})
	s2 := e.createClient(pool2, "pool2client000000000000000", []string{"api/call"}, nil)
	keys1, _ := e.st.ListSigningKeys(t.Context(), pool1)
	// Copy pool1's sealed key into pool2 under its own kid: the AAD names
	// pool1, so it must not open as pool2's.
	if _, err := e.st.RotateSigningKey(t.Context(), store.SigningKey{PoolID: pool2, KeyID: keys1[0].KeyID, Algorithm: "RS256",
		SealedPrivateKey: keys1[0].SealedPrivateKey}, e.clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := e.tokenBasic(pool2, "pool2client000000000000000", s2, "grant_type=client_credentials")
	if r.status != http.StatusInternalServerError || r.json(t)["error"] != "server_error" {
		t.Errorf("token from a pool without a usable key: %d %s", r.status, r.body)
	}
	if got := kids(e.jwks(pool2)); slices.Contains(got, keys1[0].KeyID) {
		t.Errorf("a key sealed for another pool is published: %v", got)
	}
	if !strings.Contains(e.logs.String(), "signing key unusable") {
		t.Error("the unusable key was not logged")
	}
	e.accessToken(pool1, clientA, secret) // pool1 is unaffected
}

// TestJWKSFollowsAnotherReplicasRotation: a second identity provider on the
// same store (another replica) publishes a key the first one rotated in as
// soon as a verifier asks for the JWKS, without waiting for its change
// notification: the verifier asks precisely because it met the new kid.
func TestJWKSFollowsAnotherReplicasRotation(t *testing.T) {
	e, secret := newTokenEnv(t)
	other := idp.New(idp.Options{Store: e.st, Revisions: e.st, Vault: e.vault, DataURL: e.url + "/", Now: e.clock.Now})
	replica := httptest.NewServer(other.Handler())
	defer replica.Close()
	fetch := func() []string {
		t.Helper()
		resp, err := http.Get(replica.URL + "/idp/" + pool1 + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		set, err := jwk.ParseReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return kids(set)
	}
	before := fetch()
	if len(before) != 1 {
		t.Fatalf("JWKS on the other replica = %v", before)
	}
	newKey, err := e.srv.RotateSigningKey(t.Context(), pool1)
	if err != nil {
		t.Fatal(err)
	}
	kid := headerKid(t, e.accessToken(pool1, clientA, secret))
	if kid != newKey.KeyID {
		t.Fatalf("new token kid %s, want %s", kid, newKey.KeyID)
	}
	if got := fetch(); !slices.Contains(got, newKey.KeyID) || !slices.Contains(got, before[0]) {
		t.Errorf("the other replica's JWKS right after the rotation = %v, want the new %s and the old %s", got, newKey.KeyID, before[0])
	}
}
