// Package awsiam gives gateways the AWS credentials of their execution role
// (GATEWAY_IAM_ROLE) and signs outbound requests with them (SigV4).
//
// toolgate's own, "base" AWS credentials come from the bootstrap
// configuration: static keys read from environment variables, a profile of
// the shared config files, or the SDK's default credential chain. With them
// the Provider assumes each gateway's roleArn through STS AssumeRole, with a
// role session name that names the gateway, so CloudTrail on the AWS side
// shows which gateway acted. Assumed credentials are cached per gateway and
// role and refreshed a few minutes before they expire; concurrent callers
// share one refresh. When toolgate already runs as the role its gateways
// should use (Options.Direct), the base credentials sign directly.
//
// Endpoint overrides (by service signing name: "sts", "lambda", "s3", ...)
// let operators point toolgate at AWS-compatible services.
//
// No type of this package prints a secret: Role and Signer format as the
// role ARN and signing scope, errors carry no key material.
package awsiam

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Defaults for assumed-role sessions.
const (
	// DefaultSessionDuration is the lifetime asked of STS (AWS's default
	// and the maximum of role chaining).
	DefaultSessionDuration = time.Hour
	// refreshWindow: cached credentials are refreshed this long before they
	// expire, so a signature is never made with credentials about to lapse
	// mid-request (a slow upstream, clock skew).
	refreshWindow = 5 * time.Minute
	// SessionNamePrefix starts every role session name.
	SessionNamePrefix = "toolgate-"
)

// Options configure a Provider.
type Options struct {
	// Region is toolgate's region: the gateways' region, the default
	// signing region of targets that name none.
	Region string
	// STSRegion is where STS is called ("" = Region).
	STSRegion string
	// Profile selects a profile of the shared AWS config and credentials
	// files for the base credentials ("" = the SDK's default chain).
	Profile string
	// Static, when AccessKeyID is set, are the base credentials.
	Static aws.Credentials
	// Base, when set, replaces every other source of base credentials.
	Base aws.CredentialsProvider
	// Direct signs with the base credentials instead of assuming each
	// gateway's role: toolgate already runs as that role.
	Direct bool
	// SessionDuration of assumed-role sessions (0 = DefaultSessionDuration).
	SessionDuration time.Duration
	// Endpoints overrides service endpoints by signing name ("sts",
	// "lambda", "s3", ...): absolute URLs used verbatim.
	Endpoints map[string]string
	// HTTPClient carries calls to AWS APIs (STS here, Lambda and S3 in
	// targets); nil = a default client.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Provider hands out gateway-role credentials. It is safe for concurrent
// use; the zero value is not usable, call New.
type Provider struct {
	o    Options
	base aws.CredentialsProvider
	sts  *sts.Client

	mu    sync.Mutex
	roles map[roleKey]*aws.CredentialsCache
}

type roleKey struct{ gateway, role string }

// New returns a Provider. Nothing is read or called until credentials are
// first needed, so toolgate starts the same with or without AWS access.
func New(o Options) *Provider {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.SessionDuration == 0 {
		o.SessionDuration = DefaultSessionDuration
	}
	o.STSRegion = cmp.Or(o.STSRegion, o.Region)
	p := &Provider{o: o, roles: map[roleKey]*aws.CredentialsCache{}}
	switch {
	case o.Base != nil:
		p.base = o.Base
	case o.Static.AccessKeyID != "":
		p.base = credentials.NewStaticCredentialsProvider(o.Static.AccessKeyID, o.Static.SecretAccessKey, o.Static.SessionToken)
	default:
		p.base = &chain{region: o.STSRegion, profile: o.Profile}
	}
	p.sts = sts.New(sts.Options{
		Region: o.STSRegion, Credentials: p.base, HTTPClient: o.HTTPClient,
		BaseEndpoint: p.endpoint("sts"),
	})
	return p
}

// Region is toolgate's region.
func (p *Provider) Region() string { return p.o.Region }

// Role returns the credentials gateway gatewayID signs with when it acts as
// roleArn. Calling it again with the same pair returns the same cache, so
// catalog rebuilds do not lose assumed credentials.
func (p *Provider) Role(gatewayID, roleArn string) *Role {
	r := &Role{ARN: roleArn, GatewayID: gatewayID, Region: p.o.Region, HTTPClient: p.o.HTTPClient, endpoints: p.o.Endpoints}
	if p.o.Direct {
		r.Credentials = p.base
		return r
	}
	k := roleKey{gatewayID, roleArn}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.roles[k]
	if c == nil {
		session := SessionName(gatewayID)
		c = aws.NewCredentialsCache(&assumer{
			roleArn: roleArn,
			p: stscreds.NewAssumeRoleProvider(p.sts, roleArn, func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = session
				o.Duration = p.o.SessionDuration
			}),
		}, func(o *aws.CredentialsCacheOptions) {
			o.ExpiryWindow = refreshWindow
			o.ExpiryWindowJitterFrac = 0.2
		})
		p.roles[k] = c
	}
	r.Credentials = c
	return r
}

