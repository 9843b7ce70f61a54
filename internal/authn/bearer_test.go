package authn

import (
	"errors"
	"net/http/httptest"
	"testing"
)

func TestBearerToken(t *testing.T) {
	tests := []struct {
		header, query string
		want          string
		err           error
	}{
		{"Bearer abc.def.ghi", "", "abc.def.ghi", nil},
		{"bearer abc", "", "abc", nil},
		{"BEARER  abc ", "", "abc", nil},
		{"", "", "", ErrNoToken},
		{"Basic dXNlcjpwYXNz", "", "", ErrMalformedToken},
		{"Bearer", "", "", ErrMalformedToken},
		{"Bearer a b", "", "", ErrMalformedToken},
		{"abc", "", "", ErrMalformedToken},
		{"Bearer abc", "access_token=abc", "", ErrTokenInQuery},
		{"", "access_token=abc", "", ErrTokenInQuery},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/gateways/g/mcp?"+tt.query, nil)
		if tt.header != "" {
			r.Header.Set("Authorization", tt.header)
		}
		got, err := BearerToken(r)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("BearerToken(%q, %q) = %q, %v; want %q, %v", tt.header, tt.query, got, err, tt.want, tt.err)
		}
	}
}

func TestChallenge(t *testing.T) {
	prm := "https://mcp.example/.well-known/oauth-protected-resource/gateways/g/mcp"
	tests := []struct {
		code, desc string
		scopes     []string
		want       string
	}{
		{"", "", []string{"sre/invoke"}, `Bearer scope="sre/invoke", resource_metadata="` + prm + `"`},
		{"invalid_token", "token expired", nil, `Bearer error="invalid_token", error_description="token expired", resource_metadata="` + prm + `"`},
		{"insufficient_scope", "missing scope", []string{"a", "b"}, `Bearer error="insufficient_scope", error_description="missing scope", scope="a b", resource_metadata="` + prm + `"`},
		// Characters RFC 6750 does not allow in error_description are replaced.
		{"invalid_token", "bad \"quote\" \\ é\n", nil, `Bearer error="invalid_token", error_description="bad 'quote' ' ''", resource_metadata="` + prm + `"`},
	}
	for _, tt := range tests {
		if got := Challenge(tt.code, tt.desc, tt.scopes, prm); got != tt.want {
			t.Errorf("Challenge(%q, %q, %v) =\n %s\nwant\n %s", tt.code, tt.desc, tt.scopes, got, tt.want)
		}
	}
}
