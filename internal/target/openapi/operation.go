package openapi

import (
	"encoding/json"
	"fmt"
	"mime"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/toolgate/toolgate/internal/target"
)

// opConverter converts one operation into a tool and its call plan.
type opConverter struct {
	where    string
	warnings []target.Warning
	args     map[string]bool // input-schema property names in use
}

func (oc *opConverter) warn(format string, args ...any) {
	oc.warnings = append(oc.warnings, target.Warning{Where: oc.where, Message: fmt.Sprintf(format, args...)})
}

// argument is one property of the input schema.
type argument struct {
	name        string
	schema      *openapi3.SchemaRef
	description string
	deprecated  bool
	required    bool
}

// convert returns a skip error when the operation cannot become a tool.
func (oc *opConverter) convert(method, path string, pi *openapi3.PathItem, op *openapi3.Operation) (*operation, target.Tool, error) {
	plan := &operation{method: method, path: path}
	oc.args = map[string]bool{}
	var args []argument

	params, err := oc.parameters(pi.Parameters, op.Parameters)
	if err != nil {
		return nil, target.Tool{}, err
	}
	vars := templateVars(path)
	for _, v := range vars {
		if !slices.ContainsFunc(params, func(p *openapi3.Parameter) bool { return p.In == "path" && p.Name == v }) {
			return nil, target.Tool{}, skipf("path template variable {%s} has no path parameter", v)
		}
	}
	// Path parameters claim argument names first, then query, then header
	// parameters, then the request body (see doc.go).
	for _, in := range []string{"path", "query", "header"} {
		for _, p := range params {
			if p.In != in {
				continue
			}
			if in == "path" && !slices.Contains(vars, p.Name) {
				oc.warn("path parameter %q does not appear in the path template; dropped", p.Name)
				continue
			}
			pp, schema, err := oc.parameter(p)
			if err != nil {
				return nil, target.Tool{}, err
			}
			if pp == nil {
				continue
			}
			pp.arg = oc.claim(p.Name, in)
			plan.params = append(plan.params, *pp)
			args = append(args, argument{name: pp.arg, schema: schema, description: p.Description, deprecated: p.Deprecated, required: pp.required})
		}
	}

	if op.RequestBody != nil {
		body, arg, err := oc.requestBody(op.RequestBody)
		if err != nil {
			return nil, target.Tool{}, err
		}
		if body != nil {
			plan.body = body
			args = append(args, *arg)
		}
	}

	notes := &schemaNotes{}
	in := &jsonw{b: make([]byte, 0, 512)}
	em := &emitter{w: in, dir: request, budget: inputSchemaBudget, notes: notes}
	in.open()
	in.key("type")
	in.str("object")
	in.key("properties")
	in.open()
	for _, a := range args {
		in.key(a.name)
		em.ref(a.schema, &rootOpts{description: strings.TrimSpace(a.description), deprecated: a.deprecated})
	}
	in.close()
	first := true
	for _, a := range args {
		if !a.required {
			continue
		}
		if first {
			in.key("required")
			in.openArray()
			first = false
		}
		in.str(a.name)
	}
	if !first {
		in.closeArray()
	}
	in.close()

	tool := target.Tool{
		Description:  description(method, path, op),
		InputSchema:  json.RawMessage(in.b),
		OutputSchema: oc.output(op, plan, notes),
	}
	for _, ref := range notes.cycles {
		oc.warn("recursive schema %q is expanded once; where it recurs, only its type is given", ref)
	}
	for _, ref := range notes.unresolved {
		oc.warn("$ref %q cannot be resolved; any value is accepted in its place", ref)
	}
	if notes.truncated {
		oc.warn("a schema exceeds %d KiB when its $refs are expanded; the deeper ones were left unexpanded", inputSchemaBudget>>10)
	}
	return plan, tool, nil
}

