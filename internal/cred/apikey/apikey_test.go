package apikey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/cred/apikey"
)

const key = "sk-live-0123456789abcdef"

func mustNew(t *testing.T, c apikey.Config) cred.Injector {
	t.Helper()
	inj, err := apikey.New(c)
	if err != nil {
		t.Fatalf("New(%s %s): %v", c.Location, c.ParameterName, err)
	}
	return inj
}

func TestInjectHeader(t *testing.T) {
	cases := []struct {
		name   string
		cfg    apikey.Config
		before http.Header
		want   http.Header
	}{
		{
			name: "defaults: Authorization, key alone",
			cfg:  apikey.Config{Key: key},
			want: http.Header{"Authorization": {key}},
		},
		{
			name: "bearer prefix",
			cfg:  apikey.Config{Key: key, Location: "HEADER", Prefix: "Bearer"},
			want: http.Header{"Authorization": {"Bearer " + key}},
		},
		{
			name: "prefix with trailing space gets one space",
			cfg:  apikey.Config{Key: key, Prefix: "Token "},
			want: http.Header{"Authorization": {"Token " + key}},
		},
		{
			name:   "custom name overrides the caller's value",
			cfg:    apikey.Config{Key: key, ParameterName: "x-api-key"},
			before: http.Header{"X-Api-Key": {"agent-supplied", "second"}, "Accept": {"application/json"}},
			want:   http.Header{"X-Api-Key": {key}, "Accept": {"application/json"}},
		},
		{
			name:   "non-canonical spellings are removed too",
			cfg:    apikey.Config{Key: key, ParameterName: "X-API-KEY"},
			before: http.Header{"x-api-key": {"agent"}, "X-API-KEY": {"agent2"}, "X-Other": {"keep"}},
			want:   http.Header{"X-Api-Key": {key}, "X-Other": {"keep"}},
		},
		{
			name:   "agent's Authorization is replaced",
			cfg:    apikey.Config{Key: key, Prefix: "Bearer"},
			before: http.Header{"Authorization": {"Bearer agent-token"}},
			want:   http.Header{"Authorization": {"Bearer " + key}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inj := mustNew(t, tc.cfg)
			req := httptest.NewRequest("GET", "https://api.example.com/v1/items?a=1", nil)
			req.Header = tc.before.Clone()
			if err := inj.Inject(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, req.Header); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if req.URL.RawQuery != "a=1" {
				t.Errorf("header injection touched the query: %q", req.URL.RawQuery)
			}
		})
	}
}

func TestInjectQuery(t *testing.T) {
	cases := []struct {
		name string
		cfg  apikey.Config
		raw  string
		want string
	}{
		{"defaults to api_key", apikey.Config{Key: key, Location: "QUERY_PARAMETER"}, "", "api_key=" + key},
		{"keeps order and encoding of others", apikey.Config{Key: key, Location: "QUERY_PARAMETER"},
			"z=1&a=%2F+b&m=%7E", "z=1&a=%2F+b&m=%7E&api_key=" + key},
		{"replaces every client value", apikey.Config{Key: key, Location: "QUERY_PARAMETER", ParameterName: "key"},
			"key=agent&q=x&key=again", "q=x&key=" + key},
		{"matches escaped and differently cased names", apikey.Config{Key: key, Location: "QUERY_PARAMETER", ParameterName: "api_key"},
			"api%5Fkey=agent&API_KEY=agent2&q=1", "q=1&api_key=" + key},
		{"semicolon-separated smuggling", apikey.Config{Key: key, Location: "QUERY_PARAMETER"},
			"a=1;api_key=agent;b=2&c=3", "a=1;b=2&c=3&api_key=" + key},
		{"empty values and flags survive", apikey.Config{Key: key, Location: "QUERY_PARAMETER"},
			"flag&empty=&&x=1", "flag&empty=&&x=1&api_key=" + key},
		{"prefix and name are escaped", apikey.Config{Key: "k&y=1", Location: "QUERY_PARAMETER", ParameterName: "api key", Prefix: "Bearer"},
			"q=1", "q=1&api+key=Bearer+k%26y%3D1"},
		{"similar names are kept", apikey.Config{Key: key, Location: "QUERY_PARAMETER"},
			"api_keys=1&my_api_key=2", "api_keys=1&my_api_key=2&api_key=" + key},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inj := mustNew(t, tc.cfg)
			req := httptest.NewRequest("GET", "https://api.example.com/v1/items", nil)
			req.URL.RawQuery = tc.raw
			req.Header.Set("Authorization", "Bearer agent-token")
			if err := inj.Inject(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, req.URL.RawQuery); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			name, value := tc.cfg.ParameterName, tc.cfg.Key
			if name == "" {
				name = apikey.DefaultQueryName
			}
			if tc.cfg.Prefix != "" {
				value = tc.cfg.Prefix + " " + value
			}
			if diff := cmp.Diff([]string{value}, req.URL.Query()[name]); diff != "" {
				t.Errorf("upstream would parse (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(http.Header{"Authorization": {"Bearer agent-token"}}, req.Header); diff != "" {
				t.Errorf("query injection touched headers (-want +got):\n%s", diff)
			}
		})
	}
}

