package oauth2

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiscover(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		ctype   string
		body    string
		want    Metadata
		wantErr string
	}{
		{"OIDC", 200, "application/json", `{"issuer":"https://idp.example","authorization_endpoint":"https://idp.example/a","token_endpoint":"https://idp.example/t",
			"response_types_supported":["code"],"token_endpoint_auth_methods_supported":["client_secret_post"],"grant_types_supported":["client_credentials"]}`,
			Metadata{Issuer: "https://idp.example", AuthorizationEndpoint: "https://idp.example/a", TokenEndpoint: "https://idp.example/t",
				ResponseTypes: []string{"code"}, TokenEndpointAuthMethods: []string{"client_secret_post"}}, ""},
		{"RFC 8414 without authorization endpoint", 200, "application/json; charset=utf-8", `{"issuer":"https://as.example","token_endpoint":"http://127.0.0.1:1/t"}`,
			Metadata{Issuer: "https://as.example", TokenEndpoint: "http://127.0.0.1:1/t"}, ""},
		{"404", 404, "text/plain", "nope", Metadata{}, "could not be fetched: the server answered HTTP 404 Not Found"},
		{"HTML", 200, "text/html", "<html>", Metadata{}, `is not a discovery document: its Content-Type is "text/html", not application/json`},
		{"not an object", 200, "application/json", `["x"]`, Metadata{}, "is not a discovery document: the response is not a JSON object with the metadata members (RFC 8414 §2)"},
		{"no issuer", 200, "application/json", `{"token_endpoint":"https://t"}`, Metadata{}, "is not a discovery document: it has no issuer"},
		{"no token endpoint", 200, "application/json", `{"issuer":"https://i"}`, Metadata{}, "names no token_endpoint, which the client-credentials grant needs"},
		{"relative token endpoint", 200, "application/json", `{"issuer":"https://i","token_endpoint":"/token"}`, Metadata{}, "has an unusable token_endpoint: it is not an absolute http or https URL"},
		{"no client credentials", 200, "application/json", `{"issuer":"https://i","token_endpoint":"https://i/t","grant_types_supported":["authorization_code","implicit"]}`,
			Metadata{}, "says the server does not support the client_credentials grant (grant_types_supported: authorization_code, implicit)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			got, err := Discover(t.Context(), srv.Client(), srv.URL+"/.well-known/openid-configuration")
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tc.wantErr {
				t.Errorf("error = %q, want %q", gotErr, tc.wantErr)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("metadata (-want +got):\n%s", d)
			}
		})
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	if _, err := Discover(t.Context(), nil, srv.URL+"/.well-known/openid-configuration"); err == nil {
		t.Error("unreachable discovery URL accepted")
	}
}

func TestAuthMethodChoice(t *testing.T) {
	for _, tc := range []struct {
		server []string
		want   string
	}{
		{nil, ClientSecretBasic},
		{[]string{"client_secret_post"}, ClientSecretPost},
		{[]string{"client_secret_post", "client_secret_basic"}, ClientSecretBasic},
		{[]string{"private_key_jwt"}, ClientSecretBasic},
	} {
		if got := DefaultAuthMethod(tc.server); got != tc.want {
			t.Errorf("DefaultAuthMethod(%v) = %s, want %s", tc.server, got, tc.want)
		}
	}
	if !AuthMethodSupported(nil, ClientSecretBasic) || AuthMethodSupported(nil, ClientSecretPost) ||
		!AuthMethodSupported([]string{"client_secret_post"}, ClientSecretPost) {
		t.Error("AuthMethodSupported")
	}
	if m := Microsoft("contoso.onmicrosoft.com"); m.TokenEndpoint != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" {
		t.Errorf("Microsoft token endpoint = %s", m.TokenEndpoint)
	}
	if _, ok := Vendor("OktaOauth2"); ok {
		t.Error("Okta has no fixed endpoints")
	}
	if g, ok := Vendor("GithubOauth2"); !ok || g.TokenEndpoint != "https://github.com/login/oauth/access_token" {
		t.Errorf("GitHub = %+v", g)
	}
}
