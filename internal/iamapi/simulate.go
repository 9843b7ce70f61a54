package iamapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/store"
)

// The policy simulator answers with the evaluator the control plane
// enforces with (package iam/policy), on the policies the authoriser has
// loaded for the principal, so a simulation and the real call agree.

// Policy source types of a matched statement (IAM's PolicySourceType).
const (
	sourceUser       = "user"
	sourceRole       = "role"
	sourceAWSManaged = "aws-managed"
	sourceManaged    = "user-managed"
	sourceNone       = "none"
)

// unsupportedSimulation are simulator parameters toolgate does not model;
// a simulation that ignored them would answer a different question.
var unsupportedSimulation = []string{"ResourcePolicy", "ResourceOwner", "ResourceHandlingOption", "PermissionsBoundaryPolicyInputList", "PolicyExclusionList", "OrderedOrganizationPolicyInputList"}

type simulateResult struct {
	EvaluationResults []evaluationResultXML `xml:"EvaluationResults>member"`
	IsTruncated       bool                  `xml:"IsTruncated"`
	Marker            string                `xml:"Marker,omitempty"`
}

// simulation is one parsed request of either simulator.
type simulation struct {
	actions   []string
	resources []string
	context   map[string][]string
	page      pageReq
}

func (h *Handler) parseSimulation(c *call) (simulation, error) {
	var v validation
	s := simulation{actions: c.p.list("ActionNames"), resources: c.p.list("ResourceArns"), context: map[string][]string{}}
	if len(s.actions) == 0 {
		v.add("ActionNames", nil, "Member must not be null")
	}
	for i, a := range s.actions {
		if a == "" || len(a) > 128 {
			v.add("ActionNames.member."+strconv.Itoa(i+1), a, "Member must have length between 3 and 128")
		}
	}
	for i, r := range s.resources {
		if r == "" || len(r) > 2048 {
			v.add("ResourceArns.member."+strconv.Itoa(i+1), r, "Member must have length between 1 and 2048")
		}
	}
	if len(s.resources) == 0 {
		s.resources = []string{"*"}
	}
	s.page = pageParams(&v, c.p)
	if err := v.err(); err != nil {
		return s, err
	}
	for _, name := range unsupportedSimulation {
		if c.p.has(name) || len(c.p.list(name)) > 0 || len(c.p.structs(name)) > 0 {
			return s, errInvalidInput("toolgate's policy simulator evaluates identity-based policies only and does not support %s.", name)
		}
	}
	for i, e := range c.p.structs("ContextEntries") {
		name, typ, values := e.get("ContextKeyName"), e.get("ContextKeyType"), e.list("ContextKeyValues")
		if err := checkContextEntry(i+1, name, typ, values); err != nil {
			return s, err
		}
		s.context[name] = append(s.context[name], values...)
	}
	return s, nil
}

// checkContextEntry validates one ContextEntries member against its type.
func checkContextEntry(n int, name, typ string, values []string) error {
	at := "ContextEntries.member." + strconv.Itoa(n)
	if len(name) < 5 || len(name) > 256 {
		return errValidationMsg(fmt.Sprintf("1 validation error detected: Value '%s' at '%s.contextKeyName' failed to satisfy constraint: Member must have length between 5 and 256", sanitize(name), lowerFirst(at)))
	}
	base, list := strings.CutSuffix(typ, "List")
	if typ == "" {
		base = "string"
	}
	check := map[string]func(string) bool{
		"string":  func(string) bool { return true },
		"numeric": func(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil },
		"boolean": func(s string) bool { _, err := strconv.ParseBool(s); return err == nil },
		"ip": func(s string) bool {
			if net.ParseIP(s) != nil {
				return true
			}
			_, _, err := net.ParseCIDR(s)
			return err == nil
		},
		"binary": func(s string) bool { _, err := base64.StdEncoding.DecodeString(s); return err == nil },
		"date": func(s string) bool {
			if _, err := time.Parse(time.RFC3339, s); err == nil {
				return true
			}
			_, err := strconv.ParseInt(s, 10, 64)
			return err == nil
		},
	}[base]
	if check == nil {
		return errValidationMsg(fmt.Sprintf("1 validation error detected: Value '%s' at '%s.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]", sanitize(typ), lowerFirst(at)))
	}
	if len(values) == 0 {
		return errInvalidInput("Context key %s has no values.", name)
	}
	if !list && len(values) > 1 {
		return errInvalidInput("Context key %s of type %s takes one value, got %d (use %sList).", name, base, len(values), base)
	}
	for _, v := range values {
		if !check(v) {
			return errInvalidInput("Context key %s: %q is not a valid %s value.", name, v, base)
		}
	}
	return nil
}

