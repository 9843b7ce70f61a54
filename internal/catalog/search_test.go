package catalog

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/target"
)

func TestSearchBuiltForSemanticGateways(t *testing.T) {
	tools := func() []*Tool {
		var out []*Tool
		for _, n := range []string{"listIncidents", "restartService", "getRunbook"} {
			out = append(out, &Tool{Name: "sre___" + n, TargetName: "sre", Local: n, Def: target.Tool{Name: n, Description: n}})
		}
		return out
	}
	for _, tc := range []struct {
		config string
		want   []string
	}{
		{`{"protocolConfiguration":{"mcp":{"searchType":"SEMANTIC"}}}`, []string{"sre___restartService"}},
		{`{"protocolConfiguration":{"mcp":{}}}`, nil},
		{`{}`, nil},
	} {
		gw, _, err := compileGateway(store.Gateway{ID: "gw", Config: json.RawMessage(tc.config)})
		if err != nil {
			t.Fatal(err)
		}
		gw.Tools = tools()
		Finish(gw)
		if (gw.Search != nil) != (tc.want != nil) {
			t.Fatalf("%s: Search = %v", tc.config, gw.Search)
		}
		var got []string
		for _, tl := range gw.Search.Find("restart services", 10) {
			got = append(got, tl.Name)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", tc.config, diff)
		}
	}
}
