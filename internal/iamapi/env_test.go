package iamapi_test

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iamapi"
	"github.com/toolgate/toolgate/internal/store"
	"github.com/toolgate/toolgate/internal/store/sqlstore"
	"github.com/toolgate/toolgate/internal/vault"
)

const account = "123456789012"

// secretMarker would show up in logs if a handler logged parameters.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// env is an IAM API handler on a real SQLite store, served over HTTP. The
// caller is the root principal unless a request carries X-Test-Caller with
// another principal's id (the control plane's authentication is not part
// of these tests; Classify is tested on its own).
type env struct {
	t      *testing.T
	st     *sqlstore.Store
	keys   *iam.Keyring
	h      *iamapi.Handler
	authz  *iam.Authorizer
	root   store.Principal
	srv    *httptest.Server
	logs   *logBuffer
	writes atomic.Int32
	client *iamsdk.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "toolgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rootKey := make([]byte, 32)
	rand.Read(rootKey)
	v, err := vault.New(vault.KeyFromRoot(rootKey))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, keys: &iam.Keyring{Store: st, Vault: v}, logs: &logBuffer{}}
	e.root, _, _, err = e.keys.CreateRoot(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	e.authz = iam.NewAuthorizer(st)
	e.h = iamapi.New(iamapi.Options{
		Store: st, Keys: e.keys, Authorizer: e.authz, Region: "us-east-1", AccountID: account,
		Logger:     slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AfterWrite: func(context.Context) { e.writes.Add(1); e.authz.Invalidate() },
		Caller:     e.caller,
	})
	mux := http.NewServeMux()
	mux.Handle("/iam/", http.StripPrefix("/iam", e.h))
	mux.Handle("/toolgate/", http.StripPrefix("/toolgate", e.h.Extension()))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.client = e.sdk("")
	return e
}

func (e *env) caller(r *http.Request) (store.Principal, bool) {
	id := r.Header.Get("X-Test-Caller")
	if id == "" {
		return e.root, true
	}
	p, err := e.st.GetPrincipal(r.Context(), id)
	return p, err == nil
}

// sdk returns the AWS SDK's IAM client pointed at the handler, acting as
// the principal callerID ("" = root).
func (e *env) sdk(callerID string) *iamsdk.Client {
	return iamsdk.New(iamsdk.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAEXAMPLEEXAMPLE00", "secret", ""),
		BaseEndpoint:     aws.String(e.srv.URL + "/iam/"),
		HTTPClient:       &http.Client{Transport: callerRT{id: callerID}},
		RetryMaxAttempts: 1,
	})
}

type callerRT struct{ id string }

func (c callerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.id != "" {
		r = r.Clone(r.Context())
		r.Header.Set("X-Test-Caller", c.id)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// query posts a raw Query API request and returns the status and body.
func (e *env) query(form url.Values) (int, string) {
	e.t.Helper()
	resp, err := http.PostForm(e.srv.URL+"/iam/", form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// code returns the IAM error code of an SDK error.
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return "non-API error: " + err.Error()
	}
	return ""
}

// errorResponse decodes IAM's <ErrorResponse>.
type errorResponse struct {
	Error struct {
		Type, Code, Message string
	}
	RequestID string `xml:"RequestId"`
}

func decodeError(t *testing.T, body string) errorResponse {
	t.Helper()
	var er errorResponse
	if err := xml.Unmarshal([]byte(body), &er); err != nil {
		t.Fatalf("not an ErrorResponse: %v\n%s", err, body)
	}
	return er
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
