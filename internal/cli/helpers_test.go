package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/cli"
	"github.com/toolgate/toolgate/internal/server"
)

// secret is the upstream API key used throughout. No command may ever print
// it: not the management commands, not `serve`'s output or logs.
const secret = "sk-CLI-MARKER-5e2c81d0-do-not-print"

// TestMain makes the AWS SDK environment hermetic: no developer profile,
// config file, environment keys or instance metadata may leak into the
// credentials the CLI resolves.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "toolgate-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "absent-config"))
	os.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "absent-credentials"))
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CA_BUNDLE",
	} {
		os.Unsetenv(k)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is a goroutine-safe writer for the output of a running `serve`.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// result is what a shell sees of one `toolgate …` invocation.
type result struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("toolgate %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// transcript records every command a test runs, so that it can check that a
// secret was never printed by any of them.
type transcript struct {
	mu  sync.Mutex
	all []result
}

func (tr *transcript) add(r result) {
	if tr == nil {
		return
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.all = append(tr.all, r)
}

// assertNeverPrinted fails if s occurs in any recorded output.
func (tr *transcript) assertNeverPrinted(t *testing.T, s string) {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.all) == 0 {
		t.Fatal("empty transcript: nothing was checked")
	}
	for _, r := range tr.all {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("secret printed by `toolgate %s`", strings.Join(r.args, " "))
		}
	}
}

// toolgate runs `toolgate args...` exactly as a shell would (minus stdin,
// which Main cannot be given) and records it in tr (may be nil).
func toolgate(t *testing.T, tr *transcript, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := cli.Main(ctx, args, &stdout, &stderr)
	r := result{args: args, code: code, stdout: stdout.String(), stderr: stderr.String()}
	tr.add(r)
	return r
}

// mustRun runs a command that must succeed.
func mustRun(t *testing.T, tr *transcript, args ...string) result {
	t.Helper()
	r := toolgate(t, tr, args...)
	if r.code != 0 {
		t.Fatalf("unexpected failure:\n%s", r)
	}
	if r.stderr != "" {
		t.Errorf("successful command wrote to stderr:\n%s", r)
	}
	return r
}

// mustFail runs a command that must exit 1 with every want on stderr and
// nothing on stdout.
func mustFail(t *testing.T, tr *transcript, want []string, args ...string) result {
	t.Helper()
	r := toolgate(t, tr, args...)
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1:\n%s", r.code, r)
	}
	if !strings.HasPrefix(r.stderr, "toolgate: ") {
		t.Errorf("error not prefixed with the program name:\n%s", r)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr does not contain %q:\n%s", w, r)
		}
	}
	if r.stdout != "" {
		t.Errorf("failed command wrote to stdout:\n%s", r)
	}
	return r
}

// decodeJSON parses a command's stdout into v after checking that the CLI
// pruned what only the SDK cares about: null members, ResultMetadata and
// the one-member Value wrappers of union types.
func decodeJSON(t *testing.T, r result, v any) {
	t.Helper()
	var tree any
	if err := json.Unmarshal([]byte(r.stdout), &tree); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r)
	}
	if problems := unpruned(tree, "$"); len(problems) > 0 {
		t.Errorf("printed JSON not pruned: %s\n%s", strings.Join(problems, "; "), r)
	}
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("decode stdout into %T: %v\n%s", v, err, r)
	}
}

func unpruned(v any, path string) []string {
	var out []string
	switch t := v.(type) {
	case nil:
		out = append(out, path+" is null")
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) == 1 && keys[0] == "Value" {
			out = append(out, path+" is a union wrapper {\"Value\": …}")
		}
		for _, k := range keys {
			if k == "ResultMetadata" {
				out = append(out, path+".ResultMetadata present")
			}
			out = append(out, unpruned(t[k], path+"."+k)...)
		}
	case []any:
		for i, e := range t {
			out = append(out, unpruned(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return out
}

// instance is a `toolgate serve` run by the test through cli.Main.
type instance struct {
	dir            string
	addrs          server.Addresses
	stdout, stderr *syncBuffer

	cancel context.CancelFunc
	done   chan int
	once   sync.Once
	code   int
}

// serve runs `toolgate serve --data-dir dir` on free loopback ports plus
// extra flags, waits until addresses.json is published, and stops it when
// the test ends.
func serve(t *testing.T, dir string, extra ...string) *instance {
	t.Helper()
	args := append([]string{"serve", "--data-dir", dir, "--data-listen", "127.0.0.1:0", "--control-listen", "127.0.0.1:0"}, extra...)
	return serveArgs(t, dir, args...)
}

// serveArgs runs `toolgate args...` (a serve command whose data directory is
// dir) in the background.
func serveArgs(t *testing.T, dir string, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tg := &instance{dir: dir, stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() { tg.done <- cli.Main(ctx, args, tg.stdout, tg.stderr) }()
	t.Cleanup(func() { tg.stop(t) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, err := os.ReadFile(filepath.Join(dir, "addresses.json"))
		if err == nil && json.Unmarshal(data, &tg.addrs) == nil && tg.addrs.Control != "" {
			return tg
		}
		select {
		case code := <-tg.done:
			tg.done <- code
			t.Fatalf("toolgate %s exited with %d during start\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, tg.stdout, tg.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("addresses.json not written within 20s\nstderr:\n%s", tg.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop cancels serve's context (as Ctrl-C does) and returns its exit code.
func (tg *instance) stop(t *testing.T) int {
	tg.once.Do(func() {
		tg.cancel()
		select {
		case tg.code = <-tg.done:
		case <-time.After(15 * time.Second):
			t.Error("toolgate serve did not return within 15s of cancellation")
			tg.code = -1
		}
	})
	return tg.code
}

// rootKey reads the key id and secret of the generated credentials file.
func rootKey(t *testing.T, dir string) (keyID, secretKey string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, " = ")
		switch {
		case ok && k == "aws_access_key_id":
			keyID = v
		case ok && k == "aws_secret_access_key":
			secretKey = v
		}
	}
	if keyID == "" || secretKey == "" {
		t.Fatalf("credentials file without a key:\n%s", data)
	}
	return keyID, secretKey
}

// upstream is a weather API that answers only requests carrying the secret
// in X-Api-Key; it counts the requests it accepted and refused.
type upstream struct {
	*httptest.Server
	mu                 sync.Mutex
	accepted, rejected int
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := r.Header.Get("X-Api-Key") == secret
		u.mu.Lock()
		if ok {
			u.accepted++
		} else {
			u.rejected++
		}
		u.mu.Unlock()
		if !ok {
			http.Error(w, `{"error":"missing or wrong api key"}`, http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1/forecast/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"city":%q,"days":%s}`, strings.TrimPrefix(r.URL.Path, "/v1/forecast/"), r.URL.Query().Get("days"))
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) counts() (accepted, rejected int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.accepted, u.rejected
}

// weatherSpec writes testdata/weather.yaml pointed at host into a temp file
// and returns its path.
func weatherSpec(t *testing.T, host string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/weather.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "weather-openapi.yaml")
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte("UPSTREAM_HOST"), []byte(host)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withStdin replaces os.Stdin with a pipe carrying content for the rest of
// the test: cli.Main has no stdin parameter, so this is the only way to
// feed `credential-provider create-api-key` its key the way the README does.
// Tests using it must not run in parallel.
func withStdin(t *testing.T, content string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		io.WriteString(w, content)
		w.Close()
	}()
	old := os.Stdin
	os.Stdin = r
	t.Cleanup(func() {
		os.Stdin = old
		r.Close()
	})
}
