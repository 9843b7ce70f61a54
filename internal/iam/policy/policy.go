// Package policy parses IAM JSON identity-policy documents and evaluates
// requests against them with AWS's semantics.
//
// Parse is strict: anything AWS IAM would reject as a MalformedPolicyDocument
// (and a few things it would only warn about) is an error naming the
// statement and the problem, so the control plane can refuse a policy when it
// is attached. Everything is precompiled at parse time (wildcard patterns,
// ARN patterns, CIDRs, numbers, dates), so Evaluate neither parses policy
// text nor allocates beyond the decided statement's reference.
//
// A parsed *Policy is immutable and safe for concurrent use.
//
// Semantics, following the IAM User Guide:
//
//   - Actions match case-insensitively; Resources case-sensitively. In both,
//     '*' matches any run of characters (including ':' and '/') and '?'
//     exactly one. A Resource is "*" or an ARN; a short ARN is accepted only
//     when it ends in '*' ("arn:aws:bedrock-agentcore:*").
//   - NotAction/NotResource: the statement applies to every action/resource
//     that matches none of the listed patterns. They never deny by themselves.
//   - Conditions: operators are AND-ed, keys under an operator are AND-ed,
//     values for a key are OR-ed. Condition keys are case-insensitive. Without
//     a set qualifier an operator is true when any request value matches any
//     policy value; a negated operator (StringNotEquals, ArnNotLike,
//     NotIpAddress, NumericNotEquals, DateNotEquals, …) is the negation of its
//     positive form, so it is true when the key is missing. ForAnyValue is
//     false and ForAllValues true for a missing or empty key; with a negated
//     operator they apply the negation to each request value. …IfExists is
//     true when the key is missing. Null "true" means the key is missing.
//   - ArnEquals and ArnLike are the same operator (both take wildcards),
//     matched per colon-separated part, the resource part spanning colons.
//   - Policy variables (${aws:username}, ${aws:ResourceTag/k}, defaults as
//     ${aws:username, 'x'}, and ${*}, ${?}, ${$}) are substituted in Resource
//     and NotResource and in String and ARN condition values of 2012-10-17
//     documents. A variable whose key is missing or multi-valued and has no
//     default matches nothing.
//   - A document without Version is read as 2008-10-17 (variables are then
//     literal text), as AWS does; any other Version is an error.
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Policy versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect string

// Effects.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Policy is a parsed, precompiled policy document.
type Policy struct {
	// Name identifies the policy in decisions (StatementRef.PolicyName). Parse
	// leaves it empty; set it before sharing the policy between goroutines.
	// BuiltIn sets it to the template's name.
	Name string
	// Version is the document's Version; 2008-10-17 when it has none, as in
	// AWS. Policy variables are only substituted in 2012-10-17 documents.
	Version string
	// ID is the document's Id element, if any.
	ID string

	statements []statement
	doc        []byte
}

// Document returns the JSON text the policy was parsed from.
func (p *Policy) Document() []byte { return bytes.Clone(p.doc) }

// MarshalJSON returns the document text, so a Policy round-trips through JSON.
func (p *Policy) MarshalJSON() ([]byte, error) { return p.Document(), nil }

// Len returns the number of statements.
func (p *Policy) Len() int { return len(p.statements) }

// Sid returns the Sid of statement i ("" when it has none).
func (p *Policy) Sid(i int) string { return p.statements[i].sid }

type statement struct {
	sid         string
	effect      Effect
	notAction   bool
	actions     []pattern
	notResource bool
	resources   []pattern
	conditions  []clause
}

// ParseError is a malformed policy document. Statement is the index of the
// offending statement in the Statement list (0 when Statement is a single
// object), or -1 when the problem is outside any statement.
type ParseError struct {
	Statement int
	Sid       string
	Msg       string
}

