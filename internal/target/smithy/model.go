// Package smithy serves Smithy targets (§7.4 smithyModel, §11.7): a Smithy
// JSON AST model of a restJson1 service whose operations become tools. Each
// operation's input structure becomes the tool's input schema; a call is
// serialised as restJson1 (HTTP labels, query, headers, payload or JSON
// body) and sent to the service's AWS endpoint, signed as the gateway's
// role (SigV4 with the model's signing name) or carrying an OAuth token.
package smithy

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/toolgate/toolgate/internal/target"
)

const prelude = "smithy.api#"

// Trait names.
const (
	tService     = "aws.api#service"
	tSigV4       = "aws.auth#sigv4"
	tRestJSON1   = "aws.protocols#restJson1"
	tHTTP        = "smithy.api#http"
	tLabel       = "smithy.api#httpLabel"
	tQuery       = "smithy.api#httpQuery"
	tQueryParams = "smithy.api#httpQueryParams"
	tHeader      = "smithy.api#httpHeader"
	tPrefixHdrs  = "smithy.api#httpPrefixHeaders"
	tPayload     = "smithy.api#httpPayload"
	tRequired    = "smithy.api#required"
	tDoc         = "smithy.api#documentation"
	tJSONName    = "smithy.api#jsonName"
	tTSFormat    = "smithy.api#timestampFormat"
	tEnumValue   = "smithy.api#enumValue"
	tEnum        = "smithy.api#enum"
	tStreaming   = "smithy.api#streaming"
	tMediaType   = "smithy.api#mediaType"
	tIdemToken   = "smithy.api#idempotencyToken"
)

type ref struct {
	Target string `json:"target"`
}

type member struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

type shape struct {
	Type    string                     `json:"type"`
	Members map[string]member          `json:"members"`
	Member  *member                    `json:"member"`
	Key     *member                    `json:"key"`
	Value   *member                    `json:"value"`
	Traits  map[string]json.RawMessage `json:"traits"`
	Input   *ref                       `json:"input"`
	Output  *ref                       `json:"output"`

	Operations           []ref `json:"operations"`
	CollectionOperations []ref `json:"collectionOperations"`
	Resources            []ref `json:"resources"`
	Create               *ref  `json:"create"`
	Put                  *ref  `json:"put"`
	Read                 *ref  `json:"read"`
	Update               *ref  `json:"update"`
	Delete               *ref  `json:"delete"`
	List                 *ref  `json:"list"`
}

type model struct {
	Smithy string           `json:"smithy"`
	Shapes map[string]shape `json:"shapes"`
}

// Service is a converted model: what Open needs to serve it.
type Service struct {
	// ID is the service shape's id, e.g. "example.weather#Weather".
	ID string
	// EndpointPrefix names the endpoint (https://{prefix}.{region}.amazonaws.com)
	// and the key of its aws.endpoints override.
	EndpointPrefix string
	// SigningName is the SigV4 service name.
	SigningName string
	ops         []*operation
	shapes      map[string]shape
}

// Tools returns the tools of the service, sorted by name.
func (s *Service) Tools() []target.Tool {
	out := make([]target.Tool, len(s.ops))
	for i, op := range s.ops {
		out[i] = op.tool
	}
	return out
}

type operation struct {
	name   string
	method string
	path   string // the URI's path, with {labels}
	query  string // the URI's literal query, e.g. "x-id=GetObject"
	input  string // shape id of the input structure; "" for none
	tool   target.Tool
}

// MaxModelBytes is AgentCore's limit on a Smithy model.
const MaxModelBytes = 10 << 20

