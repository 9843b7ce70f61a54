package sigv4_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/toolgate/toolgate/internal/authn/sigv4"
)

// validCase is a request the SDK signs and the verifier must accept.
type validCase struct {
	name   string
	method string
	target string // path and query, appended to the server URL
	body   []byte
	header http.Header
}

var validCases = []validCase{
	{name: "list with query", method: "GET", target: "/gateways/?maxResults=10&nextToken=abc"},
	{name: "repeated keys", method: "GET", target: "/x?b=2&a=1&a=0&a=10&tagKeys=z&tagKeys=y"},
	{name: "spaces as %20 and +", method: "GET", target: "/x?q=a%20b&r=c+d"},
	{name: "literal plus", method: "GET", target: "/x?q=a%2Bb&p=1%2B1%3D2"},
	{name: "unicode query", method: "GET", target: "/x?name=%E2%9C%93caf%C3%A9&%C3%BC=1"},
	{name: "empty values", method: "GET", target: "/x?empty=&flag&z="},
	{name: "sort after encoding", method: "GET", target: "/x?k=a%2Fb&k=a-b&k=a_b"},
	{name: "reserved characters in query", method: "GET", target: "/x?q=%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%2F%3F%23%5B%5D"},
	{
		name: "post json", method: "POST", target: "/gateways/",
		body:   []byte(`{"name":"gw-one","protocolType":"MCP","authorizerType":"NONE"}`),
		header: http.Header{"Content-Type": {"application/json"}},
	},
	{
		name: "put json", method: "PUT", target: "/gateways/gw-1/",
		body:   []byte(`{"name":"gw-one","description":"ünïcödé and \"quotes\""}`),
		header: http.Header{"Content-Type": {"application/json"}},
	},
	{name: "delete", method: "DELETE", target: "/gateways/gw-1/"},
	{name: "root path", method: "GET", target: "/"},
	{name: "arn label with %3A and %2F", method: "GET", target: "/tags/arn%3Aaws%3Abedrock-agentcore%3Aeu-central-1%3A123456789012%3Agateway%2Fgw-1"},
	{name: "trailing slash", method: "GET", target: "/gateways/gw-1/targets/"},
	{name: "unicode path", method: "GET", target: "/gateways/caf%C3%A9/%E2%9C%93/"},
	{name: "encoded unreserved and sub-delims in path", method: "GET", target: "/a/%7Euser/d(e)/f%20g/h%2Bi"},
	{name: "double slash", method: "GET", target: "/a//b/"},
	{
		name: "extra signed headers with excess spaces and two values", method: "POST", target: "/identities/GetWorkloadAccessToken",
		body: []byte(`{}`),
		header: http.Header{
			"Content-Type": {"application/json"},
			"X-Custom":     {"  a   b  c ", "second"},
		},
	},
}

func TestVerifyAcceptsSDKSignatures(t *testing.T) {
	v := newVerifier(signedAt.Add(90 * time.Second))
	srv := verifyingServer(t, v)
	want := &sigv4.Identity{AccessKeyID: testKeyID, Region: testRegion, Service: testService, SignedAt: signedAt}

	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			// In process: the request as the client built it.
			req := sign(t, newRequest(t, tc.method, srv.URL+tc.target, tc.body, tc.header))
			got, err := v.Verify(req)
			if err != nil {
				t.Fatalf("in-process Verify: %v\n%s", err, detail(err))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}

			// Over the wire: the request as a Go server receives it.
			req = sign(t, newRequest(t, tc.method, srv.URL+tc.target, tc.body, tc.header))
			res, aerr := roundTrip(t, srv, req)
			if aerr != nil {
				t.Fatalf("server refused: %v", aerr)
			}
			if diff := cmp.Diff(want, res.Identity); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if res.Body != string(tc.body) {
				t.Errorf("handler read body %q after Verify, want %q", res.Body, tc.body)
			}
		})
	}
}