func (e *ParseError) Error() string {
	if e.Statement < 0 {
		return "policy document: " + e.Msg
	}
	if e.Sid != "" {
		return fmt.Sprintf("policy document: Statement[%d] (Sid %q): %s", e.Statement, e.Sid, e.Msg)
	}
	return fmt.Sprintf("policy document: Statement[%d]: %s", e.Statement, e.Msg)
}

// member is one key/value of a JSON object, in document order.
type member struct {
	key string
	val json.RawMessage
}

// decodeObject decodes a JSON object, keeping member order and refusing
// duplicate keys (which encoding/json would silently collapse).
func decodeObject(raw json.RawMessage, what string) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s must be a JSON object, got %s", what, jsonKind(raw))
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
		}
		key := t.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
		}
		if seen[key] {
			return nil, fmt.Errorf("%s has a duplicate key %q", what, key)
		}
		seen[key] = true
		out = append(out, member{key, val})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", what, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s has trailing data", what)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%s has trailing data", what)
	}
	return out, nil
}

func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// stringOrList decodes a string or a non-empty list of strings.
func stringOrList(raw json.RawMessage, what string) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
		return []string{s}, nil
	}
	if len(raw) == 0 || raw[0] != '[' {
		return nil, fmt.Errorf("%s must be a string or a list of strings, got %s", what, jsonKind(raw))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s must not be an empty list", what)
	}
	out := make([]string, len(items))
	for i, it := range items {
		if len(it) == 0 || it[0] != '"' {
			return nil, fmt.Errorf("%s must be a string or a list of strings, but item %d is %s", what, i, jsonKind(it))
		}
		if err := json.Unmarshal(it, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
	}
	return out, nil
}

// scalarOrList decodes a condition value: a string, number or boolean, or a
// non-empty list of them. Numbers and booleans keep their JSON text.
func scalarOrList(raw json.RawMessage, what string) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	scalar := func(r json.RawMessage) (string, bool) {
		if len(r) == 0 {
			return "", false
		}
		switch r[0] {
		case '"':
			var s string
			if json.Unmarshal(r, &s) != nil {
				return "", false
			}
			return s, true
		case '[', '{', 'n':
			return "", false
		}
		return string(r), true // number, true, false
	}
	if s, ok := scalar(raw); ok {
		return []string{s}, nil
	}
	if len(raw) == 0 || raw[0] != '[' {
		return nil, fmt.Errorf("%s must be a string, number, boolean or a list of them, got %s", what, jsonKind(raw))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s must not be an empty list", what)
	}
	out := make([]string, len(items))
	for i, it := range items {
		s, ok := scalar(bytes.TrimSpace(it))
		if !ok {
			return nil, fmt.Errorf("%s: item %d must be a string, number or boolean, got %s", what, i, jsonKind(it))
		}
		out[i] = s
	}
	return out, nil
}

