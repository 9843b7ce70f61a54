// Package config holds toolgate's bootstrap configuration: the few settings a
// process needs before it can open its store (listeners, data directory,
// store DSN, vault key source, region, logging). Everything else — gateways,
// targets, credential providers, principals — lives in the store and changes
// at runtime. Secrets are referenced by file path, never inlined here.
//
// The file is YAML, decoded strictly (an unknown key is an error naming it),
// and Validate reports every problem at once so an operator fixes a broken
// file in one pass.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the bootstrap configuration. Zero values mean "use the default";
// call ApplyDefaults before Validate.
type Config struct {
	// DataDir holds the SQLite database, the vault key, the root credentials
	// and addresses.json. Default ./toolgate-data.
	DataDir string `yaml:"data_dir"`
	// DataListen is the data-plane (agents) listener. Default 127.0.0.1:8080.
	// Port 0 picks a free port.
	DataListen string `yaml:"data_listen"`
	// ControlListen is the control-plane (operators) listener. Default 127.0.0.1:8081.
	ControlListen string `yaml:"control_listen"`
	// Store is the store DSN: sqlite://PATH (default sqlite://<data_dir>/toolgate.db)
	// or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS] (also
	// postgresql://), the store several replicas can share. PARAMS are
	// pgx's (sslmode, connect_timeout, ...) plus PostgreSQL run-time
	// parameters; search_path=SCHEMA keeps toolgate's tables in a schema of
	// their own, which must exist.
	Store string `yaml:"store"`
	// VaultKeyFile is the token vault's root key. Generated (0600) on first
	// start when absent. Default <data_dir>/vault.key, unless VaultKeyEnv is
	// set. Replicas sharing a store must all use the same key.
	VaultKeyFile string `yaml:"vault_key_file"`
	// VaultKeyEnv names an environment variable holding the root key (64
	// hex characters) instead of a file, e.g. TOOLGATE_VAULT_KEY filled from
	// a secret manager. Nothing is generated: the variable must be set.
	VaultKeyEnv string `yaml:"vault_key_env"`
	// VaultCMKDir holds the token vault's local customer keys:
	// SetTokenVaultCMK with kmsKeyArn "file:NAME" wraps the vault's data
	// keys with the key in VaultCMKDir/NAME.key (64 hex characters, mode
	// 0600), which the operator creates and gives every replica. Default
	// <data_dir>/cmk.
	VaultCMKDir string `yaml:"vault_cmk_dir"`
	// Region appears in ARNs and is the region SDK clients sign for. Default us-east-1.
	Region string `yaml:"region"`
	// PublicDataURL is the base URL agents use to reach the data plane
	// (e.g. https://mcp.example.com). It is what gatewayUrl is built from.
	// Default: http://<data listener address>.
	PublicDataURL string `yaml:"public_data_url"`
	// GatewayDomain, when set, makes every gateway reachable host-based at
	// {gatewayId}.<gateway_domain>/mcp (like AgentCore's gateway URLs) with
	// its metadata at the root well-known URL; gatewayUrl then reports that
	// form. DNS (a wildcard record) and TLS for it are the operator's.
	GatewayDomain string `yaml:"gateway_domain"`
	// JWTLeewaySeconds is the clock skew allowed when checking a bearer
	// token's exp, nbf and iat. Default 60.
	JWTLeewaySeconds int `yaml:"jwt_leeway_seconds"`
	// AllowedOrigins lists browser origins (scheme://host[:port]) allowed to
	// call the data plane cross-origin. Requests from any other Origin are
	// refused with 403 (DNS-rebinding and CSRF protection).
	AllowedOrigins []string `yaml:"allowed_origins"`
	// LogLevel is debug, info, warn or error. Default info.
	LogLevel string `yaml:"log_level"`
	// LogFormat is text or json. Default text.
	LogFormat string `yaml:"log_format"`
	// Egress restricts where targets may send requests.
	Egress Egress `yaml:"egress"`
	// Audit configures the audit trail (audit.go).
	Audit Audit `yaml:"audit"`
	// AWS configures the gateways' IAM roles and AWS endpoints (aws.go).
	AWS AWS `yaml:"aws"`
}