func TestVerifyAcceptsPresignedURLs(t *testing.T) {
	v := newVerifier(signedAt.Add(10 * time.Minute)) // past the skew, inside X-Amz-Expires
	srv := verifyingServer(t, v)
	for _, tc := range validCases {
		t.Run(tc.name, func(t *testing.T) {
			req := presign(t, newRequest(t, tc.method, srv.URL+tc.target, tc.body, tc.header), 15*time.Minute)
			if req.Header.Get("Authorization") != "" || req.URL.Query().Get("X-Amz-Signature") == "" {
				t.Fatalf("not a presigned request: %s", req.URL)
			}
			res, aerr := roundTrip(t, srv, req)
			if aerr != nil {
				t.Fatalf("server refused %s: %v", req.URL, aerr)
			}
			want := &sigv4.Identity{AccessKeyID: testKeyID, Region: testRegion, Service: testService, SignedAt: signedAt}
			if diff := cmp.Diff(want, res.Identity); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyAcceptsAnyRegionAndUnsignedPayload(t *testing.T) {
	v := newVerifier(signedAt)

	req := newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil)
	signWith(t, req, creds(), testService, "ap-southeast-7", signedAt)
	id, err := v.Verify(req)
	if err != nil {
		t.Fatal(err)
	}
	if id.Region != "ap-southeast-7" {
		t.Errorf("Region = %q, want the scope's region", id.Region)
	}

	// UNSIGNED-PAYLOAD leaves the body out of the signature (documented
	// SigV4 behaviour), so even a changed body verifies and stays unread.
	req = newRequest(t, "POST", "http://toolgate.test/gateways/", []byte(`{"a":1}`), nil)
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := newSignerUnsigned(req); err != nil {
		t.Fatal(err)
	}
	setBody(req, []byte(`{"a":2}`))
	if _, err := v.Verify(req); err != nil {
		t.Fatalf("UNSIGNED-PAYLOAD: %v", err)
	}

	// A declared hash equal to the body's is honoured.
	req = newRequest(t, "POST", "http://toolgate.test/gateways/", []byte(`{"a":1}`), nil)
	req.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(`{"a":1}`)))
	sign(t, req)
	if _, err := v.Verify(req); err != nil {
		t.Fatalf("declared hash: %v", err)
	}
}

// negCase builds a request (usually signed, then tampered with) that must be
// refused with the given code, status and message fragment.
type negCase struct {
	name    string
	now     time.Time // verifier clock; zero = signedAt
	build   func(t *testing.T) *http.Request
	code    string
	status  int
	message string // substring of the public message
	cause   error  // errors.Is target, when the failure has one
}

func signed(method, target string, body []byte, header http.Header) func(t *testing.T) *http.Request {
	return func(t *testing.T) *http.Request {
		return sign(t, newRequest(t, method, "http://toolgate.test"+target, body, header))
	}
}

func tampered(base func(t *testing.T) *http.Request, mutate func(*http.Request)) func(t *testing.T) *http.Request {
	return func(t *testing.T) *http.Request {
		req := base(t)
		mutate(req)
		return req
	}
}

func negativeCases() []negCase {
	jsonHdr := http.Header{"Content-Type": {"application/json"}, "X-Custom": {"v1"}}
	post := signed("POST", "/gateways/", []byte(`{"name":"aaaa"}`), jsonHdr)
	get := signed("GET", "/gateways/?maxResults=10&nextToken=abc", nil, nil)
	setAuth := func(v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set("Authorization", v) } }
	const mismatch = "The request signature we calculated does not match the signature you provided."

	return []negCase{
		{name: "missing auth", build: func(t *testing.T) *http.Request {
			return newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil)
		}, code: sigv4.CodeMissingAuthenticationToken, status: 403, message: "Missing Authentication Token"},
		{name: "tampered body", build: tampered(post, func(r *http.Request) { setBody(r, []byte(`{"name":"bbbb"}`)) }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "tampered query value", build: tampered(get, func(r *http.Request) { r.URL.RawQuery = "maxResults=11&nextToken=abc" }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "added query parameter", build: tampered(get, func(r *http.Request) { r.URL.RawQuery += "&extra=1" }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "tampered path", build: tampered(signed("GET", "/gateways/gw-1/", nil, nil), func(r *http.Request) { r.URL.Path = "/gateways/gw-2/" }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "decoded %2F in path", build: tampered(signed("GET", "/tags/a%2Fb", nil, nil), func(r *http.Request) { r.URL.RawPath = "" }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "tampered method", build: tampered(get, func(r *http.Request) { r.Method = "DELETE" }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "tampered signed header", build: tampered(post, func(r *http.Request) { r.Header.Set("X-Custom", "v2") }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "tampered host", build: tampered(get, func(r *http.Request) { r.Host = "evil.test" }),
			code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "unsigned host", build: tampered(get, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=", 1))
		}), code: sigv4.CodeInvalidSignature, status: 403, message: "'Host' or ':authority' must be a 'SignedHeader'"},
		{name: "wrong secret", build: func(t *testing.T) *http.Request {
			req := newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil)
			signWith(t, req, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "not-the-secret"}, testService, testRegion, signedAt)
			return req
		}, code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "unknown key", build: func(t *testing.T) *http.Request {
			req := newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil)
			signWith(t, req, aws.Credentials{AccessKeyID: inactiveKey, SecretAccessKey: testSecret}, testService, testRegion, signedAt)
			return req
		}, code: sigv4.CodeUnrecognizedClient, status: 403, message: "The security token included in the request is invalid.", cause: sigv4.ErrUnknownKey},
		{name: "lookup failure", build: func(t *testing.T) *http.Request {
			req := newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil)
			signWith(t, req, aws.Credentials{AccessKeyID: brokenKey, SecretAccessKey: testSecret}, testService, testRegion, signedAt)
			return req
		}, code: sigv4.CodeInternalFailure, status: 500, message: "internal error", cause: errStoreDown},
		{name: "wrong service", build: func(t *testing.T) *http.Request {
			req := newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil)
			signWith(t, req, creds(), "iam", testRegion, signedAt)
			return req
		}, code: sigv4.CodeInvalidSignature, status: 403, message: "Credential should be scoped to correct service: 'bedrock-agentcore'."},
		{name: "skew +6 minutes", now: signedAt.Add(-6 * time.Minute), build: get,
			code: sigv4.CodeInvalidSignature, status: 403,
			message: "Signature not yet current: 20261122T235830Z is still later than 20261122T235730Z (20261122T235230Z + 5 min.)"},
		{name: "skew -6 minutes", now: signedAt.Add(6 * time.Minute), build: get,
			code: sigv4.CodeInvalidSignature, status: 403,
			message: "Signature expired: 20261122T235830Z is now earlier than 20261122T235930Z (20261123T000430Z - 5 min.)"},
		{name: "scope date differs from X-Amz-Date", build: tampered(get, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20261123T000000Z") }),
			now: signedAt, code: sigv4.CodeInvalidSignature, status: 403,
			message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261122' != '20261123'"},
		{name: "expired presign", now: signedAt.Add(61 * time.Second), build: func(t *testing.T) *http.Request {
			return presign(t, newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil), time.Minute)
		}, code: sigv4.CodeInvalidSignature, status: 403, message: "Signature expired: 20261122T235930Z is now earlier than 20261122T235931Z"},
		{name: "presign without X-Amz-Expires past the skew", now: signedAt.Add(6 * time.Minute), build: func(t *testing.T) *http.Request {
			return presign(t, newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil), 0)
		}, code: sigv4.CodeInvalidSignature, status: 403, message: "Signature expired"},
		{name: "presign expiry over a week", build: func(t *testing.T) *http.Request {
			return presign(t, newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil), 8*24*time.Hour)
		}, code: sigv4.CodeIncompleteSignature, status: 400, message: "604800"},
		{name: "presign tampered", build: func(t *testing.T) *http.Request {
			req := presign(t, newRequest(t, "GET", "http://toolgate.test/gateways/?a=1", nil, nil), time.Minute)
			req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "a=1", "a=2", 1)
			return req
		}, code: sigv4.CodeInvalidSignature, status: 403, message: mismatch},
		{name: "garbage header", build: tampered(get, setAuth("garbage")),
			code: sigv4.CodeIncompleteSignature, status: 400, message: "requires 'Credential', 'SignedHeaders' and 'Signature'"},
		{name: "bearer token is not echoed", build: tampered(get, setAuth("Bearer eyJhbGciOiJIUzI1NiJ9.secret")),
			code: sigv4.CodeIncompleteSignature, status: 400, message: "AWS4-HMAC-SHA256"},
		{name: "wrong algorithm", build: tampered(get, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1))
		}), code: sigv4.CodeIncompleteSignature, status: 400, message: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'."},
		{name: "missing signature parameter", build: tampered(get, setAuth("AWS4-HMAC-SHA256 Credential="+testKeyID+"/20261122/eu-central-1/bedrock-agentcore/aws4_request, SignedHeaders=host;x-amz-date")),
			code: sigv4.CodeIncompleteSignature, status: 400, message: "Authorization header requires 'Signature' parameter."},
		{name: "short credential", build: tampered(get, setAuth("AWS4-HMAC-SHA256 Credential="+testKeyID+"/20261122/aws4_request, SignedHeaders=host, Signature=00")),
			code: sigv4.CodeIncompleteSignature, status: 400, message: "exactly 5 slash-delimited elements"},
		{name: "bad terminator", build: tampered(get, setAuth("AWS4-HMAC-SHA256 Credential="+testKeyID+"/20261122/eu-central-1/bedrock-agentcore/aws5_request, SignedHeaders=host, Signature=00")),
			code: sigv4.CodeInvalidSignature, status: 403, message: "valid terminator: 'aws4_request', not 'aws5_request'"},
		{name: "missing X-Amz-Date", build: tampered(get, func(r *http.Request) { r.Header.Del("X-Amz-Date") }),
			code: sigv4.CodeIncompleteSignature, status: 400, message: "'X-Amz-Date'"},
		{name: "malformed X-Amz-Date", build: tampered(get, func(r *http.Request) { r.Header.Set("X-Amz-Date", "2026-11-22T23:58:30Z") }),
			code: sigv4.CodeIncompleteSignature, status: 400, message: "ISO-8601 'basic format'"},
		{name: "session token present", build: func(t *testing.T) *http.Request {
			req := newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil)
			signWith(t, req, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret, SessionToken: "FwoGZXIvYXdzEXAMPLE"}, testService, testRegion, signedAt)
			return req
		}, code: sigv4.CodeUnrecognizedClient, status: 403, message: "The security token included in the request is invalid."},
		{name: "both header and query auth", build: func(t *testing.T) *http.Request {
			req := presign(t, newRequest(t, "GET", "http://toolgate.test/gateways/", nil, nil), time.Minute)
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return req
		}, code: sigv4.CodeIncompleteSignature, status: 400, message: "Only one auth mechanism"},
		{name: "declared payload hash differs from body", build: func(t *testing.T) *http.Request {
			req := newRequest(t, "POST", "http://toolgate.test/gateways/", []byte(`{"a":1}`), nil)
			req.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte(`{"a":1}`)))
			sign(t, req)
			setBody(req, []byte(`{"a":2}`))
			return req
		}, code: sigv4.CodeContentSHA256Mismatch, status: 400, message: "x-amz-content-sha256"},
	}
}

