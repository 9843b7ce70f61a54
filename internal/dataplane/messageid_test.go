package dataplane

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWithMessageID(t *testing.T) {
	big := `"` + strings.Repeat("x", maxIDScan) + `"`
	for _, tc := range []struct {
		name, method, body, spoof string
		want                      string
	}{
		{"number id first", "POST", `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"t","arguments":{}}}`, "", "7"},
		{"string id", "POST", `{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{}}`, "", "call-7"},
		{"id after params", "POST", `{"method":"tools/call","params":{"name":"t","arguments":{"a":[1,{"b":"}"}]}},"jsonrpc":"2.0","id":12}`, "", "12"},
		{"big number kept exactly", "POST", `{"id":12345678901234567890,"method":"tools/call"}`, "", "12345678901234567890"},
		{"other method", "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, "", ""},
		{"notification", "POST", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, "", ""},
		{"batch", "POST", `[{"jsonrpc":"2.0","id":1,"method":"tools/call"}]`, "", ""},
		{"not JSON", "POST", `id=1`, "", ""},
		{"control character", "POST", `{"id":"a\nb","method":"tools/call"}`, "", ""},
		{"id beyond the scan limit", "POST", `{"method":"tools/call","params":{"arguments":{"s":` + big + `}},"id":3}`, "", ""},
		{"spoofed header removed", "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, "999", ""},
		{"spoofed header replaced", "POST", `{"jsonrpc":"2.0","id":2,"method":"tools/call"}`, "999", "2"},
		{"GET stream", "GET", ``, "999", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(tc.method, "http://gw/mcp", strings.NewReader(tc.body))
			if tc.body == "" {
				r.Body = http.NoBody
			}
			if tc.spoof != "" {
				r.Header.Set(messageIDHeader, tc.spoof)
			}
			r2 := withMessageID(r)
			got := struct{ ID, Body string }{ID: r2.Header.Get(messageIDHeader)}
			b, err := io.ReadAll(r2.Body)
			if err != nil {
				t.Fatal(err)
			}
			got.Body = string(b)
			if diff := cmp.Diff(struct{ ID, Body string }{tc.want, tc.body}, got); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}
