// Package address computes where a gateway's MCP endpoint and its protected
// resource metadata live. A gateway is always reachable path-based at
// <data url>/gateways/{id}/mcp; with a gateway domain configured it is also
// reachable host-based at <scheme>://{id}.<domain>[:port]/mcp, the shape of
// AgentCore's own gateway URLs, which is what makes the root well-known
// metadata URL (RFC 9728) unambiguous per gateway.
//
// Clients check that the metadata's resource is the URL they connected to,
// so the URLs handed to a request always follow the form it used.
package address

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Book computes gateway URLs for one data plane.
type Book struct {
	base   string // public data URL without trailing slash
	origin string // scheme://host[:port] of base
	prefix string // path of base ("" or "/x")
	scheme string
	port   string // ":port" of base, or ""
	domain string // gateway domain, lower case, or ""
}

// New returns a Book for the public data-plane URL and an optional gateway
// domain (e.g. "gw.example.com").
func New(publicDataURL, gatewayDomain string) Book {
	b := Book{base: strings.TrimSuffix(publicDataURL, "/"), domain: strings.ToLower(strings.Trim(gatewayDomain, "."))}
	if u, err := url.Parse(b.base); err == nil {
		b.scheme, b.prefix = u.Scheme, u.Path
		b.origin = u.Scheme + "://" + u.Host
		if p := u.Port(); p != "" {
			b.port = ":" + p
		}
	}
	return b
}

// Domain is the gateway domain ("" when host-based addressing is off).
func (b Book) Domain() string { return b.domain }

// GatewayURL is the canonical MCP URL of a gateway (the gatewayUrl the
// control plane reports): host-based when a domain is configured.
func (b Book) GatewayURL(id string) string {
	if b.domain != "" {
		return b.hostURL(id) + "/mcp"
	}
	return b.base + "/gateways/" + id + "/mcp"
}

func (b Book) hostURL(id string) string { return b.scheme + "://" + id + "." + b.domain + b.port }

// GatewayFromHost returns the gateway id of a host-based request.
func (b Book) GatewayFromHost(host string) (string, bool) {
	if b.domain == "" {
		return "", false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	id, ok := strings.CutSuffix(strings.ToLower(host), "."+b.domain)
	return id, ok && id != "" && !strings.Contains(id, ".")
}

// For returns the resource URL (RFC 8707) and metadata URL (RFC 9728) of
// gateway id in the form request r used to reach it.
func (b Book) For(r *http.Request, id string) (resource, metadata string) {
	if hid, ok := b.GatewayFromHost(r.Host); ok && hid == id {
		return b.hostURL(id) + "/mcp", b.hostURL(id) + "/.well-known/oauth-protected-resource/mcp"
	}
	// RFC 9728 §3.1: the well-known segment goes between host and path.
	return b.base + "/gateways/" + id + "/mcp", b.origin + "/.well-known/oauth-protected-resource" + b.prefix + "/gateways/" + id + "/mcp"
}

// HostAllowed reports whether a Host header names this data plane when a
// gateway domain is configured: a gateway subdomain, the public host, or a
// loopback name. It is the DNS-rebinding check for host-based addressing,
// where the SDK's loopback-only check cannot be used.
func (b Book) HostAllowed(host string) bool {
	if _, ok := b.GatewayFromHost(host); ok {
		return true
	}
	if u, err := url.Parse(b.origin); err == nil && strings.EqualFold(u.Host, host) {
		return true
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
