package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const (
	// maxExcerpt bounds the part of an error response's body that is shown.
	maxExcerpt = 2 << 10
	// drainLimit is how much of the rest of an error response is read and
	// discarded so that its connection goes back to the pool.
	drainLimit = 64 << 10
)

var errTooLarge = errors.New("response too large")

// result turns an upstream response into a tool result. secrets is called
// only when a failure's detail is about to be shown.
func (t *openTarget) result(tool string, resp *http.Response, debug bool, secrets func() []string) *mcp.CallToolResult {
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		status := statusLine(resp.StatusCode)
		// Only the excerpt is shown, so only the excerpt is read (one byte
		// more, to know whether it was cut); a little more is drained so the
		// connection can be reused.
		head, _ := io.ReadAll(io.LimitReader(resp.Body, maxExcerpt+1))
		_, _ = io.CopyN(io.Discard, resp.Body, drainLimit)
		if ex := excerpt(head, maxExcerpt); ex != "" {
			status += ": " + ex
		}
		return errorResult(status)
	}
	var body []byte
	var err error
	if resp.Request == nil || resp.Request.Method != http.MethodHead {
		// (A HEAD response has no body but may announce a large length.)
		body, err = readBody(resp, t.maxBody)
	}
	if errors.Is(err, errTooLarge) {
		return errorResult(fmt.Sprintf("tool %s: the upstream response is larger than the %s limit", tool, byteSize(t.maxBody)))
	}
	if err != nil {
		return transportFailure(tool, err, debug, secrets())
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return textResult(statusLine(resp.StatusCode))
	}
	if !utf8.Valid(body) {
		ct := resp.Header.Get("Content-Type")
		if ct == "" {
			ct = "unknown"
		}
		return textResult(fmt.Sprintf("%s: binary response of %d bytes (Content-Type: %s), not shown", statusLine(resp.StatusCode), len(body), ct))
	}
	res := textResult(string(body))
	if isJSONObject(body) {
		// The raw bytes, not a decoded map: the result is marshalled once
		// more on its way to the client, and decoding a large object into
		// maps only to encode it again is most of the cost of a call.
		res.StructuredContent = json.RawMessage(body)
	}
	return res
}

// readBody reads at most limit bytes of the body; errTooLarge when there is
// more.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, errTooLarge
	}
	size := int64(512)
	if resp.ContentLength >= 0 {
		size = resp.ContentLength + 1 // +1: reaching EOF does not grow the buffer
	}
	b := make([]byte, 0, size)
	r := io.LimitReader(resp.Body, limit+1)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

func statusLine(code int) string {
	s := "HTTP " + strconv.Itoa(code)
	if text := http.StatusText(code); text != "" {
		s += " " + text
	}
	return s
}

// excerpt returns at most max bytes of b as text, cut on a UTF-8 boundary
// and marked with "…" when cut.
func excerpt(b []byte, max int) string {
	b = bytes.TrimSpace(b)
	if len(b) <= max {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(b[:cut]), "\uFFFD") + "…"
}

func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func textResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

func errorResult(text string) *mcp.CallToolResult {
	res := textResult(text)
	res.IsError = true
	return res
}

// transportFailure reports a request that got no HTTP response.
func transportFailure(tool string, err error, debug bool, secrets []string) *mcp.CallToolResult {
	msg := fmt.Sprintf("tool %s: the upstream API could not be reached", tool)
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		msg = fmt.Sprintf("tool %s: the call was cancelled", tool)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		msg = fmt.Sprintf("tool %s: the upstream API did not answer in time", tool)
	}
	return failure(msg, debug, describe(err), secrets)
}

// failure is an error result with a generic message; with debug (the
// gateway's exceptionLevel DEBUG) the detail is added to the text and, as
// AgentCore does, to _meta.debug. Credential values are scrubbed from the
// detail.
func failure(msg string, debug bool, detail string, secrets []string) *mcp.CallToolResult {
	if !debug || detail == "" {
		return errorResult(msg)
	}
	detail = scrub(detail, secrets)
	res := errorResult(msg + ": " + detail)
	res.Meta = mcp.Meta{"debug": map[string]any{"type": "text", "text": detail}}
	return res
}

// describe renders a transport error without the request URL's query, where
// an API key may have been injected: a *url.Error prints the whole URL.
func describe(err error) string {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err.Error()
	}
	u := ue.URL
	if p, perr := url.Parse(u); perr == nil {
		p.RawQuery, p.ForceQuery, p.User, p.Fragment = "", false, nil, ""
		u = p.String()
	} else if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return fmt.Sprintf("%s %s: %v", ue.Op, u, ue.Err)
}

func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 4 { // shorter values are not secrets and would maul the text
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}
