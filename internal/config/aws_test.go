package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAWSBlock(t *testing.T) {
	t.Setenv("TG_AWS_KEY", "AKIAEXAMPLEEXAMPLE01")
	t.Setenv("TG_AWS_SECRET", "secret-value")
	t.Setenv("TG_AWS_EMPTY", "")
	path := filepath.Join(t.TempDir(), "toolgate.yaml")
	os.WriteFile(path, []byte(`region: eu-west-1
aws:
  access_key_id_env: TG_AWS_KEY
  secret_access_key_env: TG_AWS_SECRET
  assume_role: false
  endpoints:
    sts: http://127.0.0.1:4566
    lambda: https://lambda.internal.example/
`), 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	f := false
	want := AWS{AccessKeyIDEnv: "TG_AWS_KEY", SecretAccessKeyEnv: "TG_AWS_SECRET", AssumeRole: &f, SessionDurationSeconds: 3600, Region: "eu-west-1",
		Endpoints: map[string]string{"sts": "http://127.0.0.1:4566", "lambda": "https://lambda.internal.example/"}}
	if diff := cmp.Diff(want, c.AWS); diff != "" {
		t.Fatalf("aws (-want +got):\n%s", diff)
	}
	id, secret, token, ok := c.AWS.StaticCredentials()
	if id != "AKIAEXAMPLEEXAMPLE01" || secret != "secret-value" || token != "" || !ok || c.AWS.AssumesRole() {
		t.Fatalf("StaticCredentials = %q %q %q %v; AssumesRole %v", id, secret, token, ok, c.AWS.AssumesRole())
	}
	if !(AWS{}).AssumesRole() {
		t.Fatal("roles are not assumed by default")
	}

	for _, tc := range []struct {
		name string
		aws  AWS
		want []string
	}{
		{"profile and keys", AWS{Profile: "ops", AccessKeyIDEnv: "TG_AWS_KEY", SecretAccessKeyEnv: "TG_AWS_SECRET"},
			[]string{"aws.profile: set either profile or access_key_id_env, not both"}},
		{"half a key pair", AWS{AccessKeyIDEnv: "TG_AWS_KEY"},
			[]string{"aws.secret_access_key_env: access_key_id_env and secret_access_key_env go together"}},
		{"token alone", AWS{SessionTokenEnv: "TG_AWS_KEY"},
			[]string{"aws.session_token_env: needs access_key_id_env and secret_access_key_env"}},
		{"unset and bad names", AWS{AccessKeyIDEnv: "TG_AWS_EMPTY", SecretAccessKeyEnv: "1BAD"},
			[]string{"aws.access_key_id_env: environment variable TG_AWS_EMPTY is not set",
				`aws.secret_access_key_env: "1BAD" is not an environment variable name (letters, digits and _, not starting with a digit)`}},
		{"duration and region", AWS{SessionDurationSeconds: 60, Region: "mars"},
			[]string{"aws.session_duration_seconds: 60: want 900..43200 (STS's limits)", `aws.region: "mars" is not a region name like us-east-1`}},
		{"endpoints", AWS{Endpoints: map[string]string{"Lambda": "http://x", "sts": "127.0.0.1:4566", "s3": "http://u:p@minio:9000?x=1"}},
			[]string{`aws.endpoints: "Lambda" is not an AWS service signing name such as sts, lambda or s3`,
				`aws.endpoints.s3: "http://u:p@minio:9000?x=1" must not have a query, fragment or user information`,
				`aws.endpoints.sts: "127.0.0.1:4566" must be an absolute http(s) URL`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{AWS: tc.aws}
			c.ApplyDefaults()
			err := c.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("errors (-want +got):\n%s", diff)
			}
		})
	}
}
