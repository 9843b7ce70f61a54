package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/toolgate/toolgate/internal/arn"
	"github.com/toolgate/toolgate/internal/iam"
	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/store"
)

// Operation is what a control-plane request asks to do, as IAM sees it: the
// action and the resource it is authorised on, and the tags the condition
// keys aws:RequestTag/…, aws:TagKeys and aws:ResourceTag/… come from. The
// control plane resolves it before the handler runs and authorises it in one
// place, so no handler can forget to; audit events are built from it too.
type Operation struct {
	// Service is the IAM service prefix: "bedrock-agentcore", "iam",
	// "cognito-idp", "toolgate".
	Service string
	// Name is the operation name, e.g. "CreateGateway".
	Name string
	// ReadOnly is true for operations that change nothing (Get, List,
	// Describe, Simulate...): CloudTrail's readOnly.
	ReadOnly bool
	// Resource is the ARN the operation touches, or "*" when it touches no
	// single resource (ListGateways).
	Resource     string
	RequestTags  map[string]string
	ResourceTags map[string]string

	// newID is the id CreateGateway authorised the new gateway's ARN with;
	// the handler creates the gateway under it.
	newID string
}

// Action is the IAM action, "<service>:<name>".
func (o Operation) Action() string { return o.Service + ":" + o.Name }

type operationKey struct{}

// OperationFrom returns the authorised operation of a request.
func OperationFrom(ctx context.Context) (Operation, bool) {
	o, ok := ctx.Value(operationKey{}).(Operation)
	return o, ok
}

// readOnlyName reports whether an operation name reads only, by AWS's
// naming conventions.
func readOnlyName(name string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Simulate"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// readBody reads a bounded request body and puts it back, so the resolver
// and then the handler can both read it.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errValidation(fmt.Sprintf("request body exceeds %d bytes", maxBody))
		}
		return nil, errValidation("cannot read request body")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// authorize decides op for the request's principal. A refusal is an
// *iam.DeniedError; a failure to load policies is an internal error (and
// refuses too).
func (a *api) authorize(r *http.Request, op Operation) error {
	p, ok := PrincipalFrom(r)
	if !ok {
		return errors.New("authorize: no authenticated principal")
	}
	ctx := iam.RequestContext(r, p, a.Now(), a.TrustForwardedHeaders)
	iam.AddTags(ctx, "aws:RequestTag/", op.RequestTags)
	iam.AddTags(ctx, "aws:ResourceTag/", op.ResourceTags)
	return a.Authorizer.Check(r.Context(), p, policy.Request{Action: op.Action(), Resource: op.Resource, Context: ctx})
}

// logDenied records a refusal for operators, with the deciding statement
// (never sent to the caller).
func (a *api) logDenied(r *http.Request, op Operation, de *iam.DeniedError) {
	a.Logger.Info("control-plane call denied", "request_id", requestID(r), "op", op.Name,
		"principal", de.PrincipalARN, "action", de.Action, "resource", de.Resource, "decision", de.Decided)
}

// resolver names the resource of an AgentCore operation from its request.
type resolver func(a *api, r *http.Request, body []byte) Operation

// onNothing is the resolver of operations that touch no single resource.
func onNothing(*api, *http.Request, []byte) Operation { return Operation{Resource: "*"} }

// onGateway resolves operations on the gateway in the path (gateway targets
// are authorised on their gateway, as in AgentCore).
func onGateway(a *api, r *http.Request, _ []byte) Operation {
	id := r.PathValue("gatewayIdentifier")
	return Operation{Resource: arn.Gateway(a.Region, a.AccountID, id), ResourceTags: a.gatewayTags(r.Context(), id)}
}

// onNewGateway resolves CreateGateway: the ARN the new gateway will have,
// with the tags the request sets.
func onNewGateway(a *api, r *http.Request, body []byte) Operation {
	var in struct {
		Name string            `json:"name"`
		Tags map[string]string `json:"tags"`
	}
	_ = json.Unmarshal(body, &in) // the handler validates strictly
	id := newGatewayID(in.Name)
	return Operation{Resource: arn.Gateway(a.Region, a.AccountID, id), RequestTags: in.Tags, newID: id}
}

// onTargetCreate resolves CreateGatewayTarget: the gateway, with no request
// tags (targets have none).
var onTargetCreate = onGateway

// onAPIKeyProvider resolves API-key provider operations by the name in the
// body; Create adds the request's tags, the others the provider's.
func onAPIKeyProvider(a *api, r *http.Request, body []byte) Operation {
	var in struct {
		Name string            `json:"name"`
		Tags map[string]string `json:"tags"`
	}
	_ = json.Unmarshal(body, &in)
	op := Operation{Resource: arn.APIKeyProvider(a.Region, a.AccountID, in.Name)}
	if in.Name == "" {
		op.Resource = "*"
	}
	if in.Tags != nil {
		op.RequestTags = in.Tags
	} else if in.Name != "" {
		if p, err := a.Store.GetAPIKeyProvider(r.Context(), in.Name); err == nil {
			op.ResourceTags = p.Tags
		}
	}
	return op
}

// onOAuth2Provider resolves OAuth2 provider operations by the name in the
// body, as onAPIKeyProvider does.
func onOAuth2Provider(a *api, r *http.Request, body []byte) Operation {
	var in struct {
		Name string            `json:"name"`
		Tags map[string]string `json:"tags"`
	}
	_ = json.Unmarshal(body, &in)
	op := Operation{Resource: arn.OAuth2Provider(a.Region, a.AccountID, in.Name)}
	if in.Name == "" {
		op.Resource = "*"
	}
	if in.Tags != nil {
		op.RequestTags = in.Tags
	} else if ps, ok := a.Store.(store.OAuth2ProviderStore); ok && in.Name != "" {
		if p, err := ps.GetOAuth2Provider(r.Context(), in.Name); err == nil {
			op.ResourceTags = p.Tags
		}
	}
	return op
}

// gatewayTags returns a gateway's tags for aws:ResourceTag/…; none when it
// does not exist (the handler then answers ResourceNotFound).
func (a *api) gatewayTags(ctx context.Context, id string) map[string]string {
	g, err := a.Store.GetGateway(ctx, id)
	if err != nil {
		return nil
	}
	var cfg struct {
		Tags map[string]string `json:"tags"`
	}
	_ = json.Unmarshal(g.Config, &cfg)
	return cfg.Tags
}

// noPolicies is the policy source when the store keeps none: only the root
// principal is allowed anything (fail closed).
type noPolicies struct{}

func (noPolicies) EffectivePolicies(context.Context, string) ([]store.EffectivePolicy, error) {
	return nil, nil
}

// NewAuthorizer returns the Authorizer for a store: reading its policies
// when it keeps them (store.IAMStore), else allowing only the root principal.
func NewAuthorizer(st store.Store) *iam.Authorizer {
	if src, ok := st.(iam.PolicySource); ok {
		return iam.NewAuthorizer(src)
	}
	return iam.NewAuthorizer(noPolicies{})
}
