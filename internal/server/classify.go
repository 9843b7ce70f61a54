package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"strings"

	"github.com/toolgate/toolgate/internal/cognito"
	"github.com/toolgate/toolgate/internal/controlplane"
	"github.com/toolgate/toolgate/internal/iamapi"
)

// The mounted APIs name the operation of each request for authorisation and
// audit (controlplane.Service.Classify): the Cognito user-pool API by its
// X-Amz-Target, toolgate's extension API by its route.

// cognitoClassifier authorises Cognito operations as cognito-idp:<Operation>
// on the pool the request names (UserPoolId), or "*" (CreateUserPool,
// ListUserPools).
func cognitoClassifier(region, account string) func(*http.Request, []byte) (controlplane.Operation, bool) {
	return func(r *http.Request, body []byte) (controlplane.Operation, bool) {
		name, ok := cognito.Operation(r)
		if !ok || name == "" {
			return controlplane.Operation{}, false
		}
		var in struct {
			UserPoolID string            `json:"UserPoolId"`
			Tags       map[string]string `json:"UserPoolTags"`
		}
		_ = json.Unmarshal(body, &in) // the handler validates strictly
		op := controlplane.Operation{
			Service: cognito.SigningName, Name: name, Resource: "*", RequestTags: in.Tags,
			ReadOnly: strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Get"),
		}
		if in.UserPoolID != "" {
			op.Resource = "arn:aws:cognito-idp:" + region + ":" + account + ":userpool/" + in.UserPoolID
		}
		return op, true
	}
}

// extensionOperation is one operation of toolgate's extension API.
type extensionOperation struct {
	Name     string
	ReadOnly bool
	// Resource names the resource from the request body; nil means "*".
	Resource func(body []byte) string
}

// extensionOperations maps each route of the extension API (after the
// /toolgate prefix) to its IAM action toolgate:<Name>, with the IAM API's
// (iam.go: role access keys, disabling root).
func extensionOperations(region, account string, iamAPI *iamapi.Handler) map[string]extensionOperation {
	pool := func(body []byte) string {
		var in struct {
			UserPoolID string `json:"userPoolId"`
		}
		if json.Unmarshal(body, &in) != nil || in.UserPoolID == "" {
			return "*"
		}
		return "arn:aws:cognito-idp:" + region + ":" + account + ":userpool/" + in.UserPoolID
	}
	ops := map[string]extensionOperation{
		"POST /idp/rotate-signing-key": {Name: "RotateSigningKey", Resource: pool},
		"GET /audit/events":            {Name: "QueryAuditEvents", ReadOnly: true},
		"GET /audit/tail":              {Name: "TailAuditEvents", ReadOnly: true},
	}
	maps.Copy(ops, iamExtensionOperations(iamAPI))
	return ops
}

// extensionClassifier classifies extension requests by method and path.
func extensionClassifier(ops map[string]extensionOperation) func(*http.Request, []byte) (controlplane.Operation, bool) {
	return func(r *http.Request, body []byte) (controlplane.Operation, bool) {
		path := strings.TrimPrefix(r.URL.Path, "/toolgate")
		eo, ok := ops[r.Method+" "+path]
		if !ok {
			return controlplane.Operation{}, false
		}
		op := controlplane.Operation{Service: ExtensionSigningName, Name: eo.Name, ReadOnly: eo.ReadOnly, Resource: "*"}
		if eo.Resource != nil {
			op.Resource = eo.Resource(body)
		}
		return op, true
	}
}
