package cli_test

import (
	"context"
	"slices"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestTargetCreateSmithy: `target create --smithy MODEL` makes a Smithy
// target that calls as the gateway's role; its operations are the
// gateway's tools. (Without an aws configuration, a call says so.)
func TestTargetCreateSmithy(t *testing.T) {
	ctx := context.Background()
	tr := &transcript{}
	dir := t.TempDir()
	serve(t, dir)
	run := func(args ...string) result {
		t.Helper()
		return mustRun(t, tr, append(args, "--data-dir", dir)...)
	}
	var gw gatewayJSON
	decodeJSON(t, run("gateway", "create", "--name", "smithy"), &gw)
	var tgt targetJSON
	decodeJSON(t, run("target", "create", "--gateway", gw.GatewayId, "--name", "weather", "--smithy", "../target/smithy/testdata/weather.json"), &tgt)
	if tgt.Status != "READY" || len(tgt.CredentialProviderConfigurations) != 1 || tgt.CredentialProviderConfigurations[0].CredentialProviderType != "GATEWAY_IAM_ROLE" {
		t.Fatalf("target create --smithy printed %+v", tgt)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cli-test", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gw.GatewayUrl}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
	}
	if !slices.Contains(names, "weather___GetCity") || !slices.Contains(names, "weather___ListCities") {
		t.Errorf("tools %v, want the model's operations as weather___<Operation>", names)
	}
	mustFail(t, tr, []string{"read Smithy model"}, "target", "create", "--gateway", gw.GatewayId, "--name", "x", "--smithy", "absent.json", "--data-dir", dir)
	mustFail(t, tr, []string{"[api-key-provider smithy]"}, "target", "create", "--gateway", gw.GatewayId, "--name", "x",
		"--smithy", "../target/smithy/testdata/weather.json", "--api-key-provider", "k", "--data-dir", dir)
}