// Convert parses a Smithy JSON AST model. An error means the model cannot
// be served at all (not JSON, no service, not restJson1); operations that
// cannot be converted are left out with a warning.
func Convert(doc []byte) (*Service, []target.Warning, error) {
	if len(doc) > MaxModelBytes {
		return nil, nil, fmt.Errorf("the Smithy model is larger than %d MB", MaxModelBytes>>20)
	}
	var m model
	if err := json.Unmarshal(doc, &m); err != nil {
		return nil, nil, fmt.Errorf("is not a Smithy JSON AST model: %v", err)
	}
	if m.Smithy == "" {
		return nil, nil, errors.New(`is not a Smithy JSON AST model: it has no "smithy" version`)
	}
	if !strings.HasPrefix(m.Smithy, "1.") && !strings.HasPrefix(m.Smithy, "2.") {
		return nil, nil, fmt.Errorf("Smithy IDL version %q is not supported (1.0 or 2.0)", m.Smithy)
	}
	var services []string
	for id, sh := range m.Shapes {
		if sh.Type == "service" {
			services = append(services, id)
		}
	}
	slices.Sort(services)
	switch len(services) {
	case 0:
		return nil, nil, errors.New("the Smithy model has no service shape")
	case 1:
	default:
		return nil, nil, fmt.Errorf("the Smithy model has %d service shapes (%s); a target serves one", len(services), strings.Join(services, ", "))
	}
	sid := services[0]
	svc := m.Shapes[sid]
	if _, ok := svc.Traits[tRestJSON1]; !ok {
		var protos []string
		for t := range svc.Traits {
			if strings.HasPrefix(t, "aws.protocols#") {
				protos = append(protos, t)
			}
		}
		slices.Sort(protos)
		if len(protos) == 0 {
			return nil, nil, fmt.Errorf("service %s names no protocol; only aws.protocols#restJson1 is supported", sid)
		}
		return nil, nil, fmt.Errorf("service %s uses %s; only aws.protocols#restJson1 is supported", sid, strings.Join(protos, ", "))
	}
	s := &Service{ID: sid, shapes: m.Shapes}
	var api struct {
		SdkID          string `json:"sdkId"`
		EndpointPrefix string `json:"endpointPrefix"`
		ArnNamespace   string `json:"arnNamespace"`
	}
	_ = json.Unmarshal(svc.Traits[tService], &api)
	var sig struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(svc.Traits[tSigV4], &sig)
	local := sid[strings.IndexByte(sid, '#')+1:]
	s.EndpointPrefix = api.EndpointPrefix
	if s.EndpointPrefix == "" && api.SdkID != "" {
		s.EndpointPrefix = strings.ToLower(strings.ReplaceAll(api.SdkID, " ", "-"))
	}
	if s.EndpointPrefix == "" {
		s.EndpointPrefix = strings.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
				return r
			}
			return '-'
		}, strings.ToLower(local))
	}
	s.SigningName = cmpOr(sig.Name, api.ArnNamespace, s.EndpointPrefix)
	// The prefix becomes a host name: nothing but a DNS label sequence.
	if !validPrefix(s.EndpointPrefix) {
		return nil, nil, fmt.Errorf("service %s: endpointPrefix %q is not a host name prefix (letters, digits, '.' and '-')", sid, s.EndpointPrefix)
	}

	var warnings []target.Warning
	seen := map[string]bool{}
	var opIDs []string
	var walk func(refs []ref, depth int)
	walkResource := func(id string, depth int) {}
	walk = func(refs []ref, depth int) {
		for _, r := range refs {
			sh, ok := m.Shapes[r.Target]
			if !ok {
				warnings = append(warnings, target.Warning{Where: r.Target, Message: "shape is not defined in the model"})
				continue
			}
			switch sh.Type {
			case "operation":
				if !seen[r.Target] {
					seen[r.Target] = true
					opIDs = append(opIDs, r.Target)
				}
			case "resource":
				walkResource(r.Target, depth+1)
			}
		}
	}
	visitedRes := map[string]bool{}
	walkResource = func(id string, depth int) {
		if visitedRes[id] || depth > 32 {
			return
		}
		visitedRes[id] = true
		r := m.Shapes[id]
		var refs []ref
		for _, p := range []*ref{r.Create, r.Put, r.Read, r.Update, r.Delete, r.List} {
			if p != nil {
				refs = append(refs, *p)
			}
		}
		refs = append(append(append(refs, r.Operations...), r.CollectionOperations...), r.Resources...)
		walk(refs, depth)
	}
	walk(append(append([]ref{}, svc.Operations...), svc.Resources...), 0)
	slices.Sort(opIDs)
	names := map[string]string{}
	for _, id := range opIDs {
		op, w := s.operation(id)
		if w != "" {
			warnings = append(warnings, target.Warning{Where: "operation " + id, Message: w})
			continue
		}
		if prev, dup := names[op.name]; dup {
			warnings = append(warnings, target.Warning{Where: "operation " + id, Message: "has the same tool name as " + prev + "; left out"})
			continue
		}
		names[op.name] = id
		s.ops = append(s.ops, op)
	}
	slices.SortFunc(s.ops, func(a, b *operation) int { return strings.Compare(a.name, b.name) })
	return s, warnings, nil
}

