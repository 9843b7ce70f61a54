// Package sigv4 verifies AWS Signature Version 4 on incoming requests, so the
// control plane can be called by unmodified AWS SDKs, the AWS CLI and boto3
// signing with access keys toolgate issued.
//
// The verifier recomputes the canonical request the way the SDK's signer
// (aws-sdk-go-v2/aws/signer/v4) computes it for non-S3 services — the path
// escaped twice, the query sorted after encoding, headers trimmed and
// space-collapsed — because a signature only matches when both sides agree
// byte for byte; the tests sign with that signer and with a real
// bedrockagentcorecontrol client. Failures are *Error values carrying the
// code, HTTP status and message AWS itself returns, so SDKs raise the error
// types their users already handle.
//
// Both the Authorization header form and the presigned query form are
// accepted. Temporary credentials (X-Amz-Security-Token) are refused because
// toolgate issues none yet; a token it did not issue can only be invalid.
package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	amzDateFormat   = "20060102T150405Z"
	scopeDateFormat = "20060102"
	unsignedPayload = "UNSIGNED-PAYLOAD"

	headerAuthorization = "Authorization"
	headerDate          = "X-Amz-Date"
	headerContentSHA256 = "X-Amz-Content-Sha256"
	headerSecurityToken = "X-Amz-Security-Token"

	queryAlgorithm     = "X-Amz-Algorithm"
	queryCredential    = "X-Amz-Credential"
	queryDate          = "X-Amz-Date"
	querySignedHeaders = "X-Amz-SignedHeaders"
	querySignature     = "X-Amz-Signature"
	queryExpires       = "X-Amz-Expires"
	querySecurityToken = "X-Amz-Security-Token"

	// DefaultMaxSkew is how far a request's X-Amz-Date may be from the
	// server's clock, in either direction; AWS allows 5 minutes.
	DefaultMaxSkew = 5 * time.Minute
	// DefaultMaxBodyBytes bounds the body buffered to hash it. Control-plane
	// bodies are small JSON, but an inline OpenAPI payload can be megabytes.
	DefaultMaxBodyBytes = 32 << 20
	// maxPresignExpiry is AWS's limit on X-Amz-Expires: one week.
	maxPresignExpiry = 7 * 24 * time.Hour
)

// Verifier checks SigV4 signatures for one signing name. It is safe for
// concurrent use once configured.
type Verifier struct {
	// Service is the signing name the credential scope must carry, e.g.
	// "bedrock-agentcore". A request scoped to another service is refused,
	// so a signature captured for one API cannot be replayed against another.
	Service string
	// Lookup returns the secret access key for an access key id. It returns
	// an error wrapping ErrUnknownKey when the key does not exist or is
	// inactive; any other error is reported as an internal failure.
	Lookup func(ctx context.Context, accessKeyID string) (secret string, err error)
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the tolerated clock difference; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
	// MaxBodyBytes bounds the body read for hashing; 0 means
	// DefaultMaxBodyBytes. Larger bodies get RequestEntityTooLargeException.
	MaxBodyBytes int64
}

// Identity is who signed a verified request.
type Identity struct {
	AccessKeyID string
	Region      string // the region in the credential scope; any region is accepted
	Service     string
	SignedAt    time.Time // X-Amz-Date, UTC
}

// authParams is the signature material from either the header or the query.
type authParams struct {
	presigned     bool
	accessKeyID   string
	scopeDate     string
	region        string
	service       string
	signedHeaders string   // verbatim, it is part of the canonical request
	headerNames   []string // signedHeaders split
	signature     string
	amzDate       string
	signedAt      time.Time
	expires       time.Duration // presigned only; 0 when X-Amz-Expires is absent
	hasExpires    bool
	query         url.Values
}

