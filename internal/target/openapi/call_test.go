package openapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/cred"
	"github.com/toolgate/toolgate/internal/target"
)

// callSpec is the API the call tests use; {{server}} is replaced by the test
// upstream's URL.
const callSpec = `
openapi: 3.1.0
info: {title: calls, version: "1"}
servers: [{url: "{{server}}/base/"}]
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getItem
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: n, in: query, schema: {type: integer}}
        - {name: flag, in: query, schema: {type: boolean}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: csv, in: query, explode: false, schema: {type: array, items: {type: integer}}}
        - {name: pipes, in: query, style: pipeDelimited, schema: {type: array, items: {type: string}}}
        - {name: filter, in: query, style: deepObject, schema: {type: object}}
        - {name: X-Request-Mode, in: header, schema: {type: string}}
        - {name: X-Ids, in: header, schema: {type: array, items: {type: integer}}}
        - {name: where, in: query, content: {application/json: {schema: {type: object}}}}
      responses:
        "200": {description: OK, content: {application/json: {schema: {type: object}}}}
    patch:
      operationId: patchItem
      requestBody:
        required: true
        content: {application/merge-patch+json: {schema: {type: object}}}
      responses: {"204": {description: No Content}}
  /items:
    post:
      operationId: createItem
      parameters:
        - {name: body, in: query, schema: {type: string}}
      requestBody:
        required: true
        content: {application/json: {schema: {type: object}}}
      responses: {"201": {description: Created}}
  /form:
    post:
      operationId: postForm
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {name: {type: string}, tags: {type: array, items: {type: string}}}}
      responses: {"200": {description: OK}}
  /search?kind=fast#fragment:
    get:
      operationId: search
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses: {"200": {description: OK}}
  /respond/{what}:
    get:
      operationId: respond
      parameters:
        - {name: what, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: OK}}
    head:
      operationId: headRespond
      parameters:
        - {name: what, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: OK}}
`

// seen is what the upstream received.
type seen struct {
	Method      string
	Path        string // escaped, as on the wire
	Query       string
	Header      http.Header
	Body        string
	ContentType string
}

type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	last *seen
	hits int
}

// newUpstream starts an API on 127.0.0.1 that records each request and
// answers /base/respond/{what} with canned responses, anything else with 200
// {"ok":true}.
func newUpstream(t testing.TB) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.hits++
		u.last = &seen{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body), ContentType: r.Header.Get("Content-Type")}
		u.mu.Unlock()
		what, ok := strings.CutPrefix(r.URL.Path, "/base/respond/")
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
			return
		}
		switch what {
		case "object":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, ` {"id": 7, "name": "x"}`)
		case "array":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `[1,2,3]`)
		case "text":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "plain text")
		case "not-json":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"truncated":`)
		case "binary":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte{0x89, 'P', 'N', 'G', 0xff, 0xfe, 0x00})
		case "204":
			w.WriteHeader(http.StatusNoContent)
		case "empty":
		case "404":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"no such item"}`)
		case "500-long":
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, strings.Repeat("é", 3000)) // 6000 bytes, 2 per rune
		case "large":
			w.Header().Set("Content-Length", "4096") // also in answer to HEAD
			io.WriteString(w, strings.Repeat("x", 4096))
		case "large-chunked":
			w.Write([]byte(strings.Repeat("y", 2048)))
			w.(http.Flusher).Flush()
			w.Write([]byte(strings.Repeat("y", 2048)))
		case "slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) lastRequest(t testing.TB) seen {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.last == nil {
		t.Fatal("the upstream received no request")
	}
	return *u.last
}

func (u *upstream) requests() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits
}

func openCallSpec(t testing.TB, server string, env target.Env) target.Target {
	t.Helper()
	spec, warnings, err := Convert([]byte(strings.ReplaceAll(callSpec, "{{server}}", server)))
	if err != nil {
		t.Fatal(err)
	}
	// createItem has a query parameter named "body" on purpose.
	want := []string{`POST /items: the request body is exposed as argument "requestBody" because "body" is already a parameter`}
	if diff := cmp.Diff(want, warningStrings(warnings)); diff != "" {
		t.Fatalf("warnings (-want +got):\n%s", diff)
	}
	if env.HTTPClient == nil {
		env.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return Open(spec, env)
}

func resultText(t testing.TB, res *mcp.CallToolResult) string {
	t.Helper()
	if len(res.Content) != 1 {
		t.Fatalf("got %d contents, want 1", len(res.Content))
	}
	tc, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("content is %T, want *mcp.TextContent", res.Content[0])
	}
	return tc.Text
}

