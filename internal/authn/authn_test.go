package authn

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeVerifier accepts the token "good" and refuses others as scripted.
type fakeVerifier struct{ refusals map[string]*Refusal }

func (f fakeVerifier) Verify(_ context.Context, token string) (*Principal, *Refusal) {
	if token == "good" {
		return &Principal{Subject: "alice", ClientID: "app", Scopes: []string{"sre/invoke"}}, nil
	}
	if r, ok := f.refusals[token]; ok {
		return nil, r
	}
	return nil, &Refusal{Status: 401, Code: "invalid_token", Description: "token signature is invalid", Diagnosis: "signed by an unknown key"}
}
func (fakeVerifier) Scopes() []string { return []string{"sre/invoke"} }
func (fakeVerifier) AuthorizationServers(context.Context) []string {
	return []string{"https://idp.example"}
}

func TestAuthorize(t *testing.T) {
	a := NewAuthorizer(nil, nil)
	const metadataURL = "https://mcp.example.com/.well-known/oauth-protected-resource/gateways/gw-1/mcp"
	prm := `resource_metadata="` + metadataURL + `"`
	v := fakeVerifier{refusals: map[string]*Refusal{
		"noscope": {Status: 403, Code: "insufficient_scope", Description: "token lacks a required scope", Scopes: []string{"sre/admin"}},
	}}
	tests := []struct {
		name       string
		authorizer string
		verifier   TokenVerifier
		header     string
		wantStatus int // 0 = passes
		wantChall  string
		wantType   string
	}{
		{"none passes without token", "NONE", nil, "", 0, "", ""},
		{"jwt no token", "CUSTOM_JWT", v, "", 401, `Bearer scope="sre/invoke", ` + prm, ""},
		{"jwt malformed header", "CUSTOM_JWT", v, "Basic abc", 400, `Bearer error="invalid_request", error_description="malformed Authorization header", scope="sre/invoke", ` + prm, ""},
		{"jwt bad token", "CUSTOM_JWT", v, "Bearer bad", 401, `Bearer error="invalid_token", error_description="token signature is invalid", scope="sre/invoke", ` + prm, ""},
		{"jwt missing scope", "CUSTOM_JWT", v, "Bearer noscope", 403, `Bearer error="insufficient_scope", error_description="token lacks a required scope", scope="sre/admin", ` + prm, ""},
		{"jwt good token", "CUSTOM_JWT", v, "Bearer good", 0, "", ""},
		{"authenticate-only good token", "AUTHENTICATE_ONLY", v, "Bearer good", 0, "", ""},
		{"jwt without verifier fails closed", "CUSTOM_JWT", nil, "Bearer good", 401, `Bearer error="invalid_token", error_description="the gateway cannot validate tokens right now", ` + prm, ""},
		{"aws iam without a key source fails closed", "AWS_IAM", nil, "", 403, "", "AccessDeniedException"},
		{"unknown authorizer", "SOMETHING_NEW", nil, "", 403, "", "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/gateways/gw-1/mcp", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			out, err := a.Authorize(w, r, Gateway{AuthorizerType: tt.authorizer, Verifier: tt.verifier, MetadataURL: metadataURL})
			if tt.wantStatus == 0 {
				if err != nil || out == nil || w.Body.Len() != 0 {
					t.Fatalf("Authorize = %v; body %q", err, w.Body)
				}
				p := PrincipalFrom(out.Context())
				if tt.authorizer == "NONE" {
					if p != nil {
						t.Fatalf("principal on a NONE gateway: %+v", p)
					}
					return
				}
				if diff := cmp.Diff(&Principal{Subject: "alice", ClientID: "app", Scopes: []string{"sre/invoke"}}, p); diff != "" {
					t.Fatalf("principal (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil || out != nil {
				t.Fatalf("refused request: err=%v out=%v", err, out)
			}
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("WWW-Authenticate"); got != tt.wantChall {
				t.Fatalf("WWW-Authenticate\n got %s\nwant %s", got, tt.wantChall)
			}
			if got := w.Header().Get("X-Amzn-ErrorType"); got != tt.wantType {
				t.Fatalf("X-Amzn-ErrorType %q, want %q", got, tt.wantType)
			}
			if tt.wantChall != "" && !strings.Contains(w.Body.String(), `"error"`) {
				t.Fatalf("body %q", w.Body)
			}
		})
	}
}

func TestPrincipalUserID(t *testing.T) {
	if got := (&Principal{Subject: "s", ClientID: "c"}).UserID(); got != "s" {
		t.Fatal(got)
	}
	if got := (&Principal{ClientID: "c"}).UserID(); got != "c" {
		t.Fatal(got)
	}
}
