package identity

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestWorkloadTokenCodec(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	c, err := newTokenCodec(key, "111122223333")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := c.seal(claims{Workload: "agent", UserID: "alice-secret-id", IssuedAt: now.Unix(), Expires: now.Add(time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, tokenPrefix) || strings.Contains(tok, "alice") {
		t.Fatalf("token %q is not opaque", tok)
	}
	cl, err := c.open(tok, now)
	if err != nil || cl.Workload != "agent" || cl.UserID != "alice-secret-id" || cl.ID == "" {
		t.Fatalf("open = %+v, %v", cl, err)
	}
	if _, err := c.open(tok, now.Add(time.Minute)); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired token: %v", err)
	}
	other, _ := newTokenCodec(key, "999999999999")
	if _, err := other.open(tok, now); err == nil {
		t.Error("another account accepted the token")
	}
	tampered := []byte(tok)
	tampered[len(tampered)-3] ^= 1
	if _, err := c.open(string(tampered), now); err == nil {
		t.Error("a tampered token was accepted")
	}
	for _, bad := range []string{"", "tgwat1.", "tgwat1.!!", "eyJ.x.y"} {
		if _, err := c.open(bad, now); err == nil {
			t.Errorf("open(%q) succeeded", bad)
		}
	}
}
