package agentcore

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRoundTrip decodes each body (the §7.7 examples and bodies using every
// member), validates requests, encodes again and requires the same JSON.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		file string
		v    any
	}{
		{"create_gateway_example.json", &CreateGatewayRequest{}},
		{"create_target_example.json", &CreateGatewayTargetRequest{}},
		{"create_gateway_full.json", &CreateGatewayRequest{}},
		{"update_gateway_full.json", &UpdateGatewayRequest{}},
		{"create_target_openapi.json", &CreateGatewayTargetRequest{}},
		{"create_target_mcpserver.json", &CreateGatewayTargetRequest{}},
		{"create_target_smithy.json", &CreateGatewayTargetRequest{}},
		{"create_target_apigateway.json", &CreateGatewayTargetRequest{}},
		{"create_target_connector.json", &UpdateGatewayTargetRequest{}},
		{"create_target_http.json", &CreateGatewayTargetRequest{}},
		{"create_api_key_provider.json", &CreateApiKeyCredentialProviderRequest{}},
		{"create_api_key_provider_external.json", &UpdateApiKeyCredentialProviderRequest{}},
		{"gateway.json", &Gateway{}},
		{"gateway_target.json", &GatewayTarget{}},
		{"list_gateways.json", &ListGatewaysResponse{}},
		{"list_gateway_targets.json", &ListGatewayTargetsResponse{}},
		{"api_key_provider.json", &ApiKeyCredentialProvider{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := readTestdata(t, tt.file)
			if r, ok := tt.v.(Validator); ok {
				if err := DecodeRequest(body, r); err != nil {
					t.Fatalf("DecodeRequest: %v", err)
				}
			} else if err := Decode(body, tt.v); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			out := mustMarshal(t, tt.v)
			if diff := cmp.Diff(semanticJSON(t, body), semanticJSON(t, out)); diff != "" {
				t.Errorf("round trip changed the JSON (-in +out):\n%s", diff)
			}
		})
	}
}

func TestDecodeKeepsFalseZeroAndEmptyLists(t *testing.T) {
	var g Gateway
	if err := Decode(readTestdata(t, "gateway.json"), &g); err != nil {
		t.Fatal(err)
	}
	mcp := g.ProtocolConfiguration.MCP
	if mcp.StreamingConfiguration.EnableResponseStreaming == nil || *mcp.StreamingConfiguration.EnableResponseStreaming {
		t.Errorf("enableResponseStreaming = %v, want explicit false", mcp.StreamingConfiguration.EnableResponseStreaming)
	}
	if g.StatusReasons == nil || len(g.StatusReasons) != 0 {
		t.Errorf("statusReasons = %#v, want explicit empty list", g.StatusReasons)
	}
	out := string(mustMarshal(t, Gateway{}))
	for _, absent := range []string{"statusReasons", "description", "protocolConfiguration", "exceptionLevel", "gatewayUrl"} {
		if strings.Contains(out, `"`+absent+`"`) {
			t.Errorf("zero Gateway marshals %q: %s", absent, out)
		}
	}
}