// parameters merges path-item and operation parameters (an operation's
// parameter replaces the path item's of the same name and location).
func (oc *opConverter) parameters(pathLevel, opLevel openapi3.Parameters) ([]*openapi3.Parameter, error) {
	var out []*openapi3.Parameter
	seen := map[string]int{} // in+"\x00"+name -> index in out
	add := func(refs openapi3.Parameters, override bool) error {
		level := map[string]bool{}
		for _, pr := range refs {
			if pr == nil || pr.Value == nil {
				continue
			}
			p := pr.Value
			if ref, ok := p.Extensions[unresolvedKey].(string); ok {
				return skipf("parameter $ref %q cannot be resolved", ref)
			}
			if p.Name == "" {
				oc.warn("a parameter without a name is ignored")
				continue
			}
			k := p.In + "\x00" + p.Name
			if level[k] {
				oc.warn("parameter %q in %s is declared twice; the first declaration is used", p.Name, p.In)
				continue
			}
			level[k] = true
			if i, ok := seen[k]; ok && override {
				out[i] = p
				continue
			}
			seen[k] = len(out)
			out = append(out, p)
		}
		return nil
	}
	if err := add(pathLevel, false); err != nil {
		return nil, err
	}
	if err := add(opLevel, true); err != nil {
		return nil, err
	}
	for _, p := range out {
		if p.In == "cookie" {
			if p.Required {
				return nil, skipf("required cookie parameter %q is not supported", p.Name)
			}
			oc.warn("cookie parameter %q is not supported; dropped", p.Name)
		}
	}
	return slices.DeleteFunc(out, func(p *openapi3.Parameter) bool {
		switch p.In {
		case "path", "query", "header":
			return false
		case "cookie":
			return true
		}
		oc.warn("parameter %q has unknown location %q; dropped", p.Name, p.In)
		return true
	}), nil
}

// parameter returns the call plan and schema of p, nil when p is dropped
// (with a warning), or a skip error when the operation cannot work without it.
func (oc *opConverter) parameter(p *openapi3.Parameter) (*param, *openapi3.SchemaRef, error) {
	required := p.Required || p.In == "path" // path parameters are always required
	drop := func(format string, args ...any) (*param, *openapi3.SchemaRef, error) {
		msg := fmt.Sprintf(format, args...)
		if required {
			return nil, nil, skip{msg}
		}
		oc.warn("%s; parameter dropped", msg)
		return nil, nil, nil
	}
	if p.In == "header" {
		switch strings.ToLower(p.Name) {
		case "accept", "content-type", "authorization":
			// OpenAPI: such a parameter definition "SHALL be ignored".
			oc.warn("header parameter %q is ignored, as the OpenAPI specification requires (toolgate sets it)", p.Name)
			return nil, nil, nil
		}
	}
	pp := &param{name: p.Name, in: p.In, required: required, style: p.Style}
	schema := p.Schema
	if schema == nil && len(p.Content) > 0 {
		_, media := pickJSON(p.Content)
		if media == nil {
			return drop("parameter %q is described with media type %s, which is not supported", p.Name, strings.Join(sortedKeys(p.Content), ", "))
		}
		schema, pp.asJSON = media.Schema, true
	}
	switch p.In {
	case "path", "header":
		if pp.style == "" {
			pp.style = "simple"
		}
		if pp.style != "simple" {
			return drop("%s parameter %q uses style %q, which is not supported (only simple)", p.In, p.Name, pp.style)
		}
	case "query":
		if pp.style == "" {
			pp.style = "form"
		}
		switch pp.style {
		case "form", "spaceDelimited", "pipeDelimited", "deepObject":
		default:
			return drop("query parameter %q uses style %q, which is not supported", p.Name, pp.style)
		}
	}
	pp.explode = pp.style == "form" // the default
	if p.Explode != nil {
		pp.explode = *p.Explode
	}
	pp.shape = shapeOf(schema)
	if pp.asJSON {
		pp.shape = shapeAny
	}
	return pp, schema, nil
}

// claim returns the input-schema property name for a parameter. Names are
// made safe for LLM APIs (characters outside [A-Za-z0-9_.-] become "_"); a
// name already taken by an earlier argument becomes "{in}_{name}", then
// "{in}_{name}_2", ... Either change is reported.
func (oc *opConverter) claim(name, in string) string {
	arg := sanitize(name)
	if len(arg) > 64 {
		arg = arg[:64]
	}
	if arg != name {
		oc.warn("%s parameter %q is exposed as argument %q (argument names must match [A-Za-z0-9_.-]{1,64})", in, name, arg)
	}
	if oc.args[arg] {
		orig := arg
		arg = oc.unique(in + "_" + arg)
		oc.warn("%s parameter %q is exposed as argument %q because %q is already taken", in, name, arg, orig)
	}
	oc.args[arg] = true
	return arg
}

func (oc *opConverter) unique(base string) string {
	arg := base
	for i := 2; oc.args[arg]; i++ {
		arg = fmt.Sprintf("%s_%d", base, i)
	}
	return arg
}

