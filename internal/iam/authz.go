package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/toolgate/toolgate/internal/audit"
	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/store"
)

// BuiltInPolicyPrefix starts the ARN of every built-in policy, as AWS-managed
// policies' ARNs start with arn:aws:iam::aws:policy/.
const BuiltInPolicyPrefix = "arn:aws:iam::aws:policy/"

// BuiltInPolicyARN returns the ARN operators attach a built-in template by.
func BuiltInPolicyARN(name string) string { return BuiltInPolicyPrefix + name }

// BuiltInPolicyName returns the template name of a built-in policy ARN.
func BuiltInPolicyName(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, BuiltInPolicyPrefix)
	if !ok {
		return "", false
	}
	if _, ok := policy.BuiltIn(name); !ok {
		return "", false
	}
	return name, true
}

// ReasonRoot is the Decision reason for the root principal, which is allowed
// everything without policies (as an AWS account's root user is).
const ReasonRoot = "root principal"

// PolicySource is the part of the store the Authorizer reads.
type PolicySource interface {
	EffectivePolicies(ctx context.Context, principalID string) ([]store.EffectivePolicy, error)
}

// Authorizer decides whether a principal may perform an action, with the
// policies attached to it (managed, built-in and inline). Parsed policies are
// cached per principal: the hot path (InvokeGateway on every MCP request of
// an AWS_IAM gateway) does no store access. Invalidate must be called
// whenever the store changes (the server calls it on every catalog
// snapshot, which follows every revision change, this replica's or
// another's).
type Authorizer struct {
	src PolicySource

	mu    sync.RWMutex
	gen   uint64
	cache map[string][]*policy.Policy
}

// NewAuthorizer returns an Authorizer reading policies from src.
func NewAuthorizer(src PolicySource) *Authorizer {
	return &Authorizer{src: src, cache: map[string][]*policy.Policy{}}
}

// Invalidate forgets every cached policy set.
func (a *Authorizer) Invalidate() {
	a.mu.Lock()
	a.gen++
	clear(a.cache)
	a.mu.Unlock()
}

// Policies returns the parsed policies of a principal, in evaluation order.
// Each policy's Name is its source: a managed policy's ARN or
// "inline:<name>". A stored document that no longer parses (it was
// validated when attached, so only a downgrade could cause this) is an
// error rather than silently ignored: the caller fails closed.
func (a *Authorizer) Policies(ctx context.Context, principalID string) ([]*policy.Policy, error) {
	a.mu.RLock()
	ps, ok := a.cache[principalID]
	gen := a.gen
	a.mu.RUnlock()
	if ok {
		return ps, nil
	}
	eff, err := a.src.EffectivePolicies(ctx, principalID)
	if err != nil {
		return nil, fmt.Errorf("load policies of %s: %w", principalID, err)
	}
	ps = make([]*policy.Policy, 0, len(eff))
	for _, e := range eff {
		var p *policy.Policy
		if e.Document == "" {
			name, ok := BuiltInPolicyName(e.Source)
			if !ok {
				continue // an attachment of a policy that is gone: nothing to apply
			}
			p, _ = policy.BuiltIn(name)
		} else {
			p, err = policy.Parse([]byte(e.Document))
			if err != nil {
				return nil, fmt.Errorf("policy %s of %s: %w", e.Source, principalID, err)
			}
		}
		p.Name = e.Source
		ps = append(ps, p)
	}
	a.mu.Lock()
	if a.gen == gen { // not invalidated while we were loading
		a.cache[principalID] = ps
	}
	a.mu.Unlock()
	return ps, nil
}

// Authorize decides req for principal p. The root principal is allowed
// everything. An error means the policies could not be loaded; callers deny.
func (a *Authorizer) Authorize(ctx context.Context, p store.Principal, req policy.Request) (policy.Decision, error) {
	if p.Kind == store.PrincipalRoot {
		return policy.Decision{Allowed: true, Reason: ReasonRoot}, nil
	}
	ps, err := a.Policies(ctx, p.ID)
	if err != nil {
		return policy.Decision{Reason: policy.ReasonImplicitDeny}, err
	}
	return policy.Evaluate(ps, req), nil
}

