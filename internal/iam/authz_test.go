package iam

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/store"
)

// fakePolicies serves EffectivePolicies from a map and counts the loads.
type fakePolicies struct {
	byPrincipal map[string][]store.EffectivePolicy
	loads       atomic.Int32
	err         error
}

func (f *fakePolicies) EffectivePolicies(_ context.Context, id string) ([]store.EffectivePolicy, error) {
	f.loads.Add(1)
	return f.byPrincipal[id], f.err
}

const (
	gwARN    = "arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-1"
	denyDoc  = `{"Version":"2012-10-17","Statement":{"Sid":"NoDelete","Effect":"Deny","Action":"bedrock-agentcore:Delete*","Resource":"*"}}`
	allowDoc = `{"Version":"2012-10-17","Statement":{"Sid":"Read","Effect":"Allow","Action":"bedrock-agentcore:Get*","Resource":"*"}}`
)

func TestAuthorize(t *testing.T) {
	src := &fakePolicies{byPrincipal: map[string][]store.EffectivePolicy{
		"ops": {
			{Source: BuiltInPolicyARN("AgentCoreFullAccess")},
			{Source: "inline:no-delete", Document: denyDoc},
		},
		"reader": {
			{Source: "arn:aws:iam::111122223333:policy/read", Document: allowDoc},
			{Source: "arn:aws:iam::aws:policy/NoSuchBuiltIn"}, // skipped
		},
	}}
	a := NewAuthorizer(src)
	ctx := context.Background()
	cases := []struct {
		principal store.Principal
		action    string
		allowed   bool
		reason    string
		decidedBy string
	}{
		{store.Principal{ID: "root", Kind: store.PrincipalRoot}, "bedrock-agentcore:DeleteGateway", true, ReasonRoot, ""},
		{store.Principal{ID: "ops", Kind: store.PrincipalUser}, "bedrock-agentcore:CreateGateway", true, policy.ReasonAllow, BuiltInPolicyARN("AgentCoreFullAccess")},
		{store.Principal{ID: "ops", Kind: store.PrincipalUser}, "bedrock-agentcore:DeleteGateway", false, policy.ReasonExplicitDeny, "inline:no-delete"},
		{store.Principal{ID: "reader", Kind: store.PrincipalUser}, "bedrock-agentcore:GetGateway", true, policy.ReasonAllow, "arn:aws:iam::111122223333:policy/read"},
		{store.Principal{ID: "reader", Kind: store.PrincipalUser}, "bedrock-agentcore:UpdateGateway", false, policy.ReasonImplicitDeny, ""},
		{store.Principal{ID: "nobody", Kind: store.PrincipalRole}, "bedrock-agentcore:GetGateway", false, policy.ReasonImplicitDeny, ""},
	}
	for _, c := range cases {
		d, err := a.Authorize(ctx, c.principal, policy.Request{Action: c.action, Resource: gwARN})
		if err != nil {
			t.Fatal(err)
		}
		by := ""
		if d.Statement != nil {
			by = d.Statement.PolicyName
		}
		got := []any{d.Allowed, d.Reason, by}
		if diff := cmp.Diff([]any{c.allowed, c.reason, c.decidedBy}, got); diff != "" {
			t.Errorf("%s %s: (-want +got)\n%s", c.principal.ID, c.action, diff)
		}
	}
	// Policies are cached until Invalidate.
	loads := src.loads.Load()
	a.Authorize(ctx, store.Principal{ID: "ops", Kind: store.PrincipalUser}, policy.Request{Action: "x:y", Resource: "*"})
	if src.loads.Load() != loads {
		t.Error("cached policies were loaded again")
	}
	a.Invalidate()
	a.Authorize(ctx, store.Principal{ID: "ops", Kind: store.PrincipalUser}, policy.Request{Action: "x:y", Resource: "*"})
	if src.loads.Load() != loads+1 {
		t.Error("Invalidate did not force a reload")
	}
}

