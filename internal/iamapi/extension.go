package iamapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/toolgate/toolgate/internal/iam/policy"
	"github.com/toolgate/toolgate/internal/store"
)

// toolgate's extension API (/toolgate/iam/…, signing name "toolgate")
// covers what IAM has no operation for.
//
// Access keys of roles. In AWS a role has no long-term keys: it is assumed
// through STS, which toolgate does not serve. Rather than leave roles as
// mere policy holders, toolgate lets an administrator give a role access
// keys of its own (at most MaxAccessKeys, like a user's), so a workload
// signs as the role and is authorised by the role's policies; the caller's
// ARN is the role's ARN and aws:PrincipalType is "AssumedRole". Keys of a
// role are created, listed, (de)activated and deleted only here, authorised
// as toolgate:<Operation> on the role's ARN; DeleteRole refuses a role
// that still has keys, as DeleteUser does.
//
// Disabling the root principal. The root principal created on first start
// is allowed everything without policies. Once another administrator
// exists it can be disabled (its keys stop authenticating), and enabled
// again by an administrator. Disabling is refused unless another enabled
// principal with an active access key is allowed to administer IAM
// (AdminActions on "*", and toolgate:EnableRoot on the root ARN), so that
// the installation cannot be locked out.

// Extension routes, after the /toolgate prefix.
const (
	RouteCreateRoleAccessKey = "/iam/create-role-access-key"
	RouteListRoleAccessKeys  = "/iam/list-role-access-keys"
	RouteUpdateRoleAccessKey = "/iam/update-role-access-key"
	RouteDeleteRoleAccessKey = "/iam/delete-role-access-key"
	RouteDisableRoot         = "/iam/disable-root"
	RouteEnableRoot          = "/iam/enable-root"
)

// AdminActions are what another principal must be allowed on "*" before
// the root principal may be disabled: enough to create a principal, give
// it keys and attach it any policy.
var AdminActions = []string{"iam:CreateUser", "iam:CreateAccessKey", "iam:AttachUserPolicy", "iam:PutUserPolicy"}

// RoleKeyRequest is the body of the role access-key operations.
type RoleKeyRequest struct {
	RoleName    string `json:"roleName"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	Status      string `json:"status,omitempty"`
}

// RoleAccessKey is a role's access key; SecretAccessKey only at creation.
type RoleAccessKey struct {
	RoleName        string `json:"roleName"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey,omitempty"`
	Status          string `json:"status"`
	CreateDate      string `json:"createDate"`
}

// RootStatus answers disable-root and enable-root.
type RootStatus struct {
	RootARN  string `json:"rootArn"`
	Disabled bool   `json:"disabled"`
}

// RoleResource returns the resource a role access-key operation is
// authorised on: the ARN of the role the body names ("*" when it names
// none).
func (h *Handler) RoleResource(body []byte) string {
	var in RoleKeyRequest
	if json.Unmarshal(body, &in) != nil || in.RoleName == "" {
		return "*"
	}
	return h.RoleARN(context.Background(), in.RoleName)
}

// RootResource returns the root principal's ARN (for the root operations).
func (h *Handler) RootResource([]byte) string { return h.RootARN() }

// Extension returns the handler of the extension routes above; the server
// mounts it under /toolgate/ behind the control plane's authorisation.
func (h *Handler) Extension() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+RouteCreateRoleAccessKey, h.ext(func(ctx context.Context, in RoleKeyRequest) (any, error) {
		p, err := h.extRole(ctx, in)
		if err != nil {
			return nil, err
		}
		k, err := h.issueKey(ctx, p)
		if err != nil {
			return nil, err
		}
		return map[string]RoleAccessKey{"accessKey": {RoleName: p.Name, AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, Status: k.Status, CreateDate: k.CreateDate}}, nil
	}, true))
	mux.HandleFunc("POST "+RouteListRoleAccessKeys, h.ext(func(ctx context.Context, in RoleKeyRequest) (any, error) {
		p, err := h.extRole(ctx, in)
		if err != nil {
			return nil, err
		}
		keys, err := h.o.Store.ListAccessKeys(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		out := make([]RoleAccessKey, len(keys))
		for i, k := range keys {
			out[i] = RoleAccessKey{RoleName: p.Name, AccessKeyID: k.ID, Status: k.Status, CreateDate: timestamp(k.CreatedAt)}
		}
		return map[string][]RoleAccessKey{"accessKeys": out}, nil
	}, false))
	mux.HandleFunc("POST "+RouteUpdateRoleAccessKey, h.ext(func(ctx context.Context, in RoleKeyRequest) (any, error) {
		p, err := h.extRole(ctx, in)
		if err != nil {
			return nil, err
		}
		status, ok := keyStatus(in.Status)
		if !ok {
			return nil, errValidationMsg(`status must be "Active" or "Inactive"`)
		}
		if err := h.setKeyStatus(ctx, p, in.AccessKeyID, status); err != nil {
			return nil, err
		}
		return map[string]string{"roleName": p.Name, "accessKeyId": in.AccessKeyID, "status": status}, nil
	}, true))
	mux.HandleFunc("POST "+RouteDeleteRoleAccessKey, h.ext(func(ctx context.Context, in RoleKeyRequest) (any, error) {
		p, err := h.extRole(ctx, in)
		if err != nil {
			return nil, err
		}
		if err := h.deleteKey(ctx, p, in.AccessKeyID); err != nil {
			return nil, err
		}
		return map[string]string{"roleName": p.Name, "deleted": in.AccessKeyID}, nil
	}, true))
	mux.HandleFunc("POST "+RouteDisableRoot, h.ext(func(ctx context.Context, _ RoleKeyRequest) (any, error) {
		return h.setRootDisabled(ctx, true)
	}, true))
	mux.HandleFunc("POST "+RouteEnableRoot, h.ext(func(ctx context.Context, _ RoleKeyRequest) (any, error) {
		return h.setRootDisabled(ctx, false)
	}, true))
	mux.HandleFunc("/iam/", func(w http.ResponseWriter, r *http.Request) {
		writeExtError(w, h.requestID(r), &apiError{Status: http.StatusNotFound, Code: "UnknownOperationException",
			Message: r.Method + " /toolgate" + r.URL.Path + " is not a toolgate extension operation"})
	})
	return mux
}

