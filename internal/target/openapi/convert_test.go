package openapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/target"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenTool is a tool as the golden files show it: the tool itself plus the
// request it makes and where each argument goes, so a reviewer sees the
// whole conversion in one place.
type goldenTool struct {
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Request      string            `json:"request"`
	Arguments    map[string]string `json:"arguments,omitempty"`
	InputSchema  json.RawMessage   `json:"inputSchema"`
	OutputSchema json.RawMessage   `json:"outputSchema,omitempty"`
}

type goldenFile struct {
	Tools    []goldenTool `json:"tools"`
	Warnings []string     `json:"warnings"`
}

func render(t *testing.T, spec *Spec, warnings []target.Warning) []byte {
	t.Helper()
	g := goldenFile{Tools: []goldenTool{}, Warnings: warningStrings(warnings)}
	for i, tool := range spec.Tools() {
		op := spec.ops[i]
		gt := goldenTool{
			Name:         tool.Name,
			Description:  tool.Description,
			Request:      op.method + " " + op.server + op.path,
			InputSchema:  tool.InputSchema,
			OutputSchema: tool.OutputSchema,
		}
		if op.accept != "" {
			gt.Request += " (Accept: " + op.accept + ")"
		}
		for _, p := range op.params {
			if gt.Arguments == nil {
				gt.Arguments = map[string]string{}
			}
			where := p.in + " " + p.name
			if p.in == "query" && (p.style != "form" || !p.explode) || p.in != "query" && (p.style != "simple" || p.explode) {
				where += fmt.Sprintf(" (style %s, explode %t)", p.style, p.explode)
			}
			if p.asJSON {
				where += " (as JSON)"
			}
			gt.Arguments[p.arg] = where
		}
		if b := op.body; b != nil {
			if gt.Arguments == nil {
				gt.Arguments = map[string]string{}
			}
			gt.Arguments[b.arg] = "body " + b.contentType
		}
		g.Tools = append(g.Tools, gt)
	}
	out, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatalf("golden output is not JSON (a schema is malformed): %v", err)
	}
	return append(out, '\n')
}

func warningStrings(ws []target.Warning) []string {
	out := []string{}
	for _, w := range ws {
		out = append(out, w.String())
	}
	return out
}

// compareGolden compares got with testdata/golden/name, or rewrites the file
// with -update.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("%s differs from the conversion (-golden +got); run go test -update if the change is intended:\n%s", path, diff)
	}
}

func TestConvertGolden(t *testing.T) {
	tests := []struct {
		file      string
		wantTools int
	}{
		{"petstore.json", 20},               // 3.0 JSON, XML/JSON media types, form body, multipart dropped
		{"schema-types.yaml", 23},           // 3.1 YAML: type arrays with "null", const, boolean schemas
		{"uspto.json", 3},                   // server variable {scheme}, form-urlencoded body
		{"circular-request-bodies.json", 4}, // direct, indirect and oneOf recursion
		{"discriminators.json", 4},          // oneOf/allOf + discriminator, missing operationIds
		{"parameters-style.json", 21},       // every parameter style: some supported, some warned
		{"servers.yaml", 3},                 // server variables and overrides
		{"schemas30.yaml", 2},               // 3.0 keywords to JSON Schema
		{"warnings.yaml", 7},                // everything that is skipped or renamed
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			spec, warnings, err := Convert(data)
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if got := len(spec.Tools()); got != tt.wantTools {
				t.Errorf("got %d tools, want %d", got, tt.wantTools)
			}
			for _, tool := range spec.Tools() {
				checkTool(t, tool)
			}
			got := render(t, spec, warnings)
			compareGolden(t, strings.TrimSuffix(tt.file, filepath.Ext(tt.file))+".json", got)

			// The same input must give byte-identical output.
			spec2, warnings2, err := Convert(data)
			if err != nil {
				t.Fatal(err)
			}
			if again := render(t, spec2, warnings2); !bytes.Equal(got, again) {
				t.Errorf("Convert is not deterministic:\n%s", cmp.Diff(string(got), string(again)))
			}
		})
	}
}

// checkTool asserts what every tool must satisfy whatever the spec: an MCP
// client (and go-sdk's Server.AddTool) requires an input schema of type
// object, an output schema, when present, of type object, and a tool name
// that LLM APIs accept once prefixed.
func checkTool(t *testing.T, tool target.Tool) {
	t.Helper()
	for _, c := range []byte(tool.Name) {
		if !nameChar(c) {
			t.Errorf("tool name %q has character %q", tool.Name, c)
		}
	}
	var in struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(tool.InputSchema, &in); err != nil || in.Type != "object" || in.Properties == nil {
		t.Errorf("%s: input schema is not an object schema with properties (err %v): %s", tool.Name, err, tool.InputSchema)
	}
	for name := range in.Properties {
		if name == "" || len(name) > 64 || sanitize(name) != name {
			t.Errorf("%s: argument name %q does not match [A-Za-z0-9_.-]{1,64}", tool.Name, name)
		}
	}
	if tool.OutputSchema != nil {
		var out struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(tool.OutputSchema, &out); err != nil || out.Type != "object" {
			t.Errorf("%s: output schema is not of type object (err %v): %s", tool.Name, err, tool.OutputSchema)
		}
	}
}