// The upstream sees exactly one credential, ours, through a real server.
func TestInjectReachesUpstream(t *testing.T) {
	type got struct {
		Header []string
		Query  []string
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(got{Header: r.Header.Values("X-Api-Key"), Query: r.URL.Query()["api_key"]})
	}))
	defer upstream.Close()

	for _, cfg := range []apikey.Config{
		{Key: key, ParameterName: "x-api-key"},
		{Key: key, Location: "QUERY_PARAMETER"},
	} {
		req, _ := http.NewRequest("GET", upstream.URL+"/?api_key=agent&x=1", nil)
		req.Header.Add("x-api-key", "agent")
		if err := mustNew(t, cfg).Inject(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		resp, err := upstream.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var g got
		_ = json.NewDecoder(resp.Body).Decode(&g)
		resp.Body.Close()
		want := got{Header: []string{"agent"}, Query: []string{key}}
		if cfg.Location == "" {
			want = got{Header: []string{key}, Query: []string{"agent"}}
		}
		if diff := cmp.Diff(want, g); diff != "" {
			t.Errorf("%s: upstream saw (-want +got):\n%s", cfg.Location, diff)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  apikey.Config
		want string // substring of the error
	}{
		{"empty key", apikey.Config{}, "API key is empty"},
		{"unknown location", apikey.Config{Key: key, Location: "BODY"}, `unknown credential location "BODY"`},
		{"lower-case location", apikey.Config{Key: key, Location: "header"}, "unknown credential location"},
		{"header name with space", apikey.Config{Key: key, ParameterName: "X Api Key"}, "not a valid HTTP header name"},
		{"header name with colon", apikey.Config{Key: key, ParameterName: "X-Key:"}, "not a valid HTTP header name"},
		{"header name non-ascii", apikey.Config{Key: key, ParameterName: "X-Schlüssel"}, "not a valid HTTP header name"},
		{"host header", apikey.Config{Key: key, ParameterName: "host"}, "cannot carry a credential"},
		{"content-length header", apikey.Config{Key: key, ParameterName: "Content-Length"}, "cannot carry a credential"},
		{"key with newline", apikey.Config{Key: key + "\n"}, "API key contains a control character"},
		{"key with CRLF injection", apikey.Config{Key: key + "\r\nX-Evil: 1"}, "control character"},
		{"prefix with newline", apikey.Config{Key: key, Prefix: "Bearer\n"}, "prefix contains a control character"},
		{"query name with control char", apikey.Config{Key: key, Location: "QUERY_PARAMETER", ParameterName: "a\x00b"}, "control character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inj, err := apikey.New(tc.cfg)
			if err == nil {
				t.Fatalf("New accepted %s as %v", tc.name, inj)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), key) {
				t.Errorf("error reveals the key: %q", err)
			}
		})
	}
}

func TestFormattingHidesKey(t *testing.T) {
	cases := []struct {
		cfg  apikey.Config
		want string
	}{
		{apikey.Config{Key: key, ParameterName: "x-api-key"}, "apikey(HEADER x-api-key)"},
		{apikey.Config{Key: key, Prefix: "Bearer"}, "apikey(HEADER Authorization)"},
		{apikey.Config{Key: key, Location: "QUERY_PARAMETER"}, "apikey(QUERY_PARAMETER api_key)"},
	}
	for _, tc := range cases {
		inj := mustNew(t, tc.cfg)
		if got := fmt.Sprint(inj); got != tc.want {
			t.Errorf("Sprint = %q, want %q", got, tc.want)
		}
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("compiled", "cred", inj, "any", []any{inj})
		slog.New(slog.NewTextHandler(&logged, nil)).Info("compiled", "cred", inj)
		js, _ := json.Marshal(inj)
		all := fmt.Sprintf("%v %+v %#v %s %q %x %X %T", inj, inj, inj, inj, inj, inj, inj, inj) +
			fmt.Sprintf("%v %+v %#v", []cred.Injector{inj}, map[string]any{"i": inj}, struct{ I cred.Injector }{inj}) +
			logged.String() + string(js)
		for _, secret := range []string{key, "0123456789abcdef", fmt.Sprintf("%x", key)} {
			if strings.Contains(all, secret) {
				t.Errorf("formatting reveals the key (%q) in: %s", secret, all)
			}
		}
		if !strings.Contains(all, tc.want) {
			t.Errorf("formatting does not describe the injector: %s", all)
		}
	}
}

// Injectors are shared by every tool call of a target.
func TestInjectConcurrent(t *testing.T) {
	inj := mustNew(t, apikey.Config{Key: key, Location: "QUERY_PARAMETER"})
	done := make(chan error)
	for range 16 {
		go func() {
			req := httptest.NewRequest("GET", "https://api.example.com/?x=1", nil)
			err := inj.Inject(context.Background(), req)
			if err == nil && req.URL.RawQuery != "x=1&api_key="+key {
				err = fmt.Errorf("query %q", req.URL.RawQuery)
			}
			done <- err
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