// Egress is the outbound network policy for target calls.
type Egress struct {
	// DenyPrivate also refuses RFC 1918 / unique-local / loopback upstreams.
	// Link-local addresses (cloud metadata endpoints such as 169.254.169.254)
	// are always refused unless AllowLinkLocal is set.
	DenyPrivate    bool `yaml:"deny_private"`
	AllowLinkLocal bool `yaml:"allow_link_local"`
	// TimeoutSeconds bounds a whole upstream call. Default 60.
	TimeoutSeconds int `yaml:"timeout_seconds"`
	// MaxResponseBytes bounds an upstream response body. Default 10 MiB.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// Defaults.
const (
	DefaultDataDir          = "./toolgate-data"
	DefaultDataListen       = "127.0.0.1:8080"
	DefaultControlListen    = "127.0.0.1:8081"
	DefaultRegion           = "us-east-1"
	DefaultTimeoutSeconds   = 60
	DefaultJWTLeewaySeconds = 60
	DefaultMaxResponseBytes = 10 << 20
)

// Load reads and strictly decodes a YAML bootstrap file.
func Load(path string) (Config, error) {
	var c Config
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) { // empty file: all defaults
			return c, nil
		}
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ApplyDefaults fills every unset field with its default. Paths derived from
// DataDir are computed after DataDir itself is settled.
func (c *Config) ApplyDefaults() {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.DataListen == "" {
		c.DataListen = DefaultDataListen
	}
	if c.ControlListen == "" {
		c.ControlListen = DefaultControlListen
	}
	if c.Store == "" {
		c.Store = "sqlite://" + filepath.Join(c.DataDir, "toolgate.db")
	}
	if c.VaultKeyFile == "" && c.VaultKeyEnv == "" {
		c.VaultKeyFile = filepath.Join(c.DataDir, "vault.key")
	}
	if c.VaultCMKDir == "" {
		c.VaultCMKDir = filepath.Join(c.DataDir, "cmk")
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
	}
	if c.JWTLeewaySeconds == 0 {
		c.JWTLeewaySeconds = DefaultJWTLeewaySeconds
	}
	if c.Egress.TimeoutSeconds == 0 {
		c.Egress.TimeoutSeconds = DefaultTimeoutSeconds
	}
	if c.Egress.MaxResponseBytes == 0 {
		c.Egress.MaxResponseBytes = DefaultMaxResponseBytes
	}
	c.Audit.applyDefaults(c.DataDir)
	c.AWS.applyDefaults(c.Region)
}

// Validate reports every problem in c at once, one per line.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	for _, l := range []struct{ name, addr string }{{"data_listen", c.DataListen}, {"control_listen", c.ControlListen}} {
		if _, port, err := net.SplitHostPort(l.addr); err != nil {
			bad(l.name, "%q is not host:port (%v)", l.addr, err)
		} else if port == "" {
			bad(l.name, "%q has no port (use :0 for a free one)", l.addr)
		}
	}
	if c.DataListen == c.ControlListen && !strings.HasSuffix(c.DataListen, ":0") {
		bad("control_listen", "must differ from data_listen (%q): the two planes are separate listeners so the control plane can be firewalled", c.DataListen)
	}
	switch {
	case strings.HasPrefix(c.Store, "sqlite://"):
		if strings.TrimPrefix(c.Store, "sqlite://") == "" {
			bad("store", "sqlite:// needs a file path, e.g. sqlite://./toolgate-data/toolgate.db")
		}
	case IsPostgresDSN(c.Store):
		if msg := checkPostgresDSN(c.Store); msg != "" {
			bad("store", "%s", msg)
		}
	default:
		bad("store", "%q: want sqlite://PATH or postgres://USER@HOST/DATABASE", redactDSN(c.Store))
	}
	switch {
	case c.VaultKeyFile != "" && c.VaultKeyEnv != "":
		bad("vault_key_env", "set either vault_key_file or vault_key_env, not both")
	case c.VaultKeyEnv != "" && !envNameRE(c.VaultKeyEnv):
		bad("vault_key_env", "%q is not an environment variable name (letters, digits and _, not starting with a digit)", c.VaultKeyEnv)
	case c.VaultKeyEnv != "" && os.Getenv(c.VaultKeyEnv) == "":
		bad("vault_key_env", "environment variable %s is not set (it must hold the 64-hex-character vault root key every replica shares)", c.VaultKeyEnv)
	}
	if !regionRE(c.Region) {
		bad("region", "%q is not a region name like us-east-1", c.Region)
	}
	if c.PublicDataURL != "" {
		u, err := url.Parse(c.PublicDataURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("public_data_url", "%q must be an absolute http(s) URL", c.PublicDataURL)
		} else if u.RawQuery != "" || u.Fragment != "" {
			bad("public_data_url", "%q must not have a query or fragment", c.PublicDataURL)
		}
	}
	if c.JWTLeewaySeconds < 0 || c.JWTLeewaySeconds > 600 {
		bad("jwt_leeway_seconds", "%d: want 0..600", c.JWTLeewaySeconds)
	}
	if d := c.GatewayDomain; d != "" && !hostnameRE(d) {
		bad("gateway_domain", "%q is not a host name like gw.example.com (no scheme, port or path)", d)
	}
	for i, o := range c.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			bad(fmt.Sprintf("allowed_origins[%d]", i), "%q must be scheme://host[:port]", o)
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "%q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("log_format", "%q: want text or json", c.LogFormat)
	}
	if c.Egress.TimeoutSeconds < 1 || c.Egress.TimeoutSeconds > 900 {
		bad("egress.timeout_seconds", "%d: want 1..900 (AgentCore's invocation limit is 15 minutes)", c.Egress.TimeoutSeconds)
	}
	if c.Egress.MaxResponseBytes < 1024 || c.Egress.MaxResponseBytes > 100<<20 {
		bad("egress.max_response_bytes", "%d: want 1024..104857600", c.Egress.MaxResponseBytes)
	}
	errs = append(errs, c.Audit.validate()...)
	errs = append(errs, c.AWS.validate()...)
	return errors.Join(errs...)
}

