package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	"github.com/spf13/cobra"
	"github.com/toolgate/toolgate/internal/config"
	"github.com/toolgate/toolgate/internal/server"
)

// connFlags locate a running toolgate's control plane and the credentials to
// sign with. By default both come from the data directory (addresses.json
// and credentials), so `toolgate gateway list` works next to `toolgate serve`.
type connFlags struct {
	endpoint string
	profile  string
	dataDir  string
	region   string
}

func (c *connFlags) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&c.endpoint, "endpoint", "", "control-plane URL (default: from <data-dir>/addresses.json)")
	f.StringVar(&c.profile, "profile", "", "AWS profile: a section of <data-dir>/credentials, else of the AWS shared config and credentials files (default: [default] of <data-dir>/credentials)")
	f.StringVar(&c.dataDir, "data-dir", config.DefaultDataDir, "data directory of the local toolgate")
	f.StringVar(&c.region, "region", config.DefaultRegion, "region to sign for")
}

// client returns an AgentCore control client pointed at toolgate. SDK
// warnings go to stderr, the command's error stream.
func (c *connFlags) client(ctx context.Context, stderr io.Writer) (*bedrockagentcorecontrol.Client, error) {
	return sdkClient(ctx, c, stderr, "", bedrockagentcorecontrol.NewFromConfig,
		func(o *bedrockagentcorecontrol.Options, endpoint string) { o.BaseEndpoint = &endpoint })
}

// cognito returns a Cognito user-pool client for toolgate's embedded
// identity provider, served at /cognito-idp/ on the control plane.
func (c *connFlags) cognito(ctx context.Context, stderr io.Writer) (*cognitoidentityprovider.Client, error) {
	return sdkClient(ctx, c, stderr, "/cognito-idp/", cognitoidentityprovider.NewFromConfig,
		func(o *cognitoidentityprovider.Options, endpoint string) { o.BaseEndpoint = &endpoint })
}

// sdkClient returns a client of one of the AWS APIs the control plane
// serves, at path below its endpoint ("": at the endpoint itself).
// newClient is the SDK package's NewFromConfig and setEndpoint sets its
// Options.BaseEndpoint: set there, the endpoint wins over any
// AWS_ENDPOINT_URL_* variable.
func sdkClient[C, O any](ctx context.Context, c *connFlags, stderr io.Writer, path string,
	newClient func(aws.Config, ...func(*O)) C, setEndpoint func(o *O, endpoint string),
) (C, error) {
	endpoint, cfg, err := c.resolve(ctx, stderr)
	if err != nil {
		var zero C
		return zero, err
	}
	if path != "" {
		endpoint = strings.TrimSuffix(endpoint, "/") + path
	}
	return newClient(cfg, func(o *O) { setEndpoint(o, endpoint) }), nil
}

// resolve finds the control-plane endpoint and loads the credentials.
func (c *connFlags) resolve(ctx context.Context, stderr io.Writer) (string, aws.Config, error) {
	endpoint := c.endpoint
	fromFile := endpoint == ""
	if fromFile {
		data, err := os.ReadFile(filepath.Join(c.dataDir, "addresses.json"))
		if err != nil {
			return "", aws.Config{}, fmt.Errorf("no --endpoint and no running toolgate found in %s (%v); start `toolgate serve` or pass --endpoint", c.dataDir, err)
		}
		var a server.Addresses
		if err := json.Unmarshal(data, &a); err != nil {
			return "", aws.Config{}, fmt.Errorf("read %s/addresses.json: %w", c.dataDir, err)
		}
		endpoint = "http://" + a.Control
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(c.region), awsconfig.WithLogger(logging.NewStandardLogger(stderr))}
	creds := filepath.Join(c.dataDir, "credentials")
	switch {
	case c.profile != "" && hasProfile(creds, c.profile):
		// A profile added to the data directory's credentials file (say,
		// the administrator that runs `iam root enable`) is found there.
		opts = append(opts, awsconfig.WithSharedCredentialsFiles([]string{creds}), awsconfig.WithSharedConfigProfile(c.profile))
	case c.profile != "":
		opts = append(opts, awsconfig.WithSharedConfigProfile(c.profile))
	case fileExists(creds):
		opts = append(opts, awsconfig.WithSharedCredentialsFiles([]string{creds}), awsconfig.WithSharedConfigProfile("default"))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	var missing awsconfig.SharedConfigProfileNotExistError
	if errors.As(err, &missing) {
		err = fmt.Errorf("no profile [%s] in %s or in the AWS shared config and credentials files (~/.aws/credentials, ~/.aws/config, or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE): add a [%s] section with aws_access_key_id and aws_secret_access_key to one of them", c.profile, creds, c.profile)
	}
	if fromFile {
		// A local server either answers or is gone: the SDK clients made
		// from cfg do not spend seconds retrying a refused connection to a
		// stale addresses.json.
		cfg.RetryMaxAttempts = 1
	}
	return endpoint, cfg, err
}

// run calls one control-plane operation and prints its output.
func (c *connFlags) run(cmd *cobra.Command, call func(context.Context, *bedrockagentcorecontrol.Client) (any, error)) error {
	return runWith(cmd, c, c.client, call)
}

// runWith makes a client with newClient, calls one operation and prints
// its output.
func runWith[C any](cmd *cobra.Command, c *connFlags, newClient func(context.Context, io.Writer) (C, error), call func(context.Context, C) (any, error)) error {
	client, err := newClient(cmd.Context(), cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	out, err := call(cmd.Context(), client)
	if err != nil {
		return c.explain(err)
	}
	return printJSON(cmd.OutOrStdout(), out)
}

// pager is what the SDKs' list paginators have in common.
type pager[O, Opt any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*Opt)) (O, error)
}

