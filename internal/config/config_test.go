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
		Region:        "us-east-1",
		LogLevel:      "info",
		LogFormat:     "text",
		Egress:        Egress{TimeoutSeconds: 60, MaxResponseBytes: 10 << 20},

		JWTLeewaySeconds: 60,
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
