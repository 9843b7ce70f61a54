package mcpserver

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/toolgate/toolgate/internal/cred"
)

// CheckEndpoint checks an mcpServer endpoint. AgentCore requires https://
// (§7.4); toolgate also accepts http:// when the host is a loopback or
// private address (an IP literal in 127.0.0.0/8, ::1, RFC 1918 or fc00::/7,
// or "localhost"), for servers next to the gateway. Whether such a host may
// be reached at all is the egress policy's decision (egress.deny_private
// refuses them, so with it set these endpoints fail when they are listed
// or called); plain http to a public host is always refused, since
// credentials would cross the internet in clear.
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.User != nil {
		return fmt.Errorf("must not carry user information; use a credential provider")
	}
	if u.Fragment != "" {
		return fmt.Errorf("must not have a fragment")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if PrivateHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("must be https:// (http:// is accepted only for loopback and private addresses)")
	}
	return fmt.Errorf("must be https://")
}

// PrivateHost reports whether host is "localhost" or a loopback or private
// IP literal.
func PrivateHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate()
}

// credTransport adds the target's outbound credential to every HTTP request
// of the MCP transport (initialize, tools/list, tools/call, the session's
// DELETE), and retries once with a renewed credential when the server
// answers 401 to a credential that can be renewed (an OAuth2 token revoked
// before it expired).
type credTransport struct {
	next http.RoundTripper
	inj  cred.Injector
}

// injectError is an injector failure; the target reports it as such.
type injectError struct{ err error }

func (e *injectError) Error() string { return "outbound credential: " + e.err.Error() }
func (e *injectError) Unwrap() error { return e.err }

func (t *credTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper must not modify the request it is given.
	r := req.Clone(req.Context())
	if err := t.inj.Inject(req.Context(), r); err != nil {
		closeBody(req)
		return nil, &injectError{err}
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil || !cred.ShouldRetry(req.Context(), t.inj, r, resp) {
		return resp, err
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // the body is gone; the caller sees the 401
	}
	again := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		again.Body = body
	}
	if err := t.inj.Inject(req.Context(), again); err != nil {
		return resp, nil
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
	return t.next.RoundTrip(again)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// httpClient is base (the egress client) with inj under it.
func httpClient(base *http.Client, inj cred.Injector) *http.Client {
	if base == nil {
		base = http.DefaultClient
	}
	if inj == nil {
		return base
	}
	c := *base
	next := base.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = &credTransport{next: next, inj: inj}
	return &c
}