func cmpOr(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// operation converts one operation shape; a non-empty string says why it
// cannot be served.
func (s *Service) operation(id string) (*operation, string) {
	sh := s.shapes[id]
	raw, ok := sh.Traits[tHTTP]
	if !ok {
		return nil, "has no smithy.api#http trait, which restJson1 needs; left out"
	}
	var h struct {
		Method string `json:"method"`
		URI    string `json:"uri"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.Method == "" || !strings.HasPrefix(h.URI, "/") {
		return nil, "has an invalid smithy.api#http trait; left out"
	}
	op := &operation{name: id[strings.IndexByte(id, '#')+1:], method: strings.ToUpper(h.Method), path: h.URI}
	if i := strings.IndexByte(h.URI, '?'); i >= 0 {
		op.path, op.query = h.URI[:i], h.URI[i+1:]
	}
	schema := map[string]any{"type": "object", "properties": map[string]any{}}
	if sh.Input != nil && sh.Input.Target != prelude+"Unit" {
		in, ok := s.shapes[sh.Input.Target]
		if !ok || in.Type != "structure" {
			return nil, "its input " + sh.Input.Target + " is not a structure in the model; left out"
		}
		for name, m := range in.Members {
			if _, ok := m.Traits[tStreaming]; ok || s.hasTrait(m.Target, tStreaming) {
				return nil, "its input member " + name + " is a stream, which tools cannot send; left out"
			}
			if _, ok := m.Traits[tLabel]; ok && !strings.Contains(op.path, "{"+name+"}") && !strings.Contains(op.path, "{"+name+"+}") {
				return nil, "its httpLabel member " + name + " is not in the URI " + h.URI + "; left out"
			}
		}
		op.input = sh.Input.Target
		schema = s.schema(op.input, nil, map[string]bool{op.input: true})
	}
	if d := docOf(sh.Traits); d != "" {
		op.tool.Description = d
	} else {
		op.tool.Description = op.name + " (" + op.method + " " + h.URI + ")"
	}
	op.tool.Name = op.name
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, "its input schema cannot be encoded: " + err.Error()
	}
	op.tool.InputSchema = b
	return op, ""
}

func (s *Service) hasTrait(id, trait string) bool {
	_, ok := s.shapes[id].Traits[trait]
	return ok
}

// docOf returns a documentation trait as plain text (Smithy documentation
// is CommonMark, often HTML in AWS models: tags are stripped).
func docOf(traits map[string]json.RawMessage) string {
	raw, ok := traits[tDoc]
	if !ok {
		return ""
	}
	var d string
	if json.Unmarshal(raw, &d) != nil {
		return ""
	}
	var b strings.Builder
	in := false
	for _, r := range d {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// kind returns the type of a shape id: the prelude's simple shapes by
// name, model shapes by their type; "" when unknown.
func (s *Service) kind(id string) string {
	if sh, ok := s.shapes[id]; ok {
		return sh.Type
	}
	if name, ok := strings.CutPrefix(id, prelude); ok {
		switch name {
		case "String":
			return "string"
		case "Blob":
			return "blob"
		case "Boolean", "PrimitiveBoolean":
			return "boolean"
		case "Byte", "PrimitiveByte":
			return "byte"
		case "Short", "PrimitiveShort":
			return "short"
		case "Integer", "PrimitiveInteger":
			return "integer"
		case "Long", "PrimitiveLong":
			return "long"
		case "Float", "PrimitiveFloat":
			return "float"
		case "Double", "PrimitiveDouble":
			return "double"
		case "BigInteger":
			return "bigInteger"
		case "BigDecimal":
			return "bigDecimal"
		case "Timestamp":
			return "timestamp"
		case "Document":
			return "document"
		case "Unit":
			return "structure"
		}
	}
	return ""
}

// tsFormat is the timestamp format of a member: its own trait, its
// target's, or def.
func (s *Service) tsFormat(m member, def string) string {
	var f string
	if raw, ok := m.Traits[tTSFormat]; ok && json.Unmarshal(raw, &f) == nil && f != "" {
		return f
	}
	if raw, ok := s.shapes[m.Target].Traits[tTSFormat]; ok && json.Unmarshal(raw, &f) == nil && f != "" {
		return f
	}
	return def
}

// maxDepth bounds nesting in input schemas (besides recursion, which is
// cut at the first repeat).
const maxDepth = 24

// schema is the JSON Schema of shape id; traits are the member's (for
// documentation and timestamp format), visiting guards recursion.
func (s *Service) schema(id string, m *member, visiting map[string]bool) map[string]any {
	out := map[string]any{}
	var traits map[string]json.RawMessage
	if m != nil {
		traits = m.Traits
	}
	desc := docOf(traits)
	if desc == "" {
		desc = docOf(s.shapes[id].Traits)
	}
	sh := s.shapes[id]
	defer func() {
		if desc != "" {
			out["description"] = desc
		}
		constraints(out, sh.Traits) // the target's, then the member's
		constraints(out, traits)
	}()
	switch k := s.kind(id); k {
	case "string":
		out["type"] = "string"
		if raw, ok := sh.Traits[tEnum]; ok { // Smithy 1.0 enum trait
			var defs []struct {
				Value string `json:"value"`
			}
			if json.Unmarshal(raw, &defs) == nil && len(defs) > 0 {
				vals := make([]any, len(defs))
				for i, d := range defs {
					vals[i] = d.Value
				}
				out["enum"] = vals
			}
		}
	case "enum", "intEnum":
		out["type"] = map[string]string{"enum": "string", "intEnum": "integer"}[k]
		var vals []any
		for _, name := range sortedKeys(sh.Members) {
			var v any = name
			if raw, ok := sh.Members[name].Traits[tEnumValue]; ok {
				_ = json.Unmarshal(raw, &v)
			}
			vals = append(vals, v)
		}
		slices.SortFunc(vals, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
		out["enum"] = vals
	case "boolean":
		out["type"] = "boolean"
	case "byte", "short", "integer", "long", "bigInteger":
		out["type"] = "integer"
	case "float", "double", "bigDecimal":
		out["type"] = "number"
	case "timestamp":
		f := "epoch-seconds"
		if m != nil {
			if has(*m, tLabel) || has(*m, tQuery) || has(*m, tHeader) {
				f = "date-time" // bound members take RFC 3339 (or epoch seconds), formatted on the wire
			}
			f = s.tsFormat(*m, f)
		}
		if f == "epoch-seconds" {
			out["type"] = "number"
			if desc == "" {
				desc = "Seconds since the Unix epoch."
			}
		} else {
			out["type"] = "string"
			out["format"] = "date-time"
		}
	case "blob":
		out["type"] = "string"
		out["contentEncoding"] = "base64"
	case "document":
		// any JSON value
	case "list", "set":
		out["type"] = "array"
		if sh.Member != nil {
			out["items"] = s.nested(sh.Member.Target, sh.Member, visiting)
		}
		if k == "set" {
			out["uniqueItems"] = true
		}
	case "map":
		out["type"] = "object"
		if sh.Value != nil {
			out["additionalProperties"] = s.nested(sh.Value.Target, sh.Value, visiting)
		}
	case "structure", "union":
		out["type"] = "object"
		props := map[string]any{}
		var req []string
		for _, name := range sortedKeys(sh.Members) {
			mm := sh.Members[name]
			props[name] = s.nested(mm.Target, &mm, visiting)
			if _, ok := mm.Traits[tRequired]; ok && k == "structure" {
				req = append(req, name)
			}
		}
		out["properties"] = props
		if len(req) > 0 {
			out["required"] = req
		}
		if k == "union" {
			out["minProperties"] = 1
			out["maxProperties"] = 1
			desc = strings.TrimSpace(desc + " (exactly one member)")
		}
	}
	return out
}

// nested is schema for a member, cut at recursion and depth.
func (s *Service) nested(id string, m *member, visiting map[string]bool) map[string]any {
	if visiting[id] || len(visiting) >= maxDepth {
		out := map[string]any{"type": "object", "description": "recursive " + id[strings.IndexByte(id, '#')+1:] + " (any JSON object of that shape)"}
		if d := docOf(m.Traits); d != "" {
			out["description"] = d + " (" + out["description"].(string) + ")"
		}
		return out
	}
	if _, ok := s.shapes[id]; ok {
		visiting[id] = true
		defer delete(visiting, id)
	}
	return s.schema(id, m, visiting)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func validPrefix(p string) bool {
	if p == "" || p[0] == '.' || p[0] == '-' || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
		return false
	}
	for _, c := range p {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// constraints copies length, range and pattern traits into a schema of
// the type it has.
func constraints(out map[string]any, traits map[string]json.RawMessage) {
	typ, _ := out["type"].(string)
	var r struct {
		Min *json.Number `json:"min"`
		Max *json.Number `json:"max"`
	}
	if raw, ok := traits["smithy.api#length"]; ok && json.Unmarshal(raw, &r) == nil {
		names := map[string][2]string{
			"string": {"minLength", "maxLength"}, "array": {"minItems", "maxItems"}, "object": {"minProperties", "maxProperties"},
		}[typ]
		lo, hi := names[0], names[1]
		if lo != "" && r.Min != nil {
			out[lo] = *r.Min
		}
		if hi != "" && r.Max != nil {
			out[hi] = *r.Max
		}
	}
	r.Min, r.Max = nil, nil
	if raw, ok := traits["smithy.api#range"]; ok && (typ == "integer" || typ == "number") && json.Unmarshal(raw, &r) == nil {
		if r.Min != nil {
			out["minimum"] = *r.Min
		}
		if r.Max != nil {
			out["maximum"] = *r.Max
		}
	}
	var pat string
	if raw, ok := traits["smithy.api#pattern"]; ok && typ == "string" && json.Unmarshal(raw, &pat) == nil && pat != "" {
		out["pattern"] = pat
	}
}