func TestCheckDeniedMessage(t *testing.T) {
	src := &fakePolicies{byPrincipal: map[string][]store.EffectivePolicy{
		"ops": {{Source: "inline:no-delete", Document: denyDoc}},
	}}
	a := NewAuthorizer(src)
	alice := store.Principal{ID: "ops", Kind: store.PrincipalUser, ARN: "arn:aws:iam::111122223333:user/alice"}
	err := a.Check(context.Background(), alice, policy.Request{Action: "bedrock-agentcore:DeleteGateway", Resource: gwARN})
	var de *DeniedError
	if !errors.As(err, &de) || !errors.Is(err, ErrDenied) {
		t.Fatalf("Check = %v, want a *DeniedError", err)
	}
	want := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: bedrock-agentcore:DeleteGateway on resource: " + gwARN + " with an explicit deny in an identity-based policy"
	if de.Error() != want {
		t.Errorf("message\n got %s\nwant %s", de.Error(), want)
	}
	if strings.Contains(de.Error(), "Delete*") || !strings.Contains(de.Decided, "NoDelete") {
		t.Errorf("message leaks policy text or Decided lacks the statement: %q / %q", de.Error(), de.Decided)
	}
	err = a.Check(context.Background(), alice, policy.Request{Action: "bedrock-agentcore:GetGateway", Resource: gwARN})
	if !errors.As(err, &de) || de.Explicit || !strings.Contains(de.Error(), "because no identity-based policy allows the bedrock-agentcore:GetGateway action") {
		t.Errorf("implicit deny: %v", err)
	}
	// A store failure is an error, not an allow.
	src.err = errors.New("database is gone")
	a.Invalidate()
	if err := a.Check(context.Background(), alice, policy.Request{Action: "bedrock-agentcore:GetGateway", Resource: gwARN}); err == nil || errors.Is(err, ErrDenied) {
		t.Errorf("store failure: %v", err)
	}
	// A broken stored document fails closed with an error naming its source.
	src.err = nil
	src.byPrincipal["ops"] = []store.EffectivePolicy{{Source: "inline:broken", Document: `{"Statement":[]`}}
	a.Invalidate()
	if err := a.Check(context.Background(), alice, policy.Request{Action: "bedrock-agentcore:GetGateway", Resource: gwARN}); err == nil || !strings.Contains(err.Error(), "inline:broken") {
		t.Errorf("broken document: %v", err)
	}
}

func TestRequestContext(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
	r.Header.Set("X-Forwarded-Proto", "https")
	alice := store.Principal{ID: "AIDAX", Name: "alice", ARN: "arn:aws:iam::1:user/alice", Kind: store.PrincipalUser, Tags: map[string]string{"team": "sre"}}

	got := RequestContext(r, alice, now, false)
	want := map[string][]string{
		"aws:SourceIp": {"10.1.2.3"}, "aws:CurrentTime": {"2026-12-06T12:00:00Z"}, "aws:EpochTime": {"1796558400"},
		"aws:SecureTransport": {"false"}, "aws:PrincipalArn": {"arn:aws:iam::1:user/alice"}, "aws:PrincipalType": {"User"},
		"aws:username": {"alice"}, "aws:userid": {"AIDAX"}, "aws:PrincipalTag/team": {"sre"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("untrusted proxy (-want +got)\n%s", diff)
	}
	got = RequestContext(r, alice, now, true)
	if got["aws:SourceIp"][0] != "203.0.113.9" || got["aws:SecureTransport"][0] != "true" {
		t.Errorf("trusted proxy: %v %v", got["aws:SourceIp"], got["aws:SecureTransport"])
	}
	r.TLS = &tls.ConnectionState{}
	if got := RequestContext(r, alice, now, false); got["aws:SecureTransport"][0] != "true" {
		t.Error("TLS request is not SecureTransport")
	}

	AddTags(got, "aws:RequestTag/", map[string]string{"env": "prod"})
	AddTags(got, "aws:ResourceTag/", map[string]string{"owner": "bob"})
	if got["aws:RequestTag/env"][0] != "prod" || got["aws:ResourceTag/owner"][0] != "bob" || !cmp.Equal(got["aws:TagKeys"], []string{"env"}) {
		t.Errorf("tags: %v", got)
	}
}
