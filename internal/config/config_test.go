package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaults(t *testing.T) {
	var c Config
	c.ApplyDefaults()
	want := Config{
		DataDir:       "./toolgate-data",
		DataListen:    "127.0.0.1:8080",
		ControlListen: "127.0.0.1:8081",
		Store:         "sqlite://toolgate-data/toolgate.db",
		VaultKeyFile:  "toolgate-data/vault.key",
		VaultCMKDir:   "toolgate-data/cmk",
		Region:        "us-east-1",
		LogLevel:      "info",
		LogFormat:     "text",
		Egress:        Egress{TimeoutSeconds: 60, MaxResponseBytes: 10 << 20},

		JWTLeewaySeconds: 60,
		Audit:            Audit{File: ptr("toolgate-data/audit/audit.log"), MaxFileBytes: 100 << 20, MaxFiles: 10, RetentionDays: 90, BufferSize: 8192},
		AWS:              AWS{Region: "us-east-1", SessionDurationSeconds: 3600},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Fatalf("defaults (-want +got):\n%s", diff)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestLoadStrict(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		yaml    string
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		{name: "empty file", yaml: "", check: func(t *testing.T, c Config) {
			if c.DataDir != "" {
				t.Errorf("DataDir = %q", c.DataDir)
			}
		}},
		{name: "fields", yaml: "data_dir: /var/lib/tg\nregion: eu-west-1\nallowed_origins: [\"https://app.example\"]\negress:\n  deny_private: true\n", check: func(t *testing.T, c Config) {
			want := Config{DataDir: "/var/lib/tg", Region: "eu-west-1", AllowedOrigins: []string{"https://app.example"}, Egress: Egress{DenyPrivate: true}}
			if diff := cmp.Diff(want, c); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
		{name: "unknown key", yaml: "data_dri: x\n", wantErr: "data_dri"},
		{name: "wrong type", yaml: "egress:\n  timeout_seconds: soon\n", wantErr: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := Load(p)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Config{
		DataListen:     "nonsense",
		ControlListen:  "127.0.0.1:9000",
		Store:          "mysql://u:hunter2@db/x",
		Region:         "Mars",
		PublicDataURL:  "ftp://x",
		AllowedOrigins: []string{"https://ok.example", "evil"},
		GatewayDomain:  "https://gw.example.com",
		LogLevel:       "loud",
	}
	c.ApplyDefaults()
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate accepted a broken config")
	}
	msg := err.Error()
	for _, field := range []string{"data_listen", "store", "region", "public_data_url", "allowed_origins[1]", "log_level", "gateway_domain"} {
		if !strings.Contains(msg, field+":") {
			t.Errorf("error does not name %s:\n%s", field, msg)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("error leaks the DSN password:\n%s", msg)
	}
	if strings.Contains(msg, "allowed_origins[0]") {
		t.Errorf("valid origin reported:\n%s", msg)
	}
}

func TestSameListenerRejected(t *testing.T) {
	c := Config{DataListen: "127.0.0.1:9000", ControlListen: "127.0.0.1:9000"}
	c.ApplyDefaults()
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "control_listen") {
		t.Fatalf("Validate = %v, want control_listen error", err)
	}
	c.DataListen, c.ControlListen = "127.0.0.1:0", "127.0.0.1:0"
	if err := c.Validate(); err != nil {
		t.Fatalf("two :0 listeners must be allowed: %v", err)
	}
}

func TestPostgresStore(t *testing.T) {
	for _, dsn := range []string{
		"postgres://toolgate@db.example:5432/toolgate?sslmode=require",
		"postgresql://toolgate:s3cret@db.example/toolgate?search_path=toolgate",
		"postgres://toolgate@db.example/toolgate?options=-c%20search_path%3Dtoolgate",
		"postgres:///toolgate?host=/var/run/postgresql",
	} {
		c := Config{Store: dsn}
		c.ApplyDefaults()
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%q) = %v", dsn, err)
		}
	}
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://toolgate:hunter2@db.example", "names no database"},
		{"postgres://toolgate:hunter2@/toolgate", "names no host"},
		{"postgres://toolgate:hunter2@db.example:99999/toolgate", "port"},
		{"postgres://toolgate:hunter2@db.example/toolgate#frag", "fragment"},
		{"postgres://toolgate:hun#ter2@db.example/toolgate", "percent-encoded"},
		{"postgres://toolgate:hunter2@[::1/toolgate", "not a valid URL"},
	} {
		c := Config{Store: tc.dsn}
		c.ApplyDefaults()
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "store: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%q) = %v, want a store error about %q", tc.dsn, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "ter2") {
			t.Errorf("Validate(%q) leaks the password: %v", tc.dsn, err)
		}
	}
}

func TestVaultKeyEnv(t *testing.T) {
	t.Setenv("TG_TEST_VAULT_KEY", strings.Repeat("ab", 32))
	c := Config{VaultKeyEnv: "TG_TEST_VAULT_KEY"}
	c.ApplyDefaults()
	if c.VaultKeyFile != "" {
		t.Errorf("VaultKeyFile defaulted to %q although vault_key_env is set", c.VaultKeyFile)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{VaultKeyEnv: "TG_TEST_UNSET_VAULT_KEY"}, "is not set"},
		{Config{VaultKeyEnv: "1BAD-NAME"}, "not an environment variable name"},
		{Config{VaultKeyEnv: "TG_TEST_VAULT_KEY", VaultKeyFile: "/etc/tg/vault.key"}, "not both"},
	} {
		tc.c.ApplyDefaults()
		if err := tc.c.Validate(); err == nil || !strings.Contains(err.Error(), "vault_key_env: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want a vault_key_env error about %q", tc.c, err, tc.want)
		}
	}
}
