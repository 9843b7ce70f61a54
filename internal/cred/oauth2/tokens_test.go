package oauth2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/toolgate/toolgate/internal/cred"
)

const secret = "cs-MARKER-0b4d-oauth2-never-leak"

// tokenServer is an RFC 6749 token endpoint that counts requests, checks
// the client's credentials and issues numbered tokens.
type tokenServer struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	forms    []url.Values
	basic    []bool
	delay    time.Duration
	expires  int // expires_in; 0: omitted
	fail     func(w http.ResponseWriter) bool
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{expires: 3600}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.requests.Add(1)
		time.Sleep(ts.delay)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", 400)
			return
		}
		id, sec, basic := r.BasicAuth()
		if basic {
			id, _ = url.QueryUnescape(id)
			sec, _ = url.QueryUnescape(sec)
		} else {
			id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		ts.mu.Lock()
		ts.forms = append(ts.forms, r.PostForm)
		ts.basic = append(ts.basic, basic)
		fail := ts.fail
		ts.mu.Unlock()
		if fail != nil && fail(w) {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if id != "client-1" || sec != secret || r.PostForm.Get("grant_type") != "client_credentials" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
			return
		}
		out := map[string]any{"access_token": fmt.Sprintf("tok-%d-%s", n, r.PostForm.Get("scope")), "token_type": "Bearer"}
		if ts.expires > 0 {
			out["expires_in"] = ts.expires
		}
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) lastForm() url.Values {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.forms[len(ts.forms)-1]
}

func provider(t *testing.T, ts *tokenServer, method string) *Provider {
	t.Helper()
	p, err := NewProvider("corp", Settings{ClientID: "client-1", AuthMethod: method, Metadata: Metadata{TokenEndpoint: ts.URL + "/token"}}, secret)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTokenAuthMethodsScopesAndParameters(t *testing.T) {
	for _, method := range []string{ClientSecretBasic, ClientSecretPost} {
		t.Run(method, func(t *testing.T) {
			ts := newTokenServer(t)
			tokens := New(Options{})
			tok, err := tokens.Token(t.Context(), provider(t, ts, method), []string{"read", "write"}, map[string]string{"audience": "https://api.example"})
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "tok-1-read write" || tok.TokenType != "Bearer" || tok.Expiry.IsZero() {
				t.Errorf("token = %q %q %v", tok.AccessToken, tok.TokenType, tok.Expiry)
			}
			form := ts.lastForm()
			want := url.Values{"grant_type": {"client_credentials"}, "scope": {"read write"}, "audience": {"https://api.example"}}
			if method == ClientSecretPost {
				want["client_id"], want["client_secret"] = []string{"client-1"}, []string{secret}
			}
			if d := cmp.Diff(want, form); d != "" {
				t.Errorf("token request form (-want +got):\n%s", d)
			}
			if ts.basic[0] != (method == ClientSecretBasic) {
				t.Errorf("basic auth used = %v", ts.basic[0])
			}
		})
	}
}

func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	ts := newTokenServer(t)
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	tokens := New(Options{Now: c.Now})
	p := provider(t, ts, ClientSecretBasic)
	get := func(scopes ...string) string {
		t.Helper()
		tok, err := tokens.Token(t.Context(), p, scopes, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	first := get("a")
	if again := get("a"); again != first || ts.requests.Load() != 1 {
		t.Fatalf("second call got %q after %d requests, want the cached %q", again, ts.requests.Load(), first)
	}
	if other := get("b"); other == first || ts.requests.Load() != 2 {
		t.Errorf("other scopes got %q, want their own token", other)
	}
	c.Add(58 * time.Minute) // 3600s token: still valid until a minute before
	if get("a") != first || ts.requests.Load() != 2 {
		t.Errorf("token refreshed %v early", 2*time.Minute)
	}
	c.Add(90 * time.Second)
	if get("a") == first || ts.requests.Load() != 3 {
		t.Errorf("token not refreshed a minute before it expires (requests %d)", ts.requests.Load())
	}

	// A token without expires_in is used for DefaultLifetime.
	ts.expires = 0
	nx := get("c")
	c.Add(DefaultLifetime - maxEarly - time.Second)
	if get("c") != nx {
		t.Error("token without expires_in refreshed too early")
	}
	c.Add(2 * time.Second)
	if get("c") == nx {
		t.Error("token without expires_in never refreshed")
	}

	// An updated provider (another secret, endpoint or client) does not
	// reuse the old provider's tokens.
	ts.expires = 3600
	p2, _ := NewProvider("corp", Settings{ClientID: "client-1", AuthMethod: ClientSecretPost, Metadata: Metadata{TokenEndpoint: ts.URL + "/token"}}, secret)
	before := ts.requests.Load()
	if tok, err := tokens.Token(t.Context(), p2, []string{"a"}, nil); err != nil || tok.AccessToken == get("a") || ts.requests.Load() != before+1 {
		t.Errorf("changed provider reused a token: %v %v", tok, err)
	}
}

// TestColdCacheConcurrency: 1,000 concurrent callers on a cold cache cause
// exactly one token request, and all get its token.
func TestColdCacheConcurrency(t *testing.T) {
	ts := newTokenServer(t)
	ts.delay = 100 * time.Millisecond
	tokens := New(Options{})
	inj := tokens.Injector(provider(t, ts, ClientSecretBasic), []string{"s"}, nil)
	const n = 1000
	var wg sync.WaitGroup
	got := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest("GET", "http://upstream.invalid/", nil)
			errs[i] = inj.Inject(context.Background(), req)
			got[i] = req.Header.Get("Authorization")
		}()
	}
	close(start)
	wg.Wait()
	if r := ts.requests.Load(); r != 1 {
		t.Errorf("%d token requests for %d concurrent callers, want 1", r, n)
	}
	for i := range n {
		if errs[i] != nil || got[i] != "Bearer tok-1-s" {
			t.Fatalf("caller %d: %q, %v", i, got[i], errs[i])
		}
	}
}

