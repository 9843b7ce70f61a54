package controlplane

import (
	"net/http"
)

// routes registers every operation. Paths and methods are AgentCore's
// exactly, trailing slashes included (§2, §3); {$} anchors a pattern so a
// trailing-slash path does not also match its whole subtree.
func (a *api) routes(mux *http.ServeMux) {
	h := func(pattern, op string, fn handlerFunc) { mux.HandleFunc(pattern, a.handle(op, fn)) }

	h("POST /gateways/{$}", "CreateGateway", a.createGateway)
	h("GET /gateways/{$}", "ListGateways", a.listGateways)
	h("GET /gateways/{gatewayIdentifier}/{$}", "GetGateway", a.getGateway)
	h("PUT /gateways/{gatewayIdentifier}/{$}", "UpdateGateway", a.updateGateway)
	h("DELETE /gateways/{gatewayIdentifier}/{$}", "DeleteGateway", a.deleteGateway)

	h("POST /gateways/{gatewayIdentifier}/targets/{$}", "CreateGatewayTarget", a.createTarget)
	h("GET /gateways/{gatewayIdentifier}/targets/{$}", "ListGatewayTargets", a.listTargets)
	h("GET /gateways/{gatewayIdentifier}/targets/{targetId}/{$}", "GetGatewayTarget", a.getTarget)
	h("PUT /gateways/{gatewayIdentifier}/targets/{targetId}/{$}", "UpdateGatewayTarget", a.updateTarget)
	h("DELETE /gateways/{gatewayIdentifier}/targets/{targetId}/{$}", "DeleteGatewayTarget", a.deleteTarget)
	h("PUT /gateways/{gatewayIdentifier}/synchronizeTargets", "SynchronizeGatewayTargets", a.synchronizeTargets)

	h("POST /identities/CreateApiKeyCredentialProvider", "CreateApiKeyCredentialProvider", a.createAPIKeyProvider)
	h("POST /identities/GetApiKeyCredentialProvider", "GetApiKeyCredentialProvider", a.getAPIKeyProvider)
	h("POST /identities/UpdateApiKeyCredentialProvider", "UpdateApiKeyCredentialProvider", a.updateAPIKeyProvider)
	h("POST /identities/DeleteApiKeyCredentialProvider", "DeleteApiKeyCredentialProvider", a.deleteAPIKeyProvider)
	h("POST /identities/ListApiKeyCredentialProviders", "ListApiKeyCredentialProviders", a.listAPIKeyProviders)

	// Everything else: AgentCore operations this release does not implement
	// get a clear "not supported" error instead of a wrong result.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		op := operationName(r)
		writeAPIError(w, requestID(r), errUnsupportedRoute(op, r))
	})
}

// operationName names the AgentCore operation a request is for, when it can
// be told from the path, for the "not supported" message.
func operationName(r *http.Request) string {
	p := r.URL.Path
	if len(p) > len("/identities/") && p[:len("/identities/")] == "/identities/" {
		return p[len("/identities/"):]
	}
	return r.Method + " " + p
}

func errUnsupportedRoute(op string, r *http.Request) *apiError {
	e := errUnsupported(op)
	e.Status = http.StatusNotFound
	e.Code = "UnknownOperationException"
	return e
}
