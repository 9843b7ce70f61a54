package agentcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// Strict decoding of request bodies (§1.2, §13: "decode request bodies
// strictly … reject ≠1 key with ValidationException").
//
// encoding/json alone cannot do this well: DisallowUnknownFields stops at
// the first problem and does not say where it is, it matches keys
// case-insensitively, keeps the last of duplicate keys, and reports a wrong
// type by Go type name. So Decode parses the body into an ordered tree, then
// walks the tree and the target type side by side (reflection over the json
// tags), assigning what fits and collecting every problem with its full
// JSON path. Finally it runs the structural checks Validate also runs
// (required members, one-member unions, enum values) so that an empty or
// partial body is answered with the list of what is missing.

// maxDepth bounds JSON nesting. The deepest legitimate request (nested
// SchemaDefinitions inside a Lambda tool schema) is far shallower; the
// bound keeps a hostile body from costing deep recursion.
const maxDepth = 128

// Decode decodes body strictly into v, which must be a non-nil pointer to a
// struct of this package. v is reset first. An empty body decodes as {}.
//
// On failure it returns a *ValidationError: reason CannotParse for bytes
// that are not one JSON object (the message says where: line, column and
// byte offset), otherwise FieldValidationFailed listing every unknown or
// duplicate member, wrong JSON type, out-of-range integer, invalid enum
// value, missing required member and union without exactly one member, each
// named by its JSON path, in document order followed by the structural
// checks in declaration order.
//
// Decode does not apply the constraints of Validate; DecodeRequest does both.
func Decode(body []byte, v any) error {
	target, decodeErrs, err := decode(body, v)
	if err != nil {
		return err
	}
	var structural fieldErrors
	checkStructure("", target, &structural)
	return mergeFields(decodeErrs, structural).err()
}

// Validator is implemented by every request type of this package.
type Validator interface {
	Validate() error
}

// DecodeRequest decodes body into req and validates it, reporting the
// problems of both steps in one *ValidationError, so a client fixes its
// request in one round trip. A complaint of Validate about a member whose
// JSON was rejected (wrong type, unknown, duplicate) is dropped: it would
// only repeat the problem. Malformed JSON is reported alone.
func DecodeRequest(body []byte, req Validator) error {
	_, decodeErrs, err := decode(body, req)
	if err != nil {
		return err
	}
	var validateFields []ValidationExceptionField
	if verr := req.Validate(); verr != nil {
		var ve *ValidationError
		if !errors.As(verr, &ve) {
			return verr
		}
		validateFields = ve.Fields
	}
	return mergeFields(decodeErrs, validateFields).err()
}

// decode parses body and assigns it to v, returning v's struct value and
// the problems found while assigning; err is a usage error or CannotParse.
func decode(body []byte, v any) (reflect.Value, fieldErrors, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, nil, fmt.Errorf("agentcore: decode wants a non-nil pointer to a struct, got %T", v)
	}
	root := &node{kind: kindObject}
	if len(bytes.TrimSpace(body)) > 0 {
		var err error
		if root, err = parse(body); err != nil {
			return reflect.Value{}, nil, err
		}
		if root.kind != kindObject {
			return reflect.Value{}, nil, &ValidationError{
				Reason:  ReasonCannotParse,
				Message: "request body must be a JSON object, got " + root.kind.String(),
			}
		}
	}
	target := rv.Elem()
	target.SetZero()
	var d decodeState
	d.assign("", root, target)
	return target, d.errs, nil
}

// mergeFields appends to first the entries of second that neither repeat an
// entry of first nor concern a member (or an ancestor or descendant of a
// member) that first already complains about.
func mergeFields(first, second []ValidationExceptionField) fieldErrors {
	out := fieldErrors(first)
	seen := make(map[ValidationExceptionField]bool, len(first)+len(second))
	for _, f := range first {
		seen[f] = true
	}
next:
	for _, f := range second {
		if seen[f] {
			continue
		}
		for _, g := range first {
			if related(path(f.Name), path(g.Name)) {
				continue next
			}
		}
		seen[f] = true
		out = append(out, f)
	}
	return out
}

// ---- parsing --------------------------------------------------------------

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k nodeKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// node is a parsed JSON value. Objects keep their keys in document order so
// problems are reported in the order the client wrote them.
type node struct {
	kind  nodeKind
	text  string // string value, or number literal
	b     bool
	keys  []string // object keys, parallel to elems
	elems []*node  // object values or array elements
}

func parse(body []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	p := parser{dec: dec, body: body}
	// Syntax first, with one scanner over the whole body: json.Decoder's
	// token errors carry offsets relative to the current value, while
	// Unmarshal's are absolute. It also rejects data after the value.
	if err := json.Unmarshal(body, new(json.RawMessage)); err != nil {
		return nil, p.tokenError(err)
	}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	return n, nil
}