// Verify checks the request's signature and returns the signer's identity.
// It reads the body to hash it and puts an equivalent body back, so handlers
// can read it again. Every failure is an *Error.
//
// Verify must see the request as the client sent it: the path is taken from
// the raw request target, the body must not have been consumed, and headers
// the client signed must not have been changed by middleware.
func (v *Verifier) Verify(r *http.Request) (*Identity, error) {
	if v.Service == "" || v.Lookup == nil {
		return nil, internal("sigv4.Verifier needs Service and Lookup", nil)
	}
	p, aerr := parseAuth(r)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := v.checkScope(p); aerr != nil {
		return nil, aerr
	}
	if aerr := v.checkTime(p); aerr != nil {
		return nil, aerr
	}

	secret, err := v.Lookup(r.Context(), p.accessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownKey) {
			return nil, unrecognized(fmt.Sprintf("access key %q is unknown or inactive", p.accessKeyID), err)
		}
		return nil, internal(fmt.Sprintf("looking up access key %q", p.accessKeyID), err)
	}

	payloadHash, aerr := v.payloadHash(r)
	if aerr != nil {
		return nil, aerr
	}

	canonical := canonicalRequest(
		r.Method,
		canonicalURI(wirePath(r)),
		canonicalQuery(p.query, presignedSkip(p)),
		canonicalHeaders(r, p.headerNames),
		p.signedHeaders,
		payloadHash,
	)
	scope := p.scopeDate + "/" + p.region + "/" + p.service + "/" + terminator
	want := signature(secret, p.scopeDate, p.region, p.service, stringToSign(p.amzDate, scope, canonical))
	if subtle.ConstantTimeCompare([]byte(want), []byte(p.signature)) != 1 {
		e := invalidSig(msgSignatureMismatch)
		e.Detail = "canonical request computed by the server:\n" + canonical
		return nil, e
	}
	return &Identity{AccessKeyID: p.accessKeyID, Region: p.region, Service: p.service, SignedAt: p.signedAt}, nil
}

func presignedSkip(p *authParams) string {
	if p.presigned {
		return querySignature
	}
	return ""
}

// parseAuth extracts the signature material and refuses what AWS refuses
// before any key is looked up: no authentication, two mechanisms at once,
// malformed parameters, another algorithm, session tokens.
func parseAuth(r *http.Request) (*authParams, *Error) {
	query, _ := url.ParseQuery(r.URL.RawQuery) // the SDK ignores malformed pairs the same way (URL.Query)
	auth := r.Header.Values(headerAuthorization)
	_, presigned := query[queryAlgorithm]

	switch {
	case len(auth) == 0 && !presigned:
		if _, ok := query[querySignature]; ok {
			return nil, incomplete("AWS query-string parameters must include 'X-Amz-Algorithm'. Re-examine the query-string parameters.")
		}
		return nil, missingAuth()
	case len(auth) > 0 && presigned:
		return nil, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(auth) > 1:
		return nil, incomplete("Only one Authorization header is allowed.")
	}

	var (
		p   *authParams
		err *Error
	)
	if presigned {
		p, err = parseQueryAuth(query)
	} else {
		p, err = parseHeaderAuth(auth[0], r.Header)
	}
	if err != nil {
		return nil, err
	}
	p.query = query

	if len(r.Header.Values(headerSecurityToken)) > 0 || len(query[querySecurityToken]) > 0 {
		return nil, unrecognized("request carries X-Amz-Security-Token; toolgate issues no temporary credentials", nil)
	}
	return p, nil
}

func parseHeaderAuth(auth string, h http.Header) (*authParams, *Error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(auth), " ")
	if alg != algorithm {
		return nil, unsupportedAlgorithm(alg)
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, incomplete("Authorization header parameters must be of the form 'Name=Value', separated by commas.")
		}
		if _, dup := fields[k]; dup {
			return nil, incomplete(fmt.Sprintf("Authorization header has a duplicate '%s' parameter.", safeName(k)))
		}
		fields[k] = val
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if fields[k] == "" {
			missing = append(missing, fmt.Sprintf("Authorization header requires '%s' parameter.", k))
		}
	}
	dates := h.Values(headerDate)
	if len(dates) == 0 {
		missing = append(missing, "Authorization header requires existence of a 'X-Amz-Date' header.")
	}
	if len(missing) > 0 {
		return nil, incomplete(strings.Join(missing, " "))
	}
	if len(dates) > 1 {
		return nil, incomplete("Only one X-Amz-Date header is allowed.")
	}
	p := &authParams{signature: fields["Signature"]}
	if err := p.setCredential(fields["Credential"]); err != nil {
		return nil, err
	}
	if err := p.setSignedHeaders(fields["SignedHeaders"]); err != nil {
		return nil, err
	}
	if err := p.setDate(dates[0]); err != nil {
		return nil, err
	}
	return p, nil
}

