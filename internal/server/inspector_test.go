package server

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
)

// inspector returns the MCP Inspector CLI that .ci/run installs from npm
// (an MCP client independent of go-sdk). Without it the test is skipped,
// unless TOOLGATE_REQUIRE_NPM=1 (set by .ci/run) makes that a failure.
func inspector(t *testing.T) string {
	if p := os.Getenv("TOOLGATE_INSPECTOR"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", ".ci", "npm", "node_modules", ".bin", "mcp-inspector")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("TOOLGATE_REQUIRE_NPM") == "1" {
			t.Fatalf("MCP Inspector not installed at %s (run .ci/run)", p)
		}
		t.Skipf("MCP Inspector not installed at %s; .ci/run installs it", p)
	}
	return p
}

func TestMCPInspectorListsAndCallsTools(t *testing.T) {
	bin := inspector(t)
	ctx := context.Background()
	tg := start(t, t.TempDir())
	up, _ := upstream(t)
	prov, err := tg.control.CreateApiKeyCredentialProvider(ctx, &bedrockagentcorecontrol.CreateApiKeyCredentialProviderInput{
		Name: aws.String("k"), ApiKey: aws.String(secretMarker),
	})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := tg.control.CreateGateway(ctx, &bedrockagentcorecontrol.CreateGatewayInput{
		Name: aws.String("inspected"), RoleArn: aws.String("arn:aws:iam::123456789012:role/gw"), AuthorizerType: types.AuthorizerTypeNone,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.control.CreateGatewayTarget(ctx, &bedrockagentcorecontrol.CreateGatewayTargetInput{
		GatewayIdentifier: gw.GatewayId, Name: aws.String("weather"),
		TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
			Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: weatherSpec(t, strings.TrimPrefix(up.URL, "http://"))},
		}},
		CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
			CredentialProviderType: types.CredentialProviderTypeApiKey,
			CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
				ProviderArn: prov.CredentialProviderArn, CredentialParameterName: aws.String("X-Api-Key"),
			}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) map[string]any {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"--cli", aws.ToString(gw.GatewayUrl), "--transport", "http"}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("mcp-inspector %v: %v\n%s", args, err, out)
		}
		var v map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("mcp-inspector output is not JSON: %v\n%s", err, out)
		}
		return v
	}
	list := run("--method", "tools/list")
	var names []string
	for _, tool := range list["tools"].([]any) {
		names = append(names, tool.(map[string]any)["name"].(string))
	}
	if strings.Join(names, ",") != "weather___alwaysFails,weather___createAlert,weather___getForecast" {
		t.Fatalf("tools/list via Inspector: %v", names)
	}
	res := run("--method", "tools/call", "--tool-name", "weather___getForecast", "--tool-arg", "city=Tromsø", "--tool-arg", "days=2")
	text := res["content"].([]any)[0].(map[string]any)["text"].(string)
	if text != `{"city":"Tromsø","days":2}` || res["isError"] == true {
		t.Fatalf("tools/call via Inspector: %v", res)
	}
}
