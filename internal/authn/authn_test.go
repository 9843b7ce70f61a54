package authn

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/catalog"
)

func TestAuthorize(t *testing.T) {
	a := NewAuthorizer("https://mcp.example.com")
	tests := []struct {
		authorizer string
		wantPass   bool
		wantStatus int
		wantHeader string // substring of WWW-Authenticate
		wantType   string // X-Amzn-ErrorType
	}{
		{"NONE", true, 0, "", ""},
		{"CUSTOM_JWT", false, 401, `resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/gateways/gw-1/mcp"`, ""},
		{"AUTHENTICATE_ONLY", false, 401, `error="invalid_token"`, ""},
		{"AWS_IAM", false, 403, "", "AccessDeniedException"},
		{"SOMETHING_NEW", false, 403, "", "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.authorizer, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/gateways/gw-1/mcp", nil)
			r.Header.Set("Authorization", "Bearer anything-at-all")
			err := a.Authorize(w, r, &catalog.Gateway{ID: "gw-1", AuthorizerType: tt.authorizer})
			if got := err == nil; got != tt.wantPass {
				t.Fatalf("Authorize = %v, want pass=%v", err, tt.wantPass)
			}
			if tt.wantPass {
				if w.Code != http.StatusOK || w.Body.Len() != 0 {
					t.Fatalf("a passing request must not be answered: %d %q", w.Code, w.Body)
				}
				return
			}
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if h := w.Header().Get("WWW-Authenticate"); !strings.Contains(h, tt.wantHeader) || (tt.wantStatus == 401 && !strings.HasPrefix(h, "Bearer ")) {
				t.Fatalf("WWW-Authenticate %q, want it to contain %q", h, tt.wantHeader)
			}
			if got := w.Header().Get("X-Amzn-ErrorType"); got != tt.wantType {
				t.Fatalf("X-Amzn-ErrorType %q, want %q", got, tt.wantType)
			}
		})
	}
}
