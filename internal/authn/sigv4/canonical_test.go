package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
	"github.com/google/go-cmp/cmp"
)

// TestCanonicalRequestMatchesSDK compares the canonical request this package
// builds with the one the SDK's signer logs for the same request, byte for
// byte, so a divergence shows up as a readable diff rather than only as a
// signature mismatch.
func TestCanonicalRequestMatchesSDK(t *testing.T) {
	cases := []struct {
		method, url string
		body        string
		header      http.Header
	}{
		{"GET", "https://control.test/gateways/?maxResults=10&nextToken=a%2Fb%20c+d", "", nil},
		{"GET", "https://control.test/tags/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Agateway%2Fgw-1", "", nil},
		{"GET", "https://control.test/gateways/caf%C3%A9/d(e)/%7E/", "", nil},
		{"GET", "https://control.test", "", nil},
		{"GET", "https://control.test/x?k=a%2Fb&k=a-b&empty=&flag&%C3%BC=%E2%9C%93", "", nil},
		{"POST", "https://control.test:8443/identities/CreateApiKeyCredentialProvider", `{"name":"n","apiKey":"k"}`,
			http.Header{"Content-Type": {"application/json"}, "X-Custom": {"  a   b ", "c"}}},
		{"DELETE", "http://127.0.0.1:8081/gateways/gw-1/", "", nil},
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.url, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body == "" {
				req.Body, req.ContentLength = http.NoBody, 0
			}
			for k, v := range tc.header {
				req.Header[k] = v
			}
			sum := sha256.Sum256([]byte(tc.body))
			payload := hex.EncodeToString(sum[:])

			var logged bytes.Buffer
			logger := logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
				fmt.Fprintf(&logged, format, v...)
			})
			err = v4.NewSigner(func(o *v4.SignerOptions) { o.LogSigning, o.Logger = true, logger }).
				SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}, req, payload, "bedrock-agentcore", "us-east-1", at)
			if err != nil {
				t.Fatal(err)
			}
			want := between(t, logged.String(), "---[ CANONICAL STRING  ]-----------------------------\n", "\n---[ STRING TO SIGN ]")

			p, aerr := parseAuth(req)
			if aerr != nil {
				t.Fatalf("parseAuth: %v", aerr)
			}
			got := canonicalRequest(req.Method, canonicalURI(wirePath(req)), canonicalQuery(p.query, ""),
				canonicalHeaders(req, p.headerNames), p.signedHeaders, payload)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("canonical request (-sdk +ours):\n%s", diff)
			}
		})
	}
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("SDK log lacks %q:\n%s", start, s)
	}
	out, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("SDK log lacks %q:\n%s", end, s)
	}
	return out
}

func TestStripExcessSpaces(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"   ":          "",
		"a":            "a",
		"  a  b   c  ": "a b c",
		"a\t  b":       "a\t b",
	} {
		if got := stripExcessSpaces(in); got != want {
			t.Errorf("stripExcessSpaces(%q) = %q, want %q", in, got, want)
		}
	}
}