func parseQueryAuth(q url.Values) (*authParams, *Error) {
	var missing []string
	for _, k := range []string{queryAlgorithm, queryCredential, querySignature, querySignedHeaders, queryDate} {
		switch n := len(q[k]); {
		case n == 0 || q.Get(k) == "":
			missing = append(missing, fmt.Sprintf("AWS query-string parameters must include '%s'.", k))
		case n > 1:
			return nil, incomplete(fmt.Sprintf("AWS query-string parameter '%s' must appear only once.", k))
		}
	}
	if len(missing) > 0 {
		return nil, incomplete(strings.Join(missing, " ") + " Re-examine the query-string parameters.")
	}
	if alg := q.Get(queryAlgorithm); alg != algorithm {
		return nil, unsupportedAlgorithm(alg)
	}
	p := &authParams{presigned: true, signature: q.Get(querySignature)}
	if err := p.setCredential(q.Get(queryCredential)); err != nil {
		return nil, err
	}
	if err := p.setSignedHeaders(q.Get(querySignedHeaders)); err != nil {
		return nil, err
	}
	if err := p.setDate(q.Get(queryDate)); err != nil {
		return nil, err
	}
	if vs, ok := q[queryExpires]; ok {
		secs, err := strconv.ParseInt(q.Get(queryExpires), 10, 64)
		if len(vs) != 1 || err != nil || secs < 0 {
			return nil, incomplete("X-Amz-Expires should be a number of seconds between 0 and 604800.")
		}
		if time.Duration(secs)*time.Second > maxPresignExpiry {
			return nil, incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800.")
		}
		p.expires, p.hasExpires = time.Duration(secs)*time.Second, true
	}
	return p, nil
}

func unsupportedAlgorithm(alg string) *Error {
	// Echo the algorithm only when it looks like one: an Authorization header
	// of another scheme may hold a bearer token, which must not be reflected.
	if strings.HasPrefix(alg, "AWS") && len(alg) <= 32 && isToken(alg) {
		return incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'.", alg))
	}
	return incomplete("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of the AWS4-HMAC-SHA256 algorithm.")
}

// setCredential parses "AKID/YYYYMMDD/region/service/aws4_request".
func (p *authParams) setCredential(c string) *Error {
	parts := strings.Split(c, "/")
	if len(parts) != 5 {
		return incomplete(fmt.Sprintf("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got %d.", len(parts)))
	}
	if parts[0] == "" {
		return incomplete("Credential must include an access key id.")
	}
	if _, err := time.Parse(scopeDateFormat, parts[1]); err != nil {
		return invalidSig("Credential should be scoped to a valid date in the form YYYYMMDD.")
	}
	if parts[2] == "" {
		return invalidSig("Credential should be scoped to a valid region.")
	}
	if parts[4] != terminator {
		return invalidSig(fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", safeName(parts[4])))
	}
	p.accessKeyID, p.scopeDate, p.region, p.service = parts[0], parts[1], parts[2], parts[3]
	return nil
}

// setSignedHeaders keeps the list verbatim (it is hashed as sent) and
// requires host among it: an unsigned Host would let a signature made for
// one endpoint be replayed against another.
func (p *authParams) setSignedHeaders(s string) *Error {
	names := strings.Split(s, ";")
	hasHost := false
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) || !isToken(n) {
			return incomplete("SignedHeaders must be a ';'-separated list of lower-case header names.")
		}
		if n == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return invalidSig("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	p.signedHeaders, p.headerNames = s, names
	return nil
}

func (p *authParams) setDate(d string) *Error {
	t, err := time.Parse(amzDateFormat, d)
	if err != nil {
		return incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got %q. See http://en.wikipedia.org/wiki/ISO_8601", truncate(d, 40)))
	}
	p.amzDate, p.signedAt = d, t.UTC()
	return nil
}

func (v *Verifier) checkScope(p *authParams) *Error {
	if p.service != v.Service {
		return invalidSig(fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.Service))
	}
	if day := p.amzDate[:8]; p.scopeDate != day {
		return invalidSig(fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", p.scopeDate, day, p.amzDate))
	}
	return nil
}

// checkTime bounds replay: a header-signed request must be within MaxSkew of
// the server clock either way; a presigned one may not be dated in the
// future beyond MaxSkew and is valid until X-Amz-Date + X-Amz-Expires (or
// the same ±MaxSkew window when the URL carries no X-Amz-Expires).
func (v *Verifier) checkTime(p *authParams) *Error {
	now := time.Now().UTC()
	if v.Now != nil {
		now = v.Now().UTC()
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	label := skewLabel(skew)
	if earliest := now.Add(-skew); !p.hasExpires && p.signedAt.Before(earliest) {
		return invalidSig(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			p.amzDate, earliest.Format(amzDateFormat), now.Format(amzDateFormat), label))
	}
	if latest := now.Add(skew); p.signedAt.After(latest) {
		return invalidSig(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
			p.amzDate, latest.Format(amzDateFormat), now.Format(amzDateFormat), label))
	}
	if p.hasExpires {
		if end := p.signedAt.Add(p.expires); now.After(end) {
			return invalidSig(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s + %d sec. X-Amz-Expires).",
				end.Format(amzDateFormat), now.Format(amzDateFormat), p.amzDate, int64(p.expires/time.Second)))
		}
	}
	return nil
}

