package address

import (
	"net/http/httptest"
	"testing"
)

func TestPathBased(t *testing.T) {
	b := New("https://mcp.example.com/base/", "")
	if got := b.GatewayURL("gw-1"); got != "https://mcp.example.com/base/gateways/gw-1/mcp" {
		t.Fatal(got)
	}
	r := httptest.NewRequest("POST", "https://mcp.example.com/base/gateways/gw-1/mcp", nil)
	res, md := b.For(r, "gw-1")
	if res != "https://mcp.example.com/base/gateways/gw-1/mcp" || md != "https://mcp.example.com/.well-known/oauth-protected-resource/base/gateways/gw-1/mcp" {
		t.Fatal(res, md)
	}
	if _, ok := b.GatewayFromHost("gw-1.example.com"); ok {
		t.Fatal("host-based addressing without a domain")
	}
}

func TestHostBased(t *testing.T) {
	b := New("http://127.0.0.1:8080", "GW.Test.")
	if got := b.GatewayURL("gw-1"); got != "http://gw-1.gw.test:8080/mcp" {
		t.Fatal(got)
	}
	tests := []struct {
		host string
		id   string
		ok   bool
	}{
		{"gw-1.gw.test:8080", "gw-1", true},
		{"GW-1.GW.TEST", "gw-1", true},
		{"a.b.gw.test", "", false},
		{"gw.test", "", false},
		{"gw-1.gw.test.evil.example", "", false},
	}
	for _, tt := range tests {
		if id, ok := b.GatewayFromHost(tt.host); id != tt.id && tt.ok || ok != tt.ok {
			t.Errorf("GatewayFromHost(%q) = %q, %v", tt.host, id, ok)
		}
	}
	r := httptest.NewRequest("POST", "http://gw-1.gw.test:8080/mcp", nil)
	res, md := b.For(r, "gw-1")
	if res != "http://gw-1.gw.test:8080/mcp" || md != "http://gw-1.gw.test:8080/.well-known/oauth-protected-resource/mcp" {
		t.Fatal(res, md)
	}
	// The same gateway reached path-based keeps path-based URLs.
	r = httptest.NewRequest("POST", "http://127.0.0.1:8080/gateways/gw-1/mcp", nil)
	if res, _ := b.For(r, "gw-1"); res != "http://127.0.0.1:8080/gateways/gw-1/mcp" {
		t.Fatal(res)
	}
	for host, want := range map[string]bool{"gw-1.gw.test": true, "127.0.0.1:8080": true, "localhost:9": true, "[::1]:8080": true, "evil.example": false, "gw.test.evil.example": false} {
		if got := b.HostAllowed(host); got != want {
			t.Errorf("HostAllowed(%q) = %v", host, got)
		}
	}
}
