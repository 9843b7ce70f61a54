package idp_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

func TestMain(m *testing.M) {
	idp.SetKDFIterations(1000)
	os.Exit(m.Run())
}

// clock is the server's clock, moved by the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer captures everything the server logs, at every level.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is a real identity provider: SQLite store, vault, and the handler
// behind an HTTP server on 127.0.0.1.
type env struct {
	t     *testing.T
	st    *sqlstore.Store
	vault *vault.Vault
	clock *clock
	logs  *logBuffer
	srv   *idp.Server
	url   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "toolgate.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	root := make([]byte, 32)
	rand.Read(root)
	v, err := vault.New(vault.KeyFromRoot(root))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, vault: v, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, logs: &logBuffer{}}
	var handler http.Handler
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(hs.Close)
	e.url = hs.URL
	e.srv = idp.New(idp.Options{
		Store: st, Revisions: st, Vault: v, DataURL: hs.URL + "/",
		Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    e.clock.Now,
	})
	handler = e.srv.Handler()
	return e
}

func (e *env) issuer(poolID string) string { return e.url + "/idp/" + poolID }

// createPool creates a pool with its first key and one resource server per
// entry of scopes (identifier -> scope names).
func (e *env) createPool(id string, scopes map[string][]string) {
	e.t.Helper()
	ctx := e.t.Context()
	key, err := idp.NewSigningKey(e.vault, id, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.st.CreateUserPool(ctx, store.UserPool{ID: id, Name: "pool " + id}, key); err != nil {
		e.t.Fatal(err)
	}
	for ident, names := range scopes {
		rs := store.ResourceServer{PoolID: id, Identifier: ident, Name: ident}
		for _, n := range names {
			rs.Scopes = append(rs.Scopes, store.Scope{Name: n, Description: n})
		}
		if _, err := e.st.CreateResourceServer(ctx, rs); err != nil {
			e.t.Fatal(err)
		}
	}
}

// createClient creates a client_credentials client allowed scopes and
// returns its id and secret; edit may change it before it is stored.
func (e *env) createClient(poolID, clientID string, scopes []string, edit func(*store.PoolClient)) string {
	e.t.Helper()
	secret, err := idp.NewClientSecret()
	if err != nil {
		e.t.Fatal(err)
	}
	hash, err := idp.HashSecret(secret)
	if err != nil {
		e.t.Fatal(err)
	}
	c := store.PoolClient{
		PoolID: poolID, ClientID: clientID, ClientName: "client " + clientID, SecretHash: hash,
		AllowedOAuthFlows: []string{"client_credentials"}, AllowedOAuthScopes: scopes, AllowedOAuthFlowsUserPoolClient: true,
	}
	if edit != nil {
		edit(&c)
	}
	if _, err := e.st.CreatePoolClient(e.t.Context(), c); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// response is a decoded HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: body}
}

func (e *env) get(path string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

// post sends a form to path; headers are added as given.
func (e *env) post(path, form string, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, strings.NewReader(form))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(req)
}

// basic is an RFC 6749 §2.3.1 Authorization header value.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// tokenBasic requests a token with client_secret_basic.
func (e *env) tokenBasic(poolID, clientID, secret, form string) response {
	e.t.Helper()
	return e.post("/idp/"+poolID+"/oauth2/token", form, "Authorization", basic(clientID, secret))
}

// accessToken requests a token and fails the test unless one is issued.
func (e *env) accessToken(poolID, clientID, secret string) string {
	e.t.Helper()
	r := e.tokenBasic(poolID, clientID, secret, "grant_type=client_credentials")
	if r.status != http.StatusOK {
		e.t.Fatalf("token request: %d %s", r.status, r.body)
	}
	tok, _ := r.json(e.t)["access_token"].(string)
	if tok == "" {
		e.t.Fatalf("no access_token in %s", r.body)
	}
	return tok
}

// jwks fetches and parses a pool's published key set.
func (e *env) jwks(poolID string) jwk.Set {
	e.t.Helper()
	r := e.get("/idp/" + poolID + "/.well-known/jwks.json")
	if r.status != http.StatusOK {
		e.t.Fatalf("JWKS: %d %s", r.status, r.body)
	}
	set, err := jwk.Parse(r.body)
	if err != nil {
		e.t.Fatalf("parse JWKS: %v\n%s", err, r.body)
	}
	return set
}

// verify checks token against the pool's JWKS as a relying party would.
func (e *env) verify(poolID, token string, opts ...jwt.ParseOption) (jwt.Token, error) {
	opts = append([]jwt.ParseOption{
		jwt.WithKeySet(e.jwks(poolID)), jwt.WithIssuer(e.issuer(poolID)), jwt.WithClock(jwt.ClockFunc(e.clock.Now)),
	}, opts...)
	return jwt.Parse([]byte(token), opts...)
}

// segments decodes a compact JWS's header and claims without verifying.
func segments(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments, want 3", len(parts))
	}
	dec := func(s string) map[string]any {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("segment not base64url: %v", err)
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("segment not JSON: %v", err)
		}
		return m
	}
	return dec(parts[0]), dec(parts[1])
}
