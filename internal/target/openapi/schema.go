package openapi

import (
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// direction selects which one-sided properties a schema keeps: readOnly
// properties are never sent in a request, writeOnly ones never come back.
type direction uint8

const (
	request direction = iota
	response
)

// Budgets against pathological specs: a schema that references the same
// large component from many places, many levels deep, expands exponentially
// when inlined. Past the budget, further $refs are not expanded (and the
// operation gets a warning). Real specs stay far below: the largest input
// schema of GitHub's REST description is 23 KiB, its largest output schema
// 123 KiB.
const (
	inputSchemaBudget  = 1 << 20
	outputSchemaBudget = 1 << 20
)

// schemaNotes collects what an emitter had to leave out, for warnings.
type schemaNotes struct {
	cycles     []string // refs cut where they recur
	unresolved []string // refs that did not resolve
	truncated  bool     // budget exceeded
}

func addOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// emitter writes OpenAPI schemas as self-contained JSON Schema (2020-12
// keywords, which is what MCP tool schemas use).
//
// $refs are expanded inline rather than kept as $defs + $ref: tool schemas
// are read by many MCP clients and LLM APIs, and several of them ignore or
// reject $ref. A recursive schema is expanded once and, where it recurs
// inside itself, replaced by a schema that accepts any value and says so in
// its description; the upstream still validates what it receives.
type emitter struct {
	w      *jsonw
	dir    direction
	budget int
	stack  []string // $refs being expanded, to detect recursion
	notes  *schemaNotes
}

// rootOpts adjusts the outermost schema of a property.
type rootOpts struct {
	description string // replaces the schema's own (a parameter's description)
	deprecated  bool
	forceObject bool // MCP requires an output schema's root to be type "object"
}

func (m *emitter) ref(r *openapi3.SchemaRef, o *rootOpts) {
	if r == nil || r.Value == nil {
		m.anything(o, "")
		return
	}
	s := r.Value
	if ref, ok := s.Extensions[unresolvedKey].(string); ok {
		m.notes.unresolved = addOnce(m.notes.unresolved, ref)
		m.anything(o, "")
		return
	}
	if r.Ref != "" {
		if slices.Contains(m.stack, r.Ref) {
			m.notes.cycles = addOnce(m.notes.cycles, r.Ref)
			m.cut(s, o, "Recursive "+refName(r.Ref)+" (not expanded further).")
			return
		}
		if len(m.w.b) > m.budget {
			m.notes.truncated = true
			m.cut(s, o, refName(r.Ref)+" (not expanded: the schema is too large).")
			return
		}
		m.stack = append(m.stack, r.Ref)
		defer func() { m.stack = m.stack[:len(m.stack)-1] }()
	}
	m.schema(s, o)
}

// cut writes what stands for a schema that is not expanded: only its type,
// so that it still tells an object from a string (and does not make two
// branches of a oneOf overlap), and a description saying why.
func (m *emitter) cut(s *openapi3.Schema, o *rootOpts, desc string) {
	if o != nil && o.description != "" {
		desc = o.description + " " + desc
	}
	m.w.open()
	if s.Type != nil {
		switch types := s.Type.Slice(); len(types) {
		case 0:
		case 1:
			m.w.key("type")
			m.w.str(types[0])
		default:
			m.w.key("type")
			m.w.openArray()
			for _, t := range types {
				m.w.str(t)
			}
			m.w.closeArray()
		}
	}
	m.w.key("description")
	m.w.str(desc)
	m.w.close()
}

// anything writes a schema that accepts any value.
func (m *emitter) anything(o *rootOpts, desc string) {
	if o != nil && o.description != "" {
		desc = o.description
	}
	m.w.open()
	if desc != "" {
		m.w.key("description")
		m.w.str(desc)
	}
	m.w.close()
}

func (m *emitter) schema(s *openapi3.Schema, o *rootOpts) {
	if o == nil {
		o = &rootOpts{}
	}
	if s.Always != nil { // a JSON Schema boolean (3.1)
		if *s.Always {
			m.anything(o, "")
		} else {
			m.w.open()
			m.w.key("not")
			m.w.raw("{}")
			m.w.close()
		}
		return
	}
	var types []string
	if s.Type != nil {
		types = slices.Clone(s.Type.Slice())
	}
	nullable := s.Nullable
	if o.forceObject {
		types, nullable = []string{"object"}, false
	}
	composite := len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || s.Not != nil
	if nullable && len(types) == 0 && composite {
		// OpenAPI 3.0 `nullable` next to allOf/oneOf/anyOf (the usual way to
		// make a $ref nullable): JSON Schema says it with anyOf.
		m.w.open()
		m.w.key("anyOf")
		m.w.openArray()
		m.w.open()
		m.body(s, o, nil, false)
		m.w.close()
		m.w.raw(`{"type":"null"}`)
		m.w.closeArray()
		m.w.close()
		return
	}
	if nullable && len(types) > 0 && !slices.Contains(types, "null") {
		types = append(types, "null")
	}
	m.w.open()
	m.body(s, o, types, nullable)
	m.w.close()
}

// body writes the keywords of s. OpenAPI-only keywords are dropped:
// discriminator, xml, externalDocs, readOnly/writeOnly (acted upon instead),
// nullable (turned into a type), example (turned into examples) and the
// x- extensions; so are $id, $schema, $anchor, $dynamic* and $defs, whose
// meaning depends on a document structure that inlining does not keep.
func (m *emitter) body(s *openapi3.Schema, o *rootOpts, types []string, nullable bool) {
	w := m.w
	switch len(types) {
	case 0:
	case 1:
		w.key("type")
		w.str(types[0])
	default:
		w.key("type")
		w.openArray()
		for _, t := range types {
			w.str(t)
		}
		w.closeArray()
	}
	if s.Title != "" {
		w.key("title")
		w.str(s.Title)
	}
	desc := s.Description
	if o.description != "" {
		desc = o.description
	}
	if desc != "" {
		w.key("description")
		w.str(desc)
	}
	if s.Format != "" {
		w.key("format")
		w.str(s.Format)
	}
	if len(s.Enum) > 0 {
		w.key("enum")
		w.openArray()
		hasNull := false
		for _, v := range s.Enum {
			hasNull = hasNull || v == nil
			w.value(v)
		}
		if nullable && !hasNull {
			w.raw("null")
		}
		w.closeArray()
	}
	if s.Const != nil {
		w.key("const")
		w.value(s.Const)
	}
	if s.Default != nil {
		w.key("default")
		w.value(s.Default)
	}
	if len(s.Examples) > 0 {
		w.key("examples")
		w.value(s.Examples)
	} else if s.Example != nil {
		w.key("examples")
		w.openArray()
		w.value(s.Example)
		w.closeArray()
	}
	if s.Deprecated || o.deprecated {
		w.key("deprecated")
		w.boolean(true)
	}

	// numbers
	if s.MultipleOf != nil {
		w.key("multipleOf")
		w.float(*s.MultipleOf)
	}
	m.bound("minimum", "exclusiveMinimum", s.Min, s.ExclusiveMin)
	m.bound("maximum", "exclusiveMaximum", s.Max, s.ExclusiveMax)

	// strings
	if s.MinLength > 0 {
		w.key("minLength")
		w.uint(s.MinLength)
	}
	if s.MaxLength != nil {
		w.key("maxLength")
		w.uint(*s.MaxLength)
	}
	if s.Pattern != "" {
		w.key("pattern")
		w.str(s.Pattern)
	}
	if s.ContentMediaType != "" {
		w.key("contentMediaType")
		w.str(s.ContentMediaType)
	}
	if s.ContentEncoding != "" {
		w.key("contentEncoding")
		w.str(s.ContentEncoding)
	}
	m.sub("contentSchema", s.ContentSchema)

	// arrays
	m.sub("items", s.Items)
	m.list("prefixItems", s.PrefixItems)
	if s.MinItems > 0 {
		w.key("minItems")
		w.uint(s.MinItems)
	}
	if s.MaxItems != nil {
		w.key("maxItems")
		w.uint(*s.MaxItems)
	}
	if s.UniqueItems {
		w.key("uniqueItems")
		w.boolean(true)
	}
	m.sub("contains", s.Contains)
	if s.MinContains != nil {
		w.key("minContains")
		w.uint(*s.MinContains)
	}
	if s.MaxContains != nil {
		w.key("maxContains")
		w.uint(*s.MaxContains)
	}
	m.boolSchema("unevaluatedItems", s.UnevaluatedItems)

	// objects
	m.properties(s)
	m.schemaMap("patternProperties", s.PatternProperties)
	m.boolSchema("additionalProperties", s.AdditionalProperties)
	m.sub("propertyNames", s.PropertyNames)
	if s.MinProps > 0 {
		w.key("minProperties")
		w.uint(s.MinProps)
	}
	if s.MaxProps != nil {
		w.key("maxProperties")
		w.uint(*s.MaxProps)
	}
	if len(s.DependentRequired) > 0 {
		w.key("dependentRequired")
		w.value(s.DependentRequired)
	}
	m.schemaMap("dependentSchemas", s.DependentSchemas)
	m.boolSchema("unevaluatedProperties", s.UnevaluatedProperties)

	// composition
	m.list("allOf", s.AllOf)
	m.list("oneOf", s.OneOf)
	m.list("anyOf", s.AnyOf)
	m.sub("not", s.Not)
	m.sub("if", s.If)
	m.sub("then", s.Then)
	m.sub("else", s.Else)
}

// bound writes a minimum or maximum. OpenAPI 3.0 says "exclusive" with a
// boolean next to the bound; JSON Schema 2020-12 (and OpenAPI 3.1) make the
// exclusive bound a number of its own.
func (m *emitter) bound(inclusive, exclusive string, v *float64, ex openapi3.ExclusiveBound) {
	switch {
	case ex.Value != nil:
		if v != nil {
			m.w.key(inclusive)
			m.w.float(*v)
		}
		m.w.key(exclusive)
		m.w.float(*ex.Value)
	case v != nil && ex.Bool != nil && *ex.Bool:
		m.w.key(exclusive)
		m.w.float(*v)
	case v != nil:
		m.w.key(inclusive)
		m.w.float(*v)
	}
}

func (m *emitter) sub(key string, r *openapi3.SchemaRef) {
	if r == nil {
		return
	}
	m.w.key(key)
	m.ref(r, nil)
}

func (m *emitter) list(key string, refs openapi3.SchemaRefs) {
	if len(refs) == 0 {
		return
	}
	m.w.key(key)
	m.w.openArray()
	for _, r := range refs {
		m.ref(r, nil)
	}
	m.w.closeArray()
}

func (m *emitter) boolSchema(key string, b openapi3.BoolSchema) {
	switch {
	case b.Has != nil:
		m.w.key(key)
		m.w.boolean(*b.Has)
	case b.Schema != nil:
		m.sub(key, b.Schema)
	}
}

func (m *emitter) schemaMap(key string, s openapi3.Schemas) {
	if len(s) == 0 {
		return
	}
	m.w.key(key)
	m.w.open()
	for _, name := range sortedKeys(s) {
		m.w.key(name)
		m.ref(s[name], nil)
	}
	m.w.close()
}

// properties writes properties (sorted by name: kin-openapi does not keep
// the document's order) and required, without the properties that do not
// travel in this direction.
func (m *emitter) properties(s *openapi3.Schema) {
	var dropped []string
	if len(s.Properties) > 0 {
		names := sortedKeys(s.Properties)
		open := false
		for _, name := range names {
			p := s.Properties[name]
			if p != nil && p.Value != nil &&
				(m.dir == request && p.Value.ReadOnly || m.dir == response && p.Value.WriteOnly) {
				dropped = append(dropped, name)
				continue
			}
			if !open {
				m.w.key("properties")
				m.w.open()
				open = true
			}
			m.w.key(name)
			m.ref(p, nil)
		}
		if open {
			m.w.close()
		}
	}
	first := true
	for _, r := range s.Required {
		if slices.Contains(dropped, r) {
			continue
		}
		if first {
			m.w.key("required")
			m.w.openArray()
			first = false
		}
		m.w.str(r)
	}
	if !first {
		m.w.closeArray()
	}
}

// isObject reports whether a schema describes a JSON object, looking through
// allOf (the usual way to extend an object).
func isObject(r *openapi3.SchemaRef, depth int) bool {
	if r == nil || r.Value == nil || depth > 8 {
		return false
	}
	s := r.Value
	if s.Type != nil && len(s.Type.Slice()) > 0 {
		return s.Type.Is("object") || s.Type.Includes("object") && len(s.Type.Slice()) == 2 && s.Type.IncludesNull()
	}
	if len(s.Properties) > 0 {
		return true
	}
	if len(s.AllOf) > 0 {
		for _, sub := range s.AllOf {
			if isObject(sub, depth+1) {
				return true
			}
		}
	}
	return false
}

func refName(ref string) string {
	name := ref[strings.LastIndexByte(ref, '/')+1:]
	return strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