func skewLabel(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", int64(d/time.Minute))
	}
	return fmt.Sprintf("%d sec", int64(d/time.Second))
}

// payloadHash returns the hash that goes into the canonical request. With
// X-Amz-Content-Sha256: UNSIGNED-PAYLOAD the body is not covered (the SDKs
// use this over TLS for streaming uploads) and is left unread. Otherwise the
// body is read, hashed and put back; a client-declared hash must match it, or
// the declared value would sign a body other than the one received.
func (v *Verifier) payloadHash(r *http.Request) (string, *Error) {
	declared := r.Header.Values(headerContentSHA256)
	if len(declared) > 1 {
		return "", incomplete("Only one X-Amz-Content-Sha256 header is allowed.")
	}
	if len(declared) == 1 && declared[0] == unsignedPayload {
		return unsignedPayload, nil
	}
	body, aerr := v.readBody(r)
	if aerr != nil {
		return "", aerr
	}
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	if len(declared) == 1 {
		d := declared[0]
		if len(d) != 64 || !isHex(d) {
			return "", incomplete("X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or the hex-encoded SHA-256 of the payload.")
		}
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(d)), []byte(actual)) != 1 {
			return "", &Error{Code: CodeContentSHA256Mismatch, Status: http.StatusBadRequest,
				Message: "The provided 'x-amz-content-sha256' header does not match what was computed."}
		}
		return d, nil
	}
	return actual, nil
}

// readBody buffers the body (bounded) and replaces r.Body with a reader
// over the same bytes, so the handler sees the request unchanged.
func (v *Verifier) readBody(r *http.Request) ([]byte, *Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	limit := v.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil, &Error{Code: CodeSerialization, Status: http.StatusBadRequest,
			Message: "The request body could not be read.", Err: err}
	}
	if int64(len(body)) > limit {
		return nil, &Error{Code: CodeRequestEntityTooLarge, Status: http.StatusRequestEntityTooLarge,
			Message: fmt.Sprintf("Request body is larger than %d bytes.", limit)}
	}
	return body, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isToken reports whether s is an RFC 9110 token (header names, schemes).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isUnreserved(c) || strings.IndexByte("!#$%&'*+^`|", c) >= 0) {
			return false
		}
	}
	return true
}

// safeName returns s for inclusion in a message when it is a short token,
// otherwise a placeholder: messages reflect only what cannot be a secret.
func safeName(s string) string {
	if len(s) <= 32 && isToken(s) {
		return s
	}
	return "(invalid)"
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
