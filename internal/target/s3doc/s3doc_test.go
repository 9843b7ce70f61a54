package s3doc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/awsfake"
	"github.com/toolgate/toolgate/internal/cred/awsiam"
	"github.com/toolgate/toolgate/internal/target/s3doc"
)

const (
	role    = "arn:aws:iam::111122223333:role/gateway-role"
	account = "111122223333"
)

var base = aws.Credentials{AccessKeyID: "AKIABASEBASEBASE0001", SecretAccessKey: "base-secret-MARKER-0123456789abcdefghij"}

// world is STS, which lets the base key assume role, and S3 in s3Region,
// which lets only the role read, and nothing under private/.
func world(t *testing.T, s3Region string) (*awsfake.STS, *awsfake.S3) {
	sts := awsfake.NewSTS(t, "us-east-1", base)
	// S3 knows the role's sessions and toolgate's own key (which may not
	// read, but whose signatures it checks).
	s3 := awsfake.NewS3(t, s3Region, func(id string) (aws.Credentials, bool, bool) {
		if c, expired, ok := sts.Keys()(id); ok || expired {
			return c, expired, ok
		}
		return awsfake.StaticKeys(base)(id)
	})
	s3.Allow(func(c aws.Credentials, _, key string) bool {
		s, ok := sts.SessionOf(c.AccessKeyID)
		return ok && s.RoleArn == role && !strings.HasPrefix(key, "private/")
	})
	s3.CreateBucket("specs", account)
	s3.CreateBucket("docs.example.com", account)
	s3.Put("specs", "weather.yaml", []byte("openapi: 3.0.3\n"))
	s3.Put("specs", "dir/my spec+v1 (ü)=&?#.json", []byte(`{"odd":"key"}`))
	s3.Put("specs", "private/secret.json", []byte(`{}`))
	s3.Put("docs.example.com", "tools.json", []byte(`[]`))
	return sts, s3
}

func TestGet(t *testing.T) {
	sts, s3 := world(t, "us-east-1")
	p := awsiam.New(awsiam.Options{Region: "us-east-1", Static: base, Endpoints: map[string]string{"sts": sts.URL, "s3": s3.URL}})
	gw := p.Role("gw-a1b2c3d4e5", role)
	wrongKey := awsiam.New(awsiam.Options{Region: "us-east-1", Direct: true,
		Static: aws.Credentials{AccessKeyID: base.AccessKeyID, SecretAccessKey: "not-the-secret"}, Endpoints: map[string]string{"s3": s3.URL}}).Role("gw", role)
	sts.Deny("arn:aws:iam::111122223333:role/denied")
	denied := p.Role("gw-a1b2c3d4e5", "arn:aws:iam::111122223333:role/denied")

	type result struct {
		Body string
		Kind s3doc.Kind
		Code string
	}
	for _, tc := range []struct {
		name     string
		role     *awsiam.Role
		uri      string
		owner    string
		maxBytes int64
		want     result
	}{
		{"object", gw, "s3://specs/weather.yaml", "", 0, result{Body: "openapi: 3.0.3\n"}},
		{"key that needs escaping", gw, "s3://specs/dir/my spec+v1 (ü)=&?#.json", "", 0, result{Body: `{"odd":"key"}`}},
		{"bucket with dots", gw, "s3://docs.example.com/tools.json", "", 0, result{Body: `[]`}},
		{"expected owner", gw, "s3://specs/weather.yaml", account, 0, result{Body: "openapi: 3.0.3\n"}},
		{"other owner", gw, "s3://specs/weather.yaml", "999999999999", 0, result{Kind: s3doc.AccessDenied, Code: "AccessDenied"}},
		{"no such key", gw, "s3://specs/missing.yaml", "", 0, result{Kind: s3doc.NotFound, Code: "NoSuchKey"}},
		{"no such bucket", gw, "s3://nobucket/weather.yaml", "", 0, result{Kind: s3doc.NotFound, Code: "NoSuchBucket"}},
		{"denied by policy", gw, "s3://specs/private/secret.json", "", 0, result{Kind: s3doc.AccessDenied, Code: "AccessDenied"}},
		{"too large", gw, "s3://specs/weather.yaml", "", 8, result{Kind: s3doc.TooLarge}},
		{"wrong secret", wrongKey, "s3://specs/weather.yaml", "", 0, result{Kind: s3doc.Refused, Code: "SignatureDoesNotMatch"}},
		{"role not assumable", denied, "s3://specs/weather.yaml", "", 0, result{Kind: s3doc.NoCredentials}},
		{"no AWS configuration", nil, "s3://specs/weather.yaml", "", 0, result{Kind: s3doc.NoCredentials}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := s3doc.ParseURI(tc.uri, tc.owner)
			if err != nil {
				t.Fatal(err)
			}
			obj, err := s3doc.Get(context.Background(), tc.role, loc, tc.maxBytes)
			got := result{Body: string(obj.Body)}
			var e *s3doc.Error
			if errors.As(err, &e) {
				got.Kind, got.Code = e.Kind, e.Code
				if !strings.Contains(err.Error(), tc.uri) {
					t.Errorf("error %q does not name %s", err, tc.uri)
				}
				if strings.Contains(err.Error(), "MARKER") || strings.Contains(err.Error(), "not-the-secret") {
					t.Errorf("error %q carries a secret", err)
				}
			} else if err != nil {
				t.Fatalf("error %v (%T) is not an *s3doc.Error", err, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Get (-want +got):\n%s\nerr: %v", diff, err)
			}
			if err == nil && (obj.ETag == "" || obj.LastModified.IsZero()) {
				t.Errorf("object without ETag or Last-Modified: %+v", obj)
			}
		})
	}
	// The expected owner travels as x-amz-expected-bucket-owner.
	var owners []string
	for _, r := range s3.Requests() {
		if r.ExpectedOwner != "" {
			owners = append(owners, r.ExpectedOwner)
		}
	}
	if diff := cmp.Diff([]string{account, "999999999999"}, owners); diff != "" {
		t.Errorf("x-amz-expected-bucket-owner sent (-want +got):\n%s", diff)
	}
}

