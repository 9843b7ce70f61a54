package lambda_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/lambda"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func loadDefs(t *testing.T, name string) []agentcore.ToolDefinition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var defs []agentcore.ToolDefinition
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&defs); err != nil {
		t.Fatal(err)
	}
	return defs
}

// TestConvertGolden converts testdata/tools.json and compares the tools (as
// MCP clients will see their schemas) and the warnings with
// testdata/golden/tools.json.
func TestConvertGolden(t *testing.T) {
	tools, warnings, err := lambda.Convert(loadDefs(t, "tools.json"))
	if err != nil {
		t.Fatal(err)
	}
	type goldenTool struct {
		Name         string          `json:"name"`
		Description  string          `json:"description"`
		InputSchema  json.RawMessage `json:"inputSchema"`
		OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
	}
	g := struct {
		Tools    []goldenTool `json:"tools"`
		Warnings []string     `json:"warnings"`
	}{Warnings: []string{}}
	for _, tool := range tools {
		g.Tools = append(g.Tools, goldenTool{tool.Name, tool.Description, tool.InputSchema, tool.OutputSchema})
	}
	for _, w := range warnings {
		g.Warnings = append(g.Warnings, w.String())
	}
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatalf("conversion produced invalid JSON: %v", err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", "tools.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the conversion (-golden +got); run go test -update if the change is intended:\n%s", path, diff)
	}
}

func TestConvertRejectsWhatCannotBeServed(t *testing.T) {
	obj := func() *agentcore.SchemaDefinition {
		return &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject}
	}
	def := func(name string) agentcore.ToolDefinition {
		return agentcore.ToolDefinition{Name: &name, Description: ptr("d"), InputSchema: obj()}
	}
	deep := nested(lambda.MaxSchemaDepth)
	many := make([]agentcore.ToolDefinition, lambda.MaxTools+1)
	for i := range many {
		many[i] = def("t" + strconv.Itoa(i))
	}
	huge := def("huge")
	huge.Description = ptr(strings.Repeat("d", lambda.MaxSchemaBytes))

	for _, tc := range []struct {
		name string
		defs []agentcore.ToolDefinition
		want *lambda.SchemaError
	}{
		{"empty", nil, &lambda.SchemaError{Field: "inlinePayload", Message: "must list at least one tool"}},
		{"too many", many, &lambda.SchemaError{Field: "inlinePayload", Message: "lists 1001 tools; a target may have at most 1000"}},
		{"too large", []agentcore.ToolDefinition{huge}, &lambda.SchemaError{Field: "inlinePayload", Message: "is 1048642 bytes; the inline tool schema may be at most 1048576 bytes (1 MiB)"}},
		{"no name", []agentcore.ToolDefinition{{Description: ptr("d"), InputSchema: obj()}}, &lambda.SchemaError{Field: "inlinePayload[0].name", Message: "is required"}},
		{"space in name", []agentcore.ToolDefinition{def("ok"), def("get order")}, &lambda.SchemaError{Field: "inlinePayload[1].name",
			Message: `"get order" may contain only letters, digits, '_', '-' and '.' (the characters every MCP client and LLM tool API accepts)`}},
		{"slash in name", []agentcore.ToolDefinition{def("a/b")}, &lambda.SchemaError{Field: "inlinePayload[0].name",
			Message: `"a/b" may contain only letters, digits, '_', '-' and '.' (the characters every MCP client and LLM tool API accepts)`}},
		{"name too long", []agentcore.ToolDefinition{def(strings.Repeat("n", 257))}, &lambda.SchemaError{Field: "inlinePayload[0].name", Message: "is 257 characters long; tool names are limited to 256"}},
		{"duplicate", []agentcore.ToolDefinition{def("a"), def("b"), def("a")}, &lambda.SchemaError{Field: "inlinePayload[2].name", Message: `"a" is already the name of inlinePayload[0]`}},
		{"no input schema", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d")}}, &lambda.SchemaError{Field: "inlinePayload[0].inputSchema", Message: "is required"}},
		{"top-level string", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeString}}},
			&lambda.SchemaError{Field: "inlinePayload[0].inputSchema.type", Message: `is "string"; a tool's top-level schema must be of type object`}},
		{"output schema array", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: obj(), OutputSchema: &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeArray}}},
			&lambda.SchemaError{Field: "inlinePayload[0].outputSchema.type", Message: `is "array"; a tool's top-level schema must be of type object`}},
		{"unknown nested type", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: &agentcore.SchemaDefinition{
			Type: agentcore.SchemaTypeObject, Properties: map[string]agentcore.SchemaDefinition{"odd key": {Type: "date"}}}}},
			&lambda.SchemaError{Field: `inlinePayload[0].inputSchema.properties["odd key"].type`, Message: `"date" is not one of string, number, integer, boolean, object, array`}},
		{"missing nested type", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: &agentcore.SchemaDefinition{
			Type: agentcore.SchemaTypeObject, Properties: map[string]agentcore.SchemaDefinition{"list": {Type: agentcore.SchemaTypeArray, Items: &agentcore.SchemaDefinition{}}}}}},
			&lambda.SchemaError{Field: "inlinePayload[0].inputSchema.properties.list.items.type", Message: "is required"}},
		{"items on a string", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: &agentcore.SchemaDefinition{
			Type: agentcore.SchemaTypeObject, Properties: map[string]agentcore.SchemaDefinition{"s": {Type: agentcore.SchemaTypeString, Items: obj()}}}}},
			&lambda.SchemaError{Field: "inlinePayload[0].inputSchema.properties.s.items", Message: "only an array schema has items; this one is of type string"}},
		{"properties on an array", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: &agentcore.SchemaDefinition{
			Type: agentcore.SchemaTypeObject, Properties: map[string]agentcore.SchemaDefinition{"s": {Type: agentcore.SchemaTypeArray, Properties: map[string]agentcore.SchemaDefinition{"x": {Type: "string"}}}}}}},
			&lambda.SchemaError{Field: "inlinePayload[0].inputSchema.properties.s.properties", Message: "only an object schema has properties; this one is of type array"}},
		{"too deep", []agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: deep}},
			&lambda.SchemaError{Field: "inlinePayload[0].inputSchema" + strings.Repeat(".properties.x", lambda.MaxSchemaDepth), Message: "is nested more than 32 levels deep"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tools, _, err := lambda.Convert(tc.defs)
			var se *lambda.SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("Convert = %d tools, %v; want %v", len(tools), err, tc.want)
			}
			if diff := cmp.Diff(tc.want, se); diff != "" {
				t.Fatalf("error (-want +got):\n%s", diff)
			}
		})
	}
	// One level less than the limit is fine.
	if _, _, err := lambda.Convert([]agentcore.ToolDefinition{{Name: ptr("a"), Description: ptr("d"), InputSchema: nested(lambda.MaxSchemaDepth - 1)}}); err != nil {
		t.Fatalf("a schema %d levels deep: %v", lambda.MaxSchemaDepth, err)
	}
}