// allPages reads every page of p and returns the items of all of them (an
// empty list, not nil, when there are none).
func allPages[T, O, Opt any](ctx context.Context, p pager[O, Opt], items func(O) []T) ([]T, error) {
	all := []T{}
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, items(page)...)
	}
	return all, nil
}

// explain adds a hint to a connection failure against the address found
// in the data directory (the usual cause is a toolgate that has stopped) and
// to a refused key of the data directory's credentials file.
func (c *connFlags) explain(err error) error {
	if c.endpoint == "" && errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w\n(the address comes from %s; is `toolgate serve --data-dir %s` still running?)", err, filepath.Join(c.dataDir, "addresses.json"), c.dataDir)
	}
	var ae smithy.APIError
	if creds := filepath.Join(c.dataDir, "credentials"); c.profile == "" && fileExists(creds) && errors.As(err, &ae) &&
		(ae.ErrorCode() == "UnrecognizedClientException" || ae.ErrorCode() == "InvalidClientTokenId") {
		// The key of the data directory's credentials file was refused:
		// most often root's, after `iam root disable`.
		return fmt.Errorf("%w\n(signed with the [default] key of %s; if that is root and root was disabled with `toolgate iam root disable`, sign as an administrator with --profile)", err, creds)
	}
	return err
}

// runCognito calls one Cognito user-pool operation and prints its output.
func (c *connFlags) runCognito(cmd *cobra.Command, call func(context.Context, *cognitoidentityprovider.Client) (any, error)) error {
	return runWith(cmd, c, c.cognito, call)
}

// hasProfile reports whether the shared-credentials file at path has a
// [profile] section.
func hasProfile(path, profile string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "["+profile+"]" {
			return true
		}
	}
	return false
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// printJSON writes an SDK output as indented JSON without what only the
// SDK cares about: null members, ResultMetadata and the Value wrappers of
// union types.
func printJSON(w io.Writer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if string(raw) == "null" && reflect.ValueOf(v).Kind() == reflect.Slice {
		raw = []byte("[]") // an empty list is [], not null
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return err
	}
	data, err := json.MarshalIndent(prune(tree), "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(data))
	return err
}

func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		delete(t, "ResultMetadata")
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			t[k] = prune(e)
		}
		if inner, ok := t["Value"]; ok && len(t) == 1 {
			return inner
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = prune(e)
		}
	}
	return v
}

// readSecret reads a secret from a file, an environment variable or stdin,
// never from a flag value (which would land in shell history and ps).
func readSecret(file, env string, stdin io.Reader) (string, error) {
	switch {
	case file != "" && env != "":
		return "", errors.New("pass only one of --api-key-file and --api-key-env")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		if s := trimNewline(string(b)); s != "" {
			return s, nil
		}
		return "", fmt.Errorf("%s is empty: it must hold the API key", file)
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", env)
		}
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty: it must hold the API key", env)
		}
		return v, nil
	default:
		b, err := io.ReadAll(io.LimitReader(stdin, 65537))
		if err != nil {
			return "", err
		}
		s := trimNewline(string(b))
		if s == "" {
			return "", errors.New("no API key: pass --api-key-file, --api-key-env, or pipe it on stdin")
		}
		return s, nil
	}
}

func trimNewline(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
