package audit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/audit"
)

// sensitiveKeys must be hidden wherever they appear.
var sensitiveKeys = []string{
	"apiKey", "api_key", "x-api-key", "X-Api-Key", "clientSecret", "ClientSecret", "client_secret", "secret",
	"password", "Password", "userPassword", "temporaryPassword", "passwd", "token", "accessToken", "refreshToken",
	"idToken", "userToken", "workloadIdentityToken", "workloadAccessToken", "sessionToken", "bearerToken",
	"secretAccessKey", "SecretAccessKey", "privateKey", "private_key", "authorization", "Authorization",
	"proxy-authorization", "cookie", "Set-Cookie", "x-amz-security-token", "passphrase", "clientAssertion",
	"signingSecretValue", "MY_SECRET_ENV", "pass_word", "API.KEY", "Private-Key", "Auth-Orization", "oauthAuthorizationHeader", "credentials", "apiKeyValue_secret",
}

// harmlessKeys look close to sensitive names but must stay visible.
var harmlessKeys = []string{
	"name", "nextToken", "clientToken", "maxTokens", "tokenEndpoint", "tokenVaultId", "apiKeySecretArn",
	"secretArn", "credentialProviderType", "apiKeyCredentialProvider", "providerArn", "authorizerType",
	"accessKeyId", "keyId", "description", "authorizationUrl", "authorizationServerMetadata",
}

// nest puts value under key at depth 0..3, in objects and in arrays.
func nest(key string, value any, depth int, inArray bool) any {
	var v any = map[string]any{key: value, "sibling": "kept"}
	for i := range depth {
		if inArray {
			v = []any{"x", v}
		}
		v = map[string]any{fmt.Sprintf("level%d", i): v}
	}
	return v
}

func TestRedactSensitiveKeysAtEveryDepth(t *testing.T) {
	n := 0
	for _, key := range sensitiveKeys {
		for depth := range 4 {
			for _, inArray := range []bool{false, true} {
				for _, value := range []func(m string) any{
					func(m string) any { return m },
					func(m string) any { return map[string]any{"nested": m} },
					func(m string) any { return []any{m, 1} },
				} {
					n++
					marker := fmt.Sprintf("MARKER-%05d-secret-value", n)
					doc, _ := json.Marshal(nest(key, value(marker), depth, inArray))
					t.Run(fmt.Sprintf("%s/depth%d/array=%v/%d", key, depth, inArray, n), func(t *testing.T) {
						out := audit.Redact(doc)
						if bytes.Contains(out, []byte("MARKER-")) {
							t.Fatalf("marker survived: %s", out)
						}
						if !bytes.Contains(out, []byte(audit.Hidden)) || !bytes.Contains(out, []byte(`"sibling":"kept"`)) {
							t.Errorf("want %s and the sibling kept: %s", audit.Hidden, out)
						}
						if !json.Valid(out) {
							t.Errorf("invalid JSON: %s", out)
						}
					})
				}
			}
		}
	}
}

func TestRedactKeepsHarmlessKeys(t *testing.T) {
	for _, key := range harmlessKeys {
		doc, _ := json.Marshal(nest(key, "visible-value", 2, true))
		out := audit.Redact(doc)
		if !bytes.Equal(out, doc) {
			t.Errorf("%s: changed\n in: %s\nout: %s", key, doc, out)
		}
	}
}

func TestRedactCases(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, `null`},
		{"null", `null`, `null`},
		{"nothing to hide", `{"name":"gw","count":12345678901234567890}`, `{"name":"gw","count":12345678901234567890}`},
		{"top-level string", `"plain"`, `"plain"`},
		{"big numbers survive re-encoding", `{"password":"x","n":12345678901234567890}`, `{"n":12345678901234567890,"password":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"null secret hidden too", `{"clientSecret":null}`, `{"clientSecret":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"inline payload size only", `{"apiSchema":{"inlinePayload":"openapi: 3.0.0 MARKER"}}`, `{"apiSchema":{"inlinePayload":"HIDDEN_DUE_TO_SECURITY_REASONS","inlinePayloadSizeBytes":21}}`},
		{"inline payload list", `{"toolSchema":{"inlinePayload":[{"name":"MARKER"}]}}`, `{"toolSchema":{"inlinePayload":"HIDDEN_DUE_TO_SECURITY_REASONS","inlinePayloadSizeBytes":19}}`},
		{"bearer value under a harmless key", `{"headers":{"X-Forward":"Bearer MARKER"}}`, `{"headers":{"X-Forward":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`},
		{"basic value", `["basic MARKER"]`, `["HIDDEN_DUE_TO_SECURITY_REASONS"]`},
		{"jwt value", `{"note":"` + jwt + `"}`, `{"note":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"escaped key", `{"p\u0061ssword":"MARKER"}`, `{"password":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
		{"invalid JSON hidden whole", `{"password":"MARKER"`, `"HIDDEN_DUE_TO_SECURITY_REASONS"`},
		{"invalid without trigger", `{"a":`, `"HIDDEN_DUE_TO_SECURITY_REASONS"`},
		{"trailing data", `{"a":1} {"password":"MARKER"}`, `"HIDDEN_DUE_TO_SECURITY_REASONS"`},
		{"cognito casing", `{"UserPoolClient":{"ClientId":"abc","ClientSecret":"MARKER"}}`, `{"UserPoolClient":{"ClientId":"abc","ClientSecret":"HIDDEN_DUE_TO_SECURITY_REASONS"}}`},
		{"agentcore token response", `{"accessToken":"MARKER","workloadAccessToken":"MARKER","authorizationUrl":"https://idp/authorize"}`,
			`{"accessToken":"HIDDEN_DUE_TO_SECURITY_REASONS","authorizationUrl":"https://idp/authorize","workloadAccessToken":"HIDDEN_DUE_TO_SECURITY_REASONS"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := audit.Redact(json.RawMessage(tt.in))
			gotS := string(got)
			if got == nil {
				gotS = "null"
			}
			if diff := cmp.Diff(tt.want, gotS); diff != "" {
				t.Errorf("Redact(%s) (-want +got):\n%s", tt.in, diff)
			}
			if again := audit.Redact(got); !bytes.Equal(again, got) {
				t.Errorf("not idempotent: %s then %s", got, again)
			}
		})
	}
}

func TestRedactValueDoesNotModifyInput(t *testing.T) {
	in := map[string]any{"a": []any{map[string]any{"token": "MARKER"}}, "b": "ok"}
	out := audit.RedactValue(in)
	if in["a"].([]any)[0].(map[string]any)["token"] != "MARKER" {
		t.Error("input modified")
	}
	want := map[string]any{"a": []any{map[string]any{"token": audit.Hidden}}, "b": "ok"}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestRedactErrorMessage(t *testing.T) {
	e := audit.Defaults{}.Prepare(audit.Event{ErrorMessage: "upstream refused Authorization: Bearer MARKER-abc; token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.MARKERsignature"})
	if strings.Contains(e.ErrorMessage, "MARKER") {
		t.Errorf("errorMessage leaks: %s", e.ErrorMessage)
	}
}

func BenchmarkRedact(b *testing.B) {
	clean := json.RawMessage(`{"name":"mcp-gw","authorizerType":"CUSTOM_JWT","description":"weather tools","roleArn":"arn:aws:iam::123:role/x"}`)
	dirty := json.RawMessage(`{"name":"weather","apiKey":"sk-123","nested":[{"clientSecret":"x"}]}`)
	b.Run("clean", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			audit.Redact(clean)
		}
	})
	b.Run("dirty", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			audit.Redact(dirty)
		}
	})
}