// principalContext adds the condition keys a request by p would carry
// (aws:PrincipalArn, aws:username, aws:CurrentTime, ...) where the caller
// supplied none of that name.
func (h *Handler) principalContext(ctx map[string][]string, p store.Principal) {
	now := h.o.Now().UTC()
	add := func(k string, v ...string) {
		for have := range ctx {
			if strings.EqualFold(have, k) {
				return
			}
		}
		ctx[k] = v
	}
	add("aws:CurrentTime", now.Format(time.RFC3339))
	add("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	if p.ARN != "" {
		add("aws:PrincipalArn", p.ARN)
	}
	switch p.Kind {
	case store.PrincipalUser:
		add("aws:PrincipalType", "User")
		add("aws:username", p.Name)
	case store.PrincipalRole:
		add("aws:PrincipalType", "AssumedRole")
	case store.PrincipalRoot:
		add("aws:PrincipalType", "Account")
	}
	if p.ID != "" {
		add("aws:userid", p.ID)
	}
	for k, v := range p.Tags {
		add("aws:PrincipalTag/"+k, v)
	}
}

// source describes where a policy came from, for MatchedStatements.
type source struct {
	id, typ string
}

// run evaluates every action on every resource.
func (h *Handler) run(s simulation, ps []*policy.Policy, sources []source, root bool) (any, error) {
	var results []evaluationResultXML
	for _, action := range s.actions {
		for _, resource := range s.resources {
			r := evaluationResultXML{EvalActionName: action, EvalResourceName: resource}
			if root {
				r.EvalDecision = "allowed" // the root principal is allowed everything without policies
				results = append(results, r)
				continue
			}
			d := policy.Evaluate(ps, policy.Request{Action: action, Resource: resource, Context: s.context})
			switch d.Reason {
			case policy.ReasonAllow:
				r.EvalDecision = "allowed"
			case policy.ReasonExplicitDeny:
				r.EvalDecision = "explicitDeny"
			default:
				r.EvalDecision = "implicitDeny"
			}
			if st := d.Statement; st != nil {
				m := statementXML{SourcePolicyID: sources[st.Policy].id, SourcePolicyType: sources[st.Policy].typ}
				if start, end, ok := statementSpan(ps[st.Policy].Document(), st.Statement); ok {
					m.StartPosition, m.EndPosition = &start, &end
				}
				r.MatchedStatements = []statementXML{m}
			}
			r.MissingContextValues = missingKeys(ps, s.context)
			results = append(results, r)
		}
	}
	page, next, err := paginate(results, nil, s.page)
	if err != nil {
		return nil, err
	}
	return simulateResult{EvaluationResults: page, IsTruncated: next != "", Marker: next}, nil
}

func (h *Handler) simulatePrincipalPolicy(c *call) (any, error) {
	s, err := h.parseSimulation(c)
	if err != nil {
		return nil, err
	}
	arn := c.p.get("PolicySourceArn")
	if arn == "" {
		return nil, errValidationMsg("1 validation error detected: Value null at 'policySourceArn' failed to satisfy constraint: Member must not be null")
	}
	p, err := h.principalByARN(c.ctx, arn)
	if err != nil {
		return nil, err
	}
	extra, extraSources, err := inputPolicies(c.p)
	if err != nil {
		return nil, err
	}
	h.principalContext(s.context, p)
	if p.Kind == store.PrincipalRoot {
		return h.run(s, nil, nil, true)
	}
	own, err := h.o.Authorizer.Policies(c.ctx, p.ID)
	if err != nil {
		return nil, err
	}
	ps := slices.Clone(own)
	sources := make([]source, len(own))
	for i, pol := range own {
		sources[i] = h.sourceOf(pol.Name, p.Kind)
	}
	return h.run(s, append(ps, extra...), append(sources, extraSources...), false)
}

func (h *Handler) simulateCustomPolicy(c *call) (any, error) {
	s, err := h.parseSimulation(c)
	if err != nil {
		return nil, err
	}
	ps, sources, err := inputPolicies(c.p)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errValidationMsg("1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	if arn := c.p.get("CallerArn"); arn != "" {
		if p, err := h.principalByARN(c.ctx, arn); err == nil {
			h.principalContext(s.context, p)
		} else {
			h.principalContext(s.context, store.Principal{ARN: arn})
		}
	} else {
		h.principalContext(s.context, store.Principal{})
	}
	return h.run(s, ps, sources, false)
}

// inputPolicies parses PolicyInputList.
func inputPolicies(p params) ([]*policy.Policy, []source, error) {
	var ps []*policy.Policy
	var sources []source
	for i, doc := range p.list("PolicyInputList") {
		id := "PolicyInputList." + strconv.Itoa(i+1)
		pol, err := policy.Parse([]byte(policyDocument(doc)))
		if err != nil {
			return nil, nil, errMalformedPolicy("%s: %s", id, err.Error())
		}
		pol.Name = id
		ps = append(ps, pol)
		sources = append(sources, source{id: id, typ: sourceNone})
	}
	return ps, sources, nil
}