var (
	githubOnce sync.Once
	githubSpec []byte
	githubErr  error
)

// githubJSON returns GitHub's REST API description (@octokit/openapi
// 23.0.2, generated/api.github.com.json): 13 MB, 1,223 operations.
func githubJSON(tb testing.TB) []byte {
	tb.Helper()
	githubOnce.Do(func() {
		f, err := os.Open(filepath.Join("testdata", "github.json.gz"))
		if err != nil {
			githubErr = err
			return
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			githubErr = err
			return
		}
		githubSpec, githubErr = io.ReadAll(zr)
	})
	if githubErr != nil {
		tb.Fatal(githubErr)
	}
	return githubSpec
}

// TestConvertGitHub converts a large real-world spec. Its golden file holds
// the tool names and the warnings, not every schema.
func TestConvertGitHub(t *testing.T) {
	if testing.Short() {
		t.Skip("converting a 13 MB spec takes seconds")
	}
	spec, warnings, err := Convert(githubJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(spec.Tools()); n < 1000 {
		t.Errorf("got %d tools from GitHub's %d operations, want more than 1000", n, 1223)
	}
	g := struct {
		Tools    int      `json:"tools"`
		Names    []string `json:"names"`
		Warnings []string `json:"warnings"`
	}{Warnings: warningStrings(warnings)}
	for _, tool := range spec.Tools() {
		checkTool(t, tool)
		g.Names = append(g.Names, tool.Name)
	}
	g.Tools = len(g.Names)
	if !sort.StringsAreSorted(g.Names) {
		t.Error("tools are not sorted by name")
	}
	out, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "github.json", append(out, '\n'))
}

func TestConvertErrors(t *testing.T) {
	swagger2, err := os.ReadFile(filepath.Join("testdata", "swagger2-petstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	const ok = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    get:
      operationId: x
      responses: {"200": {description: OK}}
`
	tests := []struct {
		name, spec string
		want       string // in the error
		warnings   int
	}{
		{"empty", "  \n", "empty", 0},
		{"broken JSON", `{"openapi": "3.0.0",`, "not valid JSON", 0},
		{"broken YAML", "openapi: 3.0.0\npaths: [unclosed\n", "neither JSON nor YAML", 0},
		{"scalar", "just a string", "not a JSON or YAML object", 0},
		{"Swagger 2.0", string(swagger2), "Swagger/OpenAPI 2.0", 0},
		{"no version", `{"info": {"title": "t"}, "paths": {}}`, `"openapi" field is missing`, 0},
		{"version 4", `{"openapi": "4.0.0", "paths": {}}`, `"4.0.0" is not supported`, 0},
		{"numeric version", "openapi: 3.1\npaths: {}\n", "must be a string", 0},
		{"no servers", ok, `"servers" is empty`, 0},
		{"relative server", "servers: [{url: /api/v3}]\n" + ok, "relative", 0},
		{"ftp server", "servers: [{url: 'ftp://x.example.com'}]\n" + ok, `scheme "ftp"`, 0},
		{"variable without default", "servers: [{url: 'https://{h}.example.com', variables: {h: {enum: [a]}}}]\n" + ok, "no default", 0},
		{"no paths", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: 'https://x.example.com'}]\n", "no paths", 0},
		{"webhooks only", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\nwebhooks: {ping: {post: {responses: {'200': {description: OK}}}}}\n", "webhooks describe calls the API makes", 0},
		{"no operationIds", "servers: [{url: 'https://x.example.com'}]\n" + strings.Replace(ok, "      operationId: x\n", "", 1), "no operation could be converted", 1},
		{"local ref cycle", "servers: [{url: 'https://x.example.com'}]\n" + ok + "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec, warnings, err := Convert([]byte(tt.spec))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Convert: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Convert succeeded with %d tools, want an error containing %q", len(spec.Tools()), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if len(warnings) != tt.warnings {
				t.Errorf("got warnings %q, want %d", warningStrings(warnings), tt.warnings)
			}
		})
	}
}

// FuzzConvert checks that no document makes Convert panic, loop or emit a
// schema that is not JSON. The seeds are the golden specs.
func FuzzConvert(f *testing.F) {
	for _, name := range []string{"petstore.json", "schema-types.yaml", "uspto.json", "circular-request-bodies.json", "servers.yaml", "schemas30.yaml", "warnings.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, _, err := Convert(data)
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Convert panicked: %v", err)
			}
			return
		}
		for _, tool := range spec.Tools() {
			if !json.Valid(tool.InputSchema) || tool.OutputSchema != nil && !json.Valid(tool.OutputSchema) {
				t.Fatalf("%s: schema is not JSON", tool.Name)
			}
		}
	})
}
