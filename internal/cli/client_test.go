package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagentcorecontrol/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"
)

// tree decodes a JSON literal into the generic form prune works on.
func tree(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func TestPrune(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"null stays null", `null`, `null`},
		{"scalars untouched", `"s"`, `"s"`},
		{"empty object", `{}`, `{}`},
		{"null members removed", `{"a":1,"b":null,"c":"x"}`, `{"a":1,"c":"x"}`},
		{"false, zero and empty are not null", `{"a":false,"b":0,"c":"","d":[],"e":{}}`, `{"a":false,"b":0,"c":"","d":[],"e":{}}`},
		{"ResultMetadata removed", `{"ResultMetadata":{},"GatewayId":"g"}`, `{"GatewayId":"g"}`},
		{"ResultMetadata removed when nested", `{"a":{"ResultMetadata":{"x":1},"b":2}}`, `{"a":{"b":2}}`},
		{"only ResultMetadata", `{"ResultMetadata":{}}`, `{}`},
		{"nested null members removed", `{"a":{"b":{"c":null,"d":1}}}`, `{"a":{"b":{"d":1}}}`},
		{"union unwrapped", `{"CredentialProvider":{"Value":{"ProviderArn":"arn"}}}`, `{"CredentialProvider":{"ProviderArn":"arn"}}`},
		{"nested unions unwrapped", `{"TargetConfiguration":{"Value":{"Value":{"Value":"openapi: 3.0.3"}}}}`, `{"TargetConfiguration":"openapi: 3.0.3"}`},
		{"top-level union unwrapped", `{"Value":{"Value":7}}`, `7`},
		{"union of null members unwrapped", `{"Value":{"Value":{"a":null,"b":"x"}}}`, `{"b":"x"}`},
		{"Value with siblings kept", `{"Value":"v","Key":"k"}`, `{"Key":"k","Value":"v"}`},
		{"Value whose siblings are null is a union", `{"Value":"v","Key":null}`, `"v"`},
		{"null Value removed, not unwrapped", `{"Value":null}`, `{}`},
		{"objects in arrays pruned", `[{"a":null,"b":1},{"Value":"x"},{"ResultMetadata":{}}]`, `[{"b":1},"x",{}]`},
		{"nested arrays", `{"a":[[{"Value":1}],[{"x":null}]]}`, `{"a":[[1],[{}]]}`},
		{"nulls inside arrays keep their position", `[null,1,null]`, `[null,1,null]`},
		{"unions inside arrays inside unions", `{"Value":[{"Value":{"Value":"a"}},{"CredentialProviderType":"API_KEY","CredentialProvider":{"Value":{"ProviderArn":"p","CredentialPrefix":null}}}]}`,
			`["a",{"CredentialProviderType":"API_KEY","CredentialProvider":{"ProviderArn":"p"}}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := prune(tree(t, tc.in))
			if diff := cmp.Diff(tree(t, tc.want), got); diff != "" {
				t.Errorf("prune(%s) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// TestPrintJSON feeds printJSON real SDK outputs: what json.Marshal makes
// of them (ResultMetadata, nil pointers, union wrappers) is pruned.
func TestPrintJSON(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   any
		want string
	}{
		{
			name: "CreateGatewayTargetOutput",
			in: &bedrockagentcorecontrol.CreateGatewayTargetOutput{
				GatewayArn: aws.String("arn:gw"), TargetId: aws.String("T1"), Name: aws.String("weather"),
				Status: types.TargetStatusReady, StatusReasons: []string{"GET /untitled: skipped"}, CreatedAt: &created,
				TargetConfiguration: &types.TargetConfigurationMemberMcp{Value: &types.McpTargetConfigurationMemberOpenApiSchema{
					Value: &types.ApiSchemaConfigurationMemberInlinePayload{Value: "openapi: 3.0.3"},
				}},
				CredentialProviderConfigurations: []types.CredentialProviderConfiguration{{
					CredentialProviderType: types.CredentialProviderTypeApiKey,
					CredentialProvider: &types.CredentialProviderMemberApiKeyCredentialProvider{Value: types.GatewayApiKeyCredentialProvider{
						ProviderArn: aws.String("arn:p"), CredentialParameterName: aws.String("X-Api-Key"), CredentialLocation: types.ApiKeyCredentialLocationHeader,
					}},
				}},
				ResultMetadata: middleware.Metadata{},
			},
			want: `{
				"CreatedAt": "2026-01-02T03:04:05Z",
				"CredentialProviderConfigurations": [{
					"CredentialProvider": {"CredentialLocation": "HEADER", "CredentialParameterName": "X-Api-Key", "ProviderArn": "arn:p"},
					"CredentialProviderType": "API_KEY"
				}],
				"GatewayArn": "arn:gw",
				"Name": "weather",
				"ProtocolType": "",
				"Status": "READY",
				"StatusReasons": ["GET /untitled: skipped"],
				"TargetConfiguration": "openapi: 3.0.3",
				"TargetId": "T1"
			}`,
		},
		{
			name: "GetGatewayOutput with empty enums",
			in: &bedrockagentcorecontrol.GetGatewayOutput{
				GatewayId: aws.String("g-1"), Name: aws.String("g"), Status: types.GatewayStatusReady,
				AuthorizerType: types.AuthorizerTypeNone, ProtocolType: types.GatewayProtocolTypeMcp,
			},
			// Unset enums are "" rather than null, so they survive.
			want: `{"AuthorizerType": "NONE", "ExceptionLevel": "", "GatewayId": "g-1", "Name": "g", "ProtocolType": "MCP", "Status": "READY"}`,
		},
		{
			name: "list items",
			in:   []types.GatewaySummary{{GatewayId: aws.String("a"), Status: types.GatewayStatusReady}, {GatewayId: aws.String("b")}},
			want: `[
				{"AuthorizerType": "", "GatewayId": "a", "ProtocolType": "", "Status": "READY"},
				{"AuthorizerType": "", "GatewayId": "b", "ProtocolType": "", "Status": ""}
			]`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := printJSON(&buf, tc.in); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if !strings.HasSuffix(out, "\n") || strings.Contains(out, "null") || strings.Contains(out, "ResultMetadata") {
				t.Errorf("printed:\n%s", out)
			}
			if diff := cmp.Diff(tree(t, tc.want), tree(t, out)); diff != "" {
				t.Errorf("printJSON (-want +got):\n%s", diff)
			}
			// Indented for people.
			if strings.Contains(tc.want, ",") && !strings.Contains(out, "\n  ") {
				t.Errorf("not indented:\n%s", out)
			}
		})
	}
}

// TestPrintJSONEmptyList: the list commands hand printJSON a nil slice
// when there is nothing to list; a user (or jq) expects [] rather than null.
func TestPrintJSONEmptyList(t *testing.T) {
	var items []types.GatewaySummary
	var buf bytes.Buffer
	if err := printJSON(&buf, items); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(buf.String()); got != "[]" {
		t.Errorf("printJSON(nil slice) = %s, want []", got)
	}
}

func TestTrimNewline(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"key", "key"},
		{"key\n", "key"},
		{"key\r\n", "key"},
		{"key\n\n\r\n", "key"},
		{"\n", ""},
		{"\r\n\r\n", ""},
		{"key\r", "key"},
		{"key \n", "key "},   // only line endings, not other space
		{"key\t\n", "key\t"}, // idem
		{"\nkey", "\nkey"},   // leading newlines are part of the value
		{"a\nb\n", "a\nb"},   // inner newlines too
		{"  key  ", "  key  "},
	} {
		if got := trimNewline(tc.in); got != tc.want {
			t.Errorf("trimNewline(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// failReader fails the test if the secret is read from stdin when a file or
// an environment variable was given.
type failReader struct{ t *testing.T }

func (r failReader) Read([]byte) (int, error) {
	r.t.Error("stdin read although --api-key-file or --api-key-env was given")
	return 0, io.EOF
}

// Not parallel: t.Setenv.
func TestReadSecret(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("TOOLGATE_TEST_SECRET", "from-env")
	t.Setenv("TOOLGATE_TEST_SECRET_NL", "from-env\n")
	os.Unsetenv("TOOLGATE_TEST_SECRET_UNSET")
	big := strings.Repeat("k", 65536)

	for _, tc := range []struct {
		name      string
		file, env string
		stdin     io.Reader // nil: must not be read
		want      string
		wantErr   string   // substring
		wantIs    error    // errors.Is target
		wantNotIn []string // must not appear in the error
	}{
		{name: "file", file: file("plain", "from-file"), want: "from-file"},
		{name: "file with newline", file: file("nl", "from-file\n"), want: "from-file"},
		{name: "file with CRLF", file: file("crlf", "from-file\r\n"), want: "from-file"},
		{name: "file keeps inner and leading space", file: file("space", " a b\n"), want: " a b"},
		{name: "file missing", file: filepath.Join(dir, "absent"), wantIs: fs.ErrNotExist, wantErr: "absent"},
		{name: "file is a directory", file: dir, wantErr: "is a directory"},
		{name: "env", env: "TOOLGATE_TEST_SECRET", want: "from-env"},
		{name: "env is taken verbatim", env: "TOOLGATE_TEST_SECRET_NL", want: "from-env\n"},
		{name: "env unset", env: "TOOLGATE_TEST_SECRET_UNSET", wantErr: "environment variable TOOLGATE_TEST_SECRET_UNSET is not set"},
		{name: "file and env", file: file("both", "from-file"), env: "TOOLGATE_TEST_SECRET",
			wantErr: "pass only one of --api-key-file and --api-key-env", wantNotIn: []string{"from-file", "from-env"}},
		{name: "stdin", stdin: strings.NewReader("from-stdin"), want: "from-stdin"},
		{name: "stdin with newline", stdin: strings.NewReader("from-stdin\n"), want: "from-stdin"},
		{name: "stdin with CRLF", stdin: strings.NewReader("from-stdin\r\n"), want: "from-stdin"},
		{name: "stdin in small reads", stdin: iotest.OneByteReader(strings.NewReader("from-stdin\n")), want: "from-stdin"},
		{name: "stdin 64 KiB", stdin: strings.NewReader(big + "\n"), want: big},
		// Longer input is cut one byte past the limit, so that the
		// server's length check (1-65536) still refuses it.
		{name: "stdin over 64 KiB", stdin: strings.NewReader(big + "overflow"), want: big + "o"},
		{name: "stdin empty", stdin: strings.NewReader(""), wantErr: "no API key: pass --api-key-file, --api-key-env, or pipe it on stdin"},
		{name: "stdin only newlines", stdin: strings.NewReader("\r\n\n"), wantErr: "no API key"},
		{name: "stdin error", stdin: iotest.ErrReader(errors.New("broken pipe")), wantErr: "broken pipe"},
		{name: "stdin error after data", stdin: io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(errors.New("broken pipe"))), wantErr: "broken pipe", wantNotIn: []string{"partial"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdin := tc.stdin
			if stdin == nil {
				stdin = failReader{t}
			}
			got, err := readSecret(tc.file, tc.env, stdin)
			if tc.wantErr == "" && tc.wantIs == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("secret (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error; got secret %q", got)
			}
			if got != "" {
				t.Errorf("secret %q returned with an error", got)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not contain %q", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error %v is not %v", err, tc.wantIs)
			}
			for _, s := range tc.wantNotIn {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q contains %q", err, s)
				}
			}
		})
	}
}
