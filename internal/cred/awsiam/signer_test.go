package awsiam_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
)

// verifier answers 200 with the verified scope, or 403 with the reason.
func verifier(t *testing.T, keys awsfake.Keys) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s, err := awsfake.Verify(r, body, keys, time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{
			"service": s.Service, "region": s.Region, "key": s.Credentials.AccessKeyID,
			"body": string(body), "token": r.Header.Get("X-Amz-Security-Token"),
		})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSignerProducesSignaturesAWSAccepts(t *testing.T) {
	session := aws.Credentials{AccessKeyID: "ASIASESSIONSESSION01", SecretAccessKey: "session-secret-0123456789abcdefghijklm", SessionToken: "FQoGsessiontoken"}
	srv := verifier(t, awsfake.StaticKeys(base, session))
	for _, tc := range []struct {
		name           string
		creds          aws.Credentials
		service, reg   string
		method, target string
		body           string
		header         map[string]string
		wantRegion     string
	}{
		{name: "GET with query", creds: base, service: "execute-api", method: "GET", target: "/prod/pets?limit=5&b=a%20b&a=z", wantRegion: region},
		{name: "POST JSON body", creds: base, service: "execute-api", reg: "us-west-2", method: "POST", target: "/prod/pets", body: `{"name":"Rex"}`,
			header: map[string]string{"Content-Type": "application/json"}, wantRegion: "us-west-2"},
		{name: "escaped path", creds: base, service: "bedrock-agentcore", method: "POST", target: "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A1%3Aruntime%2Fx/invocations", body: "{}", wantRegion: region},
		{name: "S3 path", creds: base, service: "s3", method: "GET", target: "/bucket/a%20key/with:colon.json", wantRegion: region},
		{name: "session token", creds: session, service: "lambda", method: "POST", target: "/2015-03-31/functions/f/invocations", body: `{"a":1}`, wantRegion: region},
		{name: "agent-set signing headers are replaced", creds: base, service: "execute-api", method: "PUT", target: "/x", body: "payload",
			header: map[string]string{"Authorization": "Bearer agent", "X-Amz-Security-Token": "agent-token", "x-amz-date": "20000101T000000Z"}, wantRegion: region},
	} {
		t.Run(tc.name, func(t *testing.T) {
			role := &awsiam.Role{ARN: "arn:aws:iam::111122223333:role/r", Region: region, Credentials: aws.NewCredentialsCache(staticProvider(tc.creds))}
			s, err := awsiam.NewSigner(role, tc.service, tc.reg)
			if err != nil {
				t.Fatal(err)
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, _ := http.NewRequest(tc.method, srv.URL+tc.target, body)
			for k, v := range tc.header {
				req.Header[k] = []string{v}
			}
			if err := s.Inject(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 {
				t.Fatalf("verifier refused the signature: %s", out)
			}
			var got map[string]string
			json.Unmarshal(out, &got)
			want := map[string]string{"service": tc.service, "region": tc.wantRegion, "key": tc.creds.AccessKeyID, "body": tc.body, "token": tc.creds.SessionToken}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("verified request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifierRejectsWhatAWSRejects(t *testing.T) {
	srv := verifier(t, awsfake.StaticKeys(base))
	sign := func(creds aws.Credentials, body string) *http.Request {
		role := &awsiam.Role{ARN: "arn:aws:iam::111122223333:role/r", Region: region, Credentials: staticProvider(creds)}
		s, _ := awsiam.NewSigner(role, "execute-api", "")
		req, _ := http.NewRequest("POST", srv.URL+"/prod/pets?x=1", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if err := s.Inject(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, tc := range []struct {
		name   string
		req    func() *http.Request
		reason string
	}{
		{"wrong secret", func() *http.Request {
			return sign(aws.Credentials{AccessKeyID: base.AccessKeyID, SecretAccessKey: "not-the-secret-0123456789abcdefghijklmn"}, "{}")
		}, "signature we calculated does not match"},
		{"unknown key", func() *http.Request {
			return sign(aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN01", SecretAccessKey: "x"}, "{}")
		}, "unknown access key"},
		{"body changed after signing", func() *http.Request {
			r := sign(base, `{"amount":1}`)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(`{"amount":9}`)), 12
			return r
		}, "signature we calculated does not match"},
		{"query changed after signing", func() *http.Request {
			r := sign(base, "{}")
			r.URL.RawQuery = "x=2"
			return r
		}, "signature we calculated does not match"},
		{"signed header changed", func() *http.Request {
			r := sign(base, "{}")
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, "signature we calculated does not match"},
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest("GET", srv.URL+"/", nil)
			return r
		}, "Missing Authentication Token"},
		{"old signature", func() *http.Request {
			role := &awsiam.Role{ARN: "r", Region: region, Credentials: staticProvider(base)}
			s, _ := awsiam.NewSigner(role, "execute-api", "")
			r, _ := http.NewRequest("GET", srv.URL+"/", nil)
			awsiam.SetClock(s, func() time.Time { return time.Now().Add(-20 * time.Minute) })
			s.Inject(context.Background(), r)
			return r
		}, "Signature expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			out, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 403 || !strings.Contains(string(out), tc.reason) {
				t.Fatalf("got %d %q, want 403 mentioning %q", resp.StatusCode, out, tc.reason)
			}
		})
	}
}

func TestSignerReportsCredentialFailures(t *testing.T) {
	sts := awsfake.NewSTS(t, region, base)
	const role = "arn:aws:iam::111122223333:role/denied"
	sts.Deny(role)
	p := awsiam.New(awsiam.Options{Region: region, Static: base, Endpoints: map[string]string{"sts": sts.URL}})
	s, err := awsiam.NewSigner(p.Role("gw", role), "execute-api", "")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
	err = s.Inject(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), role) || strings.Contains(err.Error(), base.SecretAccessKey) {
		t.Fatalf("Inject with a denied role: %v", err)
	}
	if req.Header.Get("Authorization") != "" {
		t.Fatal("a request was signed without credentials")
	}
	if _, err := awsiam.NewSigner(nil, "execute-api", ""); err == nil {
		t.Fatal("NewSigner without a role succeeded")
	}
	if _, err := awsiam.NewSigner(p.Role("gw", role), "", ""); err == nil {
		t.Fatal("NewSigner without a service succeeded")
	}
}

type staticProvider aws.Credentials

func (s staticProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(s), nil
}