// Parse parses and precompiles an IAM identity-policy document.
func Parse(doc []byte) (*Policy, error) {
	docErr := func(format string, args ...any) error {
		return &ParseError{Statement: -1, Msg: fmt.Sprintf(format, args...)}
	}
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, docErr("empty document")
	}
	members, err := decodeObject(doc, "the document")
	if err != nil {
		return nil, docErr("%v", err)
	}
	p := &Policy{Version: Version2008, doc: bytes.Clone(doc)}
	var stmtRaw json.RawMessage
	for _, m := range members {
		switch m.key {
		case "Version":
			var v string
			if err := json.Unmarshal(m.val, &v); err != nil {
				return nil, docErr("Version must be a string, got %s", jsonKind(m.val))
			}
			if v != Version2012 && v != Version2008 {
				return nil, docErr("unsupported Version %q (use %q)", v, Version2012)
			}
			p.Version = v
		case "Id":
			if err := json.Unmarshal(m.val, &p.ID); err != nil {
				return nil, docErr("Id must be a string, got %s", jsonKind(m.val))
			}
		case "Statement":
			stmtRaw = m.val
		default:
			return nil, docErr("unknown element %q (allowed: Version, Id, Statement)", m.key)
		}
	}
	if stmtRaw == nil {
		return nil, docErr("missing Statement")
	}
	var raws []json.RawMessage
	switch t := bytes.TrimSpace(stmtRaw); {
	case len(t) > 0 && t[0] == '{':
		raws = []json.RawMessage{t}
	case len(t) > 0 && t[0] == '[':
		if err := json.Unmarshal(t, &raws); err != nil {
			return nil, docErr("Statement: %v", err)
		}
		if len(raws) == 0 {
			return nil, docErr("Statement must not be an empty list")
		}
	default:
		return nil, docErr("Statement must be an object or a list of objects, got %s", jsonKind(t))
	}
	variables := p.Version == Version2012
	sids := map[string]int{}
	for i, raw := range raws {
		st, err := parseStatement(raw, variables)
		if err != nil {
			err.Statement = i
			return nil, err
		}
		if st.sid != "" {
			if j, dup := sids[st.sid]; dup {
				return nil, &ParseError{Statement: i, Sid: st.sid, Msg: fmt.Sprintf("duplicate Sid (also Statement[%d]); Sids must be unique within a policy", j)}
			}
			sids[st.sid] = i
		}
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func parseStatement(raw json.RawMessage, variables bool) (statement, *ParseError) {
	var st statement
	fail := func(format string, args ...any) (statement, *ParseError) {
		return statement{}, &ParseError{Sid: st.sid, Msg: fmt.Sprintf(format, args...)}
	}
	members, err := decodeObject(raw, "the statement")
	if err != nil {
		return fail("%v", err)
	}
	// Read the Sid first so every later error can name it.
	for _, m := range members {
		if m.key == "Sid" {
			if err := json.Unmarshal(m.val, &st.sid); err != nil {
				return fail("Sid must be a string, got %s", jsonKind(m.val))
			}
			for _, c := range st.sid {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
					return fail("Sid must contain only letters and digits")
				}
			}
		}
	}
	var haveEffect bool
	var action, notAction, resource, notResource, condition json.RawMessage
	for _, m := range members {
		switch m.key {
		case "Sid":
		case "Effect":
			var e string
			if err := json.Unmarshal(m.val, &e); err != nil {
				return fail("Effect must be a string, got %s", jsonKind(m.val))
			}
			if Effect(e) != Allow && Effect(e) != Deny {
				return fail("Effect must be \"Allow\" or \"Deny\", got %q", e)
			}
			st.effect, haveEffect = Effect(e), true
		case "Action":
			action = m.val
		case "NotAction":
			notAction = m.val
		case "Resource":
			resource = m.val
		case "NotResource":
			notResource = m.val
		case "Condition":
			condition = m.val
		case "Principal", "NotPrincipal":
			return fail("%s is not allowed in an identity-based policy (the policy applies to the principals it is attached to)", m.key)
		default:
			return fail("unknown element %q (allowed: Sid, Effect, Action, NotAction, Resource, NotResource, Condition)", m.key)
		}
	}
	if !haveEffect {
		return fail("missing Effect")
	}

	// Actions.
	name, rawActions, negated, msg := exclusive("Action", action, notAction)
	if msg != "" {
		return fail("%s", msg)
	}
	st.notAction = negated
	actions, err := stringOrList(rawActions, name)
	if err != nil {
		return fail("%v", err)
	}
	for _, a := range actions {
		if err := checkAction(a); err != nil {
			return fail("%s %v", name, err)
		}
		pat, err := compilePattern(a, compileOptions{wildcards: true, fold: true})
		if err != nil {
			return fail("%s: %v", name, err)
		}
		st.actions = append(st.actions, pat)
	}

	// Resources.
	name, rawResources, negated, msg := exclusive("Resource", resource, notResource)
	if msg != "" {
		return fail("%s", msg)
	}
	st.notResource = negated
	resources, err := stringOrList(rawResources, name)
	if err != nil {
		return fail("%v", err)
	}
	for _, r := range resources {
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return fail("%s %q must be an ARN (arn:partition:service:region:account:resource) or \"*\"", name, r)
		}
		// AWS: a '*' ending an ARN segment may match beyond the colons, so
		// "arn:aws:bedrock-agentcore:*" is allowed; other short ARNs are not.
		if r != "*" && strings.Count(r, ":") < 5 && !strings.HasSuffix(r, "*") {
			return fail("%s %q is not an ARN: it needs six colon-separated parts (arn:partition:service:region:account:resource)", name, r)
		}
		pat, err := compilePattern(r, compileOptions{wildcards: true, variables: variables})
		if err != nil {
			return fail("%s: %v", name, err)
		}
		st.resources = append(st.resources, pat)
	}

	// Conditions.
	if condition != nil {
		if st.conditions, err = parseCondition(condition, variables); err != nil {
			return fail("%v", err)
		}
	}
	return st, nil
}

