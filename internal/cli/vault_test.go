package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestVaultAndWorkloadIdentityCommands: the token vault moves to a local
// customer key made with the CLI and back, refuses a reset while the
// customer key is in use, and each gateway's workload identity is listed
// beside one made by hand.
func TestVaultAndWorkloadIdentityCommands(t *testing.T) {
	tr := &transcript{}
	dir := t.TempDir()
	serve(t, dir)
	run := func(args ...string) result {
		t.Helper()
		return mustRun(t, tr, append(args, "--data-dir", dir)...)
	}
	type vaultJSON struct {
		TokenVaultId     string
		KmsConfiguration struct{ KeyType, KmsKeyArn string }
	}
	var v vaultJSON
	decodeJSON(t, run("vault", "get"), &v)
	if v.TokenVaultId != "default" || v.KmsConfiguration.KeyType != "ServiceManagedKey" {
		t.Fatalf("vault get: %+v", v)
	}
	out := run("vault", "create-local-key", "ops-key")
	if !strings.Contains(out.stdout, filepath.Join(dir, "cmk", "ops-key.key")) {
		t.Errorf("create-local-key printed %q", out.stdout)
	}
	mustFail(t, tr, []string{"exists"}, "vault", "create-local-key", "ops-key", "--data-dir", dir)
	decodeJSON(t, run("vault", "set-cmk", "--kms-key-arn", "file:ops-key"), &v)
	if v.KmsConfiguration.KeyType != "CustomerManagedKey" || v.KmsConfiguration.KmsKeyArn != "file:ops-key" {
		t.Fatalf("set-cmk: %+v", v)
	}
	mustFail(t, tr, []string{"kmsConfiguration.kmsKeyArn", "absent.key"}, "vault", "set-cmk", "--kms-key-arn", "file:absent", "--data-dir", dir)
	mustFail(t, tr, []string{"--yes"}, "vault", "reset-key-material", "--data-dir", dir)
	mustFail(t, tr, []string{"StatusCode"}, "vault", "reset-key-material", "--yes", "--data-dir", dir)
	decodeJSON(t, run("vault", "set-cmk", "--service-managed"), &v)
	if v.KmsConfiguration.KeyType != "ServiceManagedKey" {
		t.Fatalf("set-cmk --service-managed: %+v", v)
	}
	decodeJSON(t, run("vault", "reset-key-material", "--yes"), &v)

	var gw gatewayJSON
	decodeJSON(t, run("gateway", "create", "--name", "wi"), &gw)
	var made struct{ Name, WorkloadIdentityArn string }
	decodeJSON(t, run("workload-identity", "create", "sre-agent", "--return-url", "https://agent.example.com/cb"), &made)
	if made.Name != "sre-agent" || !strings.HasSuffix(made.WorkloadIdentityArn, ":workload-identity-directory/default/workload-identity/sre-agent") {
		t.Fatalf("workload-identity create: %+v", made)
	}
	var list []struct{ Name string }
	decodeJSON(t, run("wi", "list"), &list)
	names := map[string]bool{}
	for _, w := range list {
		names[w.Name] = true
	}
	if !names["sre-agent"] || len(list) != 2 {
		t.Errorf("workload identities %+v: want sre-agent and the gateway's", list)
	}
	var got struct{ AllowedResourceOauth2ReturnUrls []string }
	decodeJSON(t, run("workload-identity", "get", "sre-agent"), &got)
	if len(got.AllowedResourceOauth2ReturnUrls) != 1 {
		t.Errorf("workload-identity get: %+v", got)
	}
	if out := run("workload-identity", "delete", "sre-agent"); !strings.Contains(out.stdout, "deleted workload identity sre-agent") {
		t.Errorf("delete printed %q", out.stdout)
	}
	mustFail(t, tr, []string{"ResourceNotFound"}, "workload-identity", "get", "sre-agent", "--data-dir", dir)
}
