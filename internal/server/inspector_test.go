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
	gw := weatherGateway(t, tg, "inspected", up.URL)
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
