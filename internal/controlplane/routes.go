package controlplane

import (
	"net/http"
)

// routes registers every operation. Paths and methods are AgentCore's
// exactly, trailing slashes included (§2, §3); {$} anchors a pattern so a
// trailing-slash path does not also match its whole subtree.
func (a *api) routes(mux *http.ServeMux) {
	h := func(pattern, op string, res resolver, fn handlerFunc) {
		a.noteRoute(pattern, op)
		mux.HandleFunc(pattern, a.handle(op, res, fn))
	}

	h("POST /gateways/{$}", "CreateGateway", onNewGateway, a.createGateway)
	h("GET /gateways/{$}", "ListGateways", onNothing, a.listGateways)
	h("GET /gateways/{gatewayIdentifier}/{$}", "GetGateway", onGateway, a.getGateway)
	h("PUT /gateways/{gatewayIdentifier}/{$}", "UpdateGateway", onGateway, a.updateGateway)
	h("DELETE /gateways/{gatewayIdentifier}/{$}", "DeleteGateway", onGateway, a.deleteGateway)

	h("POST /gateways/{gatewayIdentifier}/targets/{$}", "CreateGatewayTarget", onTargetCreate, a.createTarget)
	h("GET /gateways/{gatewayIdentifier}/targets/{$}", "ListGatewayTargets", onGateway, a.listTargets)
	h("GET /gateways/{gatewayIdentifier}/targets/{targetId}/{$}", "GetGatewayTarget", onGateway, a.getTarget)
	h("PUT /gateways/{gatewayIdentifier}/targets/{targetId}/{$}", "UpdateGatewayTarget", onGateway, a.updateTarget)
	h("DELETE /gateways/{gatewayIdentifier}/targets/{targetId}/{$}", "DeleteGatewayTarget", onGateway, a.deleteTarget)
	h("PUT /gateways/{gatewayIdentifier}/synchronizeTargets", "SynchronizeGatewayTargets", onGateway, a.synchronizeTargets)

	h("POST /identities/CreateApiKeyCredentialProvider", "CreateApiKeyCredentialProvider", onAPIKeyProvider, a.createAPIKeyProvider)
	h("POST /identities/GetApiKeyCredentialProvider", "GetApiKeyCredentialProvider", onAPIKeyProvider, a.getAPIKeyProvider)
	h("POST /identities/UpdateApiKeyCredentialProvider", "UpdateApiKeyCredentialProvider", onAPIKeyProvider, a.updateAPIKeyProvider)
	h("POST /identities/DeleteApiKeyCredentialProvider", "DeleteApiKeyCredentialProvider", onAPIKeyProvider, a.deleteAPIKeyProvider)
	h("POST /identities/ListApiKeyCredentialProviders", "ListApiKeyCredentialProviders", onNothing, a.listAPIKeyProviders)

	h("POST /identities/CreateOauth2CredentialProvider", "CreateOauth2CredentialProvider", onOAuth2Provider, a.createOAuth2Provider)
	h("POST /identities/GetOauth2CredentialProvider", "GetOauth2CredentialProvider", onOAuth2Provider, a.getOAuth2Provider)
	h("POST /identities/UpdateOauth2CredentialProvider", "UpdateOauth2CredentialProvider", onOAuth2Provider, a.updateOAuth2Provider)
	h("POST /identities/DeleteOauth2CredentialProvider", "DeleteOauth2CredentialProvider", onOAuth2Provider, a.deleteOAuth2Provider)
	h("POST /identities/ListOauth2CredentialProviders", "ListOauth2CredentialProviders", onNothing, a.listOAuth2Providers)

	h("POST /identities/CreateWorkloadIdentity", "CreateWorkloadIdentity", onWorkloadIdentity, a.createWorkloadIdentity)
	h("POST /identities/GetWorkloadIdentity", "GetWorkloadIdentity", onWorkloadIdentity, a.getWorkloadIdentity)
	h("POST /identities/UpdateWorkloadIdentity", "UpdateWorkloadIdentity", onWorkloadIdentity, a.updateWorkloadIdentity)
	h("POST /identities/DeleteWorkloadIdentity", "DeleteWorkloadIdentity", onWorkloadIdentity, a.deleteWorkloadIdentity)
	h("POST /identities/ListWorkloadIdentities", "ListWorkloadIdentities", onNothing, a.listWorkloadIdentities)

	h("POST /identities/get-token-vault", "GetTokenVault", onTokenVault, a.getTokenVault)
	h("POST /identities/set-token-vault-cmk", "SetTokenVaultCMK", onTokenVault, a.setTokenVaultCMK)
	h("POST /identities/reset-token-vault-key-material", "ResetTokenVaultKeyMaterial", onTokenVault, a.resetTokenVaultKeyMaterial)

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
