package audit_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/audit"
)

func TestEventSourceFor(t *testing.T) {
	for service, want := range map[string]string{
		"bedrock-agentcore": "bedrock-agentcore.amazonaws.com", "": "bedrock-agentcore.amazonaws.com",
		"iam": "iam.amazonaws.com", "cognito-idp": "cognito-idp.amazonaws.com", "toolgate": "toolgate",
	} {
		if got := audit.EventSourceFor(service); got != want {
			t.Errorf("EventSourceFor(%q) = %q, want %q", service, got, want)
		}
	}
}

func TestIdentityTypeFromARN(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:root":        audit.IdentityRoot,
		"arn:aws:iam::123456789012:user/a/b":    audit.IdentityIAMUser,
		"arn:aws:iam::123456789012:role/deploy": audit.IdentityRole,
	} {
		if got := audit.IdentityTypeFromARN(arn); got != want {
			t.Errorf("IdentityTypeFromARN(%q) = %q, want %q", arn, got, want)
		}
	}
}

func TestSourceIP(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[::1]:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.7, 10.0.0.1")
	if got := audit.SourceIP(r, false); got != "::1" {
		t.Errorf("untrusted: %q", got)
	}
	if got := audit.SourceIP(r, true); got != "203.0.113.7" {
		t.Errorf("trusted proxy: %q", got)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"90m":                  now.Add(-90 * time.Minute),
		"7d":                   now.Add(-7 * 24 * time.Hour),
		"2025-05-01T00:00:00Z": time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC),
	} {
		got, err := audit.ParseTime(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "-1h", "1x"} {
		if _, err := audit.ParseTime(bad, now); err == nil {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