// ext adapts an extension operation: JSON in, JSON out, IAM's error codes
// in the restJson1 error shape of the extension API.
func (h *Handler) ext(fn func(context.Context, RoleKeyRequest) (any, error), mutates bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		requestID := h.requestID(r)
		var in RoleKeyRequest
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err == nil && len(strings.TrimSpace(string(body))) > 0 {
			err = json.Unmarshal(body, &in)
		}
		if err != nil {
			writeExtError(w, requestID, errValidationMsg("the body must be a JSON object such as {\"roleName\": \"…\"}"))
			return
		}
		out, err := fn(r.Context(), in)
		if err != nil {
			ae := fromStore(err)
			if ae.Status >= 500 {
				h.o.Logger.Error("iam extension operation failed", "request_id", requestID, "path", r.URL.Path, "err", err)
			}
			writeExtError(w, requestID, ae)
			return
		}
		if mutates {
			h.afterWrite(r.Context())
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", requestID)
		json.NewEncoder(w).Encode(out) //nolint:errcheck // the client went away
	}
}

func writeExtError(w http.ResponseWriter, requestID string, ae *apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", ae.Code)
	if requestID != "" {
		w.Header().Set("X-Amzn-Requestid", requestID)
	}
	w.WriteHeader(ae.Status)
	json.NewEncoder(w).Encode(map[string]string{"message": ae.Message}) //nolint:errcheck
}

// extRole validates a role access-key request and loads the role.
func (h *Handler) extRole(ctx context.Context, in RoleKeyRequest) (store.Principal, error) {
	var v validation
	checkName(&v, "roleName", in.RoleName, 64, true)
	if in.AccessKeyID != "" {
		checkKeyID(&v, in.AccessKeyID)
	}
	if err := v.err(); err != nil {
		return store.Principal{}, err
	}
	return h.principal(ctx, store.PrincipalRole, in.RoleName)
}

// root loads the installation's root principal.
func (h *Handler) root(ctx context.Context) (store.Principal, error) {
	roots, err := h.allPrincipals(ctx, store.PrincipalRoot)
	if err != nil {
		return store.Principal{}, err
	}
	if len(roots) == 0 {
		return store.Principal{}, errNoSuchEntity("This installation has no root principal.")
	}
	return roots[0], nil
}

func (h *Handler) setRootDisabled(ctx context.Context, disabled bool) (any, error) {
	root, err := h.root(ctx)
	if err != nil {
		return nil, err
	}
	if disabled && !root.Disabled {
		admins, err := h.Administrators(ctx)
		if err != nil {
			return nil, err
		}
		if len(admins) == 0 {
			return nil, &apiError{Status: http.StatusConflict, Code: "ConflictException", Message: fmt.Sprintf(
				"The root principal cannot be disabled: no other enabled principal with an active access key is allowed %s on \"*\" and toolgate:EnableRoot on %s, so nobody could administer toolgate. Attach AdministratorAccess to a user with an active access key first.",
				strings.Join(AdminActions, ", "), root.ARN)}
		}
	}
	if root.Disabled != disabled {
		root, err = h.o.Store.UpdatePrincipal(ctx, root.ID, func(p store.Principal) (store.Principal, error) {
			p.Disabled = disabled
			return p, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return RootStatus{RootARN: root.ARN, Disabled: root.Disabled}, nil
}

// Administrators returns the ARNs of the enabled users and roles with an
// active access key whose policies allow AdminActions on "*" and
// toolgate:EnableRoot on the root principal, evaluated with the condition
// keys of their own identity only (a grant that depends on the source
// address or the time of a request does not count).
func (h *Handler) Administrators(ctx context.Context) ([]string, error) {
	var out []string
	for _, kind := range []string{store.PrincipalUser, store.PrincipalRole} {
		all, err := h.allPrincipals(ctx, kind)
		if err != nil {
			return nil, err
		}
		for _, p := range all {
			ok, err := h.isAdministrator(ctx, p)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, p.ARN)
			}
		}
	}
	return out, nil
}

func (h *Handler) isAdministrator(ctx context.Context, p store.Principal) (bool, error) {
	if p.Disabled {
		return false, nil
	}
	keys, err := h.o.Store.ListAccessKeys(ctx, p.ID)
	if err != nil {
		return false, err
	}
	active := false
	for _, k := range keys {
		active = active || k.Status == "Active"
	}
	if !active {
		return false, nil
	}
	reqCtx := map[string][]string{}
	h.principalContext(reqCtx, p)
	checks := make([]policy.Request, 0, len(AdminActions)+1)
	for _, a := range AdminActions {
		checks = append(checks, policy.Request{Action: a, Resource: "*", Context: reqCtx})
	}
	checks = append(checks, policy.Request{Action: "toolgate:EnableRoot", Resource: h.RootARN(), Context: reqCtx})
	for _, req := range checks {
		d, err := h.o.Authorizer.Authorize(ctx, p, req)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !d.Allowed {
			return false, nil
		}
	}
	return true, nil
}
