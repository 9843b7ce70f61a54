package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The shapes of the printed JSON the tests look at (field names are the
// SDK's Go field names).
type (
	gatewayJSON struct {
		GatewayId, GatewayArn, GatewayUrl, Name, Status, AuthorizerType, ProtocolType string
		StatusReasons                                                                 []string
	}
	providerJSON struct {
		Name, CredentialProviderArn string
	}
	targetJSON struct {
		TargetId, GatewayArn, Name, Status string
		StatusReasons                      []string
		TargetConfiguration                any
		CredentialProviderConfigurations   []struct {
			CredentialProviderType string
			CredentialProvider     struct {
				ProviderArn, CredentialLocation, CredentialParameterName string
			}
		}
	}
	deletedJSON struct {
		GatewayId, TargetId, Status string
	}
)

// TestWalkthrough is the README's five-minute walkthrough with nothing but
// CLI commands next to a running `toolgate serve`, plus the list/get/delete
// commands, checked through an MCP client against an upstream that insists
// on the key. The key reaches toolgate the three ways the CLI offers: stdin
// (as in the README), --api-key-file and --api-key-env.
//
// Not parallel: it sets an environment variable and replaces os.Stdin.
func TestWalkthrough(t *testing.T) {
	ctx := context.Background()
	tr := &transcript{}
	dir := t.TempDir()
	tg := serve(t, dir, "--log-level", "debug")
	up := newUpstream(t)
	spec := weatherSpec(t, strings.TrimPrefix(up.URL, "http://"))
	run := func(args ...string) result {
		t.Helper()
		return mustRun(t, tr, append(args, "--data-dir", dir)...)
	}

	// 1. A gateway.
	var gw gatewayJSON
	decodeJSON(t, run("gateway", "create", "--name", "weather"), &gw)
	wantURL := "http://" + tg.addrs.Data + "/gateways/" + gw.GatewayId + "/mcp"
	if !strings.HasPrefix(gw.GatewayId, "weather-") || gw.GatewayUrl != wantURL || gw.Status != "READY" ||
		gw.Name != "weather" || gw.AuthorizerType != "NONE" || gw.ProtocolType != "MCP" {
		t.Fatalf("gateway create printed %+v; want id weather-…, url %s, READY, NONE, MCP", gw, wantURL)
	}
	if !strings.Contains(strings.Join(gw.StatusReasons, "\n"), "NONE") {
		t.Errorf("a NONE gateway carries no warning in StatusReasons: %q", gw.StatusReasons)
	}

	// 2. The key, three ways. stdin as in the README:
	//    echo -n "$WEATHER_API_KEY" | toolgate credential-provider create-api-key --name k
	withStdin(t, secret+"\r\n")
	var provStdin, provFile, provEnv providerJSON
	decodeJSON(t, run("credential-provider", "create-api-key", "--name", "k"), &provStdin)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	decodeJSON(t, run("credential-provider", "create-api-key", "--name", "k-file", "--api-key-file", keyFile), &provFile)
	t.Setenv("TOOLGATE_TEST_WEATHER_KEY", secret)
	decodeJSON(t, run("cp", "create-api-key", "--name", "k-env", "--api-key-env", "TOOLGATE_TEST_WEATHER_KEY"), &provEnv)
	for name, p := range map[string]providerJSON{"k": provStdin, "k-file": provFile, "k-env": provEnv} {
		if p.Name != name || !strings.HasSuffix(p.CredentialProviderArn, ":token-vault/default/apikeycredentialprovider/"+name) {
			t.Errorf("create-api-key --name %s printed %+v", name, p)
		}
	}

	// 3. One OpenAPI target per provider, the key injected as X-Api-Key.
	targetIDs := map[string]string{}
	for target, provider := range map[string]providerJSON{"weather": provStdin, "weatherfile": provFile, "weatherenv": provEnv} {
		var tgt targetJSON
		decodeJSON(t, run("target", "create", "--gateway", gw.GatewayId, "--name", target, "--openapi", spec,
			"--api-key-provider", provider.Name, "--credential-parameter-name", "X-Api-Key"), &tgt)
		if tgt.TargetId == "" || tgt.Name != target || tgt.Status != "READY" || tgt.GatewayArn != gw.GatewayArn {
			t.Fatalf("target create printed %+v", tgt)
		}
		if !strings.Contains(strings.Join(tgt.StatusReasons, "\n"), "/untitled") {
			t.Errorf("operation without operationId not in StatusReasons: %q", tgt.StatusReasons)
		}
		if len(tgt.CredentialProviderConfigurations) != 1 {
			t.Fatalf("CredentialProviderConfigurations: %+v", tgt.CredentialProviderConfigurations)
		}
		c := tgt.CredentialProviderConfigurations[0]
		if c.CredentialProviderType != "API_KEY" || c.CredentialProvider.ProviderArn != provider.CredentialProviderArn ||
			c.CredentialProvider.CredentialParameterName != "X-Api-Key" || c.CredentialProvider.CredentialLocation != "HEADER" {
			t.Errorf("credential configuration of %s: %+v", target, c)
		}
		// The union TargetConfiguration{Mcp{OpenApiSchema{InlinePayload}}}
		// is printed unwrapped: the document itself.
		if s, ok := tgt.TargetConfiguration.(string); !ok || !strings.Contains(s, "operationId: getForecast") {
			t.Errorf("TargetConfiguration printed as %T %.80v", tgt.TargetConfiguration, tgt.TargetConfiguration)
		}
		targetIDs[target] = tgt.TargetId
	}

	// 4. list and get.
	var targets []targetJSON
	decodeJSON(t, run("target", "list", "--gateway", gw.GatewayId), &targets)
	var listed []string
	for _, x := range targets {
		listed = append(listed, x.Name+"="+x.TargetId+"/"+x.Status)
	}
	slices.Sort(listed)
	want := []string{
		"weather=" + targetIDs["weather"] + "/READY",
		"weatherenv=" + targetIDs["weatherenv"] + "/READY",
		"weatherfile=" + targetIDs["weatherfile"] + "/READY",
	}
	if diff := cmp.Diff(want, listed); diff != "" {
		t.Errorf("target list (-want +got):\n%s", diff)
	}
	var got targetJSON
	decodeJSON(t, run("target", "get", "--gateway", gw.GatewayId, targetIDs["weather"]), &got)
	if got.TargetId != targetIDs["weather"] || got.Name != "weather" || got.Status != "READY" ||
		!strings.Contains(strings.Join(got.StatusReasons, "\n"), "/untitled") {
		t.Errorf("target get printed %+v", got)
	}

	var gws []gatewayJSON
	decodeJSON(t, run("gateway", "list"), &gws)
	if len(gws) != 1 || gws[0].GatewayId != gw.GatewayId || gws[0].Name != "weather" || gws[0].Status != "READY" {
		t.Errorf("gateway list printed %+v", gws)
	}
	var gotGW gatewayJSON
	decodeJSON(t, run("gateway", "get", gw.GatewayId), &gotGW)
	if diff := cmp.Diff(gw, gotGW); diff != "" {
		t.Errorf("gateway get differs from gateway create (-create +get):\n%s", diff)
	}

	var provs []providerJSON
	decodeJSON(t, run("credential-provider", "list"), &provs)
	var names []string
	for _, p := range provs {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	if diff := cmp.Diff([]string{"k", "k-env", "k-file"}, names); diff != "" {
		t.Errorf("credential-provider list (-want +got):\n%s", diff)
	}

	// 5. The tools, through the data plane, with the key each way.
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cli-test", Version: "1"}, nil).
		Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gw.GatewayUrl}, nil)
	if err != nil {
		t.Fatalf("MCP connect %s: %v", gw.GatewayUrl, err)
	}
	t.Cleanup(func() { cs.Close() }) // before serve stops (cleanups run last-in first-out)
	var tools []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		tools = append(tools, tool.Name)
	}
	for target := range targetIDs {
		if !slices.Contains(tools, target+"___getForecast") {
			t.Errorf("tool %s___getForecast not listed: %v", target, tools)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: target + "___getForecast", Arguments: map[string]any{"city": "Oslo", "days": 3}})
		if err != nil {
			t.Fatal(err)
		}
		if res.IsError || len(res.Content) != 1 {
			t.Fatalf("%s___getForecast: %+v", target, res)
		}
		if text, _ := res.Content[0].(*mcp.TextContent); text == nil || text.Text != `{"city":"Oslo","days":3}` {
			t.Errorf("%s___getForecast returned %+v", target, res.Content[0])
		}
	}
	if accepted, rejected := up.counts(); accepted != 3 || rejected != 0 {
		t.Errorf("upstream accepted %d and refused %d calls, want 3 and 0", accepted, rejected)
	}
	cs.Close()

	// 6. Tear down: a gateway with targets cannot go first.
	mustFail(t, tr, []string{"ConflictException", "still has targets"}, "gateway", "delete", gw.GatewayId, "--data-dir", dir)
	for target, id := range targetIDs {
		var del deletedJSON
		decodeJSON(t, run("target", "delete", "--gateway", gw.GatewayId, id), &del)
		if del.TargetId != id || del.Status != "DELETING" {
			t.Errorf("target delete %s printed %+v", target, del)
		}
	}
	var del deletedJSON
	decodeJSON(t, run("gateway", "delete", gw.GatewayId), &del)
	if del.GatewayId != gw.GatewayId || del.Status != "DELETING" {
		t.Errorf("gateway delete printed %+v", del)
	}
	mustFail(t, tr, []string{"ResourceNotFoundException"}, "gateway", "get", gw.GatewayId, "--data-dir", dir)
	for _, name := range []string{"k", "k-file", "k-env"} {
		// Like the IAM and IdP deletes: the name deleted, nothing more.
		var out map[string]string
		if decodeJSON(t, run("credential-provider", "delete", name), &out); len(out) != 1 || out["Deleted"] != name {
			t.Errorf("credential-provider delete printed %v", out)
		}
	}
	mustFail(t, tr, []string{"ResourceNotFoundException"}, "credential-provider", "delete", "k", "--data-dir", dir)
	// Empty lists (see TestEmptyListsPrintEmptyArrays for what they print).
	for _, args := range [][]string{{"gateway", "list"}, {"credential-provider", "list"}} {
		if r := run(args...); strings.Contains(r.stdout, `"Name"`) {
			t.Errorf("toolgate %s after deleting everything:\n%s", strings.Join(args, " "), r.stdout)
		}
	}

	// The key was never printed: not by a command, not by serve (debug logs).
	tr.add(result{args: []string{"serve"}, stdout: tg.stdout.String(), stderr: tg.stderr.String()})
	tr.assertNeverPrinted(t, secret)
	if code := tg.stop(t); code != 0 {
		t.Errorf("serve exited %d\n%s", code, tg.stderr)
	}
}

// TestEmptyListsPrintEmptyArrays: a list command with nothing to list
// should print [] (an empty JSON array), not null.
func TestEmptyListsPrintEmptyArrays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	serve(t, dir)
	var gw gatewayJSON
	decodeJSON(t, mustRun(t, nil, "gateway", "create", "--name", "empty", "--data-dir", dir), &gw)
	for _, args := range [][]string{
		{"gateway", "list"}, // has one gateway: sanity check of the shape
		{"target", "list", "--gateway", gw.GatewayId},
		{"credential-provider", "list"},
	} {
		r := mustRun(t, nil, append(args, "--data-dir", dir)...)
		var items []map[string]any
		decodeJSON(t, r, &items)
		if items == nil {
			t.Errorf("toolgate %s printed %q, want a JSON array", strings.Join(args, " "), r.stdout)
		}
	}
}
