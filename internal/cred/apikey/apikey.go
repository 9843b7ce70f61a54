// Package apikey injects a static API key into upstream requests, as an
// AgentCore API_KEY credential provider configures it: in a header or a
// query parameter, under a configurable name, with an optional prefix such as
// "Bearer".
//
// The key always replaces whatever the caller put under the same name: the
// request being injected carries arguments an agent chose, and an agent must
// not be able to substitute its own credential for the gateway's (or learn
// whether the upstream prefers the first or the last of two values).
//
// The key is unsealed once, when the catalog is compiled, and lives only in
// an unexported field; the injector formats itself as "apikey(HEADER
// x-api-key)" under every fmt verb and in slog, so logging it is safe.
package apikey

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/toolgate/toolgate/internal/cred"
)

// Credential locations, spelled as the AgentCore API spells them
// (apiKeyCredentialProvider.credentialLocation).
const (
	LocationHeader = "HEADER"
	LocationQuery  = "QUERY_PARAMETER"
)

// Default parameter names when ParameterName is empty. AgentCore does not
// document its defaults; these are the conventions most APIs follow.
const (
	DefaultHeaderName = "Authorization"
	DefaultQueryName  = "api_key"
)

// Config describes one injection.
type Config struct {
	// Key is the secret. Required; never appears in errors or formatting.
	Key string
	// Location is LocationHeader or LocationQuery; "" means LocationHeader.
	Location string
	// ParameterName is the header or query parameter name; "" means
	// DefaultHeaderName or DefaultQueryName.
	ParameterName string
	// Prefix, when set, is joined to the key with one space ("Bearer" →
	// "Bearer <key>"). Surrounding spaces are trimmed, so "Bearer " does not
	// produce two spaces.
	Prefix string
}

// reservedHeaders cannot carry a credential: the transport owns them (Host,
// framing) or proxies drop them (hop-by-hop), so the key would silently not
// arrive, or would break the request.
var reservedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true, "Upgrade": true,
}

// New validates c and returns an Injector for it. Errors describe the field
// at fault and never contain the key.
func New(c Config) (cred.Injector, error) {
	if c.Key == "" {
		return nil, errors.New("apikey: the API key is empty")
	}
	in := &injector{location: c.Location, name: c.ParameterName}
	value := c.Key
	if p := strings.Trim(c.Prefix, " \t"); p != "" {
		value = p + " " + c.Key
	}
	switch c.Location {
	case "", LocationHeader:
		in.location = LocationHeader
		if in.name == "" {
			in.name = DefaultHeaderName
		}
		if !isToken(in.name) {
			return nil, fmt.Errorf("apikey: header name %q is not a valid HTTP header name", in.name)
		}
		in.headerKey = http.CanonicalHeaderKey(in.name)
		if reservedHeaders[in.headerKey] {
			return nil, fmt.Errorf("apikey: header %s cannot carry a credential (the HTTP transport or proxies control it)", in.name)
		}
		if err := checkHeaderValue("prefix", c.Prefix); err != nil {
			return nil, err
		}
		if err := checkHeaderValue("API key", c.Key); err != nil {
			return nil, err
		}
	case LocationQuery:
		if in.name == "" {
			in.name = DefaultQueryName
		}
		if strings.ContainsFunc(in.name, isControl) {
			return nil, fmt.Errorf("apikey: query parameter name %q contains a control character", in.name)
		}
	default:
		return nil, fmt.Errorf("apikey: unknown credential location %q (want %s or %s)", c.Location, LocationHeader, LocationQuery)
	}
	in.value = value
	return in, nil
}

// injector is deliberately unexported and prints without its value.
type injector struct {
	location  string // LocationHeader or LocationQuery
	name      string // header or query parameter name as configured
	headerKey string // canonical form of name, for http.Header
	value     string // prefix + key: the secret
}

// Inject writes the credential, replacing any value of the same name.
func (in *injector) Inject(_ context.Context, req *http.Request) error {
	switch in.location {
	case LocationHeader:
		if req.Header == nil {
			req.Header = make(http.Header)
		}
		// Header keys set without canonicalisation would be sent alongside
		// ours; remove every spelling of the name.
		for k := range req.Header {
			if strings.EqualFold(k, in.name) {
				delete(req.Header, k)
			}
		}
		req.Header[in.headerKey] = []string{in.value}
	case LocationQuery:
		if req.URL == nil {
			return errors.New("apikey: request has no URL")
		}
		req.URL.RawQuery = setQueryParam(req.URL.RawQuery, in.name, in.value)
	}
	return nil
}

// setQueryParam removes every occurrence of name from the raw query and
// appends name=value. It edits the raw string rather than round-tripping
// through url.Values, so the other parameters keep their order and their
// exact encoding (url.Values.Encode would sort them and re-escape them).
//
// Names are matched after unescaping and case-insensitively, and ';' is
// treated as a separator too, because some upstream frameworks do both: an
// agent sending "API_KEY=x" or "a=1;api_key=x" must not reach such a server
// with its own key next to ours.
func setQueryParam(raw, name, value string) string {
	var out []string
	if raw != "" {
		for seg := range strings.SplitSeq(raw, "&") {
			if seg == "" || !strings.Contains(seg, ";") {
				if !matchesName(seg, name) {
					out = append(out, seg)
				}
				continue
			}
			var kept []string
			for sub := range strings.SplitSeq(seg, ";") {
				if !matchesName(sub, name) {
					kept = append(kept, sub)
				}
			}
			if len(kept) > 0 {
				out = append(out, strings.Join(kept, ";"))
			}
		}
	}
	out = append(out, url.QueryEscape(name)+"="+url.QueryEscape(value))
	return strings.Join(out, "&")
}

func matchesName(pair, name string) bool {
	if pair == "" {
		return false
	}
	k, _, _ := strings.Cut(pair, "=")
	if dk, err := url.QueryUnescape(k); err == nil {
		k = dk
	}
	return strings.EqualFold(k, name)
}

// String describes the injector without its secret, e.g.
// "apikey(HEADER x-api-key)".
func (in *injector) String() string {
	return "apikey(" + in.location + " " + in.name + ")"
}

// GoString keeps %#v from printing the struct fields.
func (in *injector) GoString() string { return in.String() }

// Format makes every verb (%v, %+v, %#v, %s, %q, %x…) print String, so no
// formatting path reaches the value field.
func (in *injector) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, in.String()) }

// LogValue keeps slog handlers from reflecting over the struct.
func (in *injector) LogValue() slog.Value { return slog.StringValue(in.String()) }

// checkHeaderValue refuses bytes a header value cannot carry. A trailing
// newline pasted with the key is the usual culprit; the error names the field
// but never the value.
func checkHeaderValue(field, v string) error {
	if strings.ContainsFunc(v, func(r rune) bool { return r != '\t' && isControl(r) }) {
		return fmt.Errorf("apikey: the %s contains a control character (a trailing newline?), which an HTTP header cannot carry", field)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// isToken reports whether s is an RFC 9110 token, the grammar of header names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
