package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManagementErrors checks what a user sees when a management command
// fails against a running toolgate: exit 1, "toolgate: " and the AWS error
// code on stderr, nothing on stdout, and never the API key.
func TestManagementErrors(t *testing.T) {
	t.Parallel()
	tr := &transcript{}
	dir := t.TempDir()
	tg := serve(t, dir, "--log-level", "debug")
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyKey := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyKey, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hugeKey := filepath.Join(t.TempDir(), "huge")
	if err := os.WriteFile(hugeKey, []byte(strings.Repeat(secret, 3000)), 0o600); err != nil {
		t.Fatal(err)
	}
	var gw gatewayJSON
	decodeJSON(t, mustRun(t, tr, "gateway", "create", "--name", "errs", "--data-dir", dir), &gw)
	var prov providerJSON
	decodeJSON(t, mustRun(t, tr, "credential-provider", "create-api-key", "--name", "dup", "--api-key-file", keyFile, "--data-dir", dir), &prov)

	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"gateway get unknown", []string{"gateway", "get", "NOPE"}, []string{"GetGateway", "ResourceNotFoundException", "NOPE"}},
		{"gateway delete unknown", []string{"gateway", "delete", "NOPE"}, []string{"DeleteGateway", "ResourceNotFoundException"}},
		{"target list unknown gateway", []string{"target", "list", "--gateway", "NOPE"}, []string{"ListGatewayTargets", "ResourceNotFoundException"}},
		{"target get unknown", []string{"target", "get", "--gateway", gw.GatewayId, "NOPE000000"}, []string{"GetGatewayTarget", "ResourceNotFoundException"}},
		{"target delete unknown", []string{"target", "delete", "--gateway", gw.GatewayId, "NOPE000000"}, []string{"DeleteGatewayTarget", "ResourceNotFoundException"}},
		{"credential-provider delete unknown", []string{"credential-provider", "delete", "nope"}, []string{"DeleteApiKeyCredentialProvider", "ResourceNotFoundException"}},
		{"gateway name invalid", []string{"gateway", "create", "--name", "not a name"}, []string{"CreateGateway", "ValidationException"}},
		{"gateway name taken", []string{"gateway", "create", "--name", "errs"}, []string{"ConflictException"}},
		{"gateway authorizer invalid", []string{"gateway", "create", "--name", "auth", "--authorizer", "MAGIC"}, []string{"ValidationException"}},
		{"provider name taken", []string{"credential-provider", "create-api-key", "--name", "dup", "--api-key-file", keyFile}, []string{"CreateApiKeyCredentialProvider", "ConflictException"}},
		// An empty key file is refused by the CLI before anything is sent.
		{"provider key empty", []string{"credential-provider", "create-api-key", "--name", "empty", "--api-key-file", emptyKey}, []string{"is empty", "must hold the API key"}},
		{"provider key too long", []string{"credential-provider", "create-api-key", "--name", "huge", "--api-key-file", hugeKey}, []string{"ValidationException", "apiKey"}},
		{"provider name invalid", []string{"credential-provider", "create-api-key", "--name", "bad name!", "--api-key-file", keyFile}, []string{"ValidationException"}},
		{"target provider unknown", []string{"target", "create", "--gateway", gw.GatewayId, "--name", "t", "--openapi", weatherSpec(t, "127.0.0.1:9"), "--api-key-provider", "nope"},
			[]string{"look up API-key provider nope", "ResourceNotFoundException"}},
		{"target openapi missing", []string{"target", "create", "--gateway", gw.GatewayId, "--name", "t", "--openapi", filepath.Join(dir, "absent.yaml")},
			[]string{"read OpenAPI document", "absent.yaml"}},
		{"target openapi invalid", []string{"target", "create", "--gateway", gw.GatewayId, "--name", "t", "--openapi", keyFile},
			[]string{"CreateGatewayTarget", "ValidationException"}},
		{"target without --gateway", []string{"target", "list"}, []string{`required flag(s) "gateway" not set`}},
		{"target create without --openapi or --lambda", []string{"target", "create", "--gateway", gw.GatewayId, "--name", "t"}, []string{"at least one of the flags in the group [lambda openapi mcp-server smithy] is required"}},
		{"gateway create without --name", []string{"gateway", "create"}, []string{`required flag(s) "name" not set`}},
		{"gateway get without id", []string{"gateway", "get"}, []string{"accepts 1 arg(s), received 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mustFail(t, tr, tc.want, append(tc.args, "--data-dir", dir)...)
		})
	}

	// Nothing was created by the failures.
	var gws []gatewayJSON
	decodeJSON(t, mustRun(t, tr, "gateway", "list", "--data-dir", dir), &gws)
	if len(gws) != 1 {
		t.Errorf("gateway list after failures: %+v", gws)
	}
	tr.add(result{args: []string{"serve"}, stdout: tg.stdout.String(), stderr: tg.stderr.String()})
	tr.assertNeverPrinted(t, secret)
}

