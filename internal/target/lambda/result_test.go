package lambda

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestPayloadResult(t *testing.T) {
	for _, tc := range []struct {
		name, payload string
		want          string // the result as JSON on the wire
	}{
		{"null", `null`, `{"content":[{"type":"text","text":"null"}]}`},
		{"empty", ``, `{"content":[{"type":"text","text":"null"}]}`},
		{"number", `42`, `{"content":[{"type":"text","text":"42"}]}`},
		{"string", `"hello"`, `{"content":[{"type":"text","text":"\"hello\""}]}`},
		{"object", " {\"a\": 1}\n", `{"content":[{"type":"text","text":"{\"a\": 1}"}],"structuredContent":{"a":1}}`},
		{"tool result", `{"content":[{"type":"text","text":"hi"}]}`, `{"content":[{"type":"text","text":"hi"}]}`},
		{"tool error", `{"content":[{"type":"text","text":"bad"}],"isError":true,"structuredContent":{"x":1}}`,
			`{"content":[{"type":"text","text":"bad"}],"structuredContent":{"x":1},"isError":true}`},
		{"content among other data", `{"content":[{"type":"text","text":"x"}],"author":"a"}`,
			`{"content":[{"type":"text","text":"{\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"author\":\"a\"}"}],"structuredContent":{"content":[{"type":"text","text":"x"}],"author":"a"}}`},
		{"content not a list", `{"content":"words"}`, `{"content":[{"type":"text","text":"{\"content\":\"words\"}"}],"structuredContent":{"content":"words"}}`},
		{"unknown content type", `{"content":[{"type":"video"}]}`,
			`{"content":[{"type":"text","text":"{\"content\":[{\"type\":\"video\"}]}"}],"structuredContent":{"content":[{"type":"video"}]}}`},
		{"isError not a bool", `{"content":[],"isError":"yes"}`,
			`{"content":[{"type":"text","text":"{\"content\":[],\"isError\":\"yes\"}"}],"structuredContent":{"content":[],"isError":"yes"}}`},
		{"invalid UTF-8", "\"\xff\"", `{"content":[{"type":"text","text":"\"\ufffd\""}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(payloadResult([]byte(tc.payload)))
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			json.Unmarshal(got, &g)
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Fatalf("result (-want +got):\n%s\ngot %s", diff, got)
			}
		})
	}
	var _ *mcp.CallToolResult = payloadResult(nil)
}