type parser struct {
	dec  *json.Decoder
	body []byte
}

func (p *parser) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, p.cannotParse(int(p.dec.InputOffset()), fmt.Sprintf("JSON nested deeper than %d levels", maxDepth))
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.tokenError(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n := &node{kind: kindObject}
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.tokenError(err)
				}
				key, ok := kt.(string)
				if !ok { // unreachable: the decoder rejects non-string keys
					return nil, p.cannotParse(int(p.dec.InputOffset()), "object key must be a string")
				}
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.elems = append(n.elems, v)
			}
			if _, err := p.dec.Token(); err != nil { // '}'
				return nil, p.tokenError(err)
			}
			return n, nil
		}
		n := &node{kind: kindArray}
		for p.dec.More() {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, v)
		}
		if _, err := p.dec.Token(); err != nil { // ']'
			return nil, p.tokenError(err)
		}
		return n, nil
	case string:
		return &node{kind: kindString, text: t}, nil
	case json.Number:
		return &node{kind: kindNumber, text: string(t)}, nil
	case bool:
		return &node{kind: kindBool, b: t}, nil
	default:
		return &node{kind: kindNull}, nil
	}
}

func (p *parser) tokenError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se) && strings.HasPrefix(se.Error(), "unexpected end"):
		return p.cannotParse(len(p.body), se.Error())
	case errors.As(err, &se):
		// Offset counts the bytes read, the last one being the culprit.
		return p.cannotParse(int(se.Offset)-1, redactSyntax(se.Error()))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.cannotParse(len(p.body), "unexpected end of JSON input")
	default:
		return p.cannotParse(int(p.dec.InputOffset()), "malformed JSON")
	}
}

// cannotParse builds the CannotParse error, locating the byte at index off
// as line:column (1-based, columns counted in bytes) and byte offset.
func (p *parser) cannotParse(off int, what string) *ValidationError {
	off = min(max(off, 0), len(p.body))
	line := 1 + bytes.Count(p.body[:off], []byte{'\n'})
	col := off - bytes.LastIndexByte(p.body[:off], '\n')
	return &ValidationError{
		Reason:  ReasonCannotParse,
		Message: fmt.Sprintf("malformed JSON at line %d, column %d (byte offset %d): %s", line, col, off, what),
	}
}

// redactSyntax drops the offending character from encoding/json's message
// ("invalid character 'x' looking for …") unless it is JSON punctuation: the
// character may be the first byte of a secret the client mistyped, and the
// position already pinpoints it.
func redactSyntax(msg string) string {
	i := strings.Index(msg, "character '")
	if i < 0 {
		return msg
	}
	rest := msg[i+len("character '"):]
	j := strings.Index(rest, "' ")
	if j < 0 {
		return msg
	}
	if c := rest[:j]; len(c) == 1 && strings.Contains("{}[]:,\"", c) {
		return msg
	}
	return msg[:i] + "character " + rest[j+2:]
}

// encode writes n back as compact JSON, keeping key order and number
// literals exactly.
func (n *node) encode(b []byte) []byte {
	switch n.kind {
	case kindNull:
		return append(b, "null"...)
	case kindBool:
		return strconv.AppendBool(b, n.b)
	case kindNumber:
		return append(b, n.text...)
	case kindString:
		return append(b, quoteJSON(n.text)...)
	case kindArray:
		b = append(b, '[')
		for i, e := range n.elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.encode(b)
		}
		return append(b, ']')
	default:
		b = append(b, '{')
		for i, k := range n.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, quoteJSON(k)...)
			b = append(b, ':')
			b = n.elems[i].encode(b)
		}
		return append(b, '}')
	}
}

// quoteJSON returns s as a JSON string literal without HTML escaping.
func quoteJSON(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(buf.String(), "\n")
}

// ---- assignment -------------------------------------------------------------

type decodeState struct {
	errs fieldErrors
}

