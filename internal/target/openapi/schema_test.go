package openapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// convertSchema converts a one-operation document whose request body and
// 200 response both use the given schema (YAML flow style), and returns the
// body argument's schema, the output schema and the warnings.
func convertSchema(t *testing.T, version, schema, components string) (body, output any, warnings []string) {
	t.Helper()
	doc := `openapi: ` + version + `
info: {title: t, version: "1"}
servers: [{url: "https://x.example.com"}]
paths:
  /x:
    post:
      operationId: x
      requestBody:
        content:
          application/json:
            schema: ` + schema + `
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema: ` + schema + `
components:
  schemas: ` + components + "\n"
	spec, ws, err := Convert([]byte(doc))
	if err != nil {
		t.Fatalf("Convert: %v\n%s", err, doc)
	}
	var in struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(spec.Tools()[0].InputSchema, &in); err != nil {
		t.Fatal(err)
	}
	if out := spec.Tools()[0].OutputSchema; out != nil {
		if err := json.Unmarshal(out, &output); err != nil {
			t.Fatal(err)
		}
	}
	return in.Properties["body"], output, warningStrings(ws)
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func TestSchemaConversion(t *testing.T) {
	tests := []struct {
		name       string
		version    string
		schema     string
		components string
		wantBody   string
		wantOutput string // "" for no output schema
		warning    string // in the warnings, "" for none
	}{
		{
			name:       "3.0 nullable becomes a type array",
			schema:     `{type: object, properties: {a: {type: string, nullable: true}}}`,
			wantBody:   `{"type":"object","properties":{"a":{"type":["string","null"]}}}`,
			wantOutput: `{"type":"object","properties":{"a":{"type":["string","null"]}}}`,
		},
		{
			name:     "3.0 nullable enum admits null",
			schema:   `{type: string, nullable: true, enum: [a, b]}`,
			wantBody: `{"type":["string","null"],"enum":["a","b",null]}`,
		},
		{
			name:       "3.0 nullable $ref becomes anyOf with null",
			schema:     `{nullable: true, allOf: [{$ref: '#/components/schemas/A'}]}`,
			components: `{A: {type: integer}}`,
			wantBody:   `{"anyOf":[{"allOf":[{"type":"integer"}]},{"type":"null"}]}`,
		},
		{
			name:     "3.0 boolean exclusive bounds become numbers",
			schema:   `{type: number, minimum: 1, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false}`,
			wantBody: `{"type":"number","exclusiveMinimum":1,"maximum":9}`,
		},
		{
			name:     "3.1 numeric exclusive bounds stay",
			version:  "3.1.0",
			schema:   `{type: number, exclusiveMinimum: 0, exclusiveMaximum: 10}`,
			wantBody: `{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":10}`,
		},
		{
			name:     "3.1 type array, const and examples",
			version:  "3.1.0",
			schema:   `{type: [string, "null"], const: fixed, examples: [fixed]}`,
			wantBody: `{"type":["string","null"],"const":"fixed","examples":["fixed"]}`,
		},
		{
			name:     "3.1 boolean schemas",
			version:  "3.1.0",
			schema:   `{type: array, prefixItems: [true, false], items: false}`,
			wantBody: `{"type":"array","items":{"not":{}},"prefixItems":[{},{"not":{}}]}`,
		},
		{
			name:     "example becomes examples; OpenAPI-only keywords go",
			schema:   `{type: string, example: x, xml: {name: s}, externalDocs: {url: "https://d.example.com"}, x-vendor: 1, deprecated: true}`,
			wantBody: `{"type":"string","examples":["x"],"deprecated":true}`,
		},
		{
			name:       "readOnly leaves requests, writeOnly leaves responses",
			schema:     `{type: object, required: [id, pw, name], properties: {id: {type: integer, readOnly: true}, pw: {type: string, writeOnly: true}, name: {type: string}}}`,
			wantBody:   `{"type":"object","properties":{"name":{"type":"string"},"pw":{"type":"string"}},"required":["pw","name"]}`,
			wantOutput: `{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}},"required":["id","name"]}`,
		},
		{
			name:       "discriminator dropped, oneOf kept",
			schema:     `{oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}], discriminator: {propertyName: kind}}`,
			components: `{Cat: {type: object, properties: {kind: {type: string}, meow: {type: boolean}}}, Dog: {type: object, properties: {kind: {type: string}, bark: {type: boolean}}}}`,
			wantBody:   `{"oneOf":[{"type":"object","properties":{"kind":{"type":"string"},"meow":{"type":"boolean"}}},{"type":"object","properties":{"bark":{"type":"boolean"},"kind":{"type":"string"}}}]}`,
		},
		{
			name:       "allOf object gets an output schema of type object",
			schema:     `{allOf: [{$ref: '#/components/schemas/A'}, {properties: {b: {type: string}}}]}`,
			components: `{A: {type: object, properties: {a: {type: string}}}}`,
			wantBody:   `{"allOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"properties":{"b":{"type":"string"}}}]}`,
			wantOutput: `{"type":"object","allOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"properties":{"b":{"type":"string"}}}]}`,
		},
		{
			name:     "array response has no output schema",
			schema:   `{type: array, items: {type: string}}`,
			wantBody: `{"type":"array","items":{"type":"string"}}`,
		},
		{
			name:       "self recursion is cut to its type",
			schema:     `{$ref: '#/components/schemas/Node'}`,
			components: `{Node: {type: object, properties: {next: {$ref: '#/components/schemas/Node'}}}}`,
			wantBody:   `{"type":"object","properties":{"next":{"type":"object","description":"Recursive Node (not expanded further)."}}}`,
			wantOutput: `{"type":"object","properties":{"next":{"type":"object","description":"Recursive Node (not expanded further)."}}}`,
			warning:    `recursive schema "#/components/schemas/Node" is expanded once`,
		},
		{
			name:       "mutual recursion through arrays is cut",
			schema:     `{$ref: '#/components/schemas/A'}`,
			components: `{A: {type: object, properties: {bs: {type: array, items: {$ref: '#/components/schemas/B'}}}}, B: {type: object, properties: {a: {$ref: '#/components/schemas/A'}}}}`,
			wantBody:   `{"type":"object","properties":{"bs":{"type":"array","items":{"type":"object","properties":{"a":{"type":"object","description":"Recursive A (not expanded further)."}}}}}}`,
			wantOutput: `{"type":"object","properties":{"bs":{"type":"array","items":{"type":"object","properties":{"a":{"type":"object","description":"Recursive A (not expanded further)."}}}}}}`,
			warning:    `recursive schema "#/components/schemas/A"`,
		},
		{
			name:       "a shared non-recursive $ref is expanded at each use",
			schema:     `{type: object, properties: {a: {$ref: '#/components/schemas/S'}, b: {$ref: '#/components/schemas/S'}}}`,
			components: `{S: {type: string, format: uuid}}`,
			wantBody:   `{"type":"object","properties":{"a":{"type":"string","format":"uuid"},"b":{"type":"string","format":"uuid"}}}`,
			wantOutput: `{"type":"object","properties":{"a":{"type":"string","format":"uuid"},"b":{"type":"string","format":"uuid"}}}`,
		},
		{
			name:       "unresolvable $ref is accepted as any value",
			schema:     `{type: object, properties: {a: {$ref: '#/components/schemas/Missing'}}}`,
			wantBody:   `{"type":"object","properties":{"a":{}}}`,
			wantOutput: `{"type":"object","properties":{"a":{}}}`,
			warning:    `$ref "#/components/schemas/Missing" cannot be resolved`,
		},
		{
			name:     "strings are escaped, not HTML-escaped",
			schema:   `{type: string, description: "a <b> & \"c\"\n\u0001", pattern: '^\d+$'}`,
			wantBody: `{"type":"string","description":"a <b> & \"c\"\n\u0001","pattern":"^\\d+$"}`,
		},
		{
			name:       "objects: additionalProperties, patternProperties, counts",
			version:    "3.1.0",
			schema:     `{type: object, additionalProperties: false, patternProperties: {"^x-": {type: string}}, minProperties: 1, maxProperties: 3, propertyNames: {pattern: "^[a-z-]+$"}}`,
			wantBody:   `{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false,"propertyNames":{"pattern":"^[a-z-]+$"},"minProperties":1,"maxProperties":3}`,
			wantOutput: `{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":false,"propertyNames":{"pattern":"^[a-z-]+$"},"minProperties":1,"maxProperties":3}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			version := tt.version
			if version == "" {
				version = "3.0.3"
			}
			components := tt.components
			if components == "" {
				components = "{}"
			}
			body, output, warnings := convertSchema(t, version, tt.schema, components)
			if diff := cmp.Diff(jsonValue(t, tt.wantBody), body); diff != "" {
				t.Errorf("body schema (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(jsonValue(t, tt.wantOutput), output); diff != "" {
				t.Errorf("output schema (-want +got):\n%s", diff)
			}
			found := tt.warning == ""
			for _, w := range warnings {
				found = found || strings.Contains(w, tt.warning)
			}
			if !found || tt.warning == "" && len(warnings) > 0 {
				t.Errorf("warnings %q, want one containing %q", warnings, tt.warning)
			}
		})
	}
}

// TestSchemaKeyOrder pins the order of keywords, which cmp on decoded JSON
// cannot see: type first, then the annotations, then the constraints.
func TestSchemaKeyOrder(t *testing.T) {
	spec, _, err := Convert([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},
		"servers":[{"url":"https://x.example.com"}],
		"paths":{"/x/{id}":{"get":{"operationId":"x","parameters":[
			{"name":"id","in":"path","required":true,"description":"The id.","schema":{"maxLength":5,"type":"string","description":"ignored"}},
			{"name":"q","in":"query","required":true,"schema":{"type":"integer"}}],
			"responses":{"200":{"description":"OK"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"object","properties":{"id":{"type":"string","description":"The id.","maxLength":5},"q":{"type":"integer"}},"required":["id","q"]}`
	if got := string(spec.Tools()[0].InputSchema); got != want {
		t.Errorf("input schema\n got %s\nwant %s", got, want)
	}
}

func TestSchemaBudget(t *testing.T) {
	// Each level references the next one eight times: 8^7 expansions of L7
	// without a budget.
	var comps strings.Builder
	comps.WriteString("{")
	for i := 0; i < 8; i++ {
		if i > 0 {
			comps.WriteString(", ")
		}
		if i == 7 {
			comps.WriteString(`L7: {type: string, description: "` + strings.Repeat("x", 200) + `"}`)
			continue
		}
		comps.WriteString("L" + string(rune('0'+i)) + ": {type: object, properties: {")
		for j := 0; j < 8; j++ {
			if j > 0 {
				comps.WriteString(", ")
			}
			comps.WriteString("p" + string(rune('0'+j)) + ": {$ref: '#/components/schemas/L" + string(rune('1'+i)) + "'}")
		}
		comps.WriteString("}}")
	}
	comps.WriteString("}")
	body, _, warnings := convertSchema(t, "3.0.3", `{$ref: '#/components/schemas/L0'}`, comps.String())
	size, _ := json.Marshal(body)
	if len(size) > 2*inputSchemaBudget {
		t.Errorf("body schema is %d bytes, want at most about %d", len(size), inputSchemaBudget)
	}
	found := false
	for _, w := range warnings {
		found = found || strings.Contains(w, "left unexpanded")
	}
	if !found {
		t.Errorf("no warning about the budget in %q", warnings)
	}
}