// A bucket in another region than toolgate's: S3 names its region and the
// request is signed again for it.
func TestGetFollowsBucketRegion(t *testing.T) {
	sts, s3 := world(t, "eu-west-1")
	p := awsiam.New(awsiam.Options{Region: "us-east-1", Static: base, Endpoints: map[string]string{"sts": sts.URL, "s3": s3.URL}})
	loc, _ := s3doc.ParseURI("s3://specs/weather.yaml", "")
	obj, err := s3doc.Get(context.Background(), p.Role("gw", role), loc, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(obj.Body) != "openapi: 3.0.3\n" {
		t.Fatalf("body %q", obj.Body)
	}
	var codes []string
	for _, r := range s3.Requests() {
		codes = append(codes, r.Code)
	}
	if diff := cmp.Diff([]string{"AuthorizationHeaderMalformed", ""}, codes); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestParseURI(t *testing.T) {
	for _, tc := range []struct {
		uri     string
		want    s3doc.Location
		wantErr string
	}{
		{uri: "s3://specs/weather.yaml", want: s3doc.Location{Bucket: "specs", Key: "weather.yaml"}},
		{uri: "s3://my.bucket-1/a/b/c.json", want: s3doc.Location{Bucket: "my.bucket-1", Key: "a/b/c.json"}},
		{uri: "s3://specs//leading-slash", want: s3doc.Location{Bucket: "specs", Key: "/leading-slash"}},
		{uri: "https://specs/weather.yaml", wantErr: "s3://bucket/key"},
		{uri: "s3://specs", wantErr: "names no object"},
		{uri: "s3://specs/", wantErr: "names no object"},
		{uri: "s3://Specs/x", wantErr: "not an S3 bucket name"},
		{uri: "s3://ab/x", wantErr: "not an S3 bucket name"},
		{uri: "s3://a..b/x", wantErr: "not an S3 bucket name"},
		{uri: "s3://192.168.1.1/x", wantErr: "not an S3 bucket name"},
		{uri: "s3://evil.com:80@specs/x", wantErr: "not an S3 bucket name"},
		{uri: "s3://specs/" + strings.Repeat("k", 1025), wantErr: "at most 1024"},
		{uri: "s3://specs/\xff", wantErr: "UTF-8"},
	} {
		got, err := s3doc.ParseURI(tc.uri, "")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseURI(%q) = %v, want error containing %q", tc.uri, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseURI(%q): %v", tc.uri, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseURI(%q) (-want +got):\n%s", tc.uri, diff)
		}
	}
}

func TestObjectURL(t *testing.T) {
	for _, tc := range []struct {
		endpoint, region, bucket, key string
		want                          string
	}{
		{"", "us-east-1", "specs", "weather.yaml", "https://specs.s3.us-east-1.amazonaws.com/weather.yaml"},
		{"", "eu-west-2", "specs", "a b/c+d~e.json", "https://specs.s3.eu-west-2.amazonaws.com/a%20b/c%2Bd~e.json"},
		{"", "us-east-1", "docs.example.com", "x.json", "https://s3.us-east-1.amazonaws.com/docs.example.com/x.json"},
		{"", "cn-north-1", "specs", "x", "https://specs.s3.cn-north-1.amazonaws.com.cn/x"},
		{"http://127.0.0.1:9000", "us-east-1", "specs", "dir/x=1.json", "http://127.0.0.1:9000/specs/dir/x%3D1.json"},
		{"https://minio.internal/s3/", "us-east-1", "specs", "ü", "https://minio.internal/s3/specs/%C3%BC"},
	} {
		u, err := s3doc.ObjectURL(tc.endpoint, tc.region, s3doc.Location{Bucket: tc.bucket, Key: tc.key})
		if err != nil {
			t.Errorf("ObjectURL(%q, %q, %s/%s): %v", tc.endpoint, tc.region, tc.bucket, tc.key, err)
			continue
		}
		if got := u.String(); got != tc.want {
			t.Errorf("ObjectURL(%q, %q, %s/%s) = %s, want %s", tc.endpoint, tc.region, tc.bucket, tc.key, got, tc.want)
		}
	}
	if _, err := s3doc.ObjectURL("ftp://x", "us-east-1", s3doc.Location{Bucket: "specs", Key: "x"}); err == nil {
		t.Error("ObjectURL accepted an ftp endpoint")
	}
}
