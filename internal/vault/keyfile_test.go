package vault_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/toolgate/toolgate/internal/vault"
)

func TestKeyFileCreatedPrivateAndReloaded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	path := filepath.Join(dir, "vault.key")

	root, created, err := vault.LoadOrCreateKeyFile(path)
	if err != nil || !created || len(root) != 32 {
		t.Fatalf("first call: %d bytes, created=%v, err=%v", len(root), created, err)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, path, 0o600)
		assertMode(t, dir, 0o700)
	}
	raw, _ := os.ReadFile(path)
	if got := strings.TrimSpace(string(raw)); got != hex.EncodeToString(root) {
		t.Errorf("file holds %d chars, want the hex of the key", len(got))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file (temporary file left behind?)", len(entries))
	}

	again, created, err := vault.LoadOrCreateKeyFile(path)
	if err != nil || created || !bytes.Equal(again, root) {
		t.Fatalf("second call: equal=%v, created=%v, err=%v", bytes.Equal(again, root), created, err)
	}
	if _, err := vault.New(vault.KeyFromRoot(root)); err != nil {
		t.Errorf("the file's key does not make a vault: %v", err)
	}
}

// Replicas starting at once must end up with one key, never overwrite it.
func TestKeyFileConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.key")
	const n = 8
	roots := make([][]byte, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { roots[i], created[i], errs[i] = vault.LoadOrCreateKeyFile(path) })
	}
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !bytes.Equal(roots[i], roots[0]) {
			t.Fatalf("call %d got a different key", i)
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Errorf("%d calls report creating the file, want 1", creators)
	}
}

func TestKeyFileBadContent(t *testing.T) {
	const secretish = "SECRETCONTENTSHOULDNOTBEPRINTED"
	valid := strings.Repeat("ab", 32)
	for name, content := range map[string]string{
		"empty":            "",
		"too short":        valid[:62],
		"too long":         valid + "ab",
		"not hex":          strings.Repeat("zz", 32),
		"words":            secretish,
		"hex with garbage": valid[:60] + "ghij",
		"huge":             strings.Repeat(secretish, 500),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vault.key")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := vault.LoadOrCreateKeyFile(path)
			if err == nil {
				t.Fatal("bad key file accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Errorf("error does not name the file: %s", msg)
			}
			if content != "" && (strings.Contains(msg, content) || strings.Contains(msg, secretish) ||
				strings.Contains(msg, "ghij") || strings.Contains(msg, "'g'") || strings.Contains(msg, "zz")) {
				t.Errorf("error echoes the file content: %s", msg)
			}
			after, _ := os.ReadFile(path)
			if string(after) != content {
				t.Error("a bad key file was overwritten")
			}
		})
	}
	// Whitespace around a valid key is fine (editors add newlines).
	path := filepath.Join(t.TempDir(), "vault.key")
	if err := os.WriteFile(path, []byte("  "+valid+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if root, _, err := vault.LoadOrCreateKeyFile(path); err != nil || hex.EncodeToString(root) != valid {
		t.Errorf("valid key with whitespace: %v", err)
	}
}

func TestKeyFileTooOpen(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits on Windows")
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o606} {
		path := filepath.Join(t.TempDir(), "vault.key")
		if err := os.WriteFile(path, []byte(strings.Repeat("ab", 32)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, _, err := vault.LoadOrCreateKeyFile(path)
		if err == nil {
			t.Fatalf("mode %04o accepted", mode)
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "chmod 600 "+path) {
			t.Errorf("mode %04o: error should name the path and the fix: %s", mode, msg)
		}
	}
}

func TestKeyFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := vault.LoadOrCreateKeyFile(dir); err == nil {
		t.Fatal("a directory was accepted as the key file")
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %04o, want %04o", path, got, want)
	}
}

// TestKeyEnv: the root key may come from an environment variable; the same
// value gives the same vault key (what replicas rely on), and a missing or
// malformed variable is an error that names it without echoing it.
func TestKeyEnv(t *testing.T) {
	const hexKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	t.Setenv("TG_TEST_ROOT", " "+hexKey+"\n")
	root, err := vault.LoadKeyEnv("TG_TEST_ROOT")
	if err != nil || hex.EncodeToString(root) != hexKey {
		t.Fatalf("LoadKeyEnv = %x, %v", root, err)
	}
	path := filepath.Join(t.TempDir(), "vault.key")
	if err := os.WriteFile(path, []byte(hexKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, _, err := vault.LoadOrCreateKeyFile(path)
	if err != nil || vault.KeyFromRoot(fromFile).ID != vault.KeyFromRoot(root).ID {
		t.Fatalf("file and environment give different keys (%v)", err)
	}
	for name, val := range map[string]string{
		"TG_TEST_ROOT_UNSET": "",
		"TG_TEST_ROOT_SHORT": "abcd1234",
		"TG_TEST_ROOT_NOHEX": strings.Repeat("zq", 32),
	} {
		if val != "" {
			t.Setenv(name, val)
		}
		_, err := vault.LoadKeyEnv(name)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the variable", name, err)
			continue
		}
		if val != "" && strings.Contains(err.Error(), val) {
			t.Errorf("%s: error echoes the value: %v", name, err)
		}
	}
}
