package awsfake_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/awsfake"
)

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// TestS3GetObject checks the fake answers as S3 does, with requests signed
// by the SDK's signer.
func TestS3GetObject(t *testing.T) {
	reader := aws.Credentials{AccessKeyID: "AKIAREADERREADER0001", SecretAccessKey: "reader-secret"}
	other := aws.Credentials{AccessKeyID: "AKIAOTHEROTHER000001", SecretAccessKey: "other-secret"}
	s3 := awsfake.NewS3(t, "eu-west-1", awsfake.StaticKeys(reader, other))
	s3.Allow(func(c aws.Credentials, _, _ string) bool { return c.AccessKeyID == reader.AccessKeyID })
	s3.CreateBucket("specs", "111122223333")
	s3.Put("specs", "dir/a b.json", []byte(`{"a":1}`))

	type answer struct {
		Status int
		Code   string
		Body   string
	}
	for _, tc := range []struct {
		name   string
		method string
		path   string
		creds  *aws.Credentials // nil: unsigned
		region string
		header map[string]string
		noHash bool
		want   answer
	}{
		{name: "object", path: "/specs/dir/a%20b.json", creds: &reader, want: answer{Status: 200, Body: `{"a":1}`}},
		{name: "head", method: http.MethodHead, path: "/specs/dir/a%20b.json", creds: &reader, want: answer{Status: 200}},
		{name: "owner matches", path: "/specs/dir/a%20b.json", creds: &reader, header: map[string]string{"X-Amz-Expected-Bucket-Owner": "111122223333"}, want: answer{Status: 200, Body: `{"a":1}`}},
		{name: "owner differs", path: "/specs/dir/a%20b.json", creds: &reader, header: map[string]string{"X-Amz-Expected-Bucket-Owner": "999999999999"}, want: answer{Status: 403, Code: "AccessDenied"}},
		{name: "wrong signature", path: "/specs/dir/a%20b.json", creds: &aws.Credentials{AccessKeyID: reader.AccessKeyID, SecretAccessKey: "wrong"}, want: answer{Status: 403, Code: "SignatureDoesNotMatch"}},
		{name: "unknown key", path: "/specs/dir/a%20b.json", creds: &aws.Credentials{AccessKeyID: "AKIANOBODY", SecretAccessKey: "x"}, want: answer{Status: 403, Code: "InvalidAccessKeyId"}},
		{name: "unsigned", path: "/specs/dir/a%20b.json", want: answer{Status: 403, Code: "AccessDenied"}},
		{name: "no content hash", path: "/specs/dir/a%20b.json", creds: &reader, noHash: true, want: answer{Status: 400, Code: "InvalidRequest"}},
		{name: "wrong region", path: "/specs/dir/a%20b.json", creds: &reader, region: "us-east-1", want: answer{Status: 400, Code: "AuthorizationHeaderMalformed"}},
		{name: "no such key", path: "/specs/nope.json", creds: &reader, want: answer{Status: 404, Code: "NoSuchKey"}},
		{name: "no such bucket", path: "/nobucket/x.json", creds: &reader, want: answer{Status: 404, Code: "NoSuchBucket"}},
		{name: "not allowed", path: "/specs/dir/a%20b.json", creds: &other, want: answer{Status: 403, Code: "AccessDenied"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req, err := http.NewRequest(method, s3.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			if tc.creds != nil {
				region := tc.region
				if region == "" {
					region = "eu-west-1"
				}
				if !tc.noHash {
					req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
				}
				signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
				if err := signer.SignHTTP(context.Background(), *tc.creds, req, emptySHA256, "s3", region, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			got := answer{Status: resp.StatusCode}
			if resp.StatusCode == 200 {
				got.Body = string(raw)
				if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" {
					t.Errorf("headers %v lack ETag or Last-Modified", resp.Header)
				}
			} else if method == http.MethodGet {
				var doc struct {
					Code string `xml:"Code"`
				}
				if err := xml.Unmarshal(raw, &doc); err != nil {
					t.Fatalf("error body %q: %v", raw, err)
				}
				got.Code = doc.Code
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
