package policy

import "fmt"

// Request is one authorization question: may the principal whose policies
// are evaluated perform Action on Resource, given Context?
type Request struct {
	// Action is "service:Operation", e.g. "bedrock-agentcore:GetGateway".
	Action string
	// Resource is the ARN the operation touches, or "*" when it touches no
	// single resource.
	Resource string
	// Context holds the condition keys (aws:SourceIp, aws:CurrentTime,
	// aws:TagKeys, …). Keys are matched case-insensitively; lookups are
	// fastest when the caller uses the keys' canonical spelling. A key with
	// no values counts as absent.
	Context map[string][]string
}

// Reasons a Decision was reached.
const (
	ReasonExplicitDeny = "explicit deny"
	ReasonAllow        = "allow"
	ReasonImplicitDeny = "implicit deny"
)

// Decision is the outcome of Evaluate.
type Decision struct {
	Allowed bool
	// Reason is ReasonExplicitDeny, ReasonAllow or ReasonImplicitDeny.
	Reason string
	// Statement is the statement that decided: the first matching Deny for
	// an explicit deny, the first matching Allow for an allow; nil for an
	// implicit deny.
	Statement *StatementRef
}

// StatementRef identifies a statement among the evaluated policies.
type StatementRef struct {
	Policy     int    // index in the policies passed to Evaluate
	PolicyName string // Policy.Name
	Statement  int    // index in the policy's Statement list
	Sid        string // the statement's Sid, if any
}

func (r StatementRef) String() string {
	s := fmt.Sprintf("policy %d", r.Policy)
	if r.PolicyName != "" {
		s = fmt.Sprintf("policy %q", r.PolicyName)
	}
	s += fmt.Sprintf(" Statement[%d]", r.Statement)
	if r.Sid != "" {
		s += fmt.Sprintf(" (Sid %q)", r.Sid)
	}
	return s
}

func (d Decision) String() string {
	if d.Statement == nil {
		return d.Reason
	}
	return d.Reason + " by " + d.Statement.String()
}

// Evaluate decides req against the principal's identity policies with AWS's
// logic: a matching Deny statement in any policy denies ("explicit deny");
// otherwise a matching Allow statement allows; otherwise the request is
// denied ("implicit deny"). A statement matches when its action, resource
// and every condition match. Nil policies are skipped.
func Evaluate(policies []*Policy, req Request) Decision {
	allowP, allowS := -1, -1
	for pi, p := range policies {
		if p == nil {
			continue
		}
		for si := range p.statements {
			st := &p.statements[si]
			if st.effect == Allow && allowP >= 0 {
				continue // only a Deny can change the outcome now
			}
			if !st.matches(&req) {
				continue
			}
			if st.effect == Deny {
				return Decision{Allowed: false, Reason: ReasonExplicitDeny, Statement: ref(p, pi, si)}
			}
			allowP, allowS = pi, si
		}
	}
	if allowP >= 0 {
		return Decision{Allowed: true, Reason: ReasonAllow, Statement: ref(policies[allowP], allowP, allowS)}
	}
	return Decision{Allowed: false, Reason: ReasonImplicitDeny}
}

func ref(p *Policy, pi, si int) *StatementRef {
	return &StatementRef{Policy: pi, PolicyName: p.Name, Statement: si, Sid: p.statements[si].sid}
}

func (st *statement) matches(req *Request) bool {
	if anyMatch(st.actions, req.Action, nil) == st.notAction {
		return false
	}
	if anyMatch(st.resources, req.Resource, req.Context) == st.notResource {
		return false
	}
	for i := range st.conditions {
		if !st.conditions[i].eval(req.Context) {
			return false
		}
	}
	return true
}

func anyMatch(pats []pattern, s string, ctx map[string][]string) bool {
	for i := range pats {
		if pats[i].match(s, ctx) {
			return true
		}
	}
	return false
}