func TestVerifyRejects(t *testing.T) {
	for _, tc := range negativeCases() {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = signedAt
			}
			req := tc.build(t)
			expected := expectedSignature(t, req)

			id, err := newVerifier(now).Verify(req)
			if err == nil {
				t.Fatalf("Verify accepted the request as %+v", id)
			}
			var got *sigv4.Error
			if !errors.As(err, &got) {
				t.Fatalf("error %T %v is not a *sigv4.Error", err, err)
			}
			want := &sigv4.Error{Code: tc.code, Status: tc.status}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(sigv4.Error{}, "Message", "Detail", "Err")); diff != "" {
				t.Errorf("error (-want +got):\n%s\nmessage: %s", diff, got.Message)
			}
			if !strings.Contains(got.Message, tc.message) {
				t.Errorf("message %q does not contain %q", got.Message, tc.message)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("errors.Is(err, %v) = false", tc.cause)
			}
			assertNoLeak(t, got, expected)
		})
	}
}

// expectedSignature is the signature the server computes for req: the SDK
// signing the (possibly tampered) request with the real secret. Empty when
// req has no header signature to replace.
func expectedSignature(t *testing.T, req *http.Request) string {
	t.Helper()
	if signatureOf(req) == "" {
		return ""
	}
	cp := req.Clone(req.Context())
	if req.GetBody != nil {
		setBody(cp, bodyOf(t, req))
	}
	cp.Header.Del("Authorization")
	cp.Header.Del("X-Amz-Security-Token")
	signWith(t, cp, creds(), testService, testRegion, signedAt)
	return signatureOf(cp)
}

