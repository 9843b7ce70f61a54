package config

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
)

// AWS configures how toolgate reaches AWS (or AWS-compatible) APIs as its
// gateways' execution roles: GATEWAY_IAM_ROLE targets (Lambda functions,
// SigV4-signed HTTP APIs).
//
// toolgate's own ("base") credentials come from the environment variables
// named by access_key_id_env / secret_access_key_env (/ session_token_env),
// or from profile in the shared AWS files, or from the AWS SDK's default
// chain (environment, shared files, SSO, web identity, container and
// instance roles). With assume_role (the default) toolgate assumes each
// gateway's roleArn through STS with them; with assume_role: false it signs
// with them directly, for a toolgate that already runs as its gateways'
// role. Secrets are never written in this file.
type AWS struct {
	// Profile is a profile of the shared AWS config and credentials files.
	Profile string `yaml:"profile"`
	// AccessKeyIDEnv and SecretAccessKeyEnv name environment variables
	// holding static base credentials; SessionTokenEnv optionally names one
	// holding a session token.
	AccessKeyIDEnv     string `yaml:"access_key_id_env"`
	SecretAccessKeyEnv string `yaml:"secret_access_key_env"`
	SessionTokenEnv    string `yaml:"session_token_env"`
	// AssumeRole assumes each gateway's roleArn (default true).
	AssumeRole *bool `yaml:"assume_role"`
	// SessionDurationSeconds of assumed-role sessions, 900..43200. Default 3600.
	SessionDurationSeconds int `yaml:"session_duration_seconds"`
	// Region is where STS is called. Default: the top-level region.
	Region string `yaml:"region"`
	// Endpoints overrides AWS service endpoints by signing name — sts,
	// lambda, s3, ... — to point toolgate at AWS-compatible services
	// (LocalStack, MinIO) or VPC endpoints: absolute http(s) URLs. Smithy
	// targets look theirs up by the model's endpointPrefix.
	Endpoints map[string]string `yaml:"endpoints"`
}

// DefaultAWSSessionDurationSeconds is the default assumed-role session length.
const DefaultAWSSessionDurationSeconds = 3600

// AssumesRole reports whether gateways' roles are assumed through STS.
func (a AWS) AssumesRole() bool { return a.AssumeRole == nil || *a.AssumeRole }

// StaticCredentials reads the static base credentials from the environment
// variables the configuration names; ok is false when none are configured.
func (a AWS) StaticCredentials() (accessKeyID, secretAccessKey, sessionToken string, ok bool) {
	if a.AccessKeyIDEnv == "" {
		return "", "", "", false
	}
	if a.SessionTokenEnv != "" {
		sessionToken = os.Getenv(a.SessionTokenEnv)
	}
	return os.Getenv(a.AccessKeyIDEnv), os.Getenv(a.SecretAccessKeyEnv), sessionToken, true
}

func (a *AWS) applyDefaults(region string) {
	if a.Region == "" {
		a.Region = region
	}
	if a.SessionDurationSeconds == 0 {
		a.SessionDurationSeconds = DefaultAWSSessionDurationSeconds
	}
}

var reServiceName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

func (a *AWS) validate() []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("aws.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if a.Profile != "" && a.AccessKeyIDEnv != "" {
		bad("profile", "set either profile or access_key_id_env, not both")
	}
	if (a.AccessKeyIDEnv == "") != (a.SecretAccessKeyEnv == "") {
		bad("secret_access_key_env", "access_key_id_env and secret_access_key_env go together")
	}
	if a.SessionTokenEnv != "" && a.AccessKeyIDEnv == "" {
		bad("session_token_env", "needs access_key_id_env and secret_access_key_env")
	}
	for _, e := range []struct{ field, name string }{
		{"access_key_id_env", a.AccessKeyIDEnv}, {"secret_access_key_env", a.SecretAccessKeyEnv}, {"session_token_env", a.SessionTokenEnv},
	} {
		switch {
		case e.name == "":
		case !envNameRE(e.name):
			bad(e.field, "%q is not an environment variable name (letters, digits and _, not starting with a digit)", e.name)
		case os.Getenv(e.name) == "":
			bad(e.field, "environment variable %s is not set", e.name)
		}
	}
	if d := a.SessionDurationSeconds; d < 900 || d > 43200 {
		bad("session_duration_seconds", "%d: want 900..43200 (STS's limits)", d)
	}
	if !regionRE(a.Region) {
		bad("region", "%q is not a region name like us-east-1", a.Region)
	}
	keys := make([]string, 0, len(a.Endpoints))
	for k := range a.Endpoints {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !reServiceName.MatchString(k) {
			bad("endpoints", "%q is not an AWS service signing name such as sts, lambda or s3", k)
			continue
		}
		u, err := url.Parse(a.Endpoints[k])
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad("endpoints."+k, "%q must be an absolute http(s) URL", a.Endpoints[k])
		case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			bad("endpoints."+k, "%q must not have a query, fragment or user information", a.Endpoints[k])
		}
	}
	return errs
}
