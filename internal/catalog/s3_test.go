package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/catalog"
	"github.com/toolgate/toolgate/internal/target"
	"github.com/toolgate/toolgate/internal/target/s3doc"
)

const (
	openAPIField = "targetConfiguration.mcp.openApiSchema.s3"
	lambdaField  = "targetConfiguration.mcp.lambda.toolSchema.s3"
)

func openAPIFromS3(uri, owner string) *agentcore.TargetConfiguration {
	s3 := &agentcore.S3Configuration{URI: ptr(uri)}
	if owner != "" {
		s3.BucketOwnerAccountID = ptr(owner)
	}
	return &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{OpenAPISchema: &agentcore.ApiSchemaConfiguration{S3: s3}}}
}

func lambdaFromS3(uri string) *agentcore.TargetConfiguration {
	return &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{Lambda: &agentcore.McpLambdaTargetConfiguration{
		LambdaArn:  ptr("arn:aws:lambda:us-east-1:123456789012:function:orders"),
		ToolSchema: &agentcore.ToolSchema{S3: &agentcore.S3Configuration{URI: ptr(uri)}},
	}}}
}

// bucket is a Getter over a map of "bucket/key" to body.
func bucket(objects map[string]string) catalog.Getter {
	return func(_ context.Context, loc s3doc.Location) (s3doc.Object, error) {
		body, ok := objects[loc.Bucket+"/"+loc.Key]
		if !ok {
			return s3doc.Object{}, &s3doc.Error{Kind: s3doc.NotFound, Location: loc, Code: "NoSuchKey"}
		}
		return s3doc.Object{Body: []byte(body), ETag: `"e1"`}, nil
	}
}

const toolsJSON = `[{"name":"get_order","description":"Get an order",
  "inputSchema":{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}}]`

