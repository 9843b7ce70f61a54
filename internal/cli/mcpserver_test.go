package cli_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type echoArgs struct {
	Text string `json:"text"`
}

// TestTargetCreateMCPServer: `target create --mcp-server URL` lists a remote
// MCP server's tools through the gateway and forwards calls to it; an
// s3:// OpenAPI location reaches the server as the S3 form (refused here
// with the reason, as this toolgate has no AWS configuration).
func TestTargetCreateMCPServer(t *testing.T) {
	ctx := context.Background()
	tr := &transcript{}
	dir := t.TempDir()
	tg := serve(t, dir, "--log-level", "debug")
	remote := mcp.NewServer(&mcp.Implementation{Name: "remote", Version: "1"}, nil)
	mcp.AddTool(remote, &mcp.Tool{Name: "echo", Description: "echoes"}, func(_ context.Context, _ *mcp.CallToolRequest, in echoArgs) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "echo: " + in.Text}}}, nil, nil
	})
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return remote }, nil))
	defer srv.Close()
	run := func(args ...string) result {
		t.Helper()
		return mustRun(t, tr, append(args, "--data-dir", dir)...)
	}

	var gw gatewayJSON
	decodeJSON(t, run("gateway", "create", "--name", "proxy", "--exception-level", "DEBUG"), &gw)
	var tgt targetJSON
	decodeJSON(t, run("target", "create", "--gateway", gw.GatewayId, "--name", "remote", "--mcp-server", srv.URL), &tgt)
	if tgt.Status != "READY" {
		t.Fatalf("target create printed %+v", tgt)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cli-test", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gw.GatewayUrl}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "remote___echo", Arguments: map[string]any{"text": "hi"}})
	if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "echo: hi" {
		t.Fatalf("remote___echo: %v %+v\n%s", err, res.Content[0], tg.stderr)
	}

	mustFail(t, tr, []string{"if any flags in the group [lambda openapi mcp-server smithy] are set none of the others can be"},
		"target", "create", "--gateway", gw.GatewayId, "--name", "x", "--mcp-server", srv.URL, "--openapi", "spec.yaml", "--data-dir", dir)
	mustFail(t, tr, []string{"ValidationException", "cannot be read from S3", "s3://specs/weather.yaml", "no usable AWS credentials"},
		"target", "create", "--gateway", gw.GatewayId, "--name", "froms3", "--openapi", "s3://specs/weather.yaml", "--data-dir", dir)
}
