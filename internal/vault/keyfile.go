package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// maxKeyFileSize bounds what is read from the key file: a valid one is 64
// hex characters and a newline, so anything large is the wrong file.
const maxKeyFileSize = 4096

// LoadOrCreateKeyFile returns the 32-byte root key stored hex-encoded in path.
// When path does not exist it generates a random key, creates the parent
// directory (0700) if needed and writes the file with mode 0600; created
// reports that this call wrote it. Replicas starting together cannot
// overwrite each other's key: the file is published with a hard link, which
// fails if it already exists, and the loser reads the winner's key.
//
// An existing file is refused, with an error naming the path, when:
//   - it is readable or writable by group or others (on Unix): the error says
//     to run "chmod 600 <path>". A key that others could read may already be
//     compromised, so toolgate does not start with it rather than warn;
//   - it does not hold exactly 64 hex characters (surrounding whitespace,
//     such as a trailing newline, is ignored). The content is never echoed.
//
// Losing the file makes every sealed secret unrecoverable: back it up with
// the database, and give every replica sharing a store the same file.
func LoadOrCreateKeyFile(path string) (rootKey []byte, created bool, err error) {
	root, err := readKeyFile(path)
	if err == nil {
		return root, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	root, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and our link.
		root, err = readKeyFile(path)
		return root, false, err
	}
	if err != nil {
		return nil, false, err
	}
	return root, true, nil
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("vault: key file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("vault: key file %s is not a regular file", path)
	}
	// Checked on the open file, so the mode and the content read are the same
	// file's. Windows has no Unix permission bits to check.
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("vault: key file %s is accessible by group or others (mode %04o); restrict it with: chmod 600 %s", path, perm, path)
	}
	raw, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("vault: key file %s: %w", path, err)
	}
	if len(raw) > maxKeyFileSize {
		return nil, fmt.Errorf("vault: key file %s is larger than %d bytes; it must hold 64 hex characters (a 32-byte key)", path, maxKeyFileSize)
	}
	return parseRootKey(raw, "key file "+path)
}

// parseRootKey decodes 64 hex characters (surrounding whitespace ignored)
// read from where. Errors never echo the content.
func parseRootKey(raw []byte, where string) ([]byte, error) {
	text := bytes.TrimSpace(raw)
	if len(text) != 2*keySize {
		return nil, fmt.Errorf("vault: %s must hold 64 hex characters (a 32-byte key), found %d characters", where, len(text))
	}
	root := make([]byte, keySize)
	// hex.Decode's error quotes the offending byte; report position-free.
	if _, err := hex.Decode(root, text); err != nil {
		return nil, fmt.Errorf("vault: %s must hold 64 hex characters (a 32-byte key), found a non-hex character", where)
	}
	return root, nil
}

// LoadKeyEnv returns the 32-byte root key held hex-encoded in the
// environment variable name, for deployments whose secret manager injects
// it (every replica gets the same value). Nothing is generated: an unset or
// malformed variable is an error naming the variable, never its content.
func LoadKeyEnv(name string) ([]byte, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return nil, fmt.Errorf("vault: environment variable %s is not set; it must hold the 64-hex-character root key (generate one with: openssl rand -hex 32)", name)
	}
	return parseRootKey([]byte(v), "environment variable "+name)
}

func createKeyFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vault: create key file directory: %w", err)
	}
	root := make([]byte, keySize)
	if _, err := rand.Read(root); err != nil {
		return nil, fmt.Errorf("vault: generate root key: %w", err)
	}
	content := []byte(hex.EncodeToString(root) + "\n")

	// Write a private temporary file (CreateTemp uses 0600), flush it, then
	// link it into place: the key file appears complete or not at all.
	tmp, err := os.CreateTemp(dir, ".vault-key-*")
	if err != nil {
		return nil, fmt.Errorf("vault: create key file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return nil, fmt.Errorf("vault: create key file: %w", err)
	}
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("vault: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("vault: write key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("vault: write key file: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		// Some file systems have no hard links; fall back to an exclusive
		// create, which still never overwrites another replica's key.
		if err := writeExclusive(path, content); err != nil {
			return nil, err
		}
	}
	syncDir(dir)
	return root, nil
}

func writeExclusive(path string, content []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return fmt.Errorf("vault: create key file: %w", err)
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("vault: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("vault: write key file: %w", err)
	}
	return f.Close()
}

// syncDir makes the new directory entry durable; best effort, since not
// every platform can fsync a directory and the key is already on disk.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// ReadKeyFile returns the 32-byte key stored hex-encoded in an existing
// file, with LoadOrCreateKeyFile's checks (mode 0600 on Unix, exactly 64
// hex characters) and without ever creating it: the customer keys of the
// token vault (package tokenvault) are the operator's to provide.
func ReadKeyFile(path string) ([]byte, error) { return readKeyFile(path) }
