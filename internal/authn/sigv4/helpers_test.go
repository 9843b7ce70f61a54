package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/toolgate/toolgate/internal/authn/sigv4"
)

const (
	testKeyID    = "AKIATOOLGATETEST0001"
	testSecret   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYtoolgateKEY"
	inactiveKey  = "AKIATOOLGATEINACTIVE"
	brokenKey    = "AKIATOOLGATEBROKEN00"
	testService  = "bedrock-agentcore"
	testRegion   = "eu-central-1"
	emptyPayload = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// signedAt is the signing time of every request built by these tests; the
// verifier's clock is pinned to it unless a test moves it.
var signedAt = time.Date(2026, 11, 22, 23, 58, 30, 0, time.UTC)

var errStoreDown = errors.New("store is down")

func lookup(_ context.Context, id string) (string, error) {
	switch id {
	case testKeyID:
		return testSecret, nil
	case brokenKey:
		return "", errStoreDown
	default:
		return "", fmt.Errorf("access key %s: %w", id, sigv4.ErrUnknownKey)
	}
}

func newVerifier(now time.Time) *sigv4.Verifier {
	return &sigv4.Verifier{Service: testService, Lookup: lookup, Now: func() time.Time { return now }}
}

func creds() aws.Credentials {
	return aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// newRequest builds a client request whose body can be re-read (GetBody), so
// tests can sign it, tamper with it and sign a copy again.
func newRequest(t *testing.T, method, url string, body []byte, header http.Header) *http.Request {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatalf("NewRequest(%s %s): %v", method, url, err)
	}
	for k, vs := range header {
		req.Header[k] = append([]string(nil), vs...)
	}
	return req
}

func bodyOf(t *testing.T, req *http.Request) []byte {
	t.Helper()
	if req.GetBody == nil {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func setBody(req *http.Request, b []byte) {
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.ContentLength = int64(len(b))
}

// signWith signs req in place with the SDK's own signer.
func signWith(t *testing.T, req *http.Request, c aws.Credentials, service, region string, at time.Time) {
	t.Helper()
	err := v4.NewSigner().SignHTTP(context.Background(), c, req, sha256Hex(bodyOf(t, req)), service, region, at)
	if err != nil {
		t.Fatalf("SignHTTP: %v", err)
	}
}

func sign(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	signWith(t, req, creds(), testService, testRegion, signedAt)
	return req
}

// presign turns req into a presigned request: the signature moves to the
// query, headers the signer covered are kept.
func presign(t *testing.T, req *http.Request, expires time.Duration) *http.Request {
	t.Helper()
	if expires > 0 {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", fmt.Sprint(int64(expires/time.Second)))
		req.URL.RawQuery = q.Encode()
	}
	body := bodyOf(t, req)
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds(), req, sha256Hex(body), testService, testRegion, signedAt)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	out := newRequest(t, req.Method, u, body, nil)
	for k, vs := range hdr {
		if k != "Host" {
			out.Header[k] = vs
		}
	}
	return out
}

// signatureOf extracts the Signature from the Authorization header.
func signatureOf(req *http.Request) string {
	_, sig, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	return sig
}

// result is what the test server reports back about one request.
type result struct {
	Identity *sigv4.Identity `json:",omitempty"`
	Body     string
	Path     string
}

// verifyingServer answers like the control plane will: the identity on
// success, the AWS error shape on failure. The handler reads the body after
// Verify, proving Verify put it back.
func verifyingServer(t *testing.T, v *sigv4.Verifier) *httptest.Server {
	t.Helper()
	return httptestServer(t, verifyingHandler(v))
}

func verifyingHandler(v *sigv4.Verifier) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := v.Verify(r)
		body, _ := io.ReadAll(r.Body)
		if err != nil {
			writeAWSError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(result{Identity: id, Body: string(body), Path: r.URL.Path})
	})
}

func writeAWSError(w http.ResponseWriter, err error) {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		http.Error(w, "not a sigv4.Error", http.StatusTeapot)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("X-Amzn-RequestId", "test-request")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": e.Message})
}

// roundTrip sends req to srv and decodes the server's verdict.
func roundTrip(t *testing.T, srv *httptest.Server, req *http.Request) (*result, *sigv4.Error) {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		var m struct{ Message string }
		_ = json.Unmarshal(raw, &m)
		return nil, &sigv4.Error{Code: resp.Header.Get("X-Amzn-ErrorType"), Status: resp.StatusCode, Message: m.Message}
	}
	var res result
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return &res, nil
}

// newSignerUnsigned signs req declaring UNSIGNED-PAYLOAD, as SDKs do for
// streaming bodies over TLS.
func newSignerUnsigned(req *http.Request) error {
	return v4.NewSigner().SignHTTP(context.Background(), creds(), req, "UNSIGNED-PAYLOAD", testService, testRegion, signedAt)
}

func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
