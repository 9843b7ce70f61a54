// Package authn authenticates inbound data-plane requests per gateway
// authorizer. This release implements NONE; CUSTOM_JWT and
// AUTHENTICATE_ONLY (issue 3) and AWS_IAM (issue 5) fail closed with the
// challenge a client expects, so a gateway configured for them is never open.
package authn

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/toolgate/toolgate/internal/catalog"
)

// Authorizer implements dataplane.Authorizer.
type Authorizer struct {
	dataURL string
}

// NewAuthorizer returns an Authorizer; dataURL is the public data-plane base
// URL used in resource_metadata challenges.
func NewAuthorizer(dataURL string) *Authorizer { return &Authorizer{dataURL: dataURL} }

// ErrNotImplemented is logged when a gateway uses an authorizer this
// release cannot evaluate; the request is refused.
var ErrNotImplemented = errors.New("authorizer not implemented in this release; request refused")

// Authorize lets a request through (nil) or writes the refusal.
func (a *Authorizer) Authorize(w http.ResponseWriter, r *http.Request, gw *catalog.Gateway) error {
	switch gw.AuthorizerType {
	case "NONE":
		return nil
	case "CUSTOM_JWT", "AUTHENTICATE_ONLY":
		prm := fmt.Sprintf("%s/.well-known/oauth-protected-resource/gateways/%s/mcp", a.dataURL, gw.ID)
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="invalid_token", error_description="this toolgate release cannot validate %s tokens yet", resource_metadata=%q`, gw.AuthorizerType, prm))
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return fmt.Errorf("%s: %w", gw.AuthorizerType, ErrNotImplemented)
	default: // AWS_IAM and anything unknown
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"message":"gateway authorizer %s is not available in this toolgate release"}`+"\n", gw.AuthorizerType)
		return fmt.Errorf("%s: %w", gw.AuthorizerType, ErrNotImplemented)
	}
}
