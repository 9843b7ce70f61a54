package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/openapi"
)

// TestSpecConvertsCleanlyAndEveryToolAnswers checks the document converts
// with no warnings and every tool it yields works against the backend.
func TestSpecConvertsCleanlyAndEveryToolAnswers(t *testing.T) {
	srv := httptest.NewServer(New("demo-key").Handler())
	defer srv.Close()
	spec, warnings, err := openapi.Convert([]byte(Spec(srv.URL + PathPrefix)))
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Convert: %v %v", err, warnings)
	}
	var names []string
	for _, tool := range spec.Tools() {
		names = append(names, tool.Name)
	}
	if diff := cmp.Diff([]string{"acknowledgeIncident", "getRunbook", "getServiceHealth", "listIncidents", "listServices"}, sorted(names)); diff != "" {
		t.Fatalf("tools (-want +got):\n%s", diff)
	}
	withKey := cred.InjectorFunc(func(_ context.Context, r *http.Request) error { r.Header.Set(KeyHeader, "demo-key"); return nil })
	tgt := openapi.Open(spec, target.Env{HTTPClient: srv.Client(), Credentials: withKey})
	calls := []struct {
		tool, args, want string
		isError          bool
	}{
		{"listServices", `{}`, `"checkout"`, false},
		{"getServiceHealth", `{"name":"notifications"}`, `"down"`, false},
		{"getServiceHealth", `{"name":"nope"}`, `404`, true},
		{"listIncidents", `{"status":"open"}`, `INC-1043`, false},
		{"acknowledgeIncident", `{"id":"INC-1042","body":{"engineer":"sam"}}`, `"acknowledgedBy":"sam"`, false},
		{"acknowledgeIncident", `{"id":"INC-1042","body":{"engineer":"sam"}}`, `409`, true},
		{"getRunbook", `{"service":"checkout"}`, `roll back`, false},
	}
	for _, c := range calls {
		res, err := tgt.Call(context.Background(), c.tool, json.RawMessage(c.args), target.CallInfo{})
		if err != nil {
			t.Fatalf("%s: %v", c.tool, err)
		}
		text := res.Content[0].(*mcp.TextContent).Text
		if res.IsError != c.isError || !strings.Contains(text, c.want) {
			t.Fatalf("%s(%s): isError=%v %s", c.tool, c.args, res.IsError, text)
		}
	}
}

func TestKeyRequired(t *testing.T) {
	srv := httptest.NewServer(New("demo-key").Handler())
	defer srv.Close()
	for _, key := range []string{"", "wrong", "demo-key-but-longer"} {
		req, _ := http.NewRequest("GET", srv.URL+PathPrefix+"/services", nil)
		if key != "" {
			req.Header.Set(KeyHeader, key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("key %q: status %d", key, resp.StatusCode)
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