// A caller that gives up does not cancel the request the others wait for.
func TestCancelledCallerDoesNotCancelSharedRequest(t *testing.T) {
	ts := newTokenServer(t)
	ts.delay = 200 * time.Millisecond
	tokens := New(Options{})
	p := provider(t, ts, ClientSecretBasic)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := tokens.Token(ctx, p, nil, nil); done <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	tok, err := tokens.Token(context.Background(), p, nil, nil)
	if err != nil || tok.AccessToken != "tok-1-" || ts.requests.Load() != 1 {
		t.Errorf("second caller got %v, %v after %d requests; want the shared request's token", tok, err, ts.requests.Load())
	}
}

func TestRenewDropsRefusedToken(t *testing.T) {
	ts := newTokenServer(t)
	tokens := New(Options{})
	inj := tokens.Injector(provider(t, ts, ClientSecretBasic), nil, nil)
	send := func() *http.Request {
		req, _ := http.NewRequest("GET", "http://upstream.invalid/", nil)
		req.Header.Set("authorization", "Basic agent-supplied")
		if err := inj.Inject(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	first := send()
	if len(first.Header) != 1 || first.Header.Get("Authorization") != "Bearer tok-1-" {
		t.Fatalf("headers = %v", first.Header)
	}
	resp := &http.Response{StatusCode: 401}
	if !cred.ShouldRetry(context.Background(), inj, first, resp) {
		t.Fatal("ShouldRetry = false after a 401")
	}
	if got := send().Header.Get("Authorization"); got != "Bearer tok-2-" {
		t.Errorf("after renew: %q, want a fresh token", got)
	}
	// A second 401 for the old token does not drop the new one.
	cred.ShouldRetry(context.Background(), inj, first, resp)
	if got := send().Header.Get("Authorization"); got != "Bearer tok-2-" || ts.requests.Load() != 2 {
		t.Errorf("stale renew dropped the fresh token: %q", got)
	}
	if cred.ShouldRetry(context.Background(), inj, first, &http.Response{StatusCode: 403}) {
		t.Error("ShouldRetry = true for 403")
	}
}

func TestTokenErrors(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tests := []struct {
		name       string
		fail       func(w http.ResponseWriter) bool
		wrongID    bool
		closed     bool
		wantErr    string
		wantPublic string
	}{
		{"RFC 6749 error", nil, true, false,
			`OAuth2 credential provider "corp": the token endpoint refused the request: invalid_client (Client authentication failed)`,
			`the gateway could not get an access token from OAuth2 credential provider "corp": the token endpoint refused the request (invalid_client)`},
		{"error with the secret echoed", func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":"invalid_scope","error_description":"scope not allowed for secret %s"}`, secret)
			return true
		}, false, false,
			`OAuth2 credential provider "corp": the token endpoint refused the request: invalid_scope (scope not allowed for secret [redacted])`,
			`the gateway could not get an access token from OAuth2 credential provider "corp": the token endpoint refused the request (invalid_scope)`},
		{"HTTP 503 without an RFC 6749 body", func(w http.ResponseWriter) bool {
			http.Error(w, "<html>maintenance "+secret+"</html>", 503)
			return true
		}, false, false,
			`OAuth2 credential provider "corp": the token endpoint answered HTTP 503 Service Unavailable`,
			`the gateway could not get an access token from OAuth2 credential provider "corp": the token endpoint answered HTTP 503`},
		{"no access token", func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"token_type":"Bearer"}`)
			return true
		}, false, false,
			`OAuth2 credential provider "corp": the token endpoint's response could not be used: server response missing access_token`,
			`the gateway could not get an access token from OAuth2 credential provider "corp"`},
		{"not a bearer token", func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"x","token_type":"mac"}`)
			return true
		}, false, false,
			`OAuth2 credential provider "corp": the token endpoint issued a "MAC" token; only Bearer tokens are supported`,
			`the gateway could not get an access token from OAuth2 credential provider "corp"`},
		{"endpoint down", nil, false, true, "", `the gateway could not get an access token from OAuth2 credential provider "corp": the token endpoint could not be reached`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTokenServer(t)
			ts.fail = tc.fail
			settings := Settings{ClientID: "client-1", AuthMethod: ClientSecretPost, Metadata: Metadata{TokenEndpoint: ts.URL + "/token"}}
			if tc.wrongID {
				settings.ClientID = "other"
			}
			if tc.closed {
				ts.Close()
			}
			p, _ := NewProvider("corp", settings, secret)
			inj := New(Options{Logger: log}).Injector(p, []string{"x"}, nil)
			req, _ := http.NewRequest("GET", "http://upstream.invalid/", nil)
			err := inj.Inject(context.Background(), req)
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("error = %v (%T), want *TokenError", err, err)
			}
			if tc.wantErr != "" && err.Error() != tc.wantErr {
				t.Errorf("Error() = %q\nwant      %q", err.Error(), tc.wantErr)
			}
			if tc.closed && !strings.HasPrefix(err.Error(), `OAuth2 credential provider "corp": the token endpoint could not be reached: `) {
				t.Errorf("Error() = %q", err)
			}
			var pe cred.PublicError
			if !errors.As(err, &pe) || pe.Public() != tc.wantPublic {
				t.Errorf("Public() = %q\nwant       %q", pe.Public(), tc.wantPublic)
			}
			if strings.Contains(err.Error(), secret) || req.Header.Get("Authorization") != "" {
				t.Errorf("secret in error or header set after failure: %v %v", err, req.Header)
			}
		})
	}
	if !strings.Contains(logs.String(), "OAuth2 token request failed") {
		t.Errorf("failures were not logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the client secret reached the log:\n%s", logs.String())
	}
}

func TestReservedParametersRefused(t *testing.T) {
	ts := newTokenServer(t)
	_, err := New(Options{}).Token(t.Context(), provider(t, ts, ClientSecretBasic), nil, map[string]string{"Client_Secret": "x"})
	if err == nil || !strings.Contains(err.Error(), `custom parameter "Client_Secret" is set by the client-credentials grant`) || ts.requests.Load() != 0 {
		t.Errorf("reserved parameter: %v after %d requests", err, ts.requests.Load())
	}
}

func TestFormattingHidesSecrets(t *testing.T) {
	ts := newTokenServer(t)
	p := provider(t, ts, ClientSecretBasic)
	tokens := New(Options{})
	tok, err := tokens.Token(t.Context(), p, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	inj := tokens.Injector(p, nil, nil)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "p", p, "tok", tok, "inj", inj)
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s %q %x", p, p, p, p, p, p), fmt.Sprintf("%v %+v %#v", tok, tok, tok),
		fmt.Sprintf("%v %+v %#v", inj, inj, inj), logs.String()} {
		if strings.Contains(s, secret) || strings.Contains(s, tok.AccessToken) {
			t.Errorf("formatted value shows a secret: %s", s)
		}
	}
}

func TestNewProviderRefusesIncompleteSettings(t *testing.T) {
	for _, s := range []Settings{
		{ClientID: "c", AuthMethod: ClientSecretBasic},
		{AuthMethod: ClientSecretBasic, Metadata: Metadata{TokenEndpoint: "https://t"}},
		{ClientID: "c", AuthMethod: "PRIVATE_KEY_JWT", Metadata: Metadata{TokenEndpoint: "https://t"}},
	} {
		if _, err := NewProvider("p", s, secret); err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("NewProvider(%+v) = %v", s, err)
		}
	}
}