// TestNoRunningToolgate: without addresses.json (and without --endpoint)
// every management command tells the user what to do.
func TestNoRunningToolgate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []string{"no --endpoint and no running toolgate found in " + dir, "start `toolgate serve` or pass --endpoint"}
	for _, args := range [][]string{
		{"gateway", "list"},
		{"gateway", "create", "--name", "x"},
		{"gateway", "get", "x"},
		{"gateway", "delete", "x"},
		{"target", "list", "--gateway", "x"},
		{"target", "get", "--gateway", "x", "y"},
		{"target", "create", "--gateway", "x", "--name", "y", "--openapi", keyFile},
		{"credential-provider", "list"},
		{"credential-provider", "delete", "x"},
		{"credential-provider", "create-api-key", "--name", "x", "--api-key-file", keyFile},
	} {
		r := mustFail(t, nil, want, append(args, "--data-dir", dir)...)
		if strings.Contains(r.stderr, secret) {
			t.Errorf("key printed:\n%s", r)
		}
	}

	// The default data directory is ./toolgate-data (relative), named as such.
	if _, err := os.Stat("toolgate-data"); err == nil {
		t.Error("internal/cli/toolgate-data exists: a toolgate was started in the package directory")
	} else {
		mustFail(t, nil, []string{"no running toolgate found in ./toolgate-data"}, "gateway", "list")
	}

	// A damaged addresses.json is named.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "addresses.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustFail(t, nil, []string{"read " + bad + "/addresses.json"}, "gateway", "list", "--data-dir", bad)
}

