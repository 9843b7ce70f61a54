package egress

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		addr   string
		policy Policy
		denied bool
	}{
		{"169.254.169.254", Policy{}, true},
		{"169.254.169.254", Policy{AllowLinkLocal: true}, false},
		{"fe80::1", Policy{}, true},
		{"fd00:ec2::254", Policy{}, true},
		{"::ffff:169.254.169.254", Policy{}, true},
		{"100.100.100.200", Policy{}, true},
		{"127.0.0.1", Policy{}, false},
		{"127.0.0.1", Policy{DenyPrivate: true}, true},
		{"10.1.2.3", Policy{DenyPrivate: true}, true},
		{"192.168.1.1", Policy{}, false},
		{"fd12::1", Policy{DenyPrivate: true}, true},
		{"8.8.8.8", Policy{DenyPrivate: true}, false},
		{"0.0.0.0", Policy{}, true},
		{"224.0.0.1", Policy{}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%+v", tt.addr, tt.policy), func(t *testing.T) {
			err := tt.policy.Check(netip.MustParseAddr(tt.addr))
			if got := err != nil; got != tt.denied {
				t.Fatalf("Check(%s) = %v, want denied=%v", tt.addr, err, tt.denied)
			}
			if err != nil && !IsDenied(err) {
				t.Fatalf("refusal %v does not wrap ErrDenied", err)
			}
		})
	}
}

func TestClientEnforcesPolicyAtDial(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer up.Close()

	c := NewClient(Options{})
	resp, err := c.Get(up.URL)
	if err != nil {
		t.Fatalf("loopback allowed by default policy, got %v", err)
	}
	resp.Body.Close()

	c = NewClient(Options{Policy: Policy{DenyPrivate: true}})
	_, err = c.Get(up.URL)
	if err == nil || !IsDenied(err) {
		t.Fatalf("DenyPrivate client reached loopback: err=%v", err)
	}
	// A hostname resolving to loopback is refused as well: the check runs
	// after resolution.
	_, err = c.Get(strings.Replace(up.URL, "127.0.0.1", "localhost", 1))
	if err == nil || !IsDenied(err) {
		t.Fatalf("DenyPrivate client reached localhost: err=%v", err)
	}
}

func TestCrossHostRedirectRefused(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") }))
	defer other.Close()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/x?api_key=secret", http.StatusFound)
	}))
	defer up.Close()
	_, err := NewClient(Options{}).Get(up.URL)
	if err == nil || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("cross-host redirect followed: %v", err)
	}
}

func TestResponseSizeLimit(t *testing.T) {
	big := strings.Repeat("x", 5000)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("chunked") != "" {
			w.(http.Flusher).Flush() // no Content-Length
		} else {
			w.Header().Set("Content-Length", "5000")
		}
		io.WriteString(w, big)
	}))
	defer up.Close()
	c := NewClient(Options{MaxResponseBytes: 4096})
	if _, err := c.Get(up.URL); err == nil || !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("declared oversize body: err=%v", err)
	}
	resp, err := c.Get(up.URL + "?chunked=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("streamed oversize body: err=%v", err)
	}
	c = NewClient(Options{MaxResponseBytes: 5000})
	resp, err = c.Get(up.URL + "?chunked=1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(b) != 5000 {
		t.Fatalf("body at exactly the limit: %d bytes, err=%v", len(b), err)
	}
}
