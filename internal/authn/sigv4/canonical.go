package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// This file rebuilds the SigV4 canonical request the way the signer in
// github.com/aws/aws-sdk-go-v2/aws/signer/v4 builds it (v1.47.7), because a
// signature only verifies when both sides agree byte for byte. Each function
// names the SDK code it mirrors; the tests sign with that SDK and verify here.

// wirePath returns the request path exactly as the client sent it. The SDK
// signs URL.EscapedPath() of its own request, and Go's client writes that same
// string on the wire, so on the server the raw request target is the most
// faithful copy (it survives a handler chain that rewrote r.URL, e.g.
// http.StripPrefix). Requests built in process (RequestURI empty) fall back to
// r.URL.EscapedPath(), which returns RawPath whenever it is a valid encoding,
// so "%2F" and "%3A" inside a label are preserved rather than decoded.
func wirePath(r *http.Request) string {
	if p := r.RequestURI; strings.HasPrefix(p, "/") {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		return p
	}
	if r.URL.Opaque != "" {
		// Same rule as v4Internal.GetURIPath: "//host/path" → "/path".
		o := strings.TrimPrefix(r.URL.Opaque, "//")
		if i := strings.IndexByte(o, '?'); i >= 0 {
			o = o[:i]
		}
		if i := strings.IndexByte(o, '/'); i >= 0 {
			return o[i:]
		}
		return ""
	}
	return r.URL.EscapedPath()
}

// canonicalURI is the non-S3 canonical URI: the already-escaped path escaped
// once more, every byte except unreserved characters and '/' (so "%2F" in a
// label becomes "%252F"). Mirrors v4Internal.GetURIPath followed by
// smithy-go httpbinding.EscapePath(path, false).
func canonicalURI(escapedPath string) string {
	if escapedPath == "" {
		return "/"
	}
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(escapedPath) + 16)
	for i := 0; i < len(escapedPath); i++ {
		c := escapedPath[i]
		if isUnreserved(c) || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0F])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// canonicalQuery encodes every name and value (RFC 3986, space as "%20") and
// sorts the encoded pairs by name, then value. The SDK sorts after encoding
// (v4Internal.EncodeQuery); sorting decoded values would disagree for pairs
// such as "a/b" and "a-b". skip names a parameter left out (the presigned
// signature itself).
func canonicalQuery(q url.Values, skip string) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(q))
	for k, vs := range q {
		if k == skip {
			continue
		}
		ek := encodeQueryComponent(k)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, encodeQueryComponent(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// encodeQueryComponent matches the SDK's: url.QueryEscape already escapes
// everything but unreserved characters, except that it writes a space as '+'
// (a literal '+' is "%2B", so replacing '+' only rewrites spaces).
func encodeQueryComponent(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// canonicalHeaders renders the headers named in signed (lower-case, in the
// order the client listed them) as "name:value\n" lines. Values are trimmed
// and runs of spaces collapsed, several values of one header are joined with
// ','; host comes from r.Host because Go moves it out of r.Header. Mirrors
// Signer.buildCanonicalHeaders.
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		switch name {
		case "host":
			host := r.Host
			if host == "" {
				host = r.URL.Host
			}
			b.WriteString(stripExcessSpaces(host))
		default:
			values := headerValues(r.Header, name)
			if len(values) == 0 && name == "content-length" && r.ContentLength > 0 {
				// A request built in process carries its length only in
				// ContentLength (Go servers keep the header).
				values = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
			for i, v := range values {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strings.TrimSpace(stripExcessSpaces(v)))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// headerValues finds a header case-insensitively: server requests have
// canonical keys, but a request built in process may not.
func headerValues(h http.Header, lowerName string) []string {
	if vs, ok := h[http.CanonicalHeaderKey(lowerName)]; ok {
		return vs
	}
	var out []string
	for k, vs := range h {
		if strings.EqualFold(k, lowerName) {
			out = append(out, vs...)
		}
	}
	return out
}

// stripExcessSpaces trims leading and trailing spaces and collapses inner
// runs of spaces to one, like v4Internal.StripExcessSpaces (spaces only; tabs
// are left to strings.TrimSpace at the ends, as the SDK does).
func stripExcessSpaces(s string) string {
	s = strings.Trim(s, " ")
	if !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// canonicalRequest joins the parts with newlines, exactly as
// Signer.buildCanonicalString does.
func canonicalRequest(method, uri, query, headers, signedHeaders, payloadHash string) string {
	return strings.Join([]string{method, uri, query, headers, signedHeaders, payloadHash}, "\n")
}

func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signature derives the signing key (HMAC chain over date, region, service,
// "aws4_request") and signs the string to sign; returns lower-case hex.
func signature(secret, date, region, service, toSign string) string {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, terminator)
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
