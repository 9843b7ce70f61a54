package openapi

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// jsonw appends JSON to a byte slice with keys in the order they are written.
// Tool schemas are emitted with it rather than built as maps and marshalled:
// the order stays meaningful (type, description, properties in parameter
// order), the output is deterministic for golden tests, and a large spec does
// not allocate a map per schema node.
//
// Commas are inserted automatically: a key or an array element written after
// anything but an opening bracket is preceded by one.
type jsonw struct {
	b []byte
}

func (w *jsonw) sep() {
	if n := len(w.b); n > 0 {
		if c := w.b[n-1]; c != '{' && c != '[' && c != ':' {
			w.b = append(w.b, ',')
		}
	}
}

func (w *jsonw) open()  { w.sep(); w.b = append(w.b, '{') }
func (w *jsonw) close() { w.b = append(w.b, '}') }

func (w *jsonw) openArray()  { w.sep(); w.b = append(w.b, '[') }
func (w *jsonw) closeArray() { w.b = append(w.b, ']') }

// key writes "k": ; the value written next needs no separator.
func (w *jsonw) key(k string) {
	w.sep()
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *jsonw) str(s string) { w.sep(); w.b = appendString(w.b, s) }

func (w *jsonw) boolean(v bool) { w.sep(); w.b = strconv.AppendBool(w.b, v) }

func (w *jsonw) uint(v uint64) { w.sep(); w.b = strconv.AppendUint(w.b, v, 10) }

func (w *jsonw) float(f float64) {
	w.sep()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.b = append(w.b, "null"...)
		return
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		w.b = strconv.AppendFloat(w.b, f, 'f', -1, 64)
		return
	}
	w.b = strconv.AppendFloat(w.b, f, 'g', -1, 64)
}

func (w *jsonw) raw(s string) { w.sep(); w.b = append(w.b, s...) }

// value writes an arbitrary decoded JSON value (an enum member, a default, an
// example). Maps come out with sorted keys, as encoding/json writes them.
func (w *jsonw) value(v any) {
	w.sep()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, bytes.TrimRight(buf.Bytes(), "\n")...)
}

// appendString appends s as a JSON string. Unlike encoding/json it does not
// escape <, > and &, so descriptions stay readable in golden files and on
// the wire.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
