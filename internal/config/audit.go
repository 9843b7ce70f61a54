package config

import (
	"fmt"
	"path/filepath"
)

// Audit configures the audit trail: one CloudTrail-shaped event per
// control-plane call and per data-plane tool call, tool list and refused
// request, written as JSON lines to a rotating file and to the store (for
// `toolgate audit query`), which keeps them RetentionDays.
type Audit struct {
	// File is the JSON-lines audit log. Default <data_dir>/audit/audit.log;
	// an explicit empty string (file: "") disables the file (the store
	// still keeps every event).
	File *string `yaml:"file"`
	// MaxFileBytes is the size at which the file is rotated (rotated files
	// sit next to it, time-stamped). Default 100 MiB.
	MaxFileBytes int64 `yaml:"max_file_bytes"`
	// MaxFiles is how many rotated files are kept; -1 keeps them all.
	// Default 10.
	MaxFiles int `yaml:"max_files"`
	// RetentionDays is how long the store keeps events. Default 90.
	RetentionDays int `yaml:"retention_days"`
	// BufferSize bounds the events waiting to be written; past it events
	// are counted as dropped and reported (an AuditEventsDropped event),
	// never blocking a request. Default 8192.
	BufferSize int `yaml:"buffer_size"`
}

// Audit defaults.
const (
	DefaultAuditMaxFileBytes  = 100 << 20
	DefaultAuditMaxFiles      = 10
	DefaultAuditRetentionDays = 90
	DefaultAuditBufferSize    = 8192
)

// FilePath is the audit log file, "" when it is disabled.
func (a Audit) FilePath() string {
	if a.File == nil {
		return ""
	}
	return *a.File
}

func (a *Audit) applyDefaults(dataDir string) {
	if a.File == nil {
		p := filepath.Join(dataDir, "audit", "audit.log")
		a.File = &p
	}
	if a.MaxFileBytes == 0 {
		a.MaxFileBytes = DefaultAuditMaxFileBytes
	}
	if a.MaxFiles == 0 {
		a.MaxFiles = DefaultAuditMaxFiles
	}
	if a.RetentionDays == 0 {
		a.RetentionDays = DefaultAuditRetentionDays
	}
	if a.BufferSize == 0 {
		a.BufferSize = DefaultAuditBufferSize
	}
}

func (a *Audit) validate() []error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("audit.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if a.MaxFileBytes < 4096 || a.MaxFileBytes > 1<<40 {
		bad("max_file_bytes", "%d: want 4096..1099511627776", a.MaxFileBytes)
	}
	if a.MaxFiles < -1 || a.MaxFiles > 100000 {
		bad("max_files", "%d: want 1..100000, or -1 to keep every rotated file", a.MaxFiles)
	}
	if a.RetentionDays < 1 || a.RetentionDays > 36500 {
		bad("retention_days", "%d: want 1..36500", a.RetentionDays)
	}
	if a.BufferSize < 16 || a.BufferSize > 1<<20 {
		bad("buffer_size", "%d: want 16..1048576", a.BufferSize)
	}
	return errs
}