// sourceOf names a policy the authoriser loaded (its Name is a managed
// policy's ARN or "inline:<name>").
func (h *Handler) sourceOf(name, kind string) source {
	if inline, ok := strings.CutPrefix(name, "inline:"); ok {
		if kind == store.PrincipalRole {
			return source{id: inline, typ: sourceRole}
		}
		return source{id: inline, typ: sourceUser}
	}
	if _, ok := iam.BuiltInPolicyName(name); ok {
		return source{id: name, typ: sourceAWSManaged}
	}
	return source{id: name, typ: sourceManaged}
}

// principalByARN finds the user, role or root principal an ARN names.
func (h *Handler) principalByARN(ctx context.Context, arn string) (store.Principal, error) {
	notFound := errNoSuchEntity("The principal %s cannot be found.", arn)
	if arn == h.RootARN() {
		roots, err := h.allPrincipals(ctx, store.PrincipalRoot)
		if err != nil {
			return store.Principal{}, err
		}
		if len(roots) == 0 {
			return store.Principal{}, notFound
		}
		return roots[0], nil
	}
	prefix := "arn:aws:iam::" + h.o.AccountID + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	if !ok {
		return store.Principal{}, notFound
	}
	var kind string
	switch {
	case strings.HasPrefix(rest, "user/"):
		kind = store.PrincipalUser
	case strings.HasPrefix(rest, "role/"):
		kind = store.PrincipalRole
	default:
		return store.Principal{}, notFound
	}
	p, err := h.o.Store.GetPrincipalByName(ctx, kind, policyName(rest))
	if isNotFound(err) || (err == nil && p.ARN != arn) {
		return store.Principal{}, notFound
	}
	return p, err
}

// onSimulationSource: SimulatePrincipalPolicy, on the simulated principal.
func onSimulationSource(h *Handler, c *call) target {
	if arn := c.p.get("PolicySourceArn"); arn != "" {
		return target{arn: arn}
	}
	return target{arn: "*"}
}

// statementSpan returns where Statement[i] of a policy document starts and
// ends (1-based line and column; the end is its closing brace).
func statementSpan(doc []byte, i int) (start, end positionXML, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return start, end, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return start, end, false
		}
		if key, _ := t.(string); key != "Statement" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return start, end, false
			}
			continue
		}
		at := skipSeparators(doc, int(dec.InputOffset()))
		if at >= len(doc) {
			return start, end, false
		}
		if doc[at] == '{' {
			if i != 0 {
				return start, end, false
			}
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return start, end, false
			}
			return position(doc, at), position(doc, int(dec.InputOffset())-1), true
		}
		if _, err := dec.Token(); err != nil { // [
			return start, end, false
		}
		for j := 0; dec.More(); j++ {
			from := skipSeparators(doc, int(dec.InputOffset()))
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return start, end, false
			}
			if j == i {
				return position(doc, from), position(doc, int(dec.InputOffset())-1), true
			}
		}
		return start, end, false
	}
	return start, end, false
}

func skipSeparators(doc []byte, at int) int {
	for at < len(doc) && strings.IndexByte(" \t\r\n:,", doc[at]) >= 0 {
		at++
	}
	return at
}

// position converts a byte offset into a 1-based line and column.
func position(doc []byte, off int) positionXML {
	line := 1 + bytes.Count(doc[:off], []byte("\n"))
	col := off + 1
	if nl := bytes.LastIndexByte(doc[:off], '\n'); nl >= 0 {
		col = off - nl
	}
	return positionXML{Line: line, Column: col}
}

// missingKeys lists the condition keys the policies test that the
// simulation's context does not provide (IAM's MissingContextValues).
func missingKeys(ps []*policy.Policy, ctx map[string][]string) []string {
	have := map[string]bool{}
	for k := range ctx {
		have[strings.ToLower(k)] = true
	}
	var missing []string
	seen := map[string]bool{}
	for _, p := range ps {
		for _, key := range conditionKeys(p.Document()) {
			lk := strings.ToLower(key)
			if !have[lk] && !seen[lk] {
				seen[lk] = true
				missing = append(missing, key)
			}
		}
	}
	return missing
}

// conditionKeys returns the keys the Condition blocks of a (valid)
// document test.
func conditionKeys(doc []byte) []string {
	var d struct {
		Statement json.RawMessage
	}
	if json.Unmarshal(doc, &d) != nil {
		return nil
	}
	var stmts []struct {
		Condition map[string]map[string]json.RawMessage
	}
	if bytes.HasPrefix(bytes.TrimSpace(d.Statement), []byte("{")) {
		d.Statement = append(append([]byte("["), d.Statement...), ']')
	}
	if json.Unmarshal(d.Statement, &stmts) != nil {
		return nil
	}
	var keys []string
	for _, st := range stmts {
		for _, op := range st.Condition {
			for k := range op {
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
