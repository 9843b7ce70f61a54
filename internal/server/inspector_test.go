package server

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestMCPInspectorListsAndCallsTools(t *testing.T) {
	bin := npmBin(t, "mcp-inspector")
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
