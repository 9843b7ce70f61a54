package cli_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func healthz(t *testing.T, addr string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET http://%s/healthz: %d", addr, resp.StatusCode)
	}
}

// TestServe runs `toolgate serve` like an operator: first start prints the
// root key once, both listeners answer /healthz, Ctrl-C exits 0 and
// withdraws addresses.json, and a restart prints no secret.
func TestServe(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data") // serve creates it
	tg := serve(t, dir)

	for _, addr := range []string{tg.addrs.Data, tg.addrs.Control} {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" || port == "0" {
			t.Fatalf("listener %q: want 127.0.0.1 and a chosen port (%v)", addr, err)
		}
		healthz(t, addr)
	}
	if tg.addrs.Data == tg.addrs.Control {
		t.Fatalf("both planes on %s", tg.addrs.Data)
	}

	st, err := os.Stat(filepath.Join(dir, "credentials"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v, mode %v", err, st.Mode())
	}
	keyID, secretKey := rootKey(t, dir)
	out := tg.stdout.String()
	if n := strings.Count(out, secretKey); n != 1 {
		t.Errorf("first start printed the root secret %d times, want once:\n%s", n, out)
	}
	for _, want := range []string{keyID, "toolgate dev serving", "http://" + tg.addrs.Data, "http://" + tg.addrs.Control, dir} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not mention %q:\n%s", want, out)
		}
	}
	if logs := tg.stderr.String(); strings.Contains(logs, secretKey) {
		t.Errorf("root secret in the logs:\n%s", logs)
	}

	if code := tg.stop(t); code != 0 {
		t.Fatalf("serve exited %d after cancellation\n%s", code, tg.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "addresses.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("addresses.json still present after exit: %v", err)
	}

	// Second start on the same directory: same keys, nothing secret printed.
	tg2 := serve(t, dir)
	healthz(t, tg2.addrs.Control)
	if out := tg2.stdout.String(); strings.Contains(out, secretKey) || strings.Contains(out, "secret access key") {
		t.Errorf("restart printed the root secret again:\n%s", out)
	}
	if _, s := rootKey(t, dir); s != secretKey {
		t.Error("restart replaced the root credentials")
	}
	if code := tg2.stop(t); code != 0 {
		t.Fatalf("second serve exited %d\n%s", code, tg2.stderr)
	}
}

// TestServeConfigFile checks `serve --config FILE`: values come from the
// file, and every flag given on the command line overrides it.
func TestServeConfigFile(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	fileDir := filepath.Join(tmp, "from-file")
	flagDir := filepath.Join(tmp, "from-flag")
	cfg := filepath.Join(tmp, "toolgate.yaml")
	// data_listen and data_dir are overridden by flags; public_data_url and
	// log_format are only in the file; region and log_level are in both.
	yaml := "data_dir: " + fileDir + "\n" +
		"data_listen: 127.0.0.1:1\n" +
		"control_listen: 127.0.0.1:0\n" +
		"region: eu-west-1\n" +
		"public_data_url: https://mcp.example.test\n" +
		"log_level: error\n" +
		"log_format: json\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	tg := serveArgs(t, flagDir, "serve", "--config", cfg,
		"--data-dir", flagDir, "--data-listen", "127.0.0.1:0", "--region", "eu-central-1", "--log-level", "info")
	healthz(t, tg.addrs.Data)
	healthz(t, tg.addrs.Control)

	if _, err := os.Stat(fileDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data_dir of the file used despite --data-dir: %v", err)
	}
	if !strings.Contains(tg.stdout.String(), "data plane (MCP):    https://mcp.example.test (listening on "+tg.addrs.Data+")\n") {
		t.Errorf("public_data_url of the file not used, or the listener not shown beside it:\n%s", tg.stdout)
	}

	// log_format json (file) at level info (flag): the "serving" line is a
	// JSON record naming the region of the flag.
	var serving map[string]any
	sc := bufio.NewScanner(strings.NewReader(tg.stderr.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON (log_format: json ignored?): %q", sc.Text())
		}
		if rec["msg"] == "serving" {
			serving = rec
		}
	}
	if serving == nil {
		t.Fatalf("no info-level \"serving\" record (--log-level info did not override log_level: error):\n%s", tg.stderr)
	}
	if serving["region"] != "eu-central-1" || serving["data"] != tg.addrs.Data {
		t.Errorf("serving record %v: want region eu-central-1 (flag) and data %s", serving, tg.addrs.Data)
	}

	// The region reaches the ARNs the control plane mints.
	tr := &transcript{}
	var gw struct{ GatewayArn, GatewayUrl string }
	decodeJSON(t, mustRun(t, tr, "gateway", "create", "--name", "cfg", "--data-dir", flagDir), &gw)
	if !strings.HasPrefix(gw.GatewayArn, "arn:aws:bedrock-agentcore:eu-central-1:") {
		t.Errorf("GatewayArn %s: want region eu-central-1", gw.GatewayArn)
	}
	if !strings.HasPrefix(gw.GatewayUrl, "https://mcp.example.test/gateways/") {
		t.Errorf("GatewayUrl %s: want it built from public_data_url", gw.GatewayUrl)
	}
	if code := tg.stop(t); code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}