// assign stores n into v (settable), reporting problems under p. It returns
// false when n's JSON type does not fit v at all, in which case v is left
// untouched so that a later "is required" check does not mistake a rejected
// value for a present one.
func (d *decodeState) assign(p path, n *node, v reflect.Value) bool {
	if n.kind == kindNull { // null is "absent", as in the SDK
		return true
	}
	t := v.Type()
	switch {
	case t == rawMessageType:
		v.SetBytes(n.encode(nil))
		return true
	case reflect.PointerTo(t).Implements(opaqueUnionType):
		if n.kind != kindObject {
			return d.mismatch(p, t, n)
		}
		v.SetBytes(n.encode(nil))
		return true
	case reflect.PointerTo(t).Implements(unmarshalerType): // DateTime, EpochSeconds
		if err := v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(n.encode(nil)); err != nil {
			d.errs.add(p, "%s", err.Error())
			return false
		}
		return true
	}

	switch t.Kind() {
	case reflect.Pointer:
		nv := reflect.New(t.Elem())
		if !d.assign(p, n, nv.Elem()) {
			return false
		}
		v.Set(nv)
		return true

	case reflect.Struct:
		if n.kind != kindObject {
			return d.mismatch(p, t, n)
		}
		info := infoOf(t)
		seen := make(map[string]bool, len(n.keys))
		for i, k := range n.keys {
			if seen[k] {
				d.errs.add(p.key(k), "duplicate field %s", quoteJSON(k))
				continue
			}
			seen[k] = true
			f, ok := info.byName[k]
			if !ok {
				d.errs.add(p.key(k), "unknown field %s", quoteJSON(k))
				continue
			}
			d.assign(p.key(k), n.elems[i], v.Field(info.fields[f].index))
		}
		return true

	case reflect.Slice:
		if n.kind != kindArray {
			return d.mismatch(p, t, n)
		}
		s := reflect.MakeSlice(t, len(n.elems), len(n.elems))
		for i, e := range n.elems {
			if e.kind == kindNull { // null is absence only for members
				d.mismatch(p.idx(i), t.Elem(), e)
				continue
			}
			d.assign(p.idx(i), e, s.Index(i))
		}
		v.Set(s)
		return true

	case reflect.Map:
		if n.kind != kindObject {
			return d.mismatch(p, t, n)
		}
		m := reflect.MakeMapWithSize(t, len(n.keys))
		for i, k := range n.keys {
			kv := reflect.ValueOf(k).Convert(t.Key())
			if m.MapIndex(kv).IsValid() {
				d.errs.add(p.mapKey(k), "duplicate key %s", quoteJSON(k))
				continue
			}
			if n.elems[i].kind == kindNull {
				d.mismatch(p.mapKey(k), t.Elem(), n.elems[i])
				continue
			}
			ev := reflect.New(t.Elem()).Elem()
			if d.assign(p.mapKey(k), n.elems[i], ev) {
				m.SetMapIndex(kv, ev)
			}
		}
		v.Set(m)
		return true

	case reflect.String:
		if n.kind != kindString {
			return d.mismatch(p, t, n)
		}
		if e, ok := reflect.Zero(t).Interface().(enum); ok && !contains(e.Values(), n.text) {
			d.errs.add(p, "%s", enumMessage(e))
			return false
		}
		v.SetString(n.text)
		return true

	case reflect.Bool:
		if n.kind != kindBool {
			return d.mismatch(p, t, n)
		}
		v.SetBool(n.b)
		return true

	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.kind != kindNumber {
			return d.mismatch(p, t, n)
		}
		i, msg := parseInteger(n.text, t.Bits())
		if msg != "" {
			d.errs.add(p, "%s", msg)
			return false
		}
		v.SetInt(i)
		return true

	case reflect.Float32, reflect.Float64:
		if n.kind != kindNumber {
			return d.mismatch(p, t, n)
		}
		f, err := strconv.ParseFloat(n.text, t.Bits())
		if err != nil {
			d.errs.add(p, "number out of range")
			return false
		}
		v.SetFloat(f)
		return true
	}
	panic(fmt.Sprintf("agentcore: no JSON decoding for %s at %s", t, p))
}

func (d *decodeState) mismatch(p path, t reflect.Type, n *node) bool {
	d.errs.add(p, "expected %s, got %s", describe(t), n.kind)
	return false
}

// parseInteger accepts integral JSON numbers, including forms like 1e3 or
// 3600.0, that fit in bits.
func parseInteger(text string, bits int) (int64, string) {
	if i, err := strconv.ParseInt(text, 10, bits); err == nil {
		return i, ""
	}
	f, _, err := big.ParseFloat(text, 10, 256, big.ToNearestEven)
	if err != nil || !f.IsInt() {
		return 0, "expected integer, got a fractional number"
	}
	i, acc := f.Int64()
	lo, hi := int64(-1)<<(bits-1), int64(1)<<(bits-1)-1
	if acc != big.Exact || i < lo || i > hi {
		return 0, fmt.Sprintf("integer out of range (must fit in %d bits)", bits)
	}
	return i, ""
}

// describe names the JSON type a Go type expects, for "expected … got …".
func describe(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == rawMessageType:
		return "JSON value"
	case reflect.PointerTo(t).Implements(opaqueUnionType):
		return "object"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array of " + plural(describe(t.Elem()))
	case reflect.Map:
		if d := describe(t.Elem()); d != "object" {
			return "object with " + d + " values"
		}
	}
	return "object"
}

func plural(s string) string {
	if rest, ok := strings.CutPrefix(s, "array of "); ok {
		return "arrays of " + rest
	}
	if rest, ok := strings.CutPrefix(s, "object with "); ok {
		return "objects with " + rest
	}
	return s + "s"
}