// assertNoLeak checks that nothing an Error carries, public or log-only,
// contains the secret or the signature the server expected.
func assertNoLeak(t *testing.T, e *sigv4.Error, expected string) {
	t.Helper()
	all := fmt.Sprintf("%s %s %v %+v", e.Error(), e.Detail, e, e.LogValue())
	if strings.Contains(all, testSecret) {
		t.Errorf("error reveals the secret: %s", all)
	}
	if expected != "" && strings.Contains(all, expected) {
		t.Errorf("error reveals the expected signature %s: %s", expected, all)
	}
	if strings.Contains(all, "eyJhbGciOiJIUzI1NiJ9") {
		t.Errorf("error reflects a bearer token: %s", all)
	}
}

func TestVerifyMisconfigured(t *testing.T) {
	req := sign(t, newRequest(t, "GET", "http://toolgate.test/", nil, nil))
	for _, v := range []*sigv4.Verifier{{Lookup: lookup}, {Service: testService}} {
		_, err := v.Verify(req)
		var e *sigv4.Error
		if !errors.As(err, &e) || e.Code != sigv4.CodeInternalFailure {
			t.Errorf("Verify with %+v = %v, want InternalFailure", v, err)
		}
	}
}

func TestVerifyBodyLimit(t *testing.T) {
	v := newVerifier(signedAt)
	v.MaxBodyBytes = 8
	req := sign(t, newRequest(t, "POST", "http://toolgate.test/gateways/", []byte(`{"0123456789"}`), nil))
	_, err := v.Verify(req)
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Code != sigv4.CodeRequestEntityTooLarge || e.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("Verify = %v, want RequestEntityTooLargeException", err)
	}
	v.MaxBodyBytes = 14
	req = sign(t, newRequest(t, "POST", "http://toolgate.test/gateways/", []byte(`{"0123456789"}`), nil))
	if _, err := v.Verify(req); err != nil {
		t.Fatalf("body exactly at the limit: %v", err)
	}
}