// requestBody picks the media type toolgate sends: application/json, else
// the first (sorted) *+json type, else application/x-www-form-urlencoded.
func (oc *opConverter) requestBody(rb *openapi3.RequestBodyRef) (*reqBody, *argument, error) {
	if rb.Value == nil {
		return nil, nil, nil
	}
	if ref, ok := rb.Value.Extensions[unresolvedKey].(string); ok {
		return nil, nil, skipf("request body $ref %q cannot be resolved", ref)
	}
	b := rb.Value
	if len(b.Content) == 0 {
		return nil, nil, nil
	}
	body := &reqBody{required: b.Required}
	mt, media := pickJSON(b.Content)
	if media == nil {
		for _, k := range sortedKeys(b.Content) {
			if mediaType(k) == "application/x-www-form-urlencoded" {
				mt, media, body.form = k, b.Content[k], true
				break
			}
		}
	}
	if media == nil {
		msg := fmt.Sprintf("request body media type %s is not supported (toolgate sends application/json, */*+json or application/x-www-form-urlencoded)",
			strings.Join(sortedKeys(b.Content), ", "))
		if b.Required {
			return nil, nil, skip{msg}
		}
		oc.warn("%s; the optional body is dropped", msg)
		return nil, nil, nil
	}
	body.contentType = mediaType(mt)
	if strings.Contains(mt, "charset") {
		body.contentType = mt
	}
	name := "body"
	if oc.args[name] {
		name = oc.unique("requestBody")
		oc.warn("the request body is exposed as argument %q because %q is already a parameter", name, "body")
	}
	oc.args[name] = true
	body.arg = name
	return body, &argument{name: name, schema: media.Schema, description: b.Description, required: b.Required}, nil
}

// output returns the output schema: the schema of the first 2xx response
// (by status code) with a JSON body, when that schema is an object. It also
// sets the plan's Accept header to that media type.
func (oc *opConverter) output(op *openapi3.Operation, plan *operation, notes *schemaNotes) json.RawMessage {
	if op.Responses == nil {
		return nil
	}
	responses := op.Responses.Map()
	for _, code := range sortedKeys(responses) {
		if len(code) != 3 || code[0] != '2' {
			continue
		}
		rr := responses[code]
		if rr == nil || rr.Value == nil {
			continue
		}
		if ref, ok := rr.Value.Extensions[unresolvedKey].(string); ok {
			oc.warn("response %s $ref %q cannot be resolved; no output schema", code, ref)
			return nil
		}
		mt, media := pickJSON(rr.Value.Content)
		if media == nil {
			continue
		}
		plan.accept = mediaType(mt)
		if r := media.Schema; r != nil && r.Value != nil {
			if ref, ok := r.Value.Extensions[unresolvedKey].(string); ok {
				oc.warn("response %s schema $ref %q cannot be resolved; the tool has no output schema", code, ref)
				return nil
			}
		}
		if !isObject(media.Schema, 0) {
			return nil
		}
		w := &jsonw{b: make([]byte, 0, 512)}
		em := &emitter{w: w, dir: response, budget: outputSchemaBudget, notes: notes}
		em.ref(media.Schema, &rootOpts{forceObject: true})
		return json.RawMessage(w.b)
	}
	return nil
}

// pickJSON returns the JSON media type of content: application/json, else
// the first *+json in sorted order.
func pickJSON(content openapi3.Content) (string, *openapi3.MediaType) {
	keys := sortedKeys(content)
	for _, k := range keys {
		if mediaType(k) == "application/json" {
			return k, content[k]
		}
	}
	for _, k := range keys {
		if mt := mediaType(k); strings.HasSuffix(mt, "+json") {
			return k, content[k]
		}
	}
	return "", nil
}

// mediaType returns the lowercased type/subtype of a media-type key.
func mediaType(k string) string {
	mt, _, err := mime.ParseMediaType(k)
	if err != nil {
		mt, _, _ = strings.Cut(k, ";")
		mt = strings.TrimSpace(strings.ToLower(mt))
	}
	return mt
}

func shapeOf(r *openapi3.SchemaRef) shape {
	if r == nil || r.Value == nil || r.Value.Type == nil {
		return shapeAny
	}
	t := r.Value.Type
	switch {
	case t.Includes("array"):
		return shapeArray
	case t.Includes("object"):
		return shapeObject
	case t.Includes("string"), t.Includes("integer"), t.Includes("number"), t.Includes("boolean"):
		return shapeScalar
	}
	return shapeAny
}

// templateVars returns the {names} of a path template, in order.
func templateVars(path string) []string {
	var vars []string
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			return vars
		}
		end := strings.IndexByte(path[open:], '}')
		if end < 0 {
			return vars
		}
		vars = append(vars, path[open+1:open+end])
		path = path[open+end+1:]
	}
}

// description joins an operation's summary and description; an operation
// with neither is described by its method and path, so an LLM still has
// something to go on.
func description(method, path string, op *openapi3.Operation) string {
	summary := strings.TrimSpace(op.Summary)
	desc := strings.TrimSpace(op.Description)
	switch {
	case summary != "" && desc != "" && summary != desc:
		return summary + "\n\n" + desc
	case summary != "":
		return summary
	case desc != "":
		return desc
	}
	return method + " " + path
}