func TestFetchDocuments(t *testing.T) {
	now := time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
	get := bucket(map[string]string{
		"specs/pets.yaml":  specDoc("https://api.example.com", "listPets"),
		"specs/tools.json": toolsJSON,
		"specs/binary.bin": "\x89PNG\x00\x01",
	})
	for _, tc := range []struct {
		name      string
		cfg       *agentcore.TargetConfiguration
		want      catalog.Documents
		wantField string
		wantMsg   string
	}{
		{name: "inline: nothing to fetch", cfg: &agentcore.TargetConfiguration{MCP: &agentcore.McpTargetConfiguration{
			OpenAPISchema: &agentcore.ApiSchemaConfiguration{InlinePayload: ptr("{}")}}}},
		{name: "openapi", cfg: openAPIFromS3("s3://specs/pets.yaml", "123456789012"), want: catalog.Documents{openAPIField: {
			URI: "s3://specs/pets.yaml", BucketOwnerAccountID: "123456789012", Body: specDoc("https://api.example.com", "listPets"), ETag: `"e1"`, FetchedAt: now,
		}}},
		{name: "lambda", cfg: lambdaFromS3("s3://specs/tools.json"), want: catalog.Documents{lambdaField: {
			URI: "s3://specs/tools.json", Body: toolsJSON, ETag: `"e1"`, FetchedAt: now,
		}}},
		{name: "missing key", cfg: openAPIFromS3("s3://specs/nope.yaml", ""), wantField: openAPIField + ".uri", wantMsg: "no such object (NoSuchKey)"},
		{name: "lambda missing key", cfg: lambdaFromS3("s3://specs/nope.json"), wantField: lambdaField + ".uri", wantMsg: "s3://specs/nope.json"},
		{name: "no key in uri", cfg: openAPIFromS3("s3://specs", ""), wantField: openAPIField + ".uri", wantMsg: "names no object"},
		{name: "binary", cfg: openAPIFromS3("s3://specs/binary.bin", ""), wantField: openAPIField + ".uri", wantMsg: "not a text document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := catalog.FetchDocuments(context.Background(), tc.cfg, get, now)
			if tc.wantField != "" {
				var fe *catalog.FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v (%T), want a *catalog.FieldError", err, err)
				}
				if fe.Field != tc.wantField || !strings.Contains(fe.Message, tc.wantMsg) {
					t.Errorf("FieldError = %q: %q, want %q containing %q", fe.Field, fe.Message, tc.wantField, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("documents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOpenTargetWithS3Documents(t *testing.T) {
	doc := func(field, uri, body string) catalog.Documents {
		return catalog.Documents{field: {URI: uri, Body: body}}
	}
	for _, tc := range []struct {
		name      string
		cfg       *agentcore.TargetConfiguration
		docs      catalog.Documents
		wantTools []string
		wantField string
		wantMsg   string
	}{
		{name: "openapi yaml", cfg: openAPIFromS3("s3://specs/pets.yaml", ""),
			docs:      doc(openAPIField, "s3://specs/pets.yaml", specDoc("https://api.example.com", "listPets", "getPet")),
			wantTools: []string{"getPet", "listPets"}},
		{name: "openapi not a spec", cfg: openAPIFromS3("s3://specs/pets.yaml", ""),
			docs:      doc(openAPIField, "s3://specs/pets.yaml", "just: [some, yaml]"),
			wantField: openAPIField + ".uri", wantMsg: "s3://specs/pets.yaml: "},
		{name: "openapi neither json nor yaml", cfg: openAPIFromS3("s3://specs/pets.yaml", ""),
			docs:      doc(openAPIField, "s3://specs/pets.yaml", "{: [ not"),
			wantField: openAPIField + ".uri", wantMsg: "s3://specs/pets.yaml: "},
		{name: "fetched for another object", cfg: openAPIFromS3("s3://specs/v2.yaml", ""),
			docs:      doc(openAPIField, "s3://specs/pets.yaml", specDoc("https://api.example.com", "listPets")),
			wantField: openAPIField + ".uri", wantMsg: "has not been fetched"},
		{name: "fetched for another owner", cfg: openAPIFromS3("s3://specs/pets.yaml", "123456789012"),
			docs:      doc(openAPIField, "s3://specs/pets.yaml", specDoc("https://api.example.com", "listPets")),
			wantField: openAPIField + ".uri", wantMsg: "has not been fetched"},
		{name: "lambda", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs: doc(lambdaField, "s3://specs/tools.json", toolsJSON), wantTools: []string{"get_order"}},
		{name: "lambda not json", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs:      doc(lambdaField, "s3://specs/tools.json", "- name: get_order"),
			wantField: lambdaField + ".uri", wantMsg: "is not JSON"},
		{name: "lambda object, not array", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs:      doc(lambdaField, "s3://specs/tools.json", `{"tools":[]}`),
			wantField: lambdaField + ".uri", wantMsg: "not a JSON array of tool definitions"},
		{name: "lambda trailing garbage", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs:      doc(lambdaField, "s3://specs/tools.json", `[], "s3": {}`),
			wantField: lambdaField + ".uri", wantMsg: "is not JSON"},
		{name: "lambda empty", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs:      doc(lambdaField, "s3://specs/tools.json", `[]`),
			wantField: lambdaField + ".uri", wantMsg: "must list at least one tool"},
		{name: "lambda unknown member", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs:      doc(lambdaField, "s3://specs/tools.json", `[{"name":"a","description":"d","inputSchema":{"type":"object"},"colour":"red"}]`),
			wantField: lambdaField + ".uri", wantMsg: "[0].colour"},
		{name: "lambda missing description", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs:      doc(lambdaField, "s3://specs/tools.json", `[{"name":"a","inputSchema":{"type":"object"}}]`),
			wantField: lambdaField + ".uri", wantMsg: "[0].description"},
		{name: "lambda bad tool name", cfg: lambdaFromS3("s3://specs/tools.json"),
			docs:      doc(lambdaField, "s3://specs/tools.json", `[{"name":"get order","description":"d","inputSchema":{"type":"object"}}]`),
			wantField: lambdaField + ".uri", wantMsg: "s3://specs/tools.json: [0].name: "},
		{name: "lambda not fetched", cfg: lambdaFromS3("s3://specs/tools.json"),
			wantField: lambdaField + ".uri", wantMsg: "has not been fetched"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tgt, _, err := catalog.OpenTargetWith(tc.cfg, tc.docs, target.Env{})
			if tc.wantField != "" {
				var fe *catalog.FieldError
				if !errors.As(err, &fe) {
					t.Fatalf("err = %v (%T), want a *catalog.FieldError", err, err)
				}
				if fe.Field != tc.wantField || !strings.Contains(fe.Message, tc.wantMsg) {
					t.Errorf("FieldError = %q: %q, want %q containing %q", fe.Field, fe.Message, tc.wantField, tc.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tl := range tgt.Tools() {
				names = append(names, tl.Name)
			}
			if diff := cmp.Diff(tc.wantTools, names); diff != "" {
				t.Errorf("tools (-want +got):\n%s", diff)
			}
		})
	}
}

// The documents ride along in the stored configuration, and decoding it
// into the API type (as responses do) drops them.
func TestStoredDocuments(t *testing.T) {
	cfg := agentcore.UpdateGatewayTargetRequest{Name: ptr("pets"), TargetConfiguration: openAPIFromS3("s3://specs/pets.yaml", "")}
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if docs, err := catalog.StoredDocuments(raw); err != nil || docs != nil {
		t.Fatalf("StoredDocuments of a plain configuration = %v, %v", docs, err)
	}
	const marker = "DOCUMENT-TEXT-MARKER"
	docs := catalog.Documents{openAPIField: {URI: "s3://specs/pets.yaml", Body: "openapi: 3.0.3 # " + marker, FetchedAt: time.Unix(1, 0).UTC()}}
	stored, err := catalog.WithDocuments(raw, docs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := catalog.StoredDocuments(stored)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(docs, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(string(stored), string(raw[:len(raw)-1])+",") {
		t.Errorf("WithDocuments reordered the configuration:\n%s\n%s", raw, stored)
	}
	// Replacing and removing.
	other := catalog.Documents{lambdaField: {URI: "s3://specs/tools.json", Body: "[]"}}
	replaced, _ := catalog.WithDocuments(stored, other)
	if d, _ := catalog.StoredDocuments(replaced); !cmp.Equal(other, d) {
		t.Errorf("WithDocuments(other) = %v", d)
	}
	again, _ := catalog.WithDocuments(stored, nil)
	if d, _ := catalog.StoredDocuments(again); d != nil {
		t.Errorf("WithDocuments(nil) kept %v", d)
	}
	if same, _ := catalog.WithDocuments(raw, nil); string(same) != string(raw) {
		t.Errorf("WithDocuments(raw, nil) = %s, want %s", same, raw)
	}
	if empty, _ := catalog.WithDocuments([]byte(`{}`), other); !json.Valid(empty) {
		t.Errorf("WithDocuments({}) = %s", empty)
	}
	if cut := catalog.WithoutDocuments(stored); string(cut) != string(raw) {
		t.Errorf("WithoutDocuments = %s, want %s", cut, raw)
	}
	// A key of that name elsewhere is not cut.
	nested := []byte(`{"targetConfiguration":{"http":{"x":1,"toolgateS3Documents":{}}}}`)
	if cut := catalog.WithoutDocuments(nested); string(cut) != string(nested) {
		t.Errorf("WithoutDocuments(nested) = %s", cut)
	}
	var back agentcore.UpdateGatewayTargetRequest
	if err := json.Unmarshal(stored, &back); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(back)
	if strings.Contains(string(out), marker) {
		t.Errorf("the document reaches the API shape: %s", out)
	}
	if diff := cmp.Diff(cfg, back); diff != "" {
		t.Errorf("configuration (-want +got):\n%s", diff)
	}
}
