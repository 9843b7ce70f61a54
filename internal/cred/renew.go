package cred

import (
	"context"
	"net/http"
)

// Renewer is implemented by injectors whose credential can be refused
// before it expires (an OAuth2 access token revoked or rotated at the
// authorization server). When the upstream answers 401 to a request the
// injector prepared, Renew drops the credential that request carried, so
// the next Inject obtains a fresh one, and reports whether sending the
// request once more is worthwhile. Targets retry at most once.
type Renewer interface {
	Renew(ctx context.Context, sent *http.Request) bool
}

// ShouldRetry reports whether a request that got resp deserves one more
// attempt with renewed credentials: the upstream said 401 Unauthorized and
// inj, a Renewer, dropped the credential the request carried.
func ShouldRetry(ctx context.Context, inj Injector, sent *http.Request, resp *http.Response) bool {
	if resp == nil || resp.StatusCode != http.StatusUnauthorized {
		return false
	}
	r, ok := inj.(Renewer)
	return ok && r.Renew(ctx, sent)
}

// PublicError is an injector failure whose Public text is meant for the
// caller of the tool: it says what failed (for example a token endpoint
// refusing the gateway's client) and holds no secret. Error, for logs and
// debug detail, may say more (addresses, causes).
type PublicError interface {
	error
	Public() string
}
