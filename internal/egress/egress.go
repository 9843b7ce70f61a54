// Package egress builds the HTTP client targets use to reach upstreams. It
// enforces the outbound network policy at dial time (after DNS resolution, so
// a hostname that resolves to a metadata address is refused too), bounds the
// time of a whole call and pools connections so a tool call never pays for a
// new TCP or TLS handshake when the upstream was used recently.
package egress

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// Policy decides which upstream addresses may be dialled.
type Policy struct {
	// DenyPrivate refuses loopback, RFC 1918 and IPv6 unique-local addresses.
	DenyPrivate bool
	// AllowLinkLocal permits 169.254.0.0/16 and fe80::/10. They are refused by
	// default because they host cloud metadata services (169.254.169.254,
	// fd00:ec2::254) whose credentials a tool call must never reach.
	AllowLinkLocal bool
}

// ErrDenied is wrapped by every refusal, so callers can tell a policy refusal
// from a network failure.
var ErrDenied = errors.New("egress policy refuses this address")

// metadata addresses that are not link-local but serve instance credentials.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud metadata
}

// Check returns nil when addr may be dialled.
func (p Policy) Check(addr netip.Addr) error {
	addr = addr.Unmap()
	for _, m := range metadataAddrs {
		if addr == m && !p.AllowLinkLocal {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrDenied, addr)
		}
	}
	if addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() {
		if !p.AllowLinkLocal {
			return fmt.Errorf("%w: %s is link-local (cloud metadata range)", ErrDenied, addr)
		}
	}
	if addr.IsUnspecified() || addr.IsMulticast() {
		return fmt.Errorf("%w: %s is not a unicast address", ErrDenied, addr)
	}
	if p.DenyPrivate && (addr.IsLoopback() || addr.IsPrivate()) {
		return fmt.Errorf("%w: %s is a private address and egress.deny_private is set", ErrDenied, addr)
	}
	return nil
}

// Options configure NewClient.
type Options struct {
	Policy  Policy
	Timeout time.Duration // whole-call bound; 0 = 60s
	// MaxResponseBytes bounds every response body; reading past it fails
	// with ErrResponseTooLarge. 0 = 10 MiB.
	MaxResponseBytes int64
}

// ErrResponseTooLarge is returned by a response body read past the limit.
var ErrResponseTooLarge = errors.New("upstream response exceeds the size limit")

// NewClient returns an http.Client that enforces the policy on every dial
// (including redirects, which re-dial) and keeps idle connections per host.
func NewClient(o Options) *http.Client {
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	dialer := &net.Dialer{
		Timeout:   10 * time.Second,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: cannot parse dial address %q", ErrDenied, address)
			}
			return o.Policy.Check(ap.Addr())
		},
	}
	tr := &http.Transport{
		Proxy:                 nil, // an environment proxy would bypass the policy
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: o.Timeout,
	}
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = 10 << 20
	}
	return &http.Client{
		Transport: limitTransport{tr, o.MaxResponseBytes},
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("stopped after 5 redirects")
			}
			// Never carry credentials to another host on redirect: net/http
			// already drops Authorization across hosts; query credentials
			// would survive, so refuse cross-host redirects outright.
			if req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("refusing redirect from %s to another host %s", via[0].URL.Host, req.URL.Host)
			}
			return nil
		},
	}
}

// IsDenied reports whether err is (or wraps) a policy refusal.
func IsDenied(err error) bool { return errors.Is(err, ErrDenied) }

// limitTransport caps response bodies so a misbehaving upstream cannot make
// the gateway buffer unbounded data.
type limitTransport struct {
	next  http.RoundTripper
	limit int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.limit {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes declared, limit %d", ErrResponseTooLarge, resp.ContentLength, t.limit)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.limit}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Distinguish "exactly at the limit" from "more data follows".
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
