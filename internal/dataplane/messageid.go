package dataplane

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// messageIDHeader carries the JSON-RPC id of a POSTed tools/call from the
// HTTP layer to the tool handler, which go-sdk shows the request's headers
// (req.Extra.Header) but not its id. Lambda targets pass the id to the
// function (bedrockAgentCoreMcpMessageId, agentcore-api.md §11.5). A value a
// client sends under this name is removed.
const messageIDHeader = "X-Toolgate-Mcp-Message-Id"

// maxIDScan bounds how much of a body is read to find the id. Clients
// usually write "id" before "params"; one that writes it after arguments
// larger than this gets no id, never a slower call.
const maxIDScan = 64 << 10

// withMessageID sets messageIDHeader on r (which the handler owns, as the
// audit stamps are) to the id of the tools/call request its body holds, and
// returns r with its body intact.
func withMessageID(r *http.Request) *http.Request {
	r.Header.Del(messageIDHeader)
	if r.Method != http.MethodPost || r.Body == nil || r.Body == http.NoBody {
		return r
	}
	var seen bytes.Buffer
	id := scanToolCallID(io.TeeReader(io.LimitReader(r.Body, maxIDScan), &seen))
	if id != "" {
		r.Header.Set(messageIDHeader, id)
	}
	r2 := *r
	r2.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(&seen, r.Body), r.Body}
	return &r2
}

// scanToolCallID reads the top-level members of a JSON-RPC request until it
// knows the id of a tools/call: a number as written, a string's value. It
// stops early for other methods and gives up ("") on anything else.
func scanToolCallID(r io.Reader) string {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "" // a batch, or not JSON: go-sdk answers it
	}
	var id string
	method := ""
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return ""
		}
		switch k {
		case "id":
			v, err := dec.Token()
			if err != nil {
				return ""
			}
			switch v := v.(type) {
			case json.Number:
				id = v.String()
			case string:
				if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
					return "" // cannot travel in a header
				}
				id = v
			default:
				return ""
			}
		case "method":
			v, err := dec.Token()
			if err != nil {
				return ""
			}
			if method, _ = v.(string); method != "tools/call" {
				return ""
			}
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return ""
			}
		}
		if id != "" && method != "" {
			return id
		}
	}
	if method == "tools/call" {
		return id
	}
	return ""
}

// messageID is the JSON-RPC id withMessageID found for req, "" when unknown.
func messageID(req *mcp.CallToolRequest) string {
	if req == nil || req.Extra == nil {
		return ""
	}
	return req.Extra.Header.Get(messageIDHeader)
}