// Retain drops the cached credentials of every (gateway, role) pair that
// keep does not report as still in use.
func (p *Provider) Retain(keep func(gatewayID, roleArn string) bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k := range p.roles {
		if !keep(k.gateway, k.role) {
			delete(p.roles, k)
		}
	}
}

func (p *Provider) endpoint(service string) *string {
	if ep := p.o.Endpoints[service]; ep != "" {
		return &ep
	}
	return nil
}

// SessionName is the role session name of a gateway: "toolgate-" and the
// gateway id, cut to STS's 64 characters and to its character set
// [\w+=,.@-].
func SessionName(gatewayID string) string {
	var b strings.Builder
	b.WriteString(SessionNamePrefix)
	for _, r := range gatewayID {
		if b.Len() >= 64 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+=,.@-", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// Role is what a target needs to call AWS as its gateway's role.
type Role struct {
	// ARN is the gateway's roleArn.
	ARN       string
	GatewayID string
	// Credentials are the role's (or, in direct mode, toolgate's own).
	Credentials aws.CredentialsProvider
	// Region is the gateway's region, the default signing region.
	Region string
	// HTTPClient carries calls to AWS APIs.
	HTTPClient *http.Client
	endpoints  map[string]string
}

// Endpoint returns the configured endpoint override for a service signing
// name, or "" for the SDK's own endpoint resolution.
func (r *Role) Endpoint(service string) string { return r.endpoints[service] }

// String describes the role without its credentials.
func (r Role) String() string { return "awsiam.Role(" + r.ARN + ")" }

// GoString keeps %#v from printing the credentials.
func (r Role) GoString() string { return r.String() }

// Format makes every verb print String.
func (r Role) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue keeps slog from reflecting over the struct.
func (r Role) LogValue() slog.Value { return slog.StringValue(r.String()) }

// assumer names the role in AssumeRole failures, which the SDK reports
// without it.
type assumer struct {
	roleArn string
	p       *stscreds.AssumeRoleProvider
}

func (a *assumer) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := a.p.Retrieve(ctx)
	if err != nil {
		return c, &CredentialsError{Role: a.roleArn, Err: fmt.Errorf("assume the gateway role %s through STS: %w", a.roleArn, err)}
	}
	return c, nil
}

// chain loads the SDK's default credential chain (environment, shared
// files and profile, SSO, web identity, container and instance roles) on
// first use. A failed load is not remembered: the operator may fix the
// files without restarting toolgate.
type chain struct {
	region, profile string

	mu sync.Mutex
	p  aws.CredentialsProvider
}

func (c *chain) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	p := c.p
	if p == nil {
		opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.region)}
		if c.profile != "" {
			opts = append(opts, awsconfig.WithSharedConfigProfile(c.profile))
		}
		cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			c.mu.Unlock()
			return aws.Credentials{}, &CredentialsError{Err: fmt.Errorf("%w: load toolgate's AWS configuration%s: %w", ErrNoCredentials, c.describe(), err)}
		}
		if cfg.Credentials == nil {
			c.mu.Unlock()
			return aws.Credentials{}, &CredentialsError{Err: ErrNoCredentials}
		}
		p, c.p = cfg.Credentials, cfg.Credentials
	}
	c.mu.Unlock()
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return creds, &CredentialsError{Err: fmt.Errorf("%w%s: %w", ErrNoCredentials, c.describe(), err)}
	}
	return creds, nil
}

func (c *chain) describe() string {
	if c.profile != "" {
		return " (profile " + c.profile + ")"
	}
	return ""
}

// CredentialsError reports that the credentials a gateway signs with could
// not be obtained: toolgate's own are missing, or STS refused to let it
// assume the gateway's role. Callers tell it apart from a refusal by the
// service called with errors.As.
type CredentialsError struct {
	// Role is the role that could not be assumed; "" when toolgate's base
	// credentials are the problem.
	Role string
	Err  error
}

func (e *CredentialsError) Error() string { return e.Err.Error() }
func (e *CredentialsError) Unwrap() error { return e.Err }

// ErrNoCredentials wraps every failure to find toolgate's base credentials.
var ErrNoCredentials = errors.New("toolgate has no usable AWS credentials (set aws.profile or aws.access_key_id_env in the bootstrap configuration, or provide them through the AWS SDK's default chain)")
