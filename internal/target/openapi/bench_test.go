package openapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/target"
)

// BenchmarkConvertGitHub converts GitHub's REST description (13 MB JSON,
// 1,223 operations). Most of the time is kin-openapi decoding the document.
func BenchmarkConvertGitHub(b *testing.B) {
	data := githubJSON(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		spec, _, err := Convert(data)
		if err != nil {
			b.Fatal(err)
		}
		if len(spec.Tools()) < 1000 {
			b.Fatal("too few tools")
		}
	}
}

// benchUpstream answers every request with a small JSON object, as a typical
// "get one resource" API call does.
func benchUpstream(b *testing.B) (*httptest.Server, *http.Client) {
	body := []byte(`{"id":"123","name":"widget","tags":["a","b"],"price":9.5,"owner":{"login":"octocat"}}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	b.Cleanup(tr.CloseIdleConnections)
	return srv, &http.Client{Transport: tr}
}

// BenchmarkCallViaTarget and BenchmarkCallDirect make the same request to
// the same upstream; their ratio is the per-call overhead of the target
// (argument decoding, URL building, result shaping).
func BenchmarkCallViaTarget(b *testing.B) {
	srv, client := benchUpstream(b)
	spec, _, err := Convert([]byte(strings.ReplaceAll(callSpec, "{{server}}", srv.URL)))
	if err != nil {
		b.Fatal(err)
	}
	tg := Open(spec, target.Env{HTTPClient: client})
	args := json.RawMessage(`{"id":"item 1","q":"blue widgets","n":20,"X-Request-Mode":"fast"}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := tg.Call(ctx, "getItem", args, target.CallInfo{})
		if err != nil || res.IsError || res.StructuredContent == nil {
			b.Fatalf("Call: %v %v", err, res)
		}
	}
}

func BenchmarkCallDirect(b *testing.B) {
	srv, client := benchUpstream(b)
	url := srv.URL + "/base/items/item%201?q=blue%20widgets&n=20"
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("X-Request-Mode", "fast")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(body) == 0 {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
	}
}