// TestServeInvalidConfig checks that a bad configuration exits 1 before
// anything is created, naming the problem.
func TestServeInvalidConfig(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := write("typo.yaml", "data_dir: x\ndata_lisen: 127.0.0.1:0\n")
	badYAML := write("bad.yaml", "data_dir: [unterminated\n")
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"region", []string{"--region", "Mars"}, []string{"invalid configuration", `region: "Mars" is not a region name`}},
		{"unknown key in file", []string{"--config", typo}, []string{typo, "data_lisen", "not found"}},
		{"malformed file", []string{"--config", badYAML}, []string{badYAML}},
		{"missing file", []string{"--config", filepath.Join(tmp, "absent.yaml")}, []string{"read config", "absent.yaml"}},
		{"listen address", []string{"--data-listen", "localhost"}, []string{"data_listen", `"localhost" is not host:port`}},
		{"same listeners", []string{"--data-listen", "127.0.0.1:18080", "--control-listen", "127.0.0.1:18080"}, []string{"control_listen: must differ from data_listen"}},
		{"postgres without a database", []string{"--store", "postgres://u:hunter2@db"}, []string{"store:", "names no database"}},
		{"vault key variable unset", []string{"--vault-key-env", "TOOLGATE_TEST_UNSET_VAULT_KEY"}, []string{"vault_key_env:", "TOOLGATE_TEST_UNSET_VAULT_KEY is not set"}},
		{"log level", []string{"--log-level", "loud"}, []string{`log_level: "loud"`}},
		{"every problem at once", []string{"--region", "Mars", "--log-level", "loud"}, []string{"region:", "log_level:"}},
		{"unknown flag", []string{"--bogus"}, []string{"unknown flag: --bogus"}},
		{"positional argument", []string{"now"}, []string{`unknown command "now"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			args := append([]string{"serve", "--data-dir", dir}, tc.args...)
			r := mustFail(t, nil, tc.want, args...)
			if strings.Contains(r.stderr, "hunter2") {
				t.Errorf("store password echoed:\n%s", r)
			}
			if _, err := os.Stat(filepath.Join(dir, "addresses.json")); err == nil {
				t.Error("addresses.json written by a failed serve")
			}
		})
	}
}

// TestServeListenerInUse: a port that is taken is an exit 1 naming the
// listener, and serve releases everything so that a retry on a free port
// works with the same data directory.
func TestServeListenerInUse(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := filepath.Join(t.TempDir(), "data")
	r := toolgate(t, nil, "serve", "--data-dir", dir, "--data-listen", "127.0.0.1:0", "--control-listen", busy.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "toolgate: control plane listener: listen tcp "+busy.Addr().String()) {
		t.Fatalf("want exit 1 naming the control plane listener:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "addresses.json")); err == nil {
		t.Error("addresses.json written by a failed serve")
	}
	tg := serve(t, dir)
	healthz(t, tg.addrs.Control)
	if code := tg.stop(t); code != 0 {
		t.Fatalf("retry exited %d\n%s", code, tg.stderr)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := mustRun(t, nil, "version")
	if r.stdout != "toolgate dev\n" {
		t.Errorf("version printed %q, want %q", r.stdout, "toolgate dev\n")
	}
	mustFail(t, nil, []string{`unknown command "extra" for "toolgate version"`}, "version", "extra")
	mustFail(t, nil, []string{`unknown command "frobnicate" for "toolgate"`}, "frobnicate")
}
