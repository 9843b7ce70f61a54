package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Serialisation of arguments into the URL and headers, following the
// OpenAPI parameter styles toolgate supports (simple for path and header;
// form, spaceDelimited, pipeDelimited and deepObject for query). Strings are
// written as their text, never JSON-quoted; numbers and booleans as their
// JSON text.

func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// scalar returns the text of a JSON string, number or boolean; ok is false
// for an object or an array.
func scalar(raw json.RawMessage) (s string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", true
	}
	switch raw[0] {
	case '{', '[':
		return "", false
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			return string(raw[1 : len(raw)-1]), true
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return string(raw), true
		}
		return s, true
	}
	return string(raw), true
}

// element returns the text of an array element or object member: a scalar's
// text, or the compact JSON of a nested value (which no style can express).
func element(raw json.RawMessage) string {
	if s, ok := scalar(raw); ok {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func kindName(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 {
		switch raw[0] {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
	}
	return "a single value"
}

// wrongType reports a value whose JSON type the parameter cannot carry.
func wrongType(p *param, raw json.RawMessage) error {
	want := "a string, number or boolean"
	switch p.shape {
	case shapeArray:
		want = "an array (or a single value)"
	case shapeObject:
		want = "an object"
	}
	return fmt.Errorf("argument %q must be %s, not %s", p.arg, want, kindName(raw))
}

// decoded is an argument value split by JSON type.
type decoded struct {
	scalar  string
	isList  bool
	list    []string
	isMap   bool
	keys    []string // sorted
	members map[string]string
}

// decodeParam checks raw against the parameter's schema type and splits it.
// A single value where an array is expected is taken as a one-element array.
func decodeParam(p *param, raw json.RawMessage) (decoded, error) {
	if p.asJSON { // content: application/json: the JSON text itself
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return decoded{}, fmt.Errorf("argument %q is not valid JSON", p.arg)
		}
		return decoded{scalar: b.String()}, nil
	}
	if s, ok := scalar(raw); ok {
		if p.shape == shapeObject {
			return decoded{}, wrongType(p, raw)
		}
		return decoded{scalar: s}, nil
	}
	trimmed := bytes.TrimSpace(raw)
	if trimmed[0] == '[' {
		if p.shape == shapeScalar || p.shape == shapeObject {
			return decoded{}, wrongType(p, raw)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(trimmed, &items); err != nil {
			return decoded{}, fmt.Errorf("argument %q is not valid JSON", p.arg)
		}
		d := decoded{isList: true, list: make([]string, len(items))}
		for i, it := range items {
			d.list[i] = element(it)
		}
		return d, nil
	}
	if p.shape == shapeScalar || p.shape == shapeArray {
		return decoded{}, wrongType(p, raw)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return decoded{}, fmt.Errorf("argument %q is not valid JSON", p.arg)
	}
	d := decoded{isMap: true, members: make(map[string]string, len(m))}
	for k, v := range m {
		d.keys = append(d.keys, k)
		d.members[k] = element(v)
	}
	sort.Strings(d.keys)
	return d, nil
}

// writePath writes a path parameter as one path segment (style simple):
// "/" and every other reserved character are percent-escaped, and so are the
// dot segments "." and "..", so a value cannot change which resource the
// path names.
func writePath(b *strings.Builder, p *param, raw json.RawMessage) error {
	d, err := decodeParam(p, raw)
	if err != nil {
		return err
	}
	if !d.isList && !d.isMap { // the common case, written without copies
		switch d.scalar {
		case "":
			return fmt.Errorf("argument %q must not be empty: it is part of the URL path", p.arg)
		case ".", "..":
			b.WriteString(pathEscape(d.scalar))
		default:
			writeEscaped(b, d.scalar, &pathKeep)
		}
		return nil
	}
	s := simple(d, p.explode, pathEscape)
	if s == "" {
		return fmt.Errorf("argument %q must not be empty: it is part of the URL path", p.arg)
	}
	b.WriteString(s)
	return nil
}

func pathEscape(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return escape(s, &pathKeep)
}

// pathKeep and queryKeep are the bytes written as they are, every other one
// is percent-encoded: pathKeep as url.PathEscape does, queryKeep as
// url.QueryEscape does except that a space becomes %20, not "+" (which
// servers that follow RFC 3986 rather than HTML forms read literally).
var pathKeep, queryKeep [256]bool

func init() {
	for c := 0; c < 256; c++ {
		unreserved := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
		queryKeep[c] = unreserved
		pathKeep[c] = unreserved || strings.IndexByte("$&+:=@", byte(c)) >= 0
	}
}

func writeEscaped(b *strings.Builder, s string, keep *[256]bool) {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep[c] {
			continue
		}
		b.WriteString(s[start:i])
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
		start = i + 1
	}
	b.WriteString(s[start:])
}

func escape(s string, keep *[256]bool) string {
	for i := 0; i < len(s); i++ {
		if !keep[s[i]] {
			var b strings.Builder
			b.Grow(len(s) + 8)
			writeEscaped(&b, s, keep)
			return b.String()
		}
	}
	return s
}

// simple joins a value in style simple: a,b,c for arrays; k,v,k,v for
// objects (k=v,k=v exploded).
func simple(d decoded, explode bool, esc func(string) string) string {
	switch {
	case d.isList:
		parts := make([]string, len(d.list))
		for i, v := range d.list {
			parts[i] = esc(v)
		}
		return strings.Join(parts, ",")
	case d.isMap:
		parts := make([]string, 0, 2*len(d.keys))
		for _, k := range d.keys {
			if explode {
				parts = append(parts, esc(k)+"="+esc(d.members[k]))
			} else {
				parts = append(parts, esc(k), esc(d.members[k]))
			}
		}
		return strings.Join(parts, ",")
	}
	return esc(d.scalar)
}

// writeQuery appends one query parameter.
func writeQuery(b *strings.Builder, p *param, raw json.RawMessage, first *bool) error {
	d, err := decodeParam(p, raw)
	if err != nil {
		return err
	}
	add := func(name, value string) {
		if *first {
			b.WriteByte('?')
			*first = false
		} else {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(value)
	}
	name := p.qname
	switch {
	case d.isList:
		switch {
		case p.style == "form" && p.explode:
			for _, v := range d.list {
				add(name, queryEscape(v))
			}
		default:
			sep := ","
			switch p.style {
			case "spaceDelimited":
				sep = "%20"
			case "pipeDelimited":
				sep = "|"
			}
			parts := make([]string, len(d.list))
			for i, v := range d.list {
				parts[i] = queryEscape(v)
			}
			add(name, strings.Join(parts, sep))
		}
	case d.isMap:
		switch {
		case p.style == "deepObject":
			for _, k := range d.keys {
				add(queryEscape(p.name+"["+k+"]"), queryEscape(d.members[k]))
			}
		case p.explode:
			for _, k := range d.keys {
				add(queryEscape(k), queryEscape(d.members[k]))
			}
		default:
			add(name, simple(d, false, queryEscape))
		}
	default: // the common case, written without copies
		add(name, "")
		writeEscaped(b, d.scalar, &queryKeep)
	}
	return nil
}

func queryEscape(s string) string { return escape(s, &queryKeep) }

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

var errHeaderValue = errors.New("contains characters that are not allowed in an HTTP header")

// headerValue renders a header parameter (style simple) and refuses control
// characters, which would otherwise let an argument inject headers.
func headerValue(p *param, raw json.RawMessage) (string, error) {
	d, err := decodeParam(p, raw)
	if err != nil {
		return "", err
	}
	v := simple(d, p.explode, func(s string) string { return s })
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return "", fmt.Errorf("argument %q %v", p.arg, errHeaderValue)
		}
	}
	return v, nil
}

// formBody encodes an object argument as application/x-www-form-urlencoded:
// one field per member (sorted), arrays as repeated fields, nested values as
// JSON text.
func formBody(arg string, raw json.RawMessage) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", fmt.Errorf("argument %q must be an object (it is sent as form fields)", arg)
	}
	vals := url.Values{}
	for k, v := range m {
		if isAbsent(v) {
			continue
		}
		if t := bytes.TrimSpace(v); len(t) > 0 && t[0] == '[' {
			var items []json.RawMessage
			if json.Unmarshal(t, &items) == nil {
				for _, it := range items {
					vals.Add(k, element(it))
				}
				continue
			}
		}
		vals.Set(k, element(v))
	}
	return vals.Encode(), nil
}