// DeniedError is an authorisation refusal, worded as AWS words
// AccessDeniedException: the principal, the action and the resource, and
// whether a policy denied explicitly, but never the policy text.
type DeniedError struct {
	PrincipalARN string
	Action       string
	Resource     string
	Explicit     bool
	// Decided names the deciding statement for logs and audit (operators
	// only; callers get Error()).
	Decided string
}

func (e *DeniedError) Error() string {
	why := "because no identity-based policy allows the " + e.Action + " action"
	if e.Explicit {
		why = "with an explicit deny in an identity-based policy"
	}
	return fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", e.PrincipalARN, e.Action, e.Resource, why)
}

// ErrDenied matches every *DeniedError with errors.Is.
var ErrDenied = errors.New("access denied")

// Is makes errors.Is(err, ErrDenied) true.
func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// Check authorises req and returns a *DeniedError when it is refused.
func (a *Authorizer) Check(ctx context.Context, p store.Principal, req policy.Request) error {
	d, err := a.Authorize(ctx, p, req)
	if err != nil {
		return err
	}
	if d.Allowed {
		return nil
	}
	return &DeniedError{
		PrincipalARN: p.ARN, Action: req.Action, Resource: req.Resource,
		Explicit: d.Reason == policy.ReasonExplicitDeny, Decided: d.String(),
	}
}

// RequestContext returns the global condition keys of a request made by p
// over HTTP: aws:SourceIp, aws:CurrentTime, aws:EpochTime,
// aws:SecureTransport, aws:PrincipalArn, aws:PrincipalType, aws:userid and
// (for users) aws:username. Operations add aws:RequestTag/…, aws:TagKeys and
// aws:ResourceTag/… themselves. trustedProxy says whether X-Forwarded-For and
// X-Forwarded-Proto are believed (only behind a proxy the operator runs).
func RequestContext(r *http.Request, p store.Principal, now time.Time, trustedProxy bool) map[string][]string {
	ctx := make(map[string][]string, 10)
	if ip := audit.SourceIP(r, trustedProxy); ip != "" {
		ctx["aws:SourceIp"] = []string{ip}
	}
	now = now.UTC()
	ctx["aws:CurrentTime"] = []string{now.Format(time.RFC3339)}
	ctx["aws:EpochTime"] = []string{strconv.FormatInt(now.Unix(), 10)}
	secure := r.TLS != nil
	if trustedProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		secure = true
	}
	ctx["aws:SecureTransport"] = []string{strconv.FormatBool(secure)}
	if p.ARN != "" {
		ctx["aws:PrincipalArn"] = []string{p.ARN}
	}
	switch p.Kind {
	case store.PrincipalUser:
		ctx["aws:PrincipalType"] = []string{"User"}
		ctx["aws:username"] = []string{p.Name}
	case store.PrincipalRole:
		ctx["aws:PrincipalType"] = []string{"AssumedRole"}
	case store.PrincipalRoot:
		ctx["aws:PrincipalType"] = []string{"Account"}
	}
	if p.ID != "" {
		ctx["aws:userid"] = []string{p.ID}
	}
	for k, v := range p.Tags {
		ctx["aws:PrincipalTag/"+k] = []string{v}
	}
	return ctx
}

// AddTags adds the aws:RequestTag/… keys and aws:TagKeys of the tags a
// request sets (prefix "aws:RequestTag/"), or the aws:ResourceTag/… keys of
// the resource's tags (prefix "aws:ResourceTag/", no TagKeys).
func AddTags(ctx map[string][]string, prefix string, tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for k, v := range tags {
		ctx[prefix+k] = []string{v}
		keys = append(keys, k)
	}
	if prefix == "aws:RequestTag/" {
		ctx["aws:TagKeys"] = keys
	}
}