// checkAction validates "*" or "service:pattern".
// exclusive picks whichever of an element and its Not form a statement has
// (Action/NotAction, Resource/NotResource): exactly one must be present.
// msg is the problem when not.
func exclusive(elem string, pos, neg json.RawMessage) (name string, raw json.RawMessage, negated bool, msg string) {
	switch {
	case pos != nil && neg != nil:
		return "", nil, false, fmt.Sprintf("has both %s and Not%s; use exactly one", elem, elem)
	case pos == nil && neg == nil:
		return "", nil, false, fmt.Sprintf("missing %s or Not%s", elem, elem)
	case neg != nil:
		return "Not" + elem, neg, true, ""
	}
	return elem, pos, false, ""
}

func checkAction(a string) error {
	if a == "*" {
		return nil
	}
	service, name, ok := strings.Cut(a, ":")
	if !ok || service == "" || name == "" {
		return fmt.Errorf("%q must be \"*\" or service:action (e.g. bedrock-agentcore:GetGateway)", a)
	}
	for _, c := range service {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%q: the service prefix %q may contain only letters, digits and '-'", a, service)
		}
	}
	return nil
}

func parseCondition(raw json.RawMessage, variables bool) ([]clause, error) {
	ops, err := decodeObject(raw, "Condition")
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, errors.New("Condition must not be empty")
	}
	var out []clause
	for _, op := range ops {
		info, set, ifExists, err := parseOperator(op.key)
		if err != nil {
			return nil, fmt.Errorf("Condition: %v", err)
		}
		keys, err := decodeObject(op.val, fmt.Sprintf("Condition %s", op.key))
		if err != nil {
			return nil, err
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("Condition %s has no condition keys", op.key)
		}
		seen := map[string]string{}
		for _, k := range keys {
			where := fmt.Sprintf("Condition %s %q", op.key, k.key)
			low := strings.ToLower(k.key)
			if prev, dup := seen[low]; dup {
				return nil, fmt.Errorf("Condition %s: keys %q and %q are the same (condition keys are case-insensitive)", op.key, prev, k.key)
			}
			seen[low] = k.key
			if prefix, rest, ok := strings.Cut(k.key, ":"); !ok || prefix == "" || rest == "" {
				return nil, fmt.Errorf("%s: condition keys must be prefix:name (e.g. aws:SourceIp)", where)
			}
			vals, err := scalarOrList(k.val, where)
			if err != nil {
				return nil, err
			}
			c := clause{op: info.kind, negate: info.negate, ifExists: ifExists, set: set, key: k.key, low: low}
			for _, v := range vals {
				cv, err := compileValue(info.kind, v, variables)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", where, err)
				}
				c.values = append(c.values, cv)
			}
			out = append(out, c)
		}
	}
	return out, nil
}
