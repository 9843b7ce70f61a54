package catalog_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/catalog"
)

func dynamicTargetDoc(name, endpoint string) []byte {
	raw, err := json.Marshal(agentcore.UpdateGatewayTargetRequest{
		Name: &name,
		TargetConfiguration: &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{
			MCPServer: &agentcore.McpServerTargetConfiguration{Endpoint: &endpoint, ListingMode: agentcore.ListingModeDynamic},
		}},
	})
	if err != nil {
		panic(err)
	}
	return raw
}

// A DYNAMIC MCP-server target is compiled without contacting its server
// and without tools: the data plane lists them live.
func TestBuildDynamicTargets(t *testing.T) {
	e := newEnv(t)
	e.createGateway("gw-dyn0000000", baseGateway("gw-dyn"))
	e.createTarget("gw-dyn0000000", "TGTSTATIC1", "static", specDoc(e.up.URL(""), "ping"), nil)
	e.createRawTarget("gw-dyn0000000", "TGTDYNB001", "zeta", dynamicTargetDoc("zeta", "http://127.0.0.1:1/mcp"))
	e.createRawTarget("gw-dyn0000000", "TGTDYNA001", "alpha", dynamicTargetDoc("alpha", "http://127.0.0.1:1/mcp"))
	b := e.builder(nil)
	snap := e.build(b, nil)
	gw := snap.Gateway("gw-dyn0000000")
	if gw == nil {
		t.Fatal("gateway not built")
	}
	var tools, dynamic []string
	for _, tl := range gw.Tools {
		tools = append(tools, tl.Name)
	}
	for _, d := range gw.Dynamic {
		dynamic = append(dynamic, d.TargetID+"/"+d.TargetName)
	}
	if diff := cmp.Diff([]string{"static___ping"}, tools); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"TGTDYNA001/alpha", "TGTDYNB001/zeta"}, dynamic); diff != "" {
		t.Errorf("dynamic targets (-want +got):\n%s", diff)
	}
	if n := len(e.up.requests()); n != 0 {
		t.Errorf("the build made %d upstream requests", n)
	}
	// Unchanged targets are reused, so their listing cache survives builds.
	again := e.build(b, snap).Gateway("gw-dyn0000000")
	if again.Dynamic[0].Target != gw.Dynamic[0].Target {
		t.Error("an unchanged DYNAMIC target was opened again")
	}

	for _, tc := range []struct {
		name, wantTarget, wantLocal string
	}{
		{"alpha___get_weather", "alpha", "get_weather"},
		{"zeta___a___b", "zeta", "a___b"},
		{"alpha___", "", ""},
		{"static___ping", "", ""},
		{"beta___x", "", ""},
		{"alpha", "", ""},
	} {
		d, local := gw.DynamicFor(tc.name)
		got := ""
		if d != nil {
			got = d.TargetName
		}
		if got != tc.wantTarget || local != tc.wantLocal {
			t.Errorf("DynamicFor(%q) = %q, %q; want %q, %q", tc.name, got, local, tc.wantTarget, tc.wantLocal)
		}
	}
}

func TestDynamicForWithoutDynamicTargets(t *testing.T) {
	gw := catalog.Finish(&catalog.Gateway{ID: "g"})
	if d, _ := gw.DynamicFor("t___x"); d != nil {
		t.Errorf("DynamicFor on a gateway without DYNAMIC targets = %+v", d)
	}
}