func TestDecodeUnknownFields(t *testing.T) {
	tests := []struct {
		name string
		v    any
		body string
		want []ValidationExceptionField
	}{{
		name: "root",
		v:    &GetApiKeyCredentialProviderRequest{},
		body: `{"name":"k","nmae":"k"}`,
		want: []ValidationExceptionField{{"nmae", `unknown field "nmae"`}},
	}, {
		name: "member names are case-sensitive",
		v:    &GetApiKeyCredentialProviderRequest{},
		body: `{"Name":"k"}`,
		want: []ValidationExceptionField{{"Name", `unknown field "Name"`}, {"name", "is required"}},
	}, {
		name: "inside a union member",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"mcp":{"openApiSchema":{"inlinePayloadd":"{}"}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp.openApiSchema.inlinePayloadd", `unknown field "inlinePayloadd"`}},
	}, {
		name: "in a list element",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"mcp":{"mcpServer":{"endpoint":"https://x"}}},
			"credentialProviderConfigurations":[{"credentialProviderType":"OAUTH","credentialProvider":{"oauthCredentialProvider":{"providerArn":"a","scopes":[],"scope":"x"}}}]}`,
		want: []ValidationExceptionField{{"credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider.scope", `unknown field "scope"`}},
	}, {
		name: "in a map value of a recursive type",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"mcp":{"lambda":{"lambdaArn":"a","toolSchema":{"inlinePayload":[
			{"name":"t","description":"d","inputSchema":{"type":"object","properties":{"order id":{"type":"object","properties":{"x":{"type":"string","format":"uuid"}}}}}}]}}}}}`,
		want: []ValidationExceptionField{{
			`targetConfiguration.mcp.lambda.toolSchema.inlinePayload[0].inputSchema.properties["order id"].properties.x.format`,
			`unknown field "format"`,
		}},
	}, {
		name: "several, in document order",
		v:    &CreateGatewayRequest{},
		body: `{"zz":1,"name":"g","roleArn":"r","authorizerType":"NONE","protocolConfiguration":{"mcp":{"bogus":true}},"aa":2}`,
		want: []ValidationExceptionField{
			{"zz", `unknown field "zz"`},
			{"protocolConfiguration.mcp.bogus", `unknown field "bogus"`},
			{"aa", `unknown field "aa"`},
		},
	}, {
		name: "member of an opaque union",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"http":{"grpc":{}}}}`,
		want: []ValidationExceptionField{
			{"targetConfiguration.http.grpc", `unknown field "grpc"`},
			{"targetConfiguration.http", "must set exactly one of [agentcoreRuntime, passthrough, connector], got none"},
		},
	}, {
		name: "create-only member on update",
		v:    &UpdateGatewayRequest{},
		body: `{"name":"g","roleArn":"r","authorizerType":"NONE","clientToken":"x","tags":{}}`,
		want: []ValidationExceptionField{{"clientToken", `unknown field "clientToken"`}, {"tags", `unknown field "tags"`}},
	}, {
		name: "duplicate keys",
		v:    &CreateGatewayRequest{},
		body: `{"name":"a","roleArn":"r","authorizerType":"NONE","name":"b","tags":{"k":"1","k":"2"}}`,
		want: []ValidationExceptionField{{"name", `duplicate field "name"`}, {"tags.k", `duplicate key "k"`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFields(t, Decode([]byte(tt.body), tt.v), tt.want)
		})
	}
}

func TestDecodeWrongTypes(t *testing.T) {
	tests := []struct {
		name string
		v    any
		body string
		want []ValidationExceptionField
	}{{
		name: "array of strings",
		v:    &CreateGatewayRequest{},
		body: `{"name":"g","roleArn":"r","authorizerType":"NONE","protocolConfiguration":{"mcp":{"supportedVersions":2025}}}`,
		want: []ValidationExceptionField{{"protocolConfiguration.mcp.supportedVersions", "expected array of strings, got number"}},
	}, {
		name: "element of an array",
		v:    &CreateGatewayRequest{},
		body: `{"name":"g","roleArn":"r","authorizerType":"NONE","protocolConfiguration":{"mcp":{"supportedVersions":["2025-06-18",7,null]}}}`,
		want: []ValidationExceptionField{
			{"protocolConfiguration.mcp.supportedVersions[1]", "expected string, got number"},
			{"protocolConfiguration.mcp.supportedVersions[2]", "expected string, got null"},
		},
	}, {
		name: "required string given a number is reported once",
		v:    &CreateGatewayRequest{},
		body: `{"name":48,"roleArn":"r","authorizerType":"NONE"}`,
		want: []ValidationExceptionField{{"name", "expected string, got number"}},
	}, {
		name: "object, boolean, integer",
		v:    &CreateGatewayRequest{},
		body: `{"name":"g","roleArn":"r","authorizerType":"NONE","protocolConfiguration":{"mcp":{
			"sessionConfiguration":{"sessionTimeoutInSeconds":"3600"},"streamingConfiguration":[],"disableMcpListToolsPagination":"true"}}}`,
		want: []ValidationExceptionField{
			{"protocolConfiguration.mcp.sessionConfiguration.sessionTimeoutInSeconds", "expected integer, got string"},
			{"protocolConfiguration.mcp.streamingConfiguration", "expected object, got array"},
			{"protocolConfiguration.mcp.disableMcpListToolsPagination", "expected boolean, got string"},
		},
	}, {
		name: "integers: fractional, overflow, integral forms accepted",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"mcp":{"mcpServer":{"endpoint":"https://x","resourcePriority":1.5}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp.mcpServer.resourcePriority", "expected integer, got a fractional number"}},
	}, {
		name: "integer overflow",
		v:    &ListApiKeyCredentialProvidersRequest{},
		body: `{"maxResults":4294967296}`,
		want: []ValidationExceptionField{{"maxResults", "integer out of range (must fit in 32 bits)"}},
	}, {
		name: "integral exponent form",
		v:    &ListApiKeyCredentialProvidersRequest{},
		body: `{"maxResults":1e1}`,
	}, {
		name: "map values",
		v:    &CreateGatewayRequest{},
		body: `{"name":"g","roleArn":"r","authorizerType":"NONE","tags":{"a":1,"b":"ok","c":null}}`,
		want: []ValidationExceptionField{{"tags.a", "expected string, got number"}, {"tags.c", "expected string, got null"}},
	}, {
		name: "a union given a string",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"mcp":"lambda"}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp", "expected object, got string"}},
	}, {
		name: "inline tool list given a string",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"mcp":{"lambda":{"lambdaArn":"a","toolSchema":{"inlinePayload":"[]"}}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp.lambda.toolSchema.inlinePayload", "expected array of objects, got string"}},
	}, {
		name: "opaque union given an array",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"inference":[]}}`,
		want: []ValidationExceptionField{{"targetConfiguration.inference", "expected object, got array"}},
	}, {
		name: "enum value",
		v:    &CreateGatewayRequest{},
		body: `{"name":"g","roleArn":"r","authorizerType":"custom_jwt"}`,
		want: []ValidationExceptionField{{"authorizerType", "must be one of [CUSTOM_JWT, AWS_IAM, NONE, AUTHENTICATE_ONLY]"}},
	}, {
		name: "empty enum string is not absent",
		v:    &CreateGatewayRequest{},
		body: `{"name":"g","roleArn":"r","authorizerType":"NONE","exceptionLevel":""}`,
		want: []ValidationExceptionField{{"exceptionLevel", "must be one of [DEBUG]"}},
	}, {
		name: "lower-case enum of a nested schema",
		v:    &CreateGatewayTargetRequest{},
		body: `{"targetConfiguration":{"mcp":{"lambda":{"lambdaArn":"a","toolSchema":{"inlinePayload":[{"name":"t","description":"d","inputSchema":{"type":"object","properties":{"n":{"type":"STRING"}}}}]}}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp.lambda.toolSchema.inlinePayload[0].inputSchema.properties.n.type", "must be one of [string, number, object, array, boolean, integer]"}},
	}, {
		name: "timestamps of responses",
		v:    &Gateway{},
		body: `{"gatewayArn":"a","gatewayId":"g","createdAt":1763805845,"updatedAt":"yesterday","status":"READY","name":"n","authorizerType":"NONE"}`,
		want: []ValidationExceptionField{
			{"createdAt", "expected RFC 3339 date-time string, got number"},
			{"updatedAt", "must be an RFC 3339 date-time such as 2006-01-02T15:04:05Z"},
		},
	}, {
		name: "epoch timestamps of identity responses",
		v:    &ApiKeyCredentialProviderItem{},
		body: `{"name":"n","credentialProviderArn":"a","createdTime":"2026-11-22T10:04:05Z","lastUpdatedTime":1}`,
		want: []ValidationExceptionField{{"createdTime", "expected epoch-seconds number, got string"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFields(t, Decode([]byte(tt.body), tt.v), tt.want)
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"truncated", `{"name":"g"`, "malformed JSON at line 1, column 12 (byte offset 11): unexpected end of JSON input"},
		{"bad token on line 3", "{\n  \"name\": \"g\",\n  \"roleArn\": tru\n}", "malformed JSON at line 3, column 17 (byte offset 33): invalid character in literal true (expecting 'e')"},
		{"missing colon keeps punctuation", `{"name" "g"}`, `malformed JSON at line 1, column 9 (byte offset 8): invalid character '"' after object key`},
		{"trailing data", `{"name":"g"} {}`, "malformed JSON at line 1, column 14 (byte offset 13): invalid character '{' after top-level value"},
		{"array body", `[{"name":"g"}]`, "request body must be a JSON object, got array"},
		{"string body", `"g"`, "request body must be a JSON object, got string"},
		{"too deep", strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2), "JSON nested deeper than 128 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Decode([]byte(tt.body), &CreateGatewayRequest{})
			ve := validationError(t, err)
			if ve.Reason != ReasonCannotParse {
				t.Fatalf("reason = %s, want CannotParse", ve.Reason)
			}
			if !strings.Contains(ve.Message, tt.want) {
				t.Errorf("message = %q, want it to contain %q", ve.Message, tt.want)
			}
			if len(ve.Fields) != 0 {
				t.Errorf("fields = %v, want none", ve.Fields)
			}
		})
	}
}

func TestDecodeUnions(t *testing.T) {
	lambda := `{"lambdaArn":"a","toolSchema":{"s3":{"uri":"s3://b/k"}}}`
	tests := []struct {
		name string
		body string
		want []ValidationExceptionField
	}{{
		name: "no member",
		body: `{"targetConfiguration":{}}`,
		want: []ValidationExceptionField{{"targetConfiguration", "must set exactly one of [mcp, http, inference], got none"}},
	}, {
		name: "two members",
		body: `{"targetConfiguration":{"mcp":{"lambda":` + lambda + `},"http":{"passthrough":{}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration", "must set exactly one of [mcp, http, inference], got mcp and http"}},
	}, {
		name: "two members of a nested union",
		body: `{"targetConfiguration":{"mcp":{"lambda":` + lambda + `,"smithyModel":{"s3":{"uri":"s3://b/m"}}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp", "must set exactly one of [openApiSchema, smithyModel, lambda, mcpServer, apiGateway, connector], got smithyModel and lambda"}},
	}, {
		name: "inline and s3 together",
		body: `{"targetConfiguration":{"mcp":{"openApiSchema":{"s3":{"uri":"s3://b/k"},"inlinePayload":"{}"}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp.openApiSchema", "must set exactly one of [s3, inlinePayload], got s3 and inlinePayload"}},
	}, {
		name: "null member is absent",
		body: `{"targetConfiguration":{"mcp":{"lambda":` + lambda + `,"mcpServer":null}}}`,
	}, {
		name: "empty list member is present",
		body: `{"targetConfiguration":{"mcp":{"lambda":{"lambdaArn":"a","toolSchema":{"inlinePayload":[]}}}}}`,
	}, {
		name: "opaque union with two members",
		body: `{"targetConfiguration":{"inference":{"connector":{},"provider":{}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.inference", "must set exactly one of [connector, provider], got connector and provider"}},
	}, {
		name: "union inside a list",
		body: `{"targetConfiguration":{"mcp":{"lambda":` + lambda + `}},"certificateConfigurations":[{}]}`,
		want: []ValidationExceptionField{{"certificateConfigurations[0]", "must set exactly one of [s3, secretsManager], got none"}},
	}, {
		name: "required member missing inside a union member",
		body: `{"targetConfiguration":{"mcp":{"lambda":{"toolSchema":{"s3":{}}}}}}`,
		want: []ValidationExceptionField{{"targetConfiguration.mcp.lambda.lambdaArn", "is required"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFields(t, Decode([]byte(tt.body), &CreateGatewayTargetRequest{}), tt.want)
		})
	}
}

func TestDecodeEmptyBody(t *testing.T) {
	for _, body := range []string{"", "  \n", "{}"} {
		wantFields(t, Decode([]byte(body), &CreateGatewayRequest{}), []ValidationExceptionField{
			{"name", "is required"}, {"roleArn", "is required"}, {"authorizerType", "is required"},
		})
		if err := Decode([]byte(body), &ListApiKeyCredentialProvidersRequest{}); err != nil {
			t.Errorf("List with body %q: %v", body, err)
		}
	}
}

func TestDecodeResetsTarget(t *testing.T) {
	r := CreateGatewayRequest{Description: ptr("old"), Tags: map[string]string{"a": "b"}}
	if err := Decode([]byte(`{"name":"g","roleArn":"r","authorizerType":"NONE"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.Description != nil || r.Tags != nil {
		t.Errorf("Decode kept old members: %+v", r)
	}
}

func TestDecodeRejectsNonStructTarget(t *testing.T) {
	for _, v := range []any{nil, CreateGatewayRequest{}, (*CreateGatewayRequest)(nil), new(map[string]any)} {
		err := Decode([]byte(`{}`), v)
		if err == nil || strings.HasPrefix(fmt.Sprint(err), "agentcore validation") {
			t.Errorf("Decode into %T: err = %v, want a usage error", v, err)
		}
	}
}

func TestDecodeKeepsRawDocuments(t *testing.T) {
	var r CreateGatewayTargetRequest
	if err := DecodeRequest(readTestdata(t, "create_target_connector.json"), &r); err != nil {
		t.Fatal(err)
	}
	got := string(r.TargetConfiguration.MCP.Connector.Configurations[0].ParameterValues)
	if want := `{"channel":"#ops","ratio":1.5,"nested":[true,null,{"k":"v"}]}`; got != want {
		t.Errorf("parameterValues = %s, want %s (key order and literals kept)", got, want)
	}
	var h CreateGatewayTargetRequest
	if err := DecodeRequest(readTestdata(t, "create_target_http.json"), &h); err != nil {
		t.Fatal(err)
	}
	if !json.Valid(h.TargetConfiguration.HTTP) || !strings.HasPrefix(string(h.TargetConfiguration.HTTP), `{"agentcoreRuntime":`) {
		t.Errorf("http configuration = %s", h.TargetConfiguration.HTTP)
	}
}

// TestDecodeRequestMerges checks that DecodeRequest reports decoding and
// validation problems together, without repeating a member.
func TestDecodeRequestMerges(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []ValidationExceptionField
	}{{
		name: "unknown member plus constraint",
		body: `{"name":"-bad","roleArn":"arn:aws:iam::111122223333:role/gw","authorizerType":"NONE","descripton":"x"}`,
		want: []ValidationExceptionField{
			{"descripton", `unknown field "descripton"`},
			{"name", "must match ^([0-9a-zA-Z][-]?){1,48}$"},
		},
	}, {
		name: "wrong type is not also reported as missing or invalid",
		body: `{"name":["g"],"roleArn":"arn:aws:iam::111122223333:role/gw","authorizerType":"NONE","description":7}`,
		want: []ValidationExceptionField{
			{"name", "expected string, got array"},
			{"description", "expected string, got number"},
		},
	}, {
		name: "missing members are listed once",
		body: `{"authorizerType":"CUSTOM_JWT"}`,
		want: []ValidationExceptionField{
			{"name", "is required"},
			{"roleArn", "is required"},
			{"authorizerConfiguration", "is required when authorizerType is CUSTOM_JWT"},
		},
	}, {
		name: "valid",
		body: string(`{"name":"g","roleArn":"arn:aws:iam::111122223333:role/gw","authorizerType":"NONE"}`),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFields(t, DecodeRequest([]byte(tt.body), &CreateGatewayRequest{}), tt.want)
		})
	}
	err := DecodeRequest([]byte(`{"name":`), &CreateGatewayRequest{})
	if ve := validationError(t, err); ve.Reason != ReasonCannotParse {
		t.Errorf("malformed body: reason = %s, want CannotParse", ve.Reason)
	}
}

func TestRelatedPaths(t *testing.T) {
	tests := []struct {
		a, b path
		want bool
	}{
		{"name", "name", true},
		{"name", "names", false},
		{"a.b", "a.b.c", true},
		{"a.b", "a.b[0]", true},
		{"a.b[1]", "a.b", true},
		{"a.bc", "a.b", false},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := related(tt.a, tt.b); got != tt.want {
			t.Errorf("related(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestRedactSyntax(t *testing.T) {
	tests := []struct{ in, want string }{
		{"invalid character 's' looking for beginning of value", "invalid character looking for beginning of value"},
		{`invalid character '\n' in string literal`, "invalid character in string literal"},
		{"invalid character '}' after object key", "invalid character '}' after object key"},
		{"unexpected end of JSON input", "unexpected end of JSON input"},
	}
	for _, tt := range tests {
		if got := redactSyntax(tt.in); got != tt.want {
			t.Errorf("redactSyntax(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIdempotentParameterMismatch(t *testing.T) {
	ve := IdempotentParameterMismatch()
	body := string(mustMarshal(t, ve.Body()))
	want := `{"message":"clientToken: was already used with different request parameters","reason":"IdempotentParameterMismatchException","fieldList":[{"name":"clientToken","message":"was already used with different request parameters"}]}`
	if body != want {
		t.Errorf("body = %s, want %s", body, want)
	}
}
