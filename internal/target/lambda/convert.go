package lambda

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"

	"github.com/toolgate/toolgate/internal/agentcore"
	"github.com/toolgate/toolgate/internal/target"
)

// Limits of a Lambda target's tool list.
const (
	// MaxTools is AgentCore's "tools per target" quota (§11.13).
	MaxTools = 1000
	// MaxSchemaBytes bounds the whole inline tool list, serialised: the
	// inline schema quota of 1 MB (§11.13).
	MaxSchemaBytes = 1 << 20
	// MaxSchemaDepth bounds the nesting of a SchemaDefinition. Real tool
	// schemas are a few levels deep; a deeper one is a mistake or an
	// attack on every client that walks it recursively.
	MaxSchemaDepth = 32
	// longToolName is the length past which "{t}___{name}" exceeds the 64
	// characters of stricter LLM APIs, whatever the target name.
	longToolName = 64 - len("t___")
)

// reToolName is the character set MCP recommends for tool names
// ([A-Za-z0-9_.-]) and the only one every LLM tool API accepts.
var reToolName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// SchemaError is a tool definition the target cannot be opened with. Field
// is relative to toolSchema, e.g. "inlinePayload[2].inputSchema.type".
type SchemaError struct {
	Field   string
	Message string
}

func (e *SchemaError) Error() string { return e.Field + ": " + e.Message }

var schemaTypes = map[agentcore.SchemaType]bool{
	agentcore.SchemaTypeString: true, agentcore.SchemaTypeNumber: true, agentcore.SchemaTypeObject: true,
	agentcore.SchemaTypeArray: true, agentcore.SchemaTypeBoolean: true, agentcore.SchemaTypeInteger: true,
}

// Convert turns the ToolDefinitions of a Lambda target (the inline
// toolSchema) into tools: the name and description as given, each
// SchemaDefinition as the JSON Schema it denotes. It is pure, so the
// control plane runs it to validate and the catalog to serve.
//
// A definition that cannot be served (a name outside [A-Za-z0-9_.-], a
// duplicate name, a top-level schema that is not an object, a schema nested
// deeper than MaxSchemaDepth, more than MaxTools tools) is an error naming
// the field: unlike an OpenAPI document, a tool list is written for the
// gateway, so nothing is silently dropped. Warnings point out what serves
// but may trouble clients.
func Convert(defs []agentcore.ToolDefinition) ([]target.Tool, []target.Warning, error) {
	return convert(defs, "inlinePayload", MaxSchemaBytes)
}

// ConvertDocument is Convert for the tool definitions of a tool schema kept
// in S3 (toolSchema.s3): fields are named relative to the document, e.g.
// "[2].inputSchema.type", and the size was bounded when it was fetched (10
// MB, not the 1 MiB of an inline schema).
func ConvertDocument(defs []agentcore.ToolDefinition) ([]target.Tool, []target.Warning, error) {
	return convert(defs, "", 0)
}

// convert converts defs, naming fields below base; maxBytes > 0 bounds
// their serialised size.
func convert(defs []agentcore.ToolDefinition, base string, maxBytes int) ([]target.Tool, []target.Warning, error) {
	whole := base
	if whole == "" {
		whole = "the document"
	}
	if len(defs) == 0 {
		return nil, nil, &SchemaError{whole, "must list at least one tool"}
	}
	if len(defs) > MaxTools {
		return nil, nil, &SchemaError{whole, fmt.Sprintf("lists %d tools; a target may have at most %d", len(defs), MaxTools)}
	}
	if maxBytes > 0 {
		if raw, err := json.Marshal(defs); err != nil {
			return nil, nil, &SchemaError{whole, "cannot be serialised: " + err.Error()}
		} else if len(raw) > maxBytes {
			return nil, nil, &SchemaError{whole, fmt.Sprintf("is %d bytes; the inline tool schema may be at most %d bytes (1 MiB)", len(raw), maxBytes)}
		}
	}
	var warnings []target.Warning
	tools := make([]target.Tool, 0, len(defs))
	seen := make(map[string]int, len(defs))
	for i, d := range defs {
		p := base + "[" + strconv.Itoa(i) + "]"
		name := deref(d.Name)
		switch {
		case name == "":
			return nil, nil, &SchemaError{p + ".name", "is required"}
		case len(name) > agentcoreMaxToolName:
			return nil, nil, &SchemaError{p + ".name", fmt.Sprintf("is %d characters long; tool names are limited to %d", len(name), agentcoreMaxToolName)}
		case !reToolName.MatchString(name):
			return nil, nil, &SchemaError{p + ".name", fmt.Sprintf("%q may contain only letters, digits, '_', '-' and '.' (the characters every MCP client and LLM tool API accepts)", name)}
		}
		if j, dup := seen[name]; dup {
			return nil, nil, &SchemaError{p + ".name", fmt.Sprintf("%q is already the name of %s[%d]", name, base, j)}
		}
		seen[name] = i
		if len(name) > longToolName {
			warnings = append(warnings, target.Warning{Where: p + ".name", Message: fmt.Sprintf(
				"tool name %q is %d characters long: with the \"{target}___\" prefix it exceeds the 64 characters many LLM APIs accept", name, len(name))})
		}
		if d.InputSchema == nil {
			return nil, nil, &SchemaError{p + ".inputSchema", "is required"}
		}
		in, w, err := topSchema(p+".inputSchema", d.InputSchema)
		if err != nil {
			return nil, nil, err
		}
		warnings = append(warnings, w...)
		t := target.Tool{Name: name, Description: deref(d.Description), InputSchema: in}
		if d.OutputSchema != nil {
			out, w, err := topSchema(p+".outputSchema", d.OutputSchema)
			if err != nil {
				return nil, nil, err
			}
			warnings = append(warnings, w...)
			t.OutputSchema = out
		}
		tools = append(tools, t)
	}
	sort.Slice(tools, func(i, j int) bool { return tools[i].Name < tools[j].Name })
	return tools, warnings, nil
}

