// Package mcpserver is the MCP-server target kind (agentcore-api.md §7.4
// mcpServer, §11.8): a remote MCP server reached over Streamable HTTP with
// the go-sdk client, whose tools the gateway serves as
// "{target}___{tool}" and forwards tools/call to.
//
// The tool list comes from the target's mcpToolSchema (a static list, no
// discovery) or, in listing mode DEFAULT, from discovery: the control plane
// connects, initializes and pages through tools/list when the target is
// created, updated or synchronized (List), and the list it got is stored
// with the target, so serving never depends on the remote server being up
// when the catalog is built.
package mcpserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"

	"github.com/toolgate/toolgate/internal/target"
)

const (
	// MaxTools is AgentCore's tools-per-target quota (§11.13).
	MaxTools = 1000
	// maxToolName is the tool-name quota (§11.13).
	maxToolName = 256
	// longToolName is the length past which "{t}___{name}" exceeds the 64
	// characters of stricter LLM APIs, whatever the target name.
	longToolName = 64 - len("t___")
)

// reToolName is the character set MCP recommends for tool names and the
// only one every LLM tool API accepts.
var reToolName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// wireTool is an MCP tool definition as tools/list returns it; the members
// toolgate serves are kept, the others (title, annotations, icons) are
// dropped.
type wireTool struct {
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"inputSchema,omitempty"`
	OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
}

// SchemaError is a tool list the target cannot be opened with. Field is
// relative to the list, e.g. "[2].inputSchema".
type SchemaError struct {
	Field   string
	Message string
}

func (e *SchemaError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

// ParseTools reads a tool list: a JSON array of MCP tool definitions
// ({"name", "description", "inputSchema", "outputSchema"}), or a tools/list
// result ({"tools": [...]}), which is what an mcpToolSchema holds and what
// discovery stores.
//
// With strict (an mcpToolSchema the user wrote), a definition that cannot
// be served is an error; otherwise (a list a remote server returned) it is
// left out with a warning, so one odd tool does not hide the others.
func ParseTools(raw []byte, strict bool) ([]target.Tool, []target.Warning, error) {
	raw = bytes.TrimSpace(raw)
	var defs []wireTool
	switch {
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &defs); err != nil {
			return nil, nil, &SchemaError{"", "is not a JSON array of MCP tool definitions: " + err.Error()}
		}
	case len(raw) > 0 && raw[0] == '{':
		var res struct {
			Tools *[]wireTool `json:"tools"`
		}
		if err := json.Unmarshal(raw, &res); err != nil || res.Tools == nil {
			msg := "has no tools array"
			if err != nil {
				msg = err.Error()
			}
			return nil, nil, &SchemaError{"", `is not a tools/list result ({"tools": [...]}): ` + msg}
		}
		defs = *res.Tools
	default:
		return nil, nil, &SchemaError{"", `must be a JSON array of MCP tool definitions or a tools/list result ({"tools": [...]})`}
	}
	return convert(defs, strict)
}

func convert(defs []wireTool, strict bool) ([]target.Tool, []target.Warning, error) {
	if len(defs) > MaxTools {
		return nil, nil, &SchemaError{"", fmt.Sprintf("lists %d tools; a target may have at most %d", len(defs), MaxTools)}
	}
	var warnings []target.Warning
	tools := make([]target.Tool, 0, len(defs))
	seen := make(map[string]int, len(defs))
	for i, d := range defs {
		p := "[" + strconv.Itoa(i) + "]"
		problem, field := "", p
		switch {
		case d.Name == "":
			problem, field = "the tool has no name", p+".name"
		case len(d.Name) > maxToolName:
			problem, field = fmt.Sprintf("tool name is %d characters long; tool names are limited to %d", len(d.Name), maxToolName), p+".name"
		case !reToolName.MatchString(d.Name):
			problem, field = fmt.Sprintf("tool name %q may contain only letters, digits, '_', '-' and '.' (the characters every MCP client and LLM tool API accepts)", d.Name), p+".name"
		default:
			if j, dup := seen[d.Name]; dup {
				problem, field = fmt.Sprintf("%q is already the name of [%d]", d.Name, j), p+".name"
			} else if msg := objectSchema(d.InputSchema, true); msg != "" {
				problem, field = "inputSchema "+msg, p+".inputSchema"
			} else if msg := objectSchema(d.OutputSchema, false); msg != "" {
				problem, field = "outputSchema "+msg, p+".outputSchema"
			}
		}
		if problem != "" {
			if strict {
				return nil, nil, &SchemaError{field, problem}
			}
			warnings = append(warnings, target.Warning{Where: "tool " + p + " " + d.Name, Message: problem + "; the tool is not served"})
			continue
		}
		seen[d.Name] = i
		if len(d.Name) > longToolName {
			warnings = append(warnings, target.Warning{Where: "tool " + d.Name, Message: fmt.Sprintf(
				"tool name is %d characters long: with the \"{target}___\" prefix it exceeds the 64 characters many LLM APIs accept", len(d.Name))})
		}
		t := target.Tool{Name: d.Name, Description: d.Description, InputSchema: compact(d.InputSchema)}
		if len(d.OutputSchema) > 0 && !bytes.Equal(bytes.TrimSpace(d.OutputSchema), []byte("null")) {
			t.OutputSchema = compact(d.OutputSchema)
		}
		tools = append(tools, t)
	}
	sort.Slice(tools, func(i, j int) bool { return tools[i].Name < tools[j].Name })
	return tools, warnings, nil
}

// objectSchema checks that a tool schema is a JSON object of type object,
// as MCP requires of inputSchema and outputSchema; "" when it is.
func objectSchema(raw json.RawMessage, required bool) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		if required {
			return "is required"
		}
		return ""
	}
	var s struct {
		Type any `json:"type"`
	}
	if raw[0] != '{' || json.Unmarshal(raw, &s) != nil {
		return "must be a JSON Schema object"
	}
	if s.Type != "object" {
		return `must have "type": "object"`
	}
	return ""
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// EncodeTools writes tools as a JSON array of MCP tool definitions, the
// form ParseTools reads (and an mcpToolSchema inlinePayload holds).
func EncodeTools(tools []target.Tool) ([]byte, error) {
	defs := make([]wireTool, len(tools))
	for i, t := range tools {
		defs[i] = wireTool{Name: t.Name, Description: t.Description, InputSchema: t.InputSchema, OutputSchema: t.OutputSchema}
	}
	return json.Marshal(defs)
}
