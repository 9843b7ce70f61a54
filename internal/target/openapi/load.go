package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/yaml"
)

// unresolvedKey marks, after repairRefs, the place of a $ref that could not
// be resolved. It is an "x-" key so that kin-openapi keeps it in the
// Extensions of whatever object (schema, parameter, request body, response,
// path item) stood there, and the converter can warn about exactly the
// operations that used it.
const unresolvedKey = "x-toolgate-unresolved-ref"

// load parses an OpenAPI 3.0/3.1 document given as JSON or YAML and resolves
// its local $refs. External refs (other files, URLs) and refs to missing
// components do not fail the load: they are replaced by markers (see
// repairRefs) so that only the operations using them are affected.
func load(data []byte) (*openapi3.T, error) {
	jsonData, err := toJSON(data)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(jsonData); err != nil {
		return nil, err
	}
	doc, err := decode(jsonData)
	if err != nil {
		return nil, err
	}
	resolveErr := resolve(doc)
	if resolveErr == nil {
		return doc, nil
	}
	// Slow path, only for documents with broken refs: mark them and retry.
	repaired, changed, err := repairRefs(jsonData)
	if err != nil || !changed {
		return nil, fmt.Errorf("resolve $refs: %v", resolveErr)
	}
	if doc, err = decode(repaired); err != nil {
		return nil, err
	}
	if err := resolve(doc); err != nil {
		return nil, fmt.Errorf("resolve $refs: %v", err)
	}
	return doc, nil
}

// toJSON returns data as JSON. YAML is converted with the same library and
// options kin-openapi uses itself (timestamps stay strings, so a
// `default: 2024-01-01` is not turned into a time).
func toJSON(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("the document is empty")
	}
	if trimmed[0] == '{' && json.Valid(trimmed) {
		return trimmed, nil
	}
	var raw json.RawMessage
	if _, err := yaml.Unmarshal(trimmed, &raw, yaml.DecodeOpts{DisableTimestamps: true}); err != nil {
		if trimmed[0] == '{' {
			// Looks like JSON: the JSON error is the useful one.
			var v any
			jerr := json.Unmarshal(trimmed, &v)
			return nil, fmt.Errorf("the document is not valid JSON: %v", jerr)
		}
		return nil, fmt.Errorf("the document is neither JSON nor YAML: %v", err)
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("the document is not a JSON or YAML object")
	}
	return raw, nil
}

// checkVersion accepts OpenAPI 3.0.x and 3.1.x and explains anything else,
// Swagger 2.0 in particular, before the document is decoded as version 3.
func checkVersion(jsonData []byte) error {
	var probe struct {
		OpenAPI json.RawMessage `json:"openapi"`
		Swagger json.RawMessage `json:"swagger"`
	}
	if err := json.Unmarshal(jsonData, &probe); err != nil {
		return fmt.Errorf("the document is not a JSON or YAML object: %v", err)
	}
	if probe.OpenAPI == nil {
		if probe.Swagger != nil {
			return fmt.Errorf("Swagger/OpenAPI 2.0 (swagger: %s) is not supported: only OpenAPI 3.0 and 3.1; convert the document to OpenAPI 3 first (for example with swagger2openapi)", probe.Swagger)
		}
		return errors.New("not an OpenAPI document: the top-level \"openapi\" field is missing")
	}
	var v string
	if err := json.Unmarshal(probe.OpenAPI, &v); err != nil {
		return fmt.Errorf("the \"openapi\" field must be a string like \"3.1.0\", not %s", probe.OpenAPI)
	}
	if !strings.HasPrefix(v, "3.0.") && !strings.HasPrefix(v, "3.1.") && v != "3.0" && v != "3.1" {
		return fmt.Errorf("OpenAPI version %q is not supported: only 3.0.x and 3.1.x", v)
	}
	return nil
}

func decode(jsonData []byte) (*openapi3.T, error) {
	doc := new(openapi3.T)
	if err := json.Unmarshal(jsonData, doc); err != nil {
		return nil, fmt.Errorf("malformed OpenAPI document: %v", err)
	}
	return doc, nil
}

// resolve resolves the document's local $refs. External refs are refused:
// Convert must not do I/O, and a spec stored in the gateway must not make it
// fetch URLs.
func resolve(doc *openapi3.T) (err error) {
	defer func() {
		// kin-openapi has panicked on malformed documents before; a bad spec
		// must fail the conversion, not the process.
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	return loader.ResolveRefsIn(doc, nil)
}

// repairRefs replaces every object whose $ref cannot be resolved within the
// document by {unresolvedKey: ref}. It reports whether it changed anything.
func repairRefs(jsonData []byte) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(jsonData))
	dec.UseNumber() // keep numbers exactly as written
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, false, err
	}
	changed := false
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, found := lookupRef(root, ref); !found {
					clear(v)
					v[unresolvedKey] = ref
					changed = true
					return
				}
			}
			for k, child := range v {
				if skipKey(k, child) {
					continue
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(root)
	if !changed {
		return nil, false, nil
	}
	out, err := json.Marshal(root)
	return out, true, err
}

// skipKey reports whether the value under key k is data (an example, a
// default, an enum, an extension) rather than OpenAPI structure, so a "$ref"
// key inside it is not a reference.
func skipKey(k string, v any) bool {
	switch k {
	case "example", "default", "enum", "const":
		return true
	case "examples":
		_, isList := v.([]any) // a 3.1 schema's examples are values
		return isList
	}
	return strings.HasPrefix(k, "x-")
}

// lookupRef resolves a local reference ("#/components/schemas/Pet") in the
// generic document tree.
func lookupRef(root any, ref string) (any, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false // external: never fetched
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if frag == "" {
		return root, true
	}
	if frag[0] != '/' {
		return nil, false
	}
	cur := root
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