// TestStaleAddresses: addresses.json left behind by a toolgate that died
// without cleaning up (kill -9) points at a closed port; the command fails
// naming that address instead of hanging.
func TestStaleAddresses(t *testing.T) {
	t.Parallel()
	// Port 1 (tcpmux): nothing listens there, and no test can take it.
	const addr = "127.0.0.1:1"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "addresses.json"), []byte(`{"data":"`+addr+`","control":"`+addr+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// Credentials must come from somewhere for the request to be sent.
	if err := os.WriteFile(filepath.Join(dir, "credentials"), []byte("[default]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustFail(t, nil, []string{"ListGateways", addr, "connection refused"}, "gateway", "list", "--data-dir", dir)
}

// TestSecretInputErrors: the ways of giving the API key are checked before
// toolgate is contacted (the data directory here has no addresses.json, so
// any other order would produce the "no running toolgate" error instead).
//
// Not parallel: it sets environment variables and replaces os.Stdin.
func TestSecretInputErrors(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(keyFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOOLGATE_TEST_KEY", secret)
	os.Unsetenv("TOOLGATE_TEST_UNSET_KEY")
	tr := &transcript{}
	create := []string{"credential-provider", "create-api-key", "--name", "k", "--data-dir", dir}

	mustFail(t, tr, []string{"pass only one of --api-key-file and --api-key-env"},
		append(create, "--api-key-file", keyFile, "--api-key-env", "TOOLGATE_TEST_KEY")...)
	mustFail(t, tr, []string{"environment variable TOOLGATE_TEST_UNSET_KEY is not set"},
		append(create, "--api-key-env", "TOOLGATE_TEST_UNSET_KEY")...)
	mustFail(t, tr, []string{filepath.Join(dir, "absent"), "no such file"},
		append(create, "--api-key-file", filepath.Join(dir, "absent"))...)
	mustFail(t, tr, []string{`required flag(s) "name" not set`},
		"credential-provider", "create-api-key", "--api-key-file", keyFile, "--data-dir", dir)

	for _, stdin := range []string{"", "\n", "\r\n\r\n"} {
		withStdin(t, stdin)
		mustFail(t, tr, []string{"no API key: pass --api-key-file, --api-key-env, or pipe it on stdin"}, create...)
	}
	// A key on stdin gets past the secret check to the connection.
	withStdin(t, secret)
	mustFail(t, tr, []string{"no running toolgate found"}, create...)

	tr.assertNeverPrinted(t, secret)
}

// TestEndpointAndProfile: --endpoint bypasses addresses.json and --profile
// picks a profile of the shared credentials file; wrong credentials fail
// with the error the SDK reports for them.
//
// Not parallel: it points AWS_SHARED_CREDENTIALS_FILE at its own file.
func TestEndpointAndProfile(t *testing.T) {
	dir := t.TempDir()
	tg := serve(t, dir)
	keyID, secretKey := rootKey(t, dir)
	creds := filepath.Join(t.TempDir(), "credentials")
	content := "[good]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + secretKey + "\n" +
		"[unknown]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = " + secretKey + "\n" +
		"[badsecret]\naws_access_key_id = " + keyID + "\naws_secret_access_key = 0000000000000000000000000000000000000000\n"
	if err := os.WriteFile(creds, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	endpoint := "http://" + tg.addrs.Control
	elsewhere := t.TempDir() // no addresses.json, no credentials

	var gw gatewayJSON
	decodeJSON(t, mustRun(t, nil, "gateway", "create", "--name", "remote", "--endpoint", endpoint, "--profile", "good", "--data-dir", elsewhere), &gw)
	if gw.Status != "READY" {
		t.Fatalf("gateway create via --endpoint/--profile: %+v", gw)
	}
	// --endpoint with the credentials of the data directory (no --profile).
	var gws []gatewayJSON
	decodeJSON(t, mustRun(t, nil, "gateway", "list", "--endpoint", endpoint, "--data-dir", dir), &gws)
	if len(gws) != 1 || gws[0].GatewayId != gw.GatewayId {
		t.Errorf("gateway list: %+v", gws)
	}

	for _, tc := range []struct {
		profile string
		want    []string
	}{
		{"unknown", []string{"ListGateways", "UnrecognizedClientException"}},
		{"badsecret", []string{"ListGateways", "InvalidSignatureException"}},
		{"missing", []string{"no profile [missing] in " + filepath.Join(elsewhere, "credentials"), "AWS_SHARED_CREDENTIALS_FILE", "add a [missing] section"}},
	} {
		r := mustFail(t, nil, tc.want, "gateway", "list", "--endpoint", endpoint, "--profile", tc.profile, "--data-dir", elsewhere)
		if strings.Contains(r.stderr, secretKey) {
			t.Errorf("root secret printed:\n%s", r)
		}
	}
	// --profile wins over the data directory's credentials.
	mustFail(t, nil, []string{"UnrecognizedClientException"}, "gateway", "list", "--profile", "unknown", "--data-dir", dir)

	// A profile added to the data directory's credentials file, as the
	// README's `iam root enable --profile admin` has it, is found there
	// (AWS_SHARED_CREDENTIALS_FILE names a file without it).
	f, err := os.OpenFile(filepath.Join(dir, "credentials"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n[admin]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + secretKey + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	decodeJSON(t, mustRun(t, nil, "gateway", "list", "--profile", "admin", "--data-dir", dir), &gws)
	if len(gws) != 1 {
		t.Errorf("gateway list --profile admin: %+v", gws)
	}
}
