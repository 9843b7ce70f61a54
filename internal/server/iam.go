package server

import (
	"net/http"

	"github.com/toolgate/toolgate/internal/controlplane"
	"github.com/toolgate/toolgate/internal/iamapi"
)

// iamService mounts the IAM Query API at /iam/ on the control plane
// (signing name "iam"), authorised by the control plane as iam:<Action>.
func iamService(h *iamapi.Handler) controlplane.Service {
	return controlplane.Service{
		Prefix: "/iam/", SigningName: iamapi.SigningName, Handler: h,
		Classify: h.Classify, WriteError: iamapi.WriteError,
	}
}

// withIAMExtension serves the IAM extension routes (/toolgate/iam/…: role
// access keys, disabling root) beside the rest of the extension API.
func withIAMExtension(rest http.Handler, h *iamapi.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/iam/", h.Extension())
	mux.Handle("/", rest)
	return mux
}

// iamExtensionOperations are the extension operations of the IAM API, for
// extensionOperations: role access keys on the role's ARN, root
// operations on the root principal's ARN.
func iamExtensionOperations(h *iamapi.Handler) map[string]extensionOperation {
	return map[string]extensionOperation{
		"POST " + iamapi.RouteCreateRoleAccessKey: {Name: "CreateRoleAccessKey", Resource: h.RoleResource},
		"POST " + iamapi.RouteListRoleAccessKeys:  {Name: "ListRoleAccessKeys", ReadOnly: true, Resource: h.RoleResource},
		"POST " + iamapi.RouteUpdateRoleAccessKey: {Name: "UpdateRoleAccessKey", Resource: h.RoleResource},
		"POST " + iamapi.RouteDeleteRoleAccessKey: {Name: "DeleteRoleAccessKey", Resource: h.RoleResource},
		"POST " + iamapi.RouteDisableRoot:         {Name: "DisableRoot", Resource: h.RootResource},
		"POST " + iamapi.RouteEnableRoot:          {Name: "EnableRoot", Resource: h.RootResource},
	}
}
