package iamapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/toolgate/toolgate/internal/store"
)

// While the root principal is disabled, the last administrator (see
// Administrators) must not lock everybody out: changes to it that could
// take away its administration — its last active key, its policies, its
// name, the default version of a policy attached to it — are refused until
// root is enabled again or another administrator exists. The check is
// deliberately coarse (it refuses such a change even when the result would
// still be an administrator): the way out is always one command away.

// lastAdmin reports whether root is disabled and p is the only
// administrator.
func (h *Handler) lastAdmin(ctx context.Context, p store.Principal) (bool, error) {
	root, err := h.root(ctx)
	if err != nil || !root.Disabled {
		return false, nil //nolint:nilerr // no root principal: nothing to protect
	}
	admins, err := h.Administrators(ctx)
	if err != nil {
		return false, err
	}
	return len(admins) == 1 && admins[0] == p.ARN, nil
}

func errLastAdmin(p store.Principal) *apiError {
	return &apiError{Status: http.StatusConflict, Code: "DeleteConflict", Message: p.ARN +
		" is the only administrator and the root principal is disabled, so this change could lock everybody out. " +
		"Enable root (toolgate iam root enable) or make another administrator first."}
}

// guardPrincipal refuses a change to p's policies or name when p is the
// last administrator.
func (h *Handler) guardPrincipal(ctx context.Context, p store.Principal) error {
	last, err := h.lastAdmin(ctx, p)
	if err != nil {
		return err
	}
	if last {
		return errLastAdmin(p)
	}
	return nil
}

// guardKey refuses deactivating or deleting the last active key of the
// last administrator.
func (h *Handler) guardKey(ctx context.Context, p store.Principal, keyID string) error {
	keys, err := h.o.Store.ListAccessKeys(ctx, p.ID)
	if err != nil {
		return err
	}
	others := slices.ContainsFunc(keys, func(k store.AccessKey) bool { return k.ID != keyID && k.Status == "Active" })
	if others {
		return nil
	}
	return h.guardPrincipal(ctx, p)
}

// guardPolicy refuses changing which document of a managed policy is in
// effect while it is attached to the last administrator.
func (h *Handler) guardPolicy(ctx context.Context, arn string) error {
	attached, err := h.o.Store.ListPolicyAttachments(ctx, arn)
	if err != nil {
		return err
	}
	for _, p := range attached {
		if err := h.guardPrincipal(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
