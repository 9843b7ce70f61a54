package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/awsfake"
)

// TestLambdaTargetFromTheCLI: a gateway with its own role, a Lambda target
// made with `target create --lambda`, toolgate configured (aws block) to
// assume the role through STS, and the function invoked as that role.
//
// Not parallel: it sets environment variables.
func TestLambdaTargetFromTheCLI(t *testing.T) {
	ctx := context.Background()
	const role = "arn:aws:iam::111122223333:role/orders-gateway"
	base := aws.Credentials{AccessKeyID: "AKIACLIBASECLIBASE01", SecretAccessKey: "cli-base-secret-0123456789abcdefghijklm"}
	sts := awsfake.NewSTS(t, "us-east-1", base)
	fns := awsfake.NewLambda(t, "us-east-1", "111122223333", sts.Keys())
	fns.Allow(func(c aws.Credentials, _ string) bool {
		s, ok := sts.SessionOf(c.AccessKeyID)
		return ok && s.RoleArn == role
	})
	fnArn := fns.Add("orders", func(_ context.Context, event json.RawMessage, cc awsfake.ClientContext) (any, error) {
		return map[string]any{"tool": cc.Custom["bedrockAgentCoreToolName"], "event": event}, nil
	})

	dir := t.TempDir()
	t.Setenv("TOOLGATE_TEST_AWS_KEY", base.AccessKeyID)
	t.Setenv("TOOLGATE_TEST_AWS_SECRET", base.SecretAccessKey)
	cfgFile := filepath.Join(dir, "toolgate.yaml")
	os.WriteFile(cfgFile, []byte("aws:\n  access_key_id_env: TOOLGATE_TEST_AWS_KEY\n  secret_access_key_env: TOOLGATE_TEST_AWS_SECRET\n"+
		"  endpoints: {sts: "+sts.URL+", lambda: "+fns.URL+"}\n"), 0o600)
	serve(t, dir, "--config", cfgFile)
	tr := &transcript{}
	run := func(args ...string) result {
		t.Helper()
		return mustRun(t, tr, append(args, "--data-dir", dir)...)
	}

	var gw gatewayJSON
	decodeJSON(t, run("gateway", "create", "--name", "orders", "--role-arn", role), &gw)
	schema := filepath.Join(dir, "tools.json")
	os.WriteFile(schema, []byte(`[{"name":"get_order","description":"Get an order",
	  "inputSchema":{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}}]`), 0o644)
	var tgt targetJSON
	decodeJSON(t, run("target", "create", "--gateway", gw.GatewayId, "--name", "orders", "--lambda", fnArn, "--tool-schema", schema), &tgt)
	if tgt.Status != "READY" || len(tgt.CredentialProviderConfigurations) != 1 || tgt.CredentialProviderConfigurations[0].CredentialProviderType != "GATEWAY_IAM_ROLE" {
		t.Fatalf("target create --lambda printed %+v", tgt)
	}

	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cli-test", Version: "1"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gw.GatewayUrl}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "orders___get_order", Arguments: map[string]any{"orderId": "o-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if text := res.Content[0].(*mcp.TextContent).Text; res.IsError || text != `{"event":{"orderId":"o-1"},"tool":"orders___get_order"}` {
		t.Fatalf("orders___get_order: %v %s", res.IsError, text)
	}
	tr.assertNeverPrinted(t, base.SecretAccessKey)
	if calls := sts.Calls(); len(calls) != 1 || calls[0].RoleArn != role || calls[0].RoleSessionName != "toolgate-"+gw.GatewayId {
		t.Fatalf("AssumeRole calls %+v", calls)
	}

	// The flags refuse combinations that make no target.
	for _, args := range [][]string{
		{"--lambda", fnArn}, // no --tool-schema
		{"--lambda", fnArn, "--tool-schema", schema, "--openapi", schema},
		{"--openapi", schema, "--iam-service", "execute-api", "--api-key-provider", "k"},
		{},
	} {
		r := toolgate(t, tr, append([]string{"target", "create", "--gateway", gw.GatewayId, "--name", "x", "--data-dir", dir}, args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "flag") {
			t.Errorf("target create %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
