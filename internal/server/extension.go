package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/toolgate/toolgate/internal/idp"
	"github.com/toolgate/toolgate/internal/store"
)

// ExtensionSigningName is the SigV4 signing name of toolgate's own
// extension API under /toolgate/ on the control plane: operations AWS has
// no API for (DESIGN §2.2).
const ExtensionSigningName = "toolgate"

// extensionAPI serves /toolgate/… (after the prefix is stripped).
func extensionAPI(idpSrv *idp.Server, trail *auditTrail) http.Handler {
	mux := http.NewServeMux()
	trail.register(mux) // GET /audit/events, GET /audit/tail
	// POST /idp/rotate-signing-key {"userPoolId": "..."}: a new signing key
	// signs from now on; the previous one stays in the JWKS until the
	// tokens it signed have expired.
	mux.HandleFunc("POST /idp/rotate-signing-key", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			UserPoolID string `json:"userPoolId"`
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err := json.Unmarshal(body, &in); err != nil || in.UserPoolID == "" {
			extensionError(w, http.StatusBadRequest, "ValidationException", "body must be {\"userPoolId\": \"<pool id>\"}")
			return
		}
		key, err := idpSrv.RotateSigningKey(r.Context(), in.UserPoolID)
		if errors.Is(err, store.ErrNotFound) {
			extensionError(w, http.StatusNotFound, "ResourceNotFoundException", "user pool "+in.UserPoolID+" not found")
			return
		}
		if err != nil {
			extensionError(w, http.StatusInternalServerError, "InternalServerException", "the key could not be rotated; see the server log")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"userPoolId": in.UserPoolID, "kid": key.KeyID, "createdAt": key.CreatedAt.UTC().Format(time.RFC3339)})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		extensionError(w, http.StatusNotFound, "UnknownOperationException", r.Method+" /toolgate"+r.URL.Path+" is not a toolgate extension operation")
	})
	return mux
}

func extensionError(w http.ResponseWriter, status int, code, msg string) {
	writeExtensionError(w, "", status, code, msg)
}

// writeExtensionError answers with a restJson1-style error, as the
// AgentCore API does.
func writeExtensionError(w http.ResponseWriter, requestID string, status int, code, msg string) {
	if requestID != "" {
		w.Header().Set("X-Amzn-Requestid", requestID)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
