package identity

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

type publicErr struct{}

func (publicErr) Error() string {
	return "token endpoint https://idp.internal:8443/token: dial tcp 10.0.0.5:8443: connection refused"
}
func (publicErr) Public() string { return "the token endpoint could not be reached" }

// A failed token request tells the caller what failed, not the token
// endpoint's address or transport error; other failures are internal.
func TestTokenRefusal(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	err := tokenRefusal(log, "p", "w", publicErr{})
	var ae *apiError
	if !errors.As(err, &ae) || ae.status != 403 {
		t.Fatalf("token endpoint failure: got %v, want a 403 apiError", err)
	}
	if strings.Contains(ae.message, "10.0.0.5") || strings.Contains(ae.message, "idp.internal") || ae.message != "the token endpoint could not be reached" {
		t.Errorf("the caller sees %q", ae.message)
	}
	err = tokenRefusal(log, "p", "w", errors.New("open sealed secret: cipher: message authentication failed"))
	if errors.As(err, &ae) {
		t.Errorf("a vault failure became an API error the caller sees: %q", ae.message)
	}
}