func TestCallRequestPlacement(t *testing.T) {
	up := newUpstream(t)
	tg := openCallSpec(t, up.URL, target.Env{})
	tests := []struct {
		name, tool, args string
		want             seen // Header holds only the headers checked
	}{
		{
			name: "path segment escaping",
			tool: "getItem",
			args: `{"id": "a/b c?d#e%f"}`,
			want: seen{Method: "GET", Path: "/base/items/a%2Fb%20c%3Fd%23e%25f"},
		},
		{
			name: "dot segments cannot climb",
			tool: "getItem",
			args: `{"id": ".."}`,
			want: seen{Method: "GET", Path: "/base/items/%2E%2E"},
		},
		{
			name: "unicode path",
			tool: "getItem",
			args: `{"id": "café"}`,
			want: seen{Method: "GET", Path: "/base/items/caf%C3%A9"},
		},
		{
			name: "number for a string path parameter",
			tool: "getItem",
			args: `{"id": 42}`,
			want: seen{Method: "GET", Path: "/base/items/42"},
		},
		{
			name: "query scalars are not JSON-quoted",
			tool: "getItem",
			args: `{"id": "1", "q": "hello world & more=yes", "n": 5, "flag": true}`,
			want: seen{Method: "GET", Path: "/base/items/1", Query: "q=hello%20world%20%26%20more%3Dyes&n=5&flag=true"},
		},
		{
			name: "query arrays: repeated, comma, pipe; deepObject; JSON content",
			tool: "getItem",
			args: `{"id": "1", "tags": ["a b", "c"], "csv": [1, 2], "pipes": ["x", "y"], "filter": {"status": "open", "age": 3}, "where": {"k": "v"}}`,
			want: seen{Method: "GET", Path: "/base/items/1", Query: "tags=a%20b&tags=c&csv=1,2&pipes=x|y&filter%5Bage%5D=3&filter%5Bstatus%5D=open&where=%7B%22k%22%3A%22v%22%7D"},
		},
		{
			name: "a single value where an array is expected",
			tool: "getItem",
			args: `{"id": "1", "tags": "solo"}`,
			want: seen{Method: "GET", Path: "/base/items/1", Query: "tags=solo"},
		},
		{
			name: "null and absent optional arguments are left out; unknown ones ignored",
			tool: "getItem",
			args: `{"id": "1", "q": null, "nope": 1}`,
			want: seen{Method: "GET", Path: "/base/items/1"},
		},
		{
			name: "headers",
			tool: "getItem",
			args: `{"id": "1", "X-Request-Mode": "fast", "X-Ids": [1, 2]}`,
			want: seen{Method: "GET", Path: "/base/items/1", Header: http.Header{"X-Request-Mode": {"fast"}, "X-Ids": {"1,2"}, "Accept": {"application/json"}}},
		},
		{
			name: "JSON body is sent as given",
			tool: "createItem",
			args: `{"body": "query value", "requestBody": {"name": "n", "nested": {"a": [1, 2.5e3]}}}`,
			want: seen{Method: "POST", Path: "/base/items", Query: "body=query%20value", Body: `{"name": "n", "nested": {"a": [1, 2.5e3]}}`, ContentType: "application/json"},
		},
		{
			name: "+json body keeps its media type",
			tool: "patchItem",
			args: `{"id": "9", "body": {"name": null}}`,
			want: seen{Method: "PATCH", Path: "/base/items/9", Body: `{"name": null}`, ContentType: "application/merge-patch+json"},
		},
		{
			name: "form body",
			tool: "postForm",
			args: `{"body": {"name": "a b&c", "tags": ["x", "y"], "n": 3}}`,
			want: seen{Method: "POST", Path: "/base/form", Body: "n=3&name=a+b%26c&tags=x&tags=y", ContentType: "application/x-www-form-urlencoded"},
		},
		{
			name: "optional body absent",
			tool: "postForm",
			args: `{}`,
			want: seen{Method: "POST", Path: "/base/form"},
		},
		{
			name: "a query in the path template comes first",
			tool: "search",
			args: `{"q": "x y"}`,
			want: seen{Method: "GET", Path: "/base/search", Query: "kind=fast&q=x%20y"},
		},
		{
			name: "no arguments at all",
			tool: "postForm",
			args: ``,
			want: seen{Method: "POST", Path: "/base/form"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tg.Call(context.Background(), tt.tool, json.RawMessage(tt.args), target.CallInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError {
				t.Fatalf("IsError: %s", resultText(t, res))
			}
			got := up.lastRequest(t)
			wantHeader := tt.want.Header
			gotHeader := http.Header{}
			for k := range wantHeader {
				gotHeader[k] = got.Header[k]
			}
			got.Header, tt.want.Header = gotHeader, wantHeader
			if tt.want.Header == nil {
				got.Header, tt.want.Header = nil, nil
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("upstream request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCallArgumentErrors(t *testing.T) {
	up := newUpstream(t)
	tg := openCallSpec(t, up.URL, target.Env{})
	tests := []struct {
		name, tool, args, want string
	}{
		{"missing path argument", "getItem", `{"q": "x"}`, `tool getItem: missing required argument "id"`},
		{"null counts as missing", "getItem", `{"id": null}`, `missing required argument "id"`},
		{"all missing named at once", "patchItem", `{}`, `missing required arguments "id", "body"`},
		{"object for a path string", "getItem", `{"id": {"a": 1}}`, `argument "id" must be a string, number or boolean, not an object`},
		{"array for a path string", "getItem", `{"id": [1]}`, `argument "id" must be a string, number or boolean, not an array`},
		{"object for a query array", "getItem", `{"id": "1", "tags": {"a": 1}}`, `argument "tags" must be an array (or a single value), not an object`},
		{"scalar for a deepObject", "getItem", `{"id": "1", "filter": "x"}`, `argument "filter" must be an object, not a single value`},
		{"empty path segment", "getItem", `{"id": ""}`, `argument "id" must not be empty`},
		{"header injection", "getItem", `{"id": "1", "X-Request-Mode": "a\r\nX-Evil: 1"}`, `argument "X-Request-Mode" contains characters that are not allowed`},
		{"arguments not an object", "getItem", `[1, 2]`, `the arguments must be a JSON object`},
		{"form body not an object", "postForm", `{"body": [1]}`, `argument "body" must be an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := up.requests()
			res, err := tg.Call(context.Background(), tt.tool, json.RawMessage(tt.args), target.CallInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.IsError {
				t.Fatalf("IsError is false, text %q", resultText(t, res))
			}
			if got := resultText(t, res); !strings.Contains(got, tt.want) {
				t.Errorf("text %q does not contain %q", got, tt.want)
			}
			if up.requests() != before {
				t.Error("the upstream was called although the arguments are bad")
			}
		})
	}
	if _, err := tg.Call(context.Background(), "noSuchTool", nil, target.CallInfo{}); err == nil {
		t.Error("an unknown tool is not an error")
	}
}

func TestCallResults(t *testing.T) {
	up := newUpstream(t)
	tg := openCallSpec(t, up.URL, target.Env{})
	tg.(*openTarget).maxBody = 3000
	tests := []struct {
		what       string
		head       bool
		isError    bool
		text       string // exact, unless prefix is set
		prefix     bool
		structured string // JSON of StructuredContent, "" for none
	}{
		{what: "object", text: ` {"id": 7, "name": "x"}`, structured: `{"id":7,"name":"x"}`},
		{what: "array", text: `[1,2,3]`},
		{what: "text", text: `plain text`},
		{what: "not-json", text: `{"truncated":`},
		{what: "binary", text: `HTTP 200 OK: binary response of 7 bytes (Content-Type: image/png), not shown`},
		{what: "204", text: `HTTP 204 No Content`},
		{what: "empty", text: `HTTP 200 OK`},
		{what: "object", head: true, text: `HTTP 200 OK`},
		{what: "large", head: true, text: `HTTP 200 OK`}, // announces 4096 bytes, over the limit, sends none
		{what: "404", isError: true, text: `HTTP 404 Not Found: {"message":"no such item"}`},
		{what: "large", isError: true, text: `tool respond: the upstream response is larger than the 3000 bytes limit`},
		{what: "large-chunked", isError: true, text: `tool respond: the upstream response is larger than the 3000 bytes limit`},
	}
	for _, tt := range tests {
		name := tt.what
		tool := "respond"
		if tt.head {
			name, tool = "HEAD "+name, "headRespond"
		}
		t.Run(name, func(t *testing.T) {
			res, err := tg.Call(context.Background(), tool, json.RawMessage(`{"what":"`+tt.what+`"}`), target.CallInfo{})
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError != tt.isError {
				t.Errorf("IsError = %t, want %t", res.IsError, tt.isError)
			}
			if got := resultText(t, res); got != tt.text {
				t.Errorf("text %q, want %q", got, tt.text)
			}
			var structured string
			if res.StructuredContent != nil {
				b, err := json.Marshal(res.StructuredContent)
				if err != nil {
					t.Fatal(err)
				}
				structured = string(b)
			}
			if structured != tt.structured {
				t.Errorf("structured content %s, want %s", structured, tt.structured)
			}
			// The result must survive the trip to an MCP client.
			if _, err := json.Marshal(res); err != nil {
				t.Errorf("result does not marshal: %v", err)
			}
		})
	}

	t.Run("500 with a long body is bounded", func(t *testing.T) {
		res, err := tg.Call(context.Background(), "respond", json.RawMessage(`{"what":"500-long"}`), target.CallInfo{})
		if err != nil {
			t.Fatal(err)
		}
		text := resultText(t, res)
		const prefix = "HTTP 500 Internal Server Error: "
		if !res.IsError || !strings.HasPrefix(text, prefix) || !strings.HasSuffix(text, "…") {
			t.Fatalf("IsError %t, text %.80q…", res.IsError, text)
		}
		body := strings.TrimSuffix(strings.TrimPrefix(text, prefix), "…")
		if len(body) > maxExcerpt || len(body) < maxExcerpt-4 || !utf8.ValidString(body) || strings.Trim(body, "é") != "" {
			t.Errorf("excerpt is %d bytes (valid UTF-8 %t), want at most %d whole runes", len(body), utf8.ValidString(body), maxExcerpt)
		}
	})
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"  padded \n", 10, "padded"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"},                  // é is 2 bytes: do not split it
		{"日本語", 4, "日…"},                 // 3-byte runes
		{"\xff\xfe ok", 10, "\uFFFD ok"}, // one replacement per invalid run
	}
	for _, tt := range tests {
		if got := excerpt([]byte(tt.in), tt.max); got != tt.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// apiKey is a test injector in the way of the apikey provider: a header and
// a query parameter.
const apiKey = "s3cr3t-api-key-value"

var injectAPIKey = cred.InjectorFunc(func(ctx context.Context, req *http.Request) error {
	req.Header.Set("X-Api-Key", apiKey)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	q := req.URL.Query()
	q.Set("api_key", apiKey)
	req.URL.RawQuery = q.Encode()
	return nil
})

func TestCallInjectsCredentials(t *testing.T) {
	up := newUpstream(t)
	tg := openCallSpec(t, up.URL, target.Env{Credentials: injectAPIKey})
	res, err := tg.Call(context.Background(), "getItem", json.RawMessage(`{"id":"1","q":"x"}`), target.CallInfo{})
	if err != nil || res.IsError {
		t.Fatalf("Call: %v %v", err, res)
	}
	got := up.lastRequest(t)
	if got.Header.Get("X-Api-Key") != apiKey || got.Header.Get("Authorization") != "Bearer "+apiKey {
		t.Errorf("credential headers not received: %v", got.Header)
	}
	if got.Query != "api_key="+apiKey+"&q=x" {
		t.Errorf("query %q, want the argument and the key", got.Query)
	}
}

// closedAddr returns a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestCallTransportFailures(t *testing.T) {
	up := newUpstream(t)
	refused := closedAddr(t)
	tests := []struct {
		name   string
		server string
		client *http.Client
		creds  cred.Injector
		debug  bool
		want   string // the whole text without debug, the start of it with
		detail string // in the debug text
	}{
		{
			name: "connection refused", server: refused, creds: injectAPIKey,
			want: "tool getItem: the upstream API could not be reached",
		},
		{
			name: "connection refused, debug", server: refused, creds: injectAPIKey, debug: true,
			want: "tool getItem: the upstream API could not be reached: ", detail: "connection refused",
		},
		{
			name: "timeout", server: up.URL, client: &http.Client{Timeout: 100 * time.Millisecond},
			want: "tool getItem: the upstream API did not answer in time",
		},
		{
			name: "timeout, debug", server: up.URL, client: &http.Client{Timeout: 100 * time.Millisecond}, creds: injectAPIKey,
			debug: true, want: "tool getItem: the upstream API did not answer in time: ", detail: "Client.Timeout exceeded",
		},
		{
			name: "injector fails", server: up.URL,
			creds: cred.InjectorFunc(func(ctx context.Context, req *http.Request) error {
				req.Header.Set("X-Api-Key", apiKey) // partly applied, then failed
				return errors.New("token endpoint said 503")
			}),
			want: "tool getItem: the outbound credentials could not be applied",
		},
		{
			name: "injector fails, debug", server: up.URL, debug: true,
			creds: cred.InjectorFunc(func(ctx context.Context, req *http.Request) error {
				req.Header.Set("X-Api-Key", apiKey)
				return fmt.Errorf("token endpoint said 503 (key %s)", apiKey)
			}),
			want: "tool getItem: the outbound credentials could not be applied: ", detail: "token endpoint said 503",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := target.Env{HTTPClient: tt.client, Credentials: tt.creds}
			args := `{"id":"1","q":"x"}`
			tg := openCallSpec(t, tt.server, env)
			if tt.client != nil { // the timeout cases: a path the upstream holds
				args = `{"id":"slow","q":"x"}`
				tg = openSlow(t, tt.server, env)
			}
			res, err := tg.Call(context.Background(), "getItem", json.RawMessage(args), target.CallInfo{Debug: tt.debug})
			if err != nil {
				t.Fatal(err)
			}
			text := resultText(t, res)
			if !res.IsError {
				t.Fatalf("IsError false, text %q", text)
			}
			if !tt.debug {
				if text != tt.want {
					t.Errorf("text %q, want %q", text, tt.want)
				}
				if res.Meta != nil {
					t.Errorf("_meta %v without debug", res.Meta)
				}
				return
			}
			if !strings.HasPrefix(text, tt.want) || !strings.Contains(text, tt.detail) {
				t.Errorf("text %q, want %q… containing %q", text, tt.want, tt.detail)
			}
			meta, _ := json.Marshal(res.Meta)
			if !strings.Contains(string(meta), `"debug":{"text":`) || !strings.Contains(string(meta), `"type":"text"`) {
				t.Errorf("_meta %s has no debug text", meta)
			}
			for _, s := range []string{text, string(meta)} {
				if strings.Contains(s, apiKey) {
					t.Errorf("the credential leaked: %s", s)
				}
			}
		})
	}
}

// openSlow opens a spec whose getItem stalls upstream (/base/respond/slow).
func openSlow(t *testing.T, server string, env target.Env) target.Target {
	t.Helper()
	spec, _, err := Convert([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},
		"servers":[{"url":"` + server + `/base/respond"}],
		"paths":{"/{id}":{"get":{"operationId":"getItem","parameters":[
			{"name":"id","in":"path","required":true,"schema":{"type":"string"}},
			{"name":"q","in":"query","schema":{"type":"string"}}],
			"responses":{"200":{"description":"OK"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return Open(spec, env)
}

func TestCallCancelled(t *testing.T) {
	up := newUpstream(t)
	tg := openSlow(t, up.URL, target.Env{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	res, err := tg.Call(ctx, "getItem", json.RawMessage(`{"id":"slow"}`), target.CallInfo{})
	if err != nil {
		t.Fatal(err)
	}
	if text := resultText(t, res); !res.IsError || text != "tool getItem: the call was cancelled" {
		t.Errorf("IsError %t, text %q", res.IsError, text)
	}
}

func TestDescribeRedactsURL(t *testing.T) {
	err := &url.Error{Op: "Get", URL: "https://user:pw@api.example.com/x?api_key=" + apiKey + "#f", Err: errors.New("dial tcp: refused")}
	got := describe(err)
	if want := "Get https://api.example.com/x: dial tcp: refused"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
}

func TestCallConcurrent(t *testing.T) {
	up := newUpstream(t)
	tg := openCallSpec(t, up.URL, target.Env{Credentials: injectAPIKey})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				res, err := tg.Call(context.Background(), "respond", json.RawMessage(fmt.Sprintf(`{"what":"object","i":%d,"j":%d}`, i, j)), target.CallInfo{})
				if err != nil || res.IsError {
					t.Errorf("Call: %v %v", err, res)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := up.requests(); n != 160 {
		t.Errorf("upstream got %d requests, want 160", n)
	}
}