// The detail of a mismatch shows the canonical request, with the path
// escaped twice — what an operator compares against the client's log.
func TestMismatchDetailShowsCanonicalRequest(t *testing.T) {
	req := newRequest(t, "GET", "http://toolgate.test/tags/a%2Fb", nil, nil)
	signWith(t, req, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "wrong"}, testService, testRegion, signedAt)
	_, err := newVerifier(signedAt).Verify(req)
	var e *sigv4.Error
	if !errors.As(err, &e) {
		t.Fatalf("Verify = %v", err)
	}
	if !strings.Contains(e.Detail, "\n/tags/a%252Fb\n") || !strings.Contains(e.Detail, "\n"+emptyPayload) {
		t.Errorf("detail lacks the canonical URI or payload hash:\n%s", e.Detail)
	}
}

func detail(err error) string {
	var e *sigv4.Error
	if errors.As(err, &e) {
		return e.Detail
	}
	return ""
}

// The IAM and Cognito APIs live under /iam/ and /cognito-idp/, where a mux may
// strip the prefix before the handler runs; clients signed the full path, so
// the verifier must use the request target as sent.
func TestVerifyBehindStripPrefix(t *testing.T) {
	v := newVerifier(signedAt)
	srv := httptestServer(t, http.StripPrefix("/iam", verifyingHandler(v)))
	req := newRequest(t, "POST", srv.URL+"/iam/", []byte("Action=ListUsers&Version=2010-05-08"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}})
	res, aerr := roundTrip(t, srv, sign(t, req))
	if aerr != nil {
		t.Fatalf("server refused: %v", aerr)
	}
	if res.Path != "/" || res.Identity == nil {
		t.Errorf("handler saw path %q identity %v, want \"/\" and an identity", res.Path, res.Identity)
	}
}