// agentcoreMaxToolName is the tool-name quota (§11.13).
const agentcoreMaxToolName = 256

// jsonSchema is a SchemaDefinition as JSON Schema. The member order is the
// serialisation order, so the output is deterministic.
type jsonSchema struct {
	Type        agentcore.SchemaType   `json:"type"`
	Description string                 `json:"description,omitempty"`
	Properties  map[string]*jsonSchema `json:"properties,omitempty"`
	Required    []string               `json:"required,omitempty"`
	Items       *jsonSchema            `json:"items,omitempty"`
}

// topSchema converts a tool's input or output schema: MCP requires an
// object at the top.
func topSchema(p string, s *agentcore.SchemaDefinition) (json.RawMessage, []target.Warning, error) {
	if s.Type != agentcore.SchemaTypeObject {
		return nil, nil, &SchemaError{p + ".type", fmt.Sprintf("is %q; a tool's top-level schema must be of type object", s.Type)}
	}
	var warnings []target.Warning
	js, err := convertSchema(p, s, 1, &warnings)
	if err != nil {
		return nil, nil, err
	}
	raw, err := json.Marshal(js)
	if err != nil {
		return nil, nil, &SchemaError{p, "cannot be serialised: " + err.Error()}
	}
	return raw, warnings, nil
}

func convertSchema(p string, s *agentcore.SchemaDefinition, depth int, warnings *[]target.Warning) (*jsonSchema, error) {
	if depth > MaxSchemaDepth {
		return nil, &SchemaError{p, fmt.Sprintf("is nested more than %d levels deep", MaxSchemaDepth)}
	}
	if !schemaTypes[s.Type] {
		if s.Type == "" {
			return nil, &SchemaError{p + ".type", "is required"}
		}
		return nil, &SchemaError{p + ".type", fmt.Sprintf("%q is not one of string, number, integer, boolean, object, array", s.Type)}
	}
	js := &jsonSchema{Type: s.Type, Description: deref(s.Description)}
	if len(s.Properties) > 0 {
		if s.Type != agentcore.SchemaTypeObject {
			return nil, &SchemaError{p + ".properties", fmt.Sprintf("only an object schema has properties; this one is of type %s", s.Type)}
		}
		js.Properties = make(map[string]*jsonSchema, len(s.Properties))
		for _, k := range sortedKeys(s.Properties) {
			prop := s.Properties[k]
			c, err := convertSchema(propertyPath(p+".properties", k), &prop, depth+1, warnings)
			if err != nil {
				return nil, err
			}
			js.Properties[k] = c
		}
	}
	if len(s.Required) > 0 {
		if s.Type != agentcore.SchemaTypeObject {
			return nil, &SchemaError{p + ".required", fmt.Sprintf("only an object schema has required properties; this one is of type %s", s.Type)}
		}
		for _, r := range s.Required {
			if _, ok := s.Properties[r]; !ok {
				*warnings = append(*warnings, target.Warning{Where: p + ".required", Message: fmt.Sprintf("%q is required but not among the properties; a caller cannot learn its type", r)})
			}
		}
		js.Required = slices.Clone(s.Required)
	}
	if s.Items != nil {
		if s.Type != agentcore.SchemaTypeArray {
			return nil, &SchemaError{p + ".items", fmt.Sprintf("only an array schema has items; this one is of type %s", s.Type)}
		}
		c, err := convertSchema(p+".items", s.Items, depth+1, warnings)
		if err != nil {
			return nil, err
		}
		js.Items = c
	}
	return js, nil
}

// propertyPath names a property below p as the control plane's validation
// errors do: p.name for plain names, p["we ird"] otherwise.
func propertyPath(p, k string) string {
	plain := k != ""
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r == '-' || r >= '0' && r <= '9')) {
			plain = false
			break
		}
	}
	if plain {
		return p + "." + k
	}
	q, _ := json.Marshal(k)
	return p + "[" + string(q) + "]"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
