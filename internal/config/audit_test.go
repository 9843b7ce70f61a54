package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestAuditConfig(t *testing.T) {
	dir := t.TempDir()
	load := func(t *testing.T, yaml string) Config {
		t.Helper()
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		c.ApplyDefaults()
		return c
	}
	c := load(t, "data_dir: /var/lib/tg\n")
	if got := c.Audit.FilePath(); got != "/var/lib/tg/audit/audit.log" {
		t.Errorf("default file %q", got)
	}
	c = load(t, "audit:\n  file: \"\"\n  max_file_bytes: 65536\n  max_files: -1\n  retention_days: 7\n  buffer_size: 64\n")
	if c.Audit.FilePath() != "" || c.Audit.MaxFileBytes != 65536 || c.Audit.MaxFiles != -1 || c.Audit.RetentionDays != 7 || c.Audit.BufferSize != 64 {
		t.Errorf("audit %+v (file %q)", c.Audit, c.Audit.FilePath())
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c = load(t, "audit:\n  max_file_bytes: 10\n  max_files: -2\n  retention_days: -1\n  buffer_size: 1\n")
	err := c.Validate()
	for _, field := range []string{"audit.max_file_bytes", "audit.max_files", "audit.retention_days", "audit.buffer_size"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate = %v, want a problem with %s", err, field)
		}
	}
}