// hostnameRE accepts dot-separated DNS labels.
func hostnameRE(s string) bool {
	if len(s) > 253 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// checkPostgresDSN checks the shape of a postgres:// DSN and returns what is
// wrong with it, or "". The driver checks the parameters when the store is
// opened. Messages never echo the DSN: it may carry a password.
func checkPostgresDSN(dsn string) string {
	const want = "want postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMS]"
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL DSN is not a valid URL (a password with special characters must be percent-encoded); " + want
	}
	if u.Fragment != "" || strings.Contains(dsn, "#") {
		return "the PostgreSQL DSN takes no #fragment (percent-encode # in a password as %23); " + want
	}
	if u.Hostname() == "" && u.Query().Get("host") == "" {
		return "the PostgreSQL DSN names no host; " + want
	}
	if strings.Trim(u.Path, "/") == "" && u.Query().Get("dbname") == "" {
		return "the PostgreSQL DSN names no database; " + want
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "the PostgreSQL DSN's port must be 1..65535; " + want
		}
	}
	return ""
}

// envNameRE accepts POSIX-style environment variable names.
func envNameRE(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

// SQLitePath returns the file path of a sqlite:// DSN.
func (c *Config) SQLitePath() string { return strings.TrimPrefix(c.Store, "sqlite://") }

func regionRE(s string) bool {
	if len(s) < 4 || len(s) > 32 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return strings.Contains(s, "-")
}

// redactDSN drops a password from a DSN-like string before it is echoed.
func redactDSN(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// IsPostgresDSN reports whether a store DSN names PostgreSQL, the store
// several replicas share.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
