package agentcore

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValidateCreateApiKeyCredentialProvider(t *testing.T) {
	valid := func() *CreateApiKeyCredentialProviderRequest {
		return &CreateApiKeyCredentialProviderRequest{Name: ptr("remote-key_1"), APIKey: ptr("sk-123")}
	}
	external := func(r *CreateApiKeyCredentialProviderRequest) {
		r.APIKey = nil
		r.APIKeySecretSource = SecretSourceExternal
		r.APIKeySecretConfig = &SecretReference{SecretID: ptr("arn:aws:secretsmanager:us-east-1:111122223333:secret:k"), JSONKey: ptr("key")}
	}
	tests := []struct {
		name   string
		mutate func(*CreateApiKeyCredentialProviderRequest)
		want   []string
	}{
		{"valid, source absent", func(r *CreateApiKeyCredentialProviderRequest) {}, nil},
		{"valid, MANAGED, tags", func(r *CreateApiKeyCredentialProviderRequest) {
			r.APIKeySecretSource, r.Tags = SecretSourceManaged, map[string]string{"team": "orders"}
		}, nil},
		{"name missing", func(r *CreateApiKeyCredentialProviderRequest) { r.Name = nil }, []string{"name"}},
		{"name 128", func(r *CreateApiKeyCredentialProviderRequest) { r.Name = ptr(strings.Repeat("n", 128)) }, nil},
		{"name 129", func(r *CreateApiKeyCredentialProviderRequest) { r.Name = ptr(strings.Repeat("n", 129)) }, []string{"name"}},
		{"name with a dot", func(r *CreateApiKeyCredentialProviderRequest) { r.Name = ptr("remote.key") }, []string{"name"}},
		{"apiKey missing, source absent", func(r *CreateApiKeyCredentialProviderRequest) { r.APIKey = nil }, []string{"apiKey"}},
		{"apiKey missing, MANAGED", func(r *CreateApiKeyCredentialProviderRequest) {
			r.APIKey, r.APIKeySecretSource = nil, SecretSourceManaged
		}, []string{"apiKey"}},
		{"apiKey 65536", func(r *CreateApiKeyCredentialProviderRequest) { r.APIKey = ptr(strings.Repeat("k", 65536)) }, nil},
		{"apiKey 65537", func(r *CreateApiKeyCredentialProviderRequest) { r.APIKey = ptr(strings.Repeat("k", 65537)) }, []string{"apiKey"}},
		{"apiKey empty", func(r *CreateApiKeyCredentialProviderRequest) { r.APIKey = ptr("") }, []string{"apiKey"}},
		{"MANAGED with a secret reference", func(r *CreateApiKeyCredentialProviderRequest) {
			r.APIKeySecretConfig = &SecretReference{SecretID: ptr("s"), JSONKey: ptr("k")}
		}, []string{"apiKeySecretConfig"}},
		{"EXTERNAL", external, nil},
		{"EXTERNAL without a secret reference", func(r *CreateApiKeyCredentialProviderRequest) {
			external(r)
			r.APIKeySecretConfig = nil
		}, []string{"apiKeySecretConfig"}},
		{"EXTERNAL with a key", func(r *CreateApiKeyCredentialProviderRequest) {
			external(r)
			r.APIKey = ptr("sk-123")
		}, []string{"apiKey"}},
		{"secret reference limits", func(r *CreateApiKeyCredentialProviderRequest) {
			external(r)
			r.APIKeySecretConfig = &SecretReference{SecretID: ptr(""), JSONKey: ptr(strings.Repeat("j", 129))}
		}, []string{"apiKeySecretConfig.secretId", "apiKeySecretConfig.jsonKey"}},
		{"secret reference members missing", func(r *CreateApiKeyCredentialProviderRequest) {
			external(r)
			r.APIKeySecretConfig = &SecretReference{}
		}, []string{"apiKeySecretConfig.secretId", "apiKeySecretConfig.jsonKey"}},
		{"unknown source", func(r *CreateApiKeyCredentialProviderRequest) { r.APIKeySecretSource = "VAULT" }, []string{"apiKeySecretSource"}},
		{"tags", func(r *CreateApiKeyCredentialProviderRequest) { r.Tags = manyTags(51) }, []string{"tags"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.mutate(r)
			if diff := cmp.Diff(tt.want, fieldNames(t, r.Validate())); diff != "" {
				t.Errorf("fieldList names (-want +got):\n%s", diff)
			}
			u := UpdateApiKeyCredentialProviderRequest{Name: r.Name, APIKey: r.APIKey, APIKeySecretConfig: r.APIKeySecretConfig, APIKeySecretSource: r.APIKeySecretSource}
			// Update has the same rules but no tags.
			want := slices.DeleteFunc(slices.Clone(tt.want), func(s string) bool { return s == "tags" })
			if len(want) == 0 {
				want = nil
			}
			if diff := cmp.Diff(want, fieldNames(t, u.Validate())); diff != "" {
				t.Errorf("Update: fieldList names (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateOtherApiKeyRequests(t *testing.T) {
	tests := []struct {
		name string
		v    Validator
		body string
		want []ValidationExceptionField
	}{
		{"get", &GetApiKeyCredentialProviderRequest{}, `{"name":"k"}`, nil},
		{"get without name", &GetApiKeyCredentialProviderRequest{}, `{}`, []ValidationExceptionField{{"name", "is required"}}},
		{"delete with a bad name", &DeleteApiKeyCredentialProviderRequest{}, `{"name":"a b"}`, []ValidationExceptionField{{"name", `must match ^[a-zA-Z0-9\-_]+$`}}},
		{"list", &ListApiKeyCredentialProvidersRequest{}, `{"maxResults":100,"nextToken":"t"}`, nil},
		{"list maxResults 0", &ListApiKeyCredentialProvidersRequest{}, `{"maxResults":0}`, []ValidationExceptionField{{"maxResults", "must be between 1 and 100, got 0"}}},
		{"list maxResults 101", &ListApiKeyCredentialProvidersRequest{}, `{"maxResults":101}`, []ValidationExceptionField{{"maxResults", "must be between 1 and 100, got 101"}}},
		{"list empty nextToken", &ListApiKeyCredentialProvidersRequest{}, `{"nextToken":""}`, []ValidationExceptionField{{"nextToken", "must be 1-2048 characters, got 0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFields(t, DecodeRequest([]byte(tt.body), tt.v), tt.want)
		})
	}
}

// TestSecretsNeverInErrors feeds an API key carrying a marker through every
// kind of failure Decode and Validate report and requires that the marker
// appears in no message, no field name and no wire body.
func TestSecretsNeverInErrors(t *testing.T) {
	const marker = "sk-MARKER-7f3a9c"
	long := marker + strings.Repeat("x", 65537)
	bodies := []string{
		`{"name":"bad name!","apiKey":"` + marker + `"}`,                               // other field invalid
		`{"name":"k","apiKey":"` + long + `"}`,                                         // too long
		`{"name":"k","apiKey":"` + marker + `","apiKeySecretSource":"EXTERNAL"}`,       // must not be set
		`{"name":"k","apiKey":["` + marker + `"]}`,                                     // wrong type
		`{"name":"k","apiKey":{"value":"` + marker + `"}}`,                             // wrong type, object
		`{"name":"k","apiKeyy":"` + marker + `"}`,                                      // unknown member
		`{"name":"k","apiKey":"` + marker + `","apiKey":"` + marker + `"}`,             // duplicate
		`{"name":"k","apiKey":` + marker + `}`,                                         // malformed: bare word
		`{"name":"k","apiKey":"` + marker + "\n" + `"}`,                                // malformed: control character
		`{"name":"k","apiKey":"` + marker + `"`,                                        // truncated
		`{"name":"k","apiKey":"` + marker + `"} "` + marker + `"`,                      // trailing data
		`{"name":"k","apiKey":"` + marker + `","apiKeySecretSource":"` + marker + `"}`, // in an enum by mistake
	}
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("expected an error")
		}
		ve := validationError(t, err)
		wire, _ := json.Marshal(ve.Body())
		for _, s := range []string{err.Error(), ve.Message, string(wire)} {
			if strings.Contains(s, "MARKER") {
				t.Errorf("secret leaked: %s", s)
			}
		}
	}
	for _, body := range bodies {
		check(t, DecodeRequest([]byte(body), &CreateApiKeyCredentialProviderRequest{}))
		check(t, DecodeRequest([]byte(body), &UpdateApiKeyCredentialProviderRequest{}))
	}
	r := CreateApiKeyCredentialProviderRequest{Name: ptr("k"), APIKey: ptr(long)}
	check(t, r.Validate())
}