// nested returns an object schema with n levels of "x" properties below it.
func nested(n int) *agentcore.SchemaDefinition {
	s := agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject}
	for range n {
		s = agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject, Properties: map[string]agentcore.SchemaDefinition{"x": s}}
	}
	return &s
}

func TestConvertKeepsToolsAsTargetTools(t *testing.T) {
	tools, warnings, err := lambda.Convert([]agentcore.ToolDefinition{{
		Name: ptr("b"), Description: ptr("second"), InputSchema: &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject},
	}, {
		Name: ptr("a"), Description: ptr("first"), InputSchema: &agentcore.SchemaDefinition{Type: agentcore.SchemaTypeObject,
			Properties: map[string]agentcore.SchemaDefinition{"n": {Type: agentcore.SchemaTypeInteger}}, Required: []string{"n", "m"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []target.Tool{
		{Name: "a", Description: "first", InputSchema: json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}},"required":["n","m"]}`)},
		{Name: "b", Description: "second", InputSchema: json.RawMessage(`{"type":"object"}`)},
	}
	if diff := cmp.Diff(want, tools); diff != "" {
		t.Errorf("tools (-want +got):\n%s", diff)
	}
	wantW := []target.Warning{{Where: "inlinePayload[1].inputSchema.required", Message: `"m" is required but not among the properties; a caller cannot learn its type`}}
	if diff := cmp.Diff(wantW, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func ptr[T any](v T) *T { return &v }
